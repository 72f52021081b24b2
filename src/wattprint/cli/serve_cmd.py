"""``wattprint serve-bench``: the energy of a live inference server under load, per request and per token."""

from __future__ import annotations

import math
from typing import cast

import typer

from wattprint.cli.common import DB_OPTION, JSON_OPTION, console, print_json
from wattprint.errors import Terminated, WattprintError
from wattprint.report.termtext import plain


def parse_levels(concurrency: str | None, rate: str | None) -> list:
    """``--concurrency 1,4,16`` and ``--rate 2,8/s`` as :class:`Level` objects (one-line errors)."""
    from wattprint.serving.loadgen import Level

    levels = []
    for part in (concurrency or "").split(","):
        if not part.strip():
            continue
        try:
            c = int(part)
        except ValueError:
            raise WattprintError(f"bad concurrency {part.strip()!r}",
                                 hint="whole numbers, e.g. --concurrency 1,4,16") from None
        if not 1 <= c <= 4096:
            raise WattprintError(f"concurrency {c} out of range", hint="1 to 4096 requests in flight")
        levels.append(Level("concurrency", c))
    for part in (rate or "").replace("/s", "").split(","):
        if not part.strip():
            continue
        try:
            r = float(part)
        except ValueError:
            raise WattprintError(f"bad rate {part.strip()!r}", hint="requests per second, e.g. --rate 2,8/s") from None
        if not 0 < r <= 100_000:
            raise WattprintError(f"rate {r:g}/s out of range", hint="more than 0 and at most 100,000 requests/s")
        levels.append(Level("rate", r))
    if not levels:
        raise WattprintError("no load level", hint="give --concurrency 1,4,16 and/or --rate 2,8/s")
    return levels


def parse_mix(mixes: list[str] | None) -> list[tuple[int, int]]:
    out = []
    for m in mixes or []:
        a, sep, b = m.partition(":")
        try:
            pair = (int(a), int(b))
        except ValueError:
            pair = (0, 0)
        if not sep or min(pair) < 1:
            raise WattprintError(f"bad --mix {m!r}", hint="INPUT:OUTPUT tokens, e.g. --mix 512:32 --mix 32:256")
        out.append(pair)
    return out


#: Longest duration (s) any serve-bench time option takes: one day.
MAX_DURATION_S = 86_400.0


def _check_durations(**seconds: float) -> None:
    """Each time option (s) finite, positive (``--idle``: zero too) and at most :data:`MAX_DURATION_S`.

    nan and inf passed typer's ranges: ``--ready-timeout nan`` gave up at once, ``--min-window inf`` never
    closed its window.
    """
    for name, value in seconds.items():
        low_ok = value >= 0 if name == "idle" else value > 0
        if not (math.isfinite(value) and low_ok and value <= MAX_DURATION_S):
            option = "--" + name.replace("_", "-")
            least = "0 or more" if name == "idle" else "more than 0"
            raise WattprintError(f"{option} must be {least} and at most {MAX_DURATION_S:,.0f} seconds, got {value:g}",
                                 hint=f"e.g. {option} 10")


def _engine(command: str, version: str) -> str:
    low = command.lower()
    for name in ("vllm", "sglang", "text-generation-launcher", "llama-server", "ollama", "transformers",
                 "fake_server"):
        if name in low:
            return {"text-generation-launcher": "tgi", "llama-server": "llama.cpp", "fake_server": "fake"}.get(
                name, name)
    return "unknown" if not version else version.split()[0]


def serve_bench(
    url: str = typer.Option("http://127.0.0.1:8000", "--url", help="Base URL of the OpenAI-compatible endpoint."),
    launch: str = typer.Option(None, "--launch", help='Start this server command, e.g. "transformers serve ./m".'),
    server_pid: int = typer.Option(None, "--server-pid", help="Measure this running server process instead."),
    ready_timeout: float = typer.Option(300.0, "--ready-timeout", help="Seconds to wait for a launched server."),
    api: str = typer.Option("completions", "--api", help="completions, chat or embeddings."),
    model: str = typer.Option(None, "--model", help="Model name sent in requests (default: the server's first)."),
    concurrency: str = typer.Option(None, "--concurrency", "-c", help="Closed-loop levels, e.g. 1,4,16,64."),
    rate: str = typer.Option(None, "--rate", help="Open-loop Poisson rates in requests/s, e.g. 2,8/s."),
    input_tokens: int = typer.Option(128, "--input-tokens", help="Synthetic prompt length (tokens)."),
    output_tokens: int = typer.Option(64, "--output-tokens", help="Output length asked for (tokens)."),
    mix: list[str] = typer.Option(None, "--mix", help="IN:OUT token mix; two or more give the prefill/decode fit."),
    prompts: str = typer.Option(None, "--prompts", help="JSONL or CSV file of prompts instead of synthetic ones."),
    repeats: int = typer.Option(3, "--repeats", "-r", min=1, max=100, help="Windows per level (95% intervals)."),
    min_window: float = typer.Option(10.0, "--min-window", min=0.1, help="Minimum steady-state window (s)."),
    min_requests: int = typer.Option(20, "--min-requests", min=1, help="Minimum requests completed in a window."),
    max_level: float = typer.Option(120.0, "--max-level", min=1, help="Time cap of one level repeat (s)."),
    idle: float = typer.Option(10.0, "--idle", min=0, help="Idle-baseline seconds of the loaded server (0 = skip)."),
    request_timeout: float = typer.Option(120.0, "--request-timeout", min=0.1, help="Per-request timeout (s)."),
    slo: str = typer.Option(None, "--slo", help='Latency target, e.g. "ttft_p90<=500ms,itl_p90<=50ms".'),
    gpus: str = typer.Option(None, "--gpus", help="Server GPUs (indices/UUIDs); default: its CUDA_VISIBLE_DEVICES."),
    no_rapl: bool = typer.Option(False, "--no-rapl", help="Estimate CPU/RAM for the server's tree even with RAPL."),
    region: str = typer.Option(None, "--region", help="Grid region for carbon (see wattprint regions)."),
    intensity: float = typer.Option(None, "--intensity", help="Grid intensity in g CO2e/kWh."),
    seed: int = typer.Option(0, "--seed", help="Seed of synthetic prompts and Poisson arrivals."),
    db: str = DB_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Drive an OpenAI-compatible server at set loads and meter the server: J per request and per token,
    latencies, with provenance and 95% intervals. The server runs on this machine (--launch or --server-pid)."""
    from wattprint.carbon.resolve import resolve_factor
    from wattprint.results.serving import ApiKind, ServingResult, ServingStore
    from wattprint.results.store import ResultStore
    from wattprint.serving import protocol
    from wattprint.serving.loadgen import LoadGenerator, WindowPolicy
    from wattprint.serving.metering import open_server_meters
    from wattprint.serving.prompts import PromptSource, load_prompts
    from wattprint.serving.server import attach, check_local, listening_note, wait_healthy
    from wattprint.serving.server import launch as launch_server
    from wattprint.serving.slo import parse_slo

    # Everything that can be checked before a server starts is checked first.
    _check_durations(ready_timeout=ready_timeout, min_window=min_window, max_level=max_level,
                     request_timeout=request_timeout, idle=idle)
    levels = parse_levels(concurrency, rate)
    slo_terms = parse_slo(slo) if slo else None
    mixes = parse_mix(mix)
    if (launch is None) == (server_pid is None):
        raise WattprintError("give exactly one of --launch and --server-pid",
                             hint="energy is the server's: wattprint must know its process")
    if launch is not None and not launch.strip():  # '' skipped the launch and metered wattprint itself
        raise WattprintError("--launch command is empty", hint='e.g. --launch "transformers serve ./model"')
    for n, what in ((input_tokens, "--input-tokens"), (output_tokens, "--output-tokens")):
        if not 1 <= n <= 1_000_000:
            raise WattprintError(f"{what} {n} out of range", hint="1 to 1,000,000 tokens")
    source = (PromptSource(load_prompts(prompts, output_tokens), seed=seed) if prompts
              else PromptSource(input_tokens=input_tokens, output_tokens=output_tokens, seed=seed))
    if prompts and mixes:
        raise WattprintError("--mix needs synthetic prompts", hint="drop --prompts or --mix")
    carbon = resolve_factor(region, intensity)
    check_local(url)
    gen = LoadGenerator(url, kind=api, model=model, prompts=source, timeout_s=request_timeout, seed=seed)
    plan = protocol.ServePlan(levels, mixes, repeats, WindowPolicy(min_window, min_requests, max_level,
                                                                  drain_s=request_timeout), idle, slo_terms)
    from wattprint.results.unsaved import check_store_path

    check_store_path(db)  # a bad --db fails before a server starts; the store is made once the endpoint answers
    store: ResultStore | None = None
    sstore: ServingStore | None = None
    server = launch_server(launch) if launch else attach(server_pid)
    api_kind = cast(ApiKind, api)  # LoadGenerator above rejected any other value
    result = ServingResult(endpoint=gen.base_url, api=api_kind, server_command=server.command,
                           server_launched=server.launched,
                           prompts=source.describe() if not mixes else "synthetic, mixes (in:out tokens) "
                           + ", ".join(f"{a}:{b}" for a, b in mixes), slo=slo, carbon=carbon,
                           protocol={"min_window_s": min_window, "min_requests": min_requests,
                                     "max_level_s": max_level, "repeats": repeats})
    meters = None
    try:  # SIGTERM and SIGHUP arrive as Terminated (cli.main): like Ctrl-C, stop the server, keep levels
        if launch:
            if not as_json:
                console.print(f"waiting for the server at {url} (up to {ready_timeout:g} s)...")
            waited = wait_healthy(url, server, ready_timeout)
            result.meter_notes.append(f"server ready after {waited:.1f} s")
        meters = open_server_meters(server.pid, gpus=gpus.split(",") if gpus else None, server_env=server.env,
                                    use_rapl=not no_rapl)
        result.environment = protocol.environment(meters)
        result.meter_notes.extend(meters.notes)
        protocol.probe(gen, result)
        store = ResultStore(db)  # the endpoint answered: now the store is made (an unreachable one made none)
        store.check_writable()  # before measuring: a measurement that cannot be stored is not started
        sstore = ServingStore(store)
        if (note := listening_note(server.pid, url)) is not None:  # e.g. --server-pid of the wrong process
            result.meter_notes.append(f"warning: {note}")
            from wattprint.cli.common import err_console

            err_console.print(plain(f"warning: {note}"), soft_wrap=True)
        result.engine = _engine(server.command, result.engine_version)
        if not result.fixed_output:
            result.meter_notes.append("the server rejected ignore_eos/min_tokens: output lengths vary; "
                                      "tokens are counted from usage")
        if not as_json and idle > 0:  # --idle 0 skips it
            console.print(f"idle baseline ({idle:g} s)...")
        protocol.idle_baseline(meters, idle, result)

        levels_store = sstore

        def progress(r: ServingResult) -> None:
            levels_store.put(r)  # a finished level is never lost
            lv = r.levels[-1]
            if not as_json:
                jr = f"{lv.j_per_request.mean:.4g} J/request" if lv.j_per_request else lv.error or "no figure"
                console.print(plain(f"  level {lv.label}: {jr}"))

        protocol.run_levels(gen, meters, server, plan, result, on_level=progress)
        protocol.finish(result, plan)
    except KeyboardInterrupt as exc:
        why = exc.signal_name if isinstance(exc, Terminated) else "Ctrl-C"
        result.status, result.error = "failed", f"interrupted ({why}); finished levels kept"
        if result.levels and sstore is not None:
            protocol.finish(result, plan)
            sstore.put(result)
        server.stop()
        from wattprint.cli.common import err_console

        err_console.print(plain(f"interrupted: server stopped; {len(result.ok_levels)} finished level(s) kept as "
                                f"serving run {result.run_id[:12]} in {sstore.path}" if sstore is not None
                                else "interrupted: server stopped before any measurement; nothing stored"))
        raise
    except WattprintError as exc:
        if result.levels and sstore is not None:
            result.status, result.error = "failed", exc.message
            protocol.finish(result, plan)
            sstore.put(result)
        if server.log_path is not None and "log:" not in (exc.hint or ""):
            raise WattprintError(exc.message, f"{exc.hint}; server log: {server.log_path}") from None
        raise
    finally:
        if meters is not None:
            meters.close()
        server.stop()
    if result.status == "ok" and result.levels and not result.ok_levels:
        result.status = "failed"
    assert store is not None and sstore is not None  # made before the idle baseline, which returned
    sstore.put(result)
    if result.status == "ok":
        server.discard_log()  # failed runs keep the server's log (its tail is also in the result)
    store.close()
    if as_json:
        print_json(result)
        return
    from wattprint.cli.serve_render import print_serving

    print_serving(result)
    console.print(f"stored as serving run {result.run_id[:12]} in {sstore.path}")


def serve_model(
    path: str = typer.Argument(..., help="Folder to write the model to."),
    shape: str = typer.Option("llama-tiny", "--shape", help="llama-tiny, llama-small or llama-3.1-8b."),
    seed: int = typer.Option(0, "--seed", help="Seed of the random weights."),
) -> None:
    """Save a random-weight Llama-architecture model with an offline tokenizer to PATH, for a server to load."""
    from wattprint.workloads.model_dir import save_llm_dir

    saved = save_llm_dir(path, shape, seed=seed)
    console.print(plain(f"saved {saved.shape} ({saved.parameters:,} parameters, random weights) to {saved.path}"))


def register(app: typer.Typer) -> None:
    """Add ``wattprint serve-bench`` and ``wattprint serve-model`` to the root app."""
    app.command("serve-bench")(serve_bench)
    app.command("serve-model")(serve_model)
