"""The load generator against the fake OpenAI server on loopback: windows, latencies, tokens, errors."""

from __future__ import annotations

import asyncio
import time

import pytest

from fakes_serving import fake_server, free_port
from wattprint.errors import WattprintError
from wattprint.serving.loadgen import Level, LoadGenerator, WindowPolicy
from wattprint.serving.prompts import PromptSource, load_prompts

FAST = WindowPolicy(min_window_s=0.5, min_requests=8, max_level_s=10, drain_s=5)


def _gen(url: str, **kw) -> LoadGenerator:
    return LoadGenerator(url, prompts=PromptSource(input_tokens=20, output_tokens=5), **kw)


def test_closed_loop_window_latencies_and_usage_tokens():
    with fake_server("--ttft-ms", "20", "--itl-ms", "5") as url:
        g = _gen(url)
        info = asyncio.run(g.probe())
        assert info.model == "fake-model" and info.engine_version == "fake-openai 1.0" and info.fixed_output
        edges = []
        load = asyncio.run(g.run_level(Level("concurrency", 4), FAST,
                                       on_window_start=lambda: edges.append(("start", time.perf_counter())),
                                       on_window_end=lambda: edges.append(("end", time.perf_counter()))))
    assert [e[0] for e in edges] == ["start", "end"]
    assert not load.failed and not load.short
    done_before = [r for r in load.records if r.end <= load.window_start]
    assert len(done_before) == 4  # the ramp-up: the first C completions, left out of the window
    assert load.window_end - load.window_start >= FAST.min_window_s
    ok = [r for r in load.records if r.ok]
    assert len(ok) == len(load.records) and len(ok) >= 12
    for r in ok:
        assert r.tokens_from_usage and r.output_tokens == 5 and r.input_tokens == 20  # fake: 1 token per word
        assert r.ttft_s >= 0.019
        assert len(r.chunk_times) == 5 and len(r.itl_samples()) == 4
        # the server sends chunk i at ttft + i x itl after the request: arrivals can only be later
        # (a busy client may read chunks bunched, so single gaps prove nothing)
        assert r.chunk_times[-1] - r.start >= 0.020 + 4 * 0.005 * 0.95
        assert r.e2e_s >= r.chunk_times[-1] - r.start


def test_poisson_rate_is_about_the_asked_rate():
    with fake_server() as url:
        g = _gen(url, seed=1)
        asyncio.run(g.probe())
        load = asyncio.run(g.run_level(Level("rate", 40), WindowPolicy(min_window_s=1.5, min_requests=10,
                                                                       max_level_s=10)))
    sent = [r for r in load.records if load.issue_start <= r.start <= load.window_end]
    rate = len(sent) / (load.window_end - load.issue_start)
    assert 20 < rate < 70  # Poisson with 40/s over ~2 s: well inside these bounds


def test_http_errors_are_counted_not_hidden():
    with fake_server("--fail-every", "3") as url:
        g = _gen(url)
        asyncio.run(g.probe())  # request 1 ok
        load = asyncio.run(g.run_level(Level("concurrency", 2), FAST))
    bad = [r for r in load.records if not r.ok]
    assert bad and all(r.status == 500 and "HTTP 500" in r.error for r in bad)
    assert 0.2 < len(bad) / len(load.records) < 0.5


def test_server_that_rejects_fixed_length_fields_is_detected():
    with fake_server("--reject-fields") as url:
        g = _gen(url)
        info = asyncio.run(g.probe())
    assert info.fixed_output is False and g.fixed_output is False


def test_unreachable_endpoint_fails_in_seconds_with_url():
    url = f"http://127.0.0.1:{free_port()}"
    t0 = time.monotonic()
    with pytest.raises(WattprintError) as e:
        asyncio.run(_gen(url).probe())
    assert time.monotonic() - t0 < 10
    assert url in e.value.message and "Cannot connect" in e.value.message


def test_dead_server_marks_level_failed():
    with fake_server() as url:
        g = _gen(url)
        asyncio.run(g.probe())
        load = asyncio.run(g.run_level(Level("concurrency", 2), FAST, alive=lambda: "server exited with code 3"))
    assert load.failed == "server exited with code 3"


def test_prompt_files(tmp_path):
    f = tmp_path / "p.jsonl"
    f.write_text('{"prompt": "hello there", "max_tokens": 7}\n{"messages": [{"role": "user", "content": "hi"}]}\n')
    ps = load_prompts(f, output_tokens=3)
    assert ps[0].max_tokens == 7 and ps[1].max_tokens == 3 and ps[1].messages == (("user", "hi"),)
    c = tmp_path / "p.csv"
    c.write_text("prompt,max_tokens\nhello,4\n")
    assert load_prompts(c, 3)[0].max_tokens == 4
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"prompt": "x"}\nnot json\n')
    with pytest.raises(WattprintError, match="bad.jsonl:2 is not JSON"):
        load_prompts(bad, 3)
    neg = tmp_path / "neg.jsonl"
    neg.write_text('{"prompt": "x", "max_tokens": -1}\n')
    with pytest.raises(WattprintError, match="max_tokens"):
        load_prompts(neg, 3)


@pytest.mark.parametrize("name,text,message", [
    ("m.jsonl", '{"messages": "hi"}\n', "m.jsonl:1: 'messages' must be a list of"),  # was an AttributeError traceback
    ("n.jsonl", '{"prompt": 5}\n', "n.jsonl:1: 'prompt' must be text, got int"),  # was sent as 5
    ("t.jsonl", '{"prompt": "a"}\n{"prompt": "b", "max_tokens": 0}\n', "t.jsonl:2: max_tokens must be"),
    ("c.csv", "prompt,max_tokens\nhello,abc\n", "c.csv:2: max_tokens must be a whole number"),
])
def test_prompt_file_errors_name_the_line(tmp_path, name, text, message):
    f = tmp_path / name
    f.write_text(text)
    with pytest.raises(WattprintError) as info:
        load_prompts(f, 3)
    assert message in info.value.message and "--input-tokens" not in (info.value.hint or "")


def test_timeouts_are_counted_as_errors():
    with fake_server("--ttft-ms", "1500") as url:
        g = _gen(url, timeout_s=0.3)
        load = asyncio.run(g.run_level(Level("concurrency", 2), WindowPolicy(min_window_s=0.2, min_requests=2,
                                                                             max_level_s=1.5)))
    assert load.records and all(not r.ok and r.error.startswith("timeout after 0.3 s") for r in load.records)
    assert load.window_start is None and "no steady state" in load.failed  # errors never open a window


def test_embeddings_endpoint():
    with fake_server() as url:
        g = _gen(url, kind="embeddings")
        info = asyncio.run(g.probe())
        load = asyncio.run(g.run_level(Level("concurrency", 2), FAST))
    assert info.fixed_output is False
    ok = [r for r in load.records if r.ok]
    assert ok and all(r.input_tokens == 20 and r.output_tokens == 0 for r in ok)
