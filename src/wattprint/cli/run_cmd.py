"""``wattprint run``, ``wattprint demo``, ``wattprint tasks`` and ``wattprint models``.

Every run executes in a fresh worker subprocess (``wattprint.bench.runner``);
its progress events drive the progress bars; the result goes to the store
(and to ``--out DIR/<run_id>.json``) after measurement. A failed run is
recorded as failed, and the command exits non-zero with one line.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich import box
from rich.console import RenderableType
from rich.table import Table

from wattprint.cli.common import DB_OPTION, JSON_OPTION, console, err_console, fmt, fmt_half, print_json
from wattprint.errors import WattprintError
from wattprint.report.termtext import OneLine, markup_safe, plain

PHASE_TEXT = {
    "start": "starting worker",
    "idle": "idle baseline",
    "load": "loading model (measured apart)",
    "inputs": "reading inputs",
    "preprocess": "pre-processing (measured apart)",
    "warmup": "warm-up (not measured)",
    "repeat": "measuring",
    "prefill": "prefill pass",
    "summary": "summarising",
}


class RunProgress:
    """Turns worker events into rich progress bars on stderr (plain lines when not a terminal)."""

    def __init__(self, label: str, enabled: bool = True) -> None:
        self.label = label
        self.enabled = enabled
        self.live = enabled and err_console.is_terminal
        self._progress: Any = None
        self._phase_task: Any = None
        self._bar: Any = None

    def __enter__(self) -> RunProgress:
        if self.live:
            from rich import progress as rp

            self._progress = rp.Progress(
                rp.SpinnerColumn(),
                rp.TextColumn("{task.description}"),
                rp.BarColumn(),
                rp.MofNCompleteColumn(),
                rp.TimeElapsedColumn(),
                console=err_console,
                transient=True,
            )
            self._progress.start()
            self._phase_task = self._progress.add_task(f"{markup_safe(self.label)}: starting", total=None)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._progress is not None:
            self._progress.stop()

    def __call__(self, ev: dict[str, Any]) -> None:
        if not self.enabled:
            return
        kind = ev.get("event")
        if kind == "phase":
            phase = ev.get("phase", "")
            text = PHASE_TEXT.get(phase, phase)
            if phase in ("repeat", "prefill"):
                text = f"{text} {ev.get('repeat', 0) + 1}/{ev.get('repeats', '?')}"
            if not self.live:
                err_console.print(f"[dim]{markup_safe(self.label)}: {markup_safe(text)}[/]")
                return
            self._progress.update(self._phase_task, description=f"{markup_safe(self.label)}: {markup_safe(text)}")
            if phase in ("repeat", "prefill"):
                total = ev.get("total") or 1
                if self._bar is None:
                    self._bar = self._progress.add_task("inferences", total=total)
                self._progress.update(self._bar, completed=0, total=total,
                                      description=f"{'query' if phase == 'repeat' else 'prefill'} window")
        elif kind == "progress" and self.live and self._bar is not None:
            self._progress.update(self._bar, completed=ev.get("done", 0))
        elif kind == "repeat_done" and self.live and self._bar is not None:
            self._progress.update(self._bar, completed=self._progress.tasks[self._bar].total)


def _task_options(pairs: list[str] | None) -> dict[str, Any]:
    """``key=value`` pairs; values parsed as JSON when they are JSON (numbers, true, lists)."""
    import json

    out: dict[str, Any] = {}
    for pair in pairs or []:
        if "=" not in pair:
            raise WattprintError(f"task option {pair!r} is not key=value", "e.g. --option max_new_tokens=10")
        k, v = pair.split("=", 1)
        try:
            out[k.strip()] = json.loads(v)
        except ValueError:
            out[k.strip()] = v
    return out


def _checked_series(series_file: str | None, carbon_source: str | None, region: str | None) -> str | None:
    """The series file as an absolute path, read once now so a malformed file fails before any work."""
    if series_file and carbon_source:
        raise WattprintError("give --intensity-series or --carbon-source, not both", "one series per run")
    if carbon_source:
        from wattprint.carbon.providers import parse_source

        parse_source(carbon_source, default_zone=region)  # unknown provider or missing zone: fails now
    if not series_file:
        return None
    from wattprint.carbon.series import read_series_file

    return str(Path(read_series_file(series_file).identity.origin).resolve())


def parse_label_map(text: str | None) -> dict[str, str]:
    """``MODEL=DATASET,...`` pairs of ``--label-map``."""
    out: dict[str, str] = {}
    for pair in filter(None, (p.strip() for p in (text or "").split(","))):
        if "=" not in pair:
            raise WattprintError(f"--label-map entry {pair!r} is not MODEL_LABEL=DATASET_LABEL",
                                 "e.g. --label-map POSITIVE=1,NEGATIVE=0")
        k, v = (x.strip() for x in pair.split("=", 1))
        if not k or not v:
            raise WattprintError(f"--label-map entry {pair!r} has an empty label",
                                 "e.g. --label-map POSITIVE=1,NEGATIVE=0")
        if k in out and out[k] != v:  # said before a model loads, not as 'labels that do not exist' after
            raise WattprintError(f"--label-map maps {k!r} twice ({out[k]!r} and {v!r})", "keep one entry per label")
        out[k] = v
    return out


def _build_config(**kw: Any):
    from pydantic import ValidationError

    from wattprint.results.schema import RunConfig

    try:
        return RunConfig(**kw)
    except ValidationError as exc:
        e = exc.errors()[0]
        field = str(e.get("loc", ("?",))[0])
        opt = _OPTION_OF.get(field, "--" + field.replace("_", "-"))
        raise WattprintError(f"invalid option {opt}: {e['msg']}", "see: wattprint run --help") from None


#: RunConfig field -> the command-line option that sets it
_OPTION_OF = {
    "n": "-n",
    "idle_s": "--idle-seconds",
    "intensity_g_per_kwh": "--intensity",
    "dataset_config": "--config",
    "task_options": "--option",
    "meters": "--meter",
}


def _save(result: Any, db: str | None, out: Path | None) -> Any:
    """Store ``result`` (and write ``--out``); if the store fails, it goes to a fallback file, said
    on stderr at once. Returns the :class:`~wattprint.results.unsaved.SaveOutcome`."""
    from wattprint.results.unsaved import save_result

    saved = save_result(result, db)
    if not saved.stored:
        err_console.print(f"warning: the result is NOT in the store: {saved.error}; it is saved in {saved.fallback} "
                          f"(bring it back: {saved.import_command})", markup=False, highlight=False, soft_wrap=True)
    if out is not None:
        from wattprint.results.files import write_result_json

        write_result_json(result, out)
    return saved


def _unsaved_error(saved: Any) -> WattprintError:
    return WattprintError(f"the result is not in the store ({saved.error}); it is saved in {saved.fallback}",
                          f"{saved.hint + '; then ' if saved.hint else ''}{saved.import_command}")


def _interrupted(config: Any, db: str | None, out: Path | None, exc: KeyboardInterrupt) -> None:
    from wattprint.bench.runner import interrupt_reason
    from wattprint.results.schema import RunResult, utcnow

    r = RunResult(config=config, status="failed", error=interrupt_reason(exc), finished_at=utcnow())
    _save(r, db, out)


def run_one(config: Any, *, db: str | None, out: Path | None, timeout_s: float | None, show_progress: bool,
            label: str | None = None, in_process: bool = False) -> tuple[Any, Any]:
    """Run ``config`` in a worker subprocess (or here) with progress, then store it.

    Returns the RunResult and the :class:`~wattprint.results.unsaved.SaveOutcome` (a store that
    failed after the run leaves the result in a fallback file). Check the store first with
    :func:`~wattprint.results.unsaved.check_store_writable`.
    """
    from wattprint.bench.runner import execute, run_in_subprocess

    with RunProgress(label or f"{config.task} / {config.model}", enabled=show_progress) as progress:
        if in_process:
            try:
                result = execute(config, on_event=progress, isolation="in-process")
            except KeyboardInterrupt as exc:
                _interrupted(config, db, out, exc)
                raise
        else:  # on Ctrl-C / SIGTERM the failed run, with the phases finished so far, is stored
            result = run_in_subprocess(config, timeout_s=timeout_s, isolation="process", on_event=progress,
                                       on_interrupt=lambda r: _save(r, db, out))
    return result, _save(result, db, out)


def run(
    task: str = typer.Option(..., "--task", "-t", help="Task name or alias (see: wattprint tasks)."),
    model: str = typer.Option(None, "--model", "-m", help="Hub id, local dir or arch:NAME (default: the task's)."),
    dataset: str = typer.Option("synthetic", "--dataset", "-d", help="synthetic, a Hub id or a local path."),
    dataset_config: str = typer.Option(None, "--config", help="Dataset configuration name."),
    split: str = typer.Option(None, "--split", help="Dataset split."),
    column: str = typer.Option(None, "--column", help="Input column."),
    n: int = typer.Option(1000, "-n", "--n", help="Inferences per repeat (measured window)."),
    batch_size: int = typer.Option(1, "--batch-size", "-b", help="Items per model call."),
    repeats: int = typer.Option(3, "--repeats", "-r", help="Measured repeats (the study used 10)."),
    warmup: int = typer.Option(5, "--warmup", help="Warm-up inferences, not measured."),
    idle_seconds: float = typer.Option(5.0, "--idle-seconds", help="Idle baseline length in seconds (0 = skip)."),
    device: str = typer.Option("cpu", "--device", help="cpu, cuda, cuda:N or mps."),
    dtype: str = typer.Option("float32", "--dtype", help="float32, float16 or bfloat16."),
    max_new_tokens: int = typer.Option(None, "--max-new-tokens", help="Generation length (generative tasks)."),
    option: list[str] = typer.Option(None, "--option", "-o", help="Task option key=value (repeatable)."),
    region: str = typer.Option(None, "--region", help="Grid region for carbon, e.g. FR, US-CA, aws:us-west-2."),
    intensity: float = typer.Option(None, "--intensity", help="Grid intensity in g CO2e/kWh (overrides region)."),
    pue: float = typer.Option(1.0, "--pue", help="Power usage effectiveness (1.0 = IT energy only)."),
    intensity_series: str = typer.Option(
        None, "--intensity-series", help="CSV/JSON intensity over time: carbon follows the run's hours."),
    carbon_source: str = typer.Option(
        None, "--carbon-source", help="Live intensity over the run's time: uk, electricitymaps:ZONE, watttime:REGION."),
    meter: list[str] = typer.Option(None, "--meter", help="Meter(s) to use (repeatable; default auto-detect)."),
    seed: int = typer.Option(0, "--seed", help="Seed for synthetic data and random weights."),
    trust_remote_code: bool = typer.Option(False, "--trust-remote-code", help="Allow Hub code (off by default)."),
    label_column: str = typer.Option(None, "--label-column", help="Dataset column of gold labels (quality)."),
    reference_column: str = typer.Option(None, "--reference-column",
                                         help="Dataset column of reference texts/answers/scores (quality)."),
    label_map: str = typer.Option(None, "--label-map", help="Model label -> dataset label: POSITIVE=1,NEGATIVE=0."),
    timeout: float = typer.Option(None, "--timeout", help="Stop the run after this many seconds."),
    out: Path = typer.Option(None, "--out", help="Also write <run_id>.json into this folder."),
    in_process: bool = typer.Option(
        False, "--in-process", help="Run in this process, not a fresh worker (debugging; no isolation, no --timeout)."
    ),
    db: str = DB_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Measure one model on one task: Wh and g CO2e per 1,000 inferences, with provenance and 95% interval."""
    import math

    from wattprint.energy.idle import check_idle_seconds

    check_idle_seconds(idle_seconds, "--idle-seconds")
    if timeout is not None and not (math.isfinite(timeout) and timeout > 0):
        raise WattprintError(f"--timeout must be a positive number of seconds, got {timeout!r}",
                             "e.g. --timeout 600, or leave it out for no limit")
    if model is None:
        from wattprint.workloads.base import task_class

        try:
            model = task_class(task).default_model
        except WattprintError:
            model = ""  # the worker records the unknown task as a failed run
    config = _build_config(
        task=task,
        model=model,
        dataset=dataset,
        dataset_config=dataset_config,
        split=split,
        column=column,
        n=n,
        batch_size=batch_size,
        repeats=repeats,
        warmup=warmup,
        idle_s=idle_seconds,
        device=device,
        dtype=dtype,
        max_new_tokens=max_new_tokens,
        task_options=_task_options(option),
        meters=list(meter) if meter else None,
        seed=seed,
        trust_remote_code=trust_remote_code,
        region=region,
        intensity_g_per_kwh=intensity,
        pue=pue,
        intensity_series=_checked_series(intensity_series, carbon_source, region),
        carbon_source=carbon_source,
        label_column=label_column,
        reference_column=reference_column,
        label_map=parse_label_map(label_map),
    )
    _check_task_options(config)
    if region is not None or intensity is not None or pue != 1.0:
        from wattprint.carbon import resolve_factor

        resolve_factor(region, intensity, pue)  # bad carbon input fails here, before any work
    if in_process and timeout is not None:
        raise WattprintError("--timeout needs a worker process", "drop --in-process to use --timeout")
    if out is not None:  # a bad --out fails now, not after the measurement
        from wattprint.results.atomic import prepare_output_dir

        prepare_output_dir(out)
    from wattprint.results.unsaved import check_store_writable

    check_store_writable(db)  # a store that cannot take the result fails now, before any measuring
    result, saved = run_one(config, db=db, out=out, timeout_s=timeout, show_progress=not as_json,
                            in_process=in_process)
    if as_json:
        print_json(result)
    else:
        from wattprint.cli.run_render import print_run

        print_run(result)
        if saved.stored:
            console.print(f"  stored as run {result.run_id[:12]} (wattprint results show {result.run_id[:12]})")
    if not saved.stored:
        raise _unsaved_error(saved)
    if result.status != "ok":
        raise WattprintError(f"run failed: {result.error}", result.failure.hint if result.failure else "")


def _check_task_options(config: Any) -> None:
    """Bad task options (-o max_length=abc) fail here, before a worker starts or a model loads.

    An unknown task is left to the worker, which records it as a failed run.
    """
    from wattprint.bench.runner import task_options_of
    from wattprint.workloads.base import get_task, task_class

    try:
        task_class(config.task)
    except WattprintError:
        return
    get_task(config.task, options=task_options_of(config))
    column = config.label_column or config.reference_column
    if column and config.dataset == "synthetic":  # said before a model loads or a failed run is stored
        raise WattprintError(f"synthetic data has no label column ({column!r} given)",
                             "drop --label-column / --reference-column, or give a labelled dataset with -d")
    from wattprint.bench.quality import check_local_dataset

    check_local_dataset(config)


def demo(
    quick: bool = typer.Option(False, "--quick", help="Tiny models, 2 inferences x 2 repeats: seconds."),
    tasks: str = typer.Option(None, "--tasks", help="Comma-separated subset of the ten study tasks."),
    out: Path = typer.Option(Path("wattprint-demo"), "--out", help="Folder for the HTML report and run JSONs."),
    region: str = typer.Option(None, "--region", help="Grid region for carbon (default: WORLD average)."),
    intensity: float = typer.Option(None, "--intensity", help="Grid intensity in g CO2e/kWh."),
    pue: float = typer.Option(1.0, "--pue", help="Power usage effectiveness."),
    meter: list[str] = typer.Option(None, "--meter", help="Meter(s) to use (default auto-detect)."),
    db: str = DB_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """The study's ten tasks on reference architectures (random weights, synthetic data), ranked like its Table 2."""
    import time

    from wattprint.bench import demo as d
    from wattprint.results.atomic import prepare_output_dir

    names = d.parse_tasks(tasks)
    prepare_output_dir(out)  # a bad --out fails now, not after the runs
    configs = d.demo_configs(names, quick, region=region, intensity=intensity, pue=pue,
                             meters=list(meter) if meter else None)
    timeout = d.QUICK_TIMEOUT_S if quick else d.DEMO_TIMEOUT_S
    from wattprint.results.unsaved import check_store_writable

    check_store_writable(db)  # before any measuring
    if not as_json:
        kind = "tiny models (--quick)" if quick else "full-size reference architectures"
        console.print(f"wattprint demo: {len(configs)} task(s), {kind}, random weights, synthetic data; "
                      "each task in its own subprocess")
    t0 = time.perf_counter()
    results = []
    unsaved: list[Any] = []
    for i, cfg in enumerate(configs):
        label = f"[{i + 1}/{len(configs)}] {cfg.task} ({cfg.model})"
        r, saved = run_one(cfg, db=db, out=out / "runs", timeout_s=timeout, show_progress=not as_json, label=label)
        results.append(r)
        unsaved += [] if saved.stored else [saved]
        if not as_json:
            if r.status == "ok":
                console.print(f"{markup_safe(label)}: {fmt(r.summary.wh_per_1k_mean, 3)} Wh per 1,000 "
                              f"({cfg.n} x {cfg.repeats} repeats)")
            else:
                console.print(f"{markup_safe(label)}: [red]failed[/]: {markup_safe(r.error)}")
    wall = time.perf_counter() - t0
    rows = d.ranked(results)
    rho = d.spearman_vs_study(rows)
    report_path, report_note = _write_report(results, out)
    if as_json:
        print_json({
            "wall_s": wall,
            "spearman_vs_study": rho,
            "report": str(report_path) if report_path else None,
            "report_note": report_note,
            "caveats": d.caveats(results),
            "rows": [_demo_row_json(row) for row in rows],
        })
    else:
        _print_demo_table(rows, rho, wall)
        for line in d.caveats(results):
            console.print(plain(f"- {line}"))
        if report_path:
            console.print(plain(f"HTML report: {report_path}"))
        else:
            console.print(plain(f"HTML report skipped: {report_note}"))
    if unsaved:
        files = " ".join(str(s.fallback) for s in unsaved)
        raise WattprintError(
            f"{len(unsaved)} demo result(s) are not in the store ({unsaved[0].error}); they are saved in {files}",
            f"bring them back: wattprint import results {files} --db {unsaved[0].db}",
        )
    failed = [r for r in results if r.status != "ok"]
    if failed:
        raise WattprintError(
            f"{len(failed)} of {len(results)} demo task(s) failed: "
            + "; ".join(f"{r.config.task}: {r.error}" for r in failed),
            "details: wattprint results list --status failed",
        )


def _write_report(results: list, out: Path) -> tuple[Path | None, str]:
    try:
        from wattprint.report.html import write_html_report
    except ImportError as exc:
        return None, f"the HTML report module is not available ({exc})"
    out.mkdir(parents=True, exist_ok=True)
    try:
        return Path(write_html_report(results, out / "report.html")), ""
    except WattprintError as exc:
        return None, exc.message


def _demo_row_json(row: Any) -> dict[str, Any]:
    from wattprint.results.export import flatten

    flat = flatten(row.result)
    return {
        "rank": row.rank,
        **{k: flat[k] for k in ("run_id", "task", "model", "status", "error", "wh_per_1k_mean", "wh_per_1k_std",
                                "wh_per_1k_ci95_low", "wh_per_1k_ci95_high", "g_co2e_per_1k", "measured_share",
                                "provenance", "seconds_per_inference")},
        "study_wh_per_1k": row.study.wh_per_1k_mean if row.study else None,
        "study_source": row.study.source if row.study else None,
        "ratio_to_study": row.ratio_to_study,
    }


def _print_demo_table(rows: list, rho: float | None, wall_s: float) -> None:
    """The ranked demo table, compact enough for an 80-column terminal.

    Provenance shared by every row and the ``arch:`` prefix go to the caption instead of
    repeating on each row; the 95% interval is shown as mean +/- half-width.
    """
    from wattprint.bench.reference import STUDY_SOURCE
    from wattprint.results.export import provenance_label

    done = [row.result for row in rows if row.result.summary is not None]
    labels = {provenance_label(r) for r in done}
    uniform = len(labels) == 1
    all_arch = all(row.result.config.model.startswith("arch:") for row in rows)
    caption = ["Wh/1k: energy per 1,000 inferences, ±: 95% interval half-width, g/1k: g CO2e per 1,000, "
               "study: the study's Table 2 Wh per 1,000, s/inf: seconds per inference"]
    if uniform:
        caption.append(f"energy: {labels.pop()} for every row")
    if all_arch:
        caption.append("models: arch: reference architectures, random weights")
    t = Table(title=f"Energy per 1,000 inferences on this machine, ranked (demo took {wall_s:.0f} s)",
              title_justify="left", caption=plain("; ".join(caption)), caption_justify="left",
              box=box.SIMPLE_HEAD, pad_edge=False, collapse_padding=True)
    cols = ["#", "task", "model", "Wh/1k", "±", "g/1k", "study", "s/inf"]
    if not uniform:
        cols.append("energy")
    for col in cols:
        t.add_column(col, no_wrap=col not in ("task", "model", "energy"),
                     justify="left" if col in ("task", "model", "energy") else "right")
    for row in rows:
        r = row.result
        model = r.config.model.removeprefix("arch:") if all_arch else r.config.model
        study = fmt(row.study.wh_per_1k_mean, 3) if row.study else "-"
        if r.summary is None:
            cells: list[RenderableType] = ["-", OneLine(r.config.task), OneLine(model), "[red]failed[/]", "-", "-",
                                           study, "-"]
            t.add_row(*cells, *([] if uniform else [OneLine(_one_line_error(r.error))]))
            continue
        s = r.summary
        half = (s.wh_per_1k_ci95.high - s.wh_per_1k_ci95.low) / 2
        cells = [str(row.rank), OneLine(r.config.task), OneLine(model), fmt(s.wh_per_1k_mean, 3), fmt_half(half),
                 fmt(r.g_co2e_per_1k, 3), study, fmt(s.seconds_per_inference, 3)]
        t.add_row(*cells, *([] if uniform else [OneLine(provenance_label(r))]))
    console.print(t)
    for row in rows:
        if row.result.summary is None:
            console.print(f"[red]{markup_safe(row.result.config.task)} failed[/]: {markup_safe(row.result.error)}")
    for row in rows:
        cfg = row.result.config
        settings = {**({"dtype": cfg.dtype} if cfg.dtype != "float32" else {}), **cfg.task_options}
        if settings:
            console.print(plain(f"{cfg.task} ran with " + ", ".join(f"{k}={v}" for k, v in settings.items())))
    console.print(f"study column: {STUDY_SOURCE}.")
    if rho is not None:
        console.print(f"rank agreement with the study (Spearman): {rho:+.2f}")


def _one_line_error(error: str | None) -> str:
    return (error or "failed").splitlines()[0][:60]


def tasks_cmd(as_json: bool = JSON_OPTION) -> None:
    """The tasks wattprint can run: names, aliases, modality, default and tiny models."""
    from wattprint.workloads.base import task_class, task_names

    rows: list[dict[str, Any]] = []
    for name in task_names():
        cls = task_class(name)
        rows.append({
            "name": cls.name,
            "aliases": list(cls.aliases),
            "modality": cls.modality,
            "generative": bool(cls.generative),
            "default_model": cls.default_model,
            "tiny_model": cls.tiny_model,
            "description": cls.description,
        })
    if as_json:
        print_json(rows)
        return
    if not rows:
        console.print("no tasks registered")
        return
    from wattprint.report.terminal import WIDE

    narrow = console.width < WIDE  # aliases and modality move below the table: no name is ever cut
    t = Table(title=f"{len(rows)} tasks", title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False,
              collapse_padding=True)
    cols = ["task", "generative", "default model", "tiny model"] if narrow else \
        ["task", "aliases", "modality", "generative", "default model", "tiny model"]
    for col in cols:
        t.add_column(col, no_wrap=col not in ("aliases", "default model"))
    for r in rows:
        cells = {"task": plain(r["name"]), "aliases": plain(", ".join(r["aliases"])), "modality": plain(r["modality"]),
                 "generative": "yes" if r["generative"] else "no", "default model": OneLine(r["default_model"]),
                 "tiny model": plain(r["tiny_model"])}
        t.add_row(*[cells[c] for c in cols])
    console.print(t)
    if narrow:
        console.print(f"[dim]narrow terminal ({console.width} columns): aliases and modality listed below; "
                      f"widen to {WIDE}+ columns or use --json for one table[/]")
        for r in rows:
            console.print(plain(f"  {r['name']} ({r['modality']}): {', '.join(r['aliases']) or '-'}"))
    console.print("run one: wattprint run --task TASK [--model MODEL] -n 1000 --repeats 3")


MODELS_HELP = (
    "--model takes: arch:NAME (a built-in architecture, random weights, no download; listed above), "
    "a Hugging Face Hub id such as distilbert-base-uncased-finetuned-sst-2-english (downloaded once into the "
    "Hub cache; --trust-remote-code stays off unless you pass it), or a local directory holding a saved model."
)


def models_cmd(as_json: bool = JSON_OPTION) -> None:
    """Built-in architectures (arch:NAME) and how to use Hub ids or local directories."""
    try:
        from wattprint.workloads.models import list_architectures
    except ImportError as exc:
        raise WattprintError("the model catalogue is not available", f"install the ML extras ({exc})") from exc
    archs = list(list_architectures())
    if as_json:
        print_json({"architectures": archs, "usage": MODELS_HELP})
        return
    keys: list[str] = []
    for a in archs:
        for k in a:
            if k not in keys:
                keys.append(k)
    from wattprint.report.terminal import WIDE

    narrow = console.width < WIDE
    shown = [k for k in keys if not (narrow and k in ("description", "reference"))]
    t = Table(title=f"{len(archs)} built-in architectures (use as --model arch:NAME)", title_justify="left",
              box=box.SIMPLE_HEAD, pad_edge=False, collapse_padding=True)
    for k in shown:  # lists and sentences wrap between words; names and numbers stay whole
        t.add_column(k.replace("_", " "), no_wrap=k not in ("tasks", "description"))
    for a in archs:
        t.add_row(*[plain(_cell(a.get(k))) for k in shown])
    console.print(t)
    if len(shown) < len(keys):
        console.print(f"[dim]narrow terminal ({console.width} columns): "
                      f"{', '.join(k for k in keys if k not in shown)} left out; "
                      f"widen to {WIDE}+ columns or use --json[/]")
    console.print(MODELS_HELP)


def _cell(v: Any) -> str:
    if v is None:
        return "-"
    if isinstance(v, (list, tuple)):
        return ", ".join(str(x) for x in v)
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, int) and v >= 10_000:
        return f"{v / 1e6:,.1f}M"
    return str(v)


def register(app: typer.Typer) -> None:
    """Add ``run``, ``demo``, ``tasks`` and ``models`` to the root app."""
    app.command("run")(run)
    app.command("demo")(demo)
    app.command("tasks")(tasks_cmd)
    app.command("models")(models_cmd)

