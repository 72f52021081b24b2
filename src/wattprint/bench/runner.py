"""Run one benchmark: in this process (:func:`execute`) or in a fresh one (:func:`run_in_subprocess`).

Neither raises for a run that fails: the result comes back with
``status="failed"``, a one-line reason in ``error``, what to do in
``failure.hint`` and the phase it failed in in ``phase``, keeping whatever was
measured before the failure.
"""

from __future__ import annotations

import json
import os
import selectors
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from wattprint.bench.environment import collect_environment
from wattprint.bench.protocol import CheckpointFn, EventFn, run_protocol
from wattprint.energy.meter import Meter
from wattprint.errors import Terminated, WattprintError, one_line
from wattprint.results.schema import Failure, RunConfig, RunResult, utcnow

#: seconds between SIGTERM and SIGKILL when a worker must be stopped
KILL_GRACE_S = 3.0


def _is_oom(exc: BaseException) -> bool:
    if isinstance(exc, MemoryError):
        return True
    return any(c.__name__ == "OutOfMemoryError" for c in type(exc).__mro__)


def describe_failure(exc: BaseException) -> tuple[str, str]:
    """(one-line reason, hint) for an exception raised during a run."""
    if isinstance(exc, WattprintError):
        return exc.message, exc.hint
    if _is_oom(exc):
        detail = one_line(str(exc), 160)
        return (
            f"out of memory ({type(exc).__name__}{': ' + detail if detail else ''})",
            "lower --batch-size, use a smaller model or --dtype float16/bfloat16, or free memory",
        )
    if isinstance(exc, ImportError):
        return f"missing library: {one_line(str(exc))}", "install the ML extras: pip install 'wattprint[ml]'"
    return f"{type(exc).__name__}: {one_line(str(exc))}", "re-run with the same options; --json shows the full result"


def _seed(seed: int) -> None:
    import random

    random.seed(seed)
    if "numpy" in sys.modules:
        sys.modules["numpy"].random.seed(seed)
    if "torch" in sys.modules:
        sys.modules["torch"].manual_seed(seed)


def task_options_of(config: RunConfig) -> dict[str, Any]:
    """The task's options: ``config.task_options`` plus the ``max_new_tokens`` setting when given.

    ``--max-new-tokens`` is a first-class setting of generative runs; it fills the task's
    ``max_new_tokens`` option (a conflicting value in ``task_options`` is an error, never silently
    overridden). Tasks with no such option reject it through their own option check.
    """
    options = dict(config.task_options)
    if config.max_new_tokens is not None:
        given = options.get("max_new_tokens")
        if given is not None and int(given) != config.max_new_tokens:
            raise WattprintError(
                f"max_new_tokens given twice: {config.max_new_tokens} and task option {given}",
                "set it once, with --max-new-tokens or -o max_new_tokens=N",
            )
        options["max_new_tokens"] = config.max_new_tokens
    return options


def attribute_timed_carbon(result: RunResult) -> None:
    """Fill ``carbon_timed`` (or ``carbon_fallback``) when the config names an intensity series or source."""
    c = result.config
    if not (c.intensity_series or c.carbon_source) or result.carbon is None or not result.repeats:
        return
    from wattprint.carbon.timed import attribute

    timed, reason = attribute([(r.energy, r.inferences) for r in result.repeats], result.carbon,
                              series_file=c.intensity_series, carbon_source=c.carbon_source)
    result.carbon_timed, result.carbon_fallback = timed, reason


def execute(
    config: RunConfig,
    *,
    meterset: Meter | None = None,
    on_event: EventFn | None = None,
    checkpoint: CheckpointFn | None = None,
    isolation: str = "process",
) -> RunResult:
    """Run ``config`` in this process and return its result; never raises for a failed run.

    ``meterset``: an open :class:`~wattprint.energy.meter.Meter` to measure with
    (default: ``wattprint.energy.open_meters(config.meters)``, closed at the end).
    ``on_event``: receives progress events (dicts with ``event`` and ``phase``).
    ``checkpoint``: receives the partial result after every phase.
    ``isolation``: recorded in ``environment.isolation``.
    """
    result = RunResult(config=config)
    result.environment.isolation = isolation
    own_meters = meterset is None
    try:
        result.phase = "setup"
        from wattprint.carbon import resolve_factor

        result.carbon = resolve_factor(config.region, config.intensity_g_per_kwh, config.pue)
        from wattprint.workloads.base import get_task
        from wattprint.workloads.models import check_device

        task = get_task(config.task, options=task_options_of(config))
        check_device(config.device)
        if own_meters:
            from wattprint.energy import open_meters

            meterset = open_meters(config.meters)
        assert meterset is not None  # given, or opened just above
        result.environment = collect_environment(meterset, isolation)
        _seed(config.seed)
        run_protocol(task, config, meterset, result, on_event=on_event, checkpoint=checkpoint)
    except KeyboardInterrupt:
        raise
    except BaseException as exc:  # noqa: BLE001 - a run failure is data, not a crash
        reason, hint = describe_failure(exc)
        result.status = "failed"
        result.error = reason
        result.failure = Failure(hint=hint, error_type=type(exc).__name__)
        result.summary = None
    finally:
        if own_meters and meterset is not None:
            try:
                meterset.close()
            except Exception:
                pass
    if result.status == "ok":
        result.phase = None
        attribute_timed_carbon(result)
    result.finished_at = utcnow()
    if on_event:
        on_event({"event": "done", "status": result.status, "error": result.error})
    return result


def _signal_name(rc: int) -> str:
    try:
        return signal.Signals(-rc).name
    except ValueError:
        return f"signal {-rc}"


def _stderr_tail(path: Path, lines: int = 20) -> str:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""
    return "\n".join(text.strip().splitlines()[-lines:])


def _last_meaningful_line(tail: str) -> str:
    for line in reversed(tail.splitlines()):
        if line.strip():
            return one_line(line, 200)
    return ""


def _stop(proc: subprocess.Popen) -> None:
    """SIGTERM the worker's process group, SIGKILL after a grace period."""
    for sig, wait in ((signal.SIGTERM, KILL_GRACE_S), (signal.SIGKILL, 10.0)):
        if proc.poll() is not None:
            return
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue


def partial_path(out_path: Path) -> Path:
    """Where the worker keeps its checkpoint (the result so far) next to ``out_path``."""
    return out_path.with_name(out_path.stem + ".partial.json")


def worker_command(config_path: Path, out_path: Path, isolation: str) -> list[str]:
    """The worker's command line; it watches this process (``--parent-pid``) and stops if it dies."""
    return [
        sys.executable,
        "-m",
        "wattprint.bench.worker",
        "--config",
        str(config_path),
        "--out",
        str(out_path),
        "--isolation",
        isolation,
        "--parent-pid",
        str(os.getpid()),
    ]


def interrupt_reason(exc: KeyboardInterrupt) -> str:
    """The ``error`` of a run stopped by Ctrl-C or by a stop signal (see :class:`~wattprint.errors.Terminated`)."""
    if isinstance(exc, Terminated):
        return f"terminated by {exc.signal_name}; the worker was stopped"
    return "interrupted by the user (Ctrl-C); the worker was stopped"


#: Receives the failed result of an interrupted run (with the phases finished before it) before the
#: interrupt propagates, so the caller can store it.
OnInterrupt = Callable[[RunResult], None]


def run_in_subprocess(
    config: RunConfig,
    timeout_s: float | None = None,
    isolation: str = "process",
    *,
    on_event: Callable[[dict[str, Any]], None] | None = None,
    env: dict[str, str] | None = None,
    on_interrupt: OnInterrupt | None = None,
) -> RunResult:
    """Run ``config`` in a fresh ``python -m wattprint.bench.worker`` and return its result.

    The config goes to the worker in a temporary JSON file; the worker writes
    the result JSON to another (and a checkpoint after each phase), and streams
    progress events as JSON lines on its stdout, passed to ``on_event``. A crash,
    a kill (``kill -9``, the OOM killer) or ``timeout_s`` seconds elapsing gives a
    failed result with the reason, keeping the phases finished before it.

    Ctrl-C or a stop signal (:class:`~wattprint.errors.Terminated`) stops the worker's process
    group, passes the failed result (reason ``interrupted``/``terminated``, phases finished so far
    kept; a result the worker had already finished is passed whole) to ``on_interrupt``, removes
    the temporary folder and re-raises. The worker itself stops if this process dies.
    """
    started = utcnow()
    with tempfile.TemporaryDirectory(prefix="wattprint-run-") as tmp:
        tmpd = Path(tmp)
        cfg_path, out_path, err_path = tmpd / "config.json", tmpd / "result.json", tmpd / "stderr.log"
        cfg_path.write_text(config.model_dump_json(), encoding="utf-8")
        child_env = dict(os.environ if env is None else env)
        child_env.setdefault("PYTHONUNBUFFERED", "1")
        timed_out = False
        with open(err_path, "wb") as err:
            proc = subprocess.Popen(
                worker_command(cfg_path, out_path, isolation),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=err,
                env=child_env,
                start_new_session=True,
            )
            try:
                timed_out = _pump_events(proc, timeout_s, on_event)
            except KeyboardInterrupt as exc:
                _stop(proc)
                if on_interrupt is not None:
                    rc = proc.returncode if proc.returncode is not None else -signal.SIGKILL
                    on_interrupt(_collect(config, isolation, started, out_path, err_path, rc, False, timeout_s,
                                          interrupted=interrupt_reason(exc)))
                raise
            except BaseException:
                _stop(proc)
                raise
            finally:
                if proc.stdout:
                    proc.stdout.close()
            if timed_out:
                _stop(proc)
            rc = proc.wait()
        return _collect(config, isolation, started, out_path, err_path, rc, timed_out, timeout_s)


def _pump_events(
    proc: subprocess.Popen, timeout_s: float | None, on_event: Callable[[dict[str, Any]], None] | None
) -> bool:
    """Forward JSON-line events until the worker closes stdout; True on timeout."""
    assert proc.stdout is not None
    deadline = None if timeout_s is None else time.monotonic() + timeout_s
    sel = selectors.DefaultSelector()
    sel.register(proc.stdout, selectors.EVENT_READ)
    buf = b""
    fd = proc.stdout.fileno()
    try:
        while True:
            wait = None if deadline is None else max(0.0, deadline - time.monotonic())
            if wait == 0.0:
                return True
            if not sel.select(timeout=wait):
                continue
            chunk = os.read(fd, 65536)
            if not chunk:
                return False
            buf += chunk
            *lines, buf = buf.split(b"\n")
            for line in lines:
                if not line.strip() or on_event is None:
                    continue
                try:
                    event = json.loads(line)
                except ValueError:
                    continue
                if isinstance(event, dict):
                    on_event(event)
    finally:
        sel.close()


def _collect(
    config: RunConfig,
    isolation: str,
    started: Any,
    out_path: Path,
    err_path: Path,
    rc: int,
    timed_out: bool,
    timeout_s: float | None,
    interrupted: str | None = None,
) -> RunResult:
    result: RunResult | None = None
    partial = partial_path(out_path)
    if out_path.exists() and not timed_out:
        try:
            result = RunResult.model_validate_json(out_path.read_text(encoding="utf-8"))
        except ValueError:
            result = None
    if result is not None:
        result.environment.isolation = isolation
        return result

    tail = _stderr_tail(err_path)
    if interrupted:
        reason = interrupted
        hint = "run it again; the phases finished before the stop are kept in this result"
    elif timed_out:
        reason = f"timed out after {timeout_s:g} s; the worker was stopped"
        hint = "raise the timeout, or lower -n / --repeats"
    elif rc < 0:
        name = _signal_name(rc)
        reason = f"worker killed by {name}"
        if -rc == signal.SIGKILL:
            reason += " (out-of-memory killer or kill -9)"
        hint = "if memory ran out: lower --batch-size or use a smaller model"
    else:
        last = _last_meaningful_line(tail)
        reason = f"worker exited with code {rc}" + (f": {last}" if last else "")
        hint = "the worker's stderr is in the result's failure.stderr_tail"

    base: RunResult | None = None
    if partial.exists():
        try:
            base = RunResult.model_validate_json(partial.read_text(encoding="utf-8"))
        except ValueError:
            base = None
    if base is None:
        base = RunResult(config=config, started_at=started, environment=collect_environment(None, isolation))
    base.status = "failed"
    base.error = reason
    base.summary = None
    base.environment.isolation = isolation
    base.failure = Failure(hint=hint, stderr_tail=tail[-4000:] if tail else None)
    base.finished_at = utcnow()
    return base
