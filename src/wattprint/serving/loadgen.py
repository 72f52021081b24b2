"""The load generator: streaming requests to an OpenAI-compatible endpoint over aiohttp (asyncio).

Two load shapes per level: closed-loop concurrency (C workers, each sends its next request when the
last one finishes) and open-loop Poisson arrivals at a set rate (requests/s, exponential gaps, seeded).
Every request streams (``stream: true`` with ``stream_options.include_usage``), so the time to the
first content chunk (TTFT), the gaps between chunks (inter-token latency) and the end-to-end latency
are measured; the tokens produced are read from the server's ``usage``. aiohttp, not httpx: about
0.16 ms of CPU per streamed request against httpx's 0.95 ms here (docs/serving.md), which is what lets
one core sustain over 1,000 requests/s.

The steady-state window of a level (see docs/serving.md) opens when the first ``ramp_requests``
requests have completed (C for concurrency C; the arrivals of the first second for a rate) and closes
when the generator stops issuing: once the window has lasted ``min_window_s`` AND held
``min_requests`` completions, or at ``max_level_s`` (the level is then marked short). Callbacks at
both edges let the caller open and close an energy window at those exact moments.
"""

from __future__ import annotations

import asyncio
import json
import math
import os
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import urlsplit

from wattprint.errors import WattprintError
from wattprint.serving.prompts import Prompt, PromptSource, synthetic_words
from wattprint.serving.records import LevelLoad, RequestRecord

#: API paths by endpoint kind.
PATHS = {"completions": "/v1/completions", "chat": "/v1/chat/completions", "embeddings": "/v1/embeddings"}


@dataclass(frozen=True)
class Level:
    """One load level: ``concurrency`` (requests in flight) or ``rate`` (requests/s, Poisson)."""

    kind: Literal["concurrency", "rate"]
    value: float

    @property
    def label(self) -> str:
        return f"c={int(self.value)}" if self.kind == "concurrency" else f"{self.value:g}/s"

    @property
    def ramp_requests(self) -> int:
        """Completions that make up the ramp-up, left out of the window."""
        return max(1, int(self.value)) if self.kind == "concurrency" else max(1, math.ceil(self.value))


@dataclass(frozen=True)
class WindowPolicy:
    """Minimums and cap of a level's steady-state window (s, requests)."""

    min_window_s: float = 10.0
    min_requests: int = 20
    max_level_s: float = 120.0
    drain_s: float = 30.0


@dataclass(frozen=True)
class EndpointInfo:
    """What the endpoint says about itself: served model id, engine version, whether it took
    ``ignore_eos``/``min_tokens`` (fixed output length) and tokens per word of synthetic text."""

    model: str
    engine_version: str
    fixed_output: bool
    tokens_per_word: float | None


def _error_text(exc: BaseException) -> str:
    name = type(exc).__name__
    msg = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{name}: {msg}" if msg else name


class LoadGenerator:
    """Sends requests of ``kind`` (completions, chat, embeddings) to ``base_url`` for ``model``."""

    def __init__(self, base_url: str, *, kind: str = "completions", model: str | None = None,
                 prompts: PromptSource | None = None, timeout_s: float = 60.0, fixed_output: bool = True,
                 seed: int = 0) -> None:
        if kind not in PATHS:
            raise WattprintError(f"unknown endpoint kind {kind!r}", hint=f"one of: {', '.join(PATHS)}")
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise WattprintError(f"not an http(s) URL: {base_url!r}", hint="e.g. http://127.0.0.1:8000")
        self.base_url = base_url.rstrip("/")
        if self.base_url.endswith("/v1"):
            self.base_url = self.base_url[:-3]
        self.kind = kind
        self.model = model
        self.prompts = prompts or PromptSource(input_tokens=32, output_tokens=16)
        self.timeout_s = timeout_s
        self.fixed_output = fixed_output
        self.seed = seed

    # -- the request ---------------------------------------------------------------------
    def payload(self, p: Prompt) -> dict[str, Any]:
        body: dict[str, Any] = {"model": self.model}
        if self.kind == "embeddings":
            body["input"] = p.text
            return body
        if self.kind == "chat":
            msgs = p.messages or (("user", p.text),)
            body["messages"] = [{"role": r, "content": c} for r, c in msgs]
        else:
            body["prompt"] = p.text
        body.update(max_tokens=p.max_tokens, temperature=0.0, stream=True, stream_options={"include_usage": True})
        if self.fixed_output:
            body.update(ignore_eos=True, min_tokens=p.max_tokens)
        return body

    async def one(self, client: Any, p: Prompt) -> RequestRecord:
        """Send one request and record its timings; never raises for HTTP or network errors."""
        import aiohttp

        clock = time.perf_counter
        rec = RequestRecord(start=clock())
        try:
            async with client.post(self.base_url + PATHS[self.kind], json=self.payload(p)) as r:
                rec.status = r.status
                if r.status != 200:
                    body = (await r.read()).decode("utf-8", "replace")
                    rec.error = f"HTTP {r.status}: {body[:200]}"
                elif self.kind == "embeddings":
                    usage = (json.loads(await r.read()) or {}).get("usage") or {}
                    rec.input_tokens = int(usage.get("prompt_tokens") or 0)
                    rec.tokens_from_usage = bool(usage)
                    rec.first_token = clock()
                    rec.ok = True
                else:
                    await self._read_stream(r, rec)
        except asyncio.TimeoutError as exc:  # aiohttp's timeouts derive from it
            rec.error = f"timeout after {self.timeout_s:g} s ({type(exc).__name__})"
        except (aiohttp.ClientError, OSError, ValueError) as exc:
            rec.error = _error_text(exc)
        rec.end = clock()
        return rec

    async def _read_stream(self, r: Any, rec: RequestRecord) -> None:
        clock = time.perf_counter
        usage = None
        async for raw in r.content:  # one line per iteration
            if not raw.startswith(b"data:"):
                continue
            data = raw[5:].strip()
            if data == b"[DONE]":
                continue  # read to the end of the body, so the connection is kept alive for the next request
            chunk = json.loads(data)
            if chunk.get("error"):
                rec.error = f"stream error: {str(chunk['error'])[:200]}"
                return
            for ch in chunk.get("choices") or ():
                text = ch.get("text")
                if text is None:
                    text = (ch.get("delta") or {}).get("content")
                if text:
                    now = clock()
                    if rec.first_token is None:
                        rec.first_token = now
                    rec.chunk_times.append(now)
            if chunk.get("usage"):
                usage = chunk["usage"]
        if usage:
            rec.input_tokens = int(usage.get("prompt_tokens") or 0)
            rec.output_tokens = int(usage.get("completion_tokens") or 0)
            rec.tokens_from_usage = True
        else:
            rec.output_tokens = len(rec.chunk_times)
        rec.ok = True

    def client(self, connections: int | None) -> Any:
        """An aiohttp session: ``connections`` kept-alive connections at most (None: no limit),
        ``timeout_s`` per request (connect at most 5 s), no proxy from the environment (loopback)."""
        import aiohttp

        timeout = aiohttp.ClientTimeout(total=self.timeout_s, connect=min(5.0, self.timeout_s))
        return aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=connections or 0), timeout=timeout,
                                     trust_env=False)

    # -- before the levels ---------------------------------------------------------------
    async def probe(self) -> EndpointInfo:
        """Reach the endpoint, read its model and version, check it takes fixed-length output fields,
        and measure tokens per word of synthetic text. Unreachable: a one-line error with the URL."""
        import aiohttp

        short = aiohttp.ClientTimeout(total=5.0)
        async with self.client(2) as c:
            try:
                async with c.get(self.base_url + "/v1/models", timeout=short) as r:
                    status, body = r.status, await r.read()
            except (aiohttp.ClientError, asyncio.TimeoutError, OSError) as exc:
                raise WattprintError(f"cannot reach {self.base_url}: {_error_text(exc)}",
                                     hint="is the server running and listening on that host and port?") from None
            if status != 200:
                raise WattprintError(f"{self.base_url}/v1/models answered HTTP {status}",
                                     hint="wattprint needs an OpenAI-compatible endpoint (/v1/models)")
            try:
                models = json.loads(body).get("data") or []
            except (ValueError, AttributeError):
                models = []
            ids = [m.get("id", "") for m in models if isinstance(m, dict)]
            if self.model is None:
                if not ids:
                    raise WattprintError(f"{self.base_url} serves no model", hint="pass --model NAME")
                self.model = ids[0]
            version = ""
            for path in ("/version", "/v1/version"):
                try:
                    async with c.get(self.base_url + path, timeout=short) as v:
                        status, body = v.status, await v.read()
                except (aiohttp.ClientError, asyncio.TimeoutError, OSError):
                    continue
                if status == 200:
                    try:
                        version = str(json.loads(body).get("version", ""))
                    except (ValueError, AttributeError):
                        version = body.decode("utf-8", "replace")[:80]
                    break
            if self.kind == "embeddings":
                self.fixed_output = False  # no output tokens to fix
            words = 64
            probe = Prompt(synthetic_words(words, self.seed + 999), 2)
            rec = await self.one(c, probe)
            if not rec.ok and self.fixed_output and rec.status in (400, 422):
                self.fixed_output = False  # the server rejects ignore_eos/min_tokens: say so, count real tokens
                rec = await self.one(c, probe)
            if not rec.ok:
                raise WattprintError(f"probe request to {self.base_url}{PATHS[self.kind]} failed: {rec.error}",
                                     hint="check --model and the endpoint kind (--api completions|chat|embeddings)")
            tpw = rec.input_tokens / words if rec.tokens_from_usage and rec.input_tokens else None
            if tpw and self.prompts.synthetic:
                self.prompts.words_per_token = 1.0 / tpw
            return EndpointInfo(self.model, version, self.fixed_output, tpw)

    # -- one level -----------------------------------------------------------------------
    async def run_level(self, level: Level, policy: WindowPolicy, *,
                        on_window_start: Callable[[], object] | None = None,
                        on_window_end: Callable[[], object] | None = None,
                        alive: Callable[[], str] | None = None) -> LevelLoad:
        """Drive one level until its window closes; ``alive()`` returns "" or why the server is gone."""
        clock = time.perf_counter
        load = LevelLoad(level.kind, level.value, issue_start=clock())
        stop = asyncio.Event()
        state = {"done": 0, "in_window": 0, "cpu0": 0.0}

        def close_window(reason: str = "") -> None:
            if stop.is_set():
                return
            if load.window_start is not None:
                load.window_end = clock()
                t = os.times()
                load.generator_cpu_s = t.user + t.system - state["cpu0"]
                if reason:
                    load.short = reason
                if on_window_end:
                    on_window_end()
            elif reason:
                load.failed = reason
            stop.set()

        def completed(rec: RequestRecord) -> None:
            load.records.append(rec)
            if stop.is_set() or not rec.ok:  # errors never open or fill a window
                return
            state["done"] += 1
            now = clock()
            if load.window_start is None:
                if state["done"] >= level.ramp_requests:
                    t = os.times()
                    state["cpu0"] = t.user + t.system
                    load.window_start = now
                    if on_window_start:
                        on_window_start()
                return
            state["in_window"] += 1
            if now - load.window_start >= policy.min_window_s and state["in_window"] >= policy.min_requests:
                close_window()

        async def watchdog() -> None:
            while not stop.is_set():
                try:
                    await asyncio.wait_for(stop.wait(), 0.25)
                except asyncio.TimeoutError:
                    pass
                if stop.is_set():
                    return
                gone = alive() if alive else ""
                if gone:
                    load.failed = gone
                    stop.set()
                    return
                if clock() - load.issue_start >= policy.max_level_s:
                    if load.window_start is None:
                        close_window(f"no steady state within {policy.max_level_s:g} s "
                                     f"({state['done']} of {level.ramp_requests} ramp-up requests completed)")
                    else:
                        close_window(f"time cap {policy.max_level_s:g} s reached with {state['in_window']} "
                                     f"requests in the window (minimum {policy.min_requests})")

        conns = int(level.value) if level.kind == "concurrency" else None
        async with self.client(conns) as c:
            inflight: set[asyncio.Task] = set()

            async def send() -> None:
                rec = await self.one(c, self.prompts.next())
                completed(rec)
                if not rec.ok and rec.status is None:
                    await asyncio.sleep(0.05)  # a connection error: do not spin

            async def worker() -> None:
                while not stop.is_set():
                    await send()

            dog = asyncio.create_task(watchdog())
            try:
                if level.kind == "concurrency":
                    inflight = {asyncio.create_task(worker()) for _ in range(int(level.value))}
                else:
                    rng = random.Random(self.seed)
                    nxt = clock()
                    while not stop.is_set():
                        nxt += rng.expovariate(level.value)
                        delay = nxt - clock()
                        if delay > 0:
                            try:
                                await asyncio.wait_for(stop.wait(), delay)
                            except asyncio.TimeoutError:
                                pass
                        if stop.is_set():
                            break
                        task = asyncio.create_task(send())
                        inflight.add(task)
                        task.add_done_callback(inflight.discard)
                await stop.wait()
                if inflight:
                    await asyncio.wait(set(inflight), timeout=policy.drain_s)
            finally:  # also on Ctrl-C: no request outlives the client
                dog.cancel()
                leftover = [t for t in (*inflight, dog) if not t.done()]
                for t in leftover:
                    t.cancel()
                await asyncio.gather(*inflight, dog, return_exceptions=True)
        load.drain_end = clock()
        return load
