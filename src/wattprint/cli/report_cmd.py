"""``wattprint report`` and ``wattprint compare``: read the store, summarise, compare."""

from __future__ import annotations

import typer

from wattprint.cli.common import DB_OPTION, JSON_OPTION, console, print_json, task_filter, without_gc_pauses
from wattprint.errors import WattprintError
from wattprint.report.termtext import markup_safe


def _load(db: str | None, task: str | None = None, origin: str | None = None):
    """Whole documents (needed to recompute carbon hour by hour from the repeats)."""
    from wattprint.results.store import ResultStore

    with ResultStore.existing(db) as store:
        runs = store.list(task=task, origin=origin)
        path = store.path
    return runs, path


def _load_serving(db: str | None, task: str | None, origin: str | None) -> list:
    if (task is not None and task != "serving") or (origin is not None and origin != "wattprint"):
        return []
    from wattprint.results.serving import ServingStore
    from wattprint.results.store import ResultStore

    with ResultStore.existing(db) as store:
        return [r for r in ServingStore(store).list() if r.ok_levels]


def serving_page_path(html: str) -> str:
    """Where the serving page goes when a main page is written to ``html``: beside it, ``X-serving.html``."""
    return str(html).removesuffix(".html") + "-serving.html"


def _report_serving(serving: list, html: str | None, alone: bool, as_json: bool) -> str | None:
    """Serving section of the report: terminal tables; the HTML page (beside the main one unless alone)."""
    from wattprint.report.serving import print_serving_report, write_serving_html

    out = None
    if html:
        target = html if alone else serving_page_path(html)
        out = str(write_serving_html(serving, target))
    if not as_json:
        print_serving_report(serving, console)
        if out:
            console.print(f"serving HTML report: {markup_safe(out)}")
    return out


def _load_columns(db: str | None, task: str | None = None, origin: str | None = None):
    """The usable runs as columns, and the documents of the few with time-resolved carbon."""
    from wattprint.results.store import ResultStore

    with ResultStore.existing(db) as store:
        cols = store.columns(task=task, origin=origin)
        timed = store.list_timed(task=task, origin=origin) if any(cols.timed) else []
        quality = _quality_runs(store, cols, origin)
        path = store.path
    return cols, timed, quality, path


def _quality_runs(store, cols, origin: str | None) -> list:
    """Documents of the usable runs of every task (and its zero-shot twin) where some run carries quality:
    the quality overview needs their scores (none are read when no run has one)."""
    from itertools import compress

    from wattprint.analysis.multipurpose import base_task

    scored = {base_task(cols.tasks[t]) for t in set(compress(cols.task, cols.quality))}
    if not scored:
        return []
    tasks = [t for t in cols.tasks if base_task(t) in scored]
    return store.list_usable(tasks=tasks, origin=origin)


def _recarbon(runs, region: str | None, intensity: float | None, pue: float | None):
    factor = _factor(region, intensity, pue)
    if factor is None:
        return runs
    from wattprint.analysis.carbon import recompute_carbon

    return recompute_carbon(runs, factor)


def _no_runs(task: str | None, path) -> WattprintError:
    what = f" for task {task!r}" if task else ""
    return WattprintError(f"no successful runs{what} in {path}",
                          "run a benchmark (wattprint run ...) or import logs (wattprint import codecarbon ...)")


def _factor(region: str | None, intensity: float | None, pue: float | None):
    """The factor asked for with --region/--intensity/--pue, or None to keep each run's own."""
    if region is None and intensity is None and pue is None:
        return None
    from wattprint.analysis.carbon import carbon_factor

    return carbon_factor(region=region, intensity=intensity, pue=1.0 if pue is None else pue)


def _timed(runs, series_file: str, region: str | None):
    """Copies of ``runs`` with carbon recomputed hour by hour from ``series_file`` (a fallback stated per run)."""
    from wattprint.carbon import resolve_factor
    from wattprint.carbon.series import read_series_file
    from wattprint.carbon.timed import attribute

    series = read_series_file(series_file, region=region or "")
    out = []
    for r in runs:
        if r.status != "ok" or not r.repeats:
            out.append(r)
            continue
        flat = r.carbon or resolve_factor()
        timed, reason = attribute([(x.energy, x.inferences) for x in r.repeats], flat, series=series)
        out.append(r.model_copy(update={"carbon_timed": timed, "carbon_fallback": reason}))
    return out


@without_gc_pauses
def report_cmd(
    db: str = DB_OPTION,
    task: str = typer.Option(None, "--task", help="Only this task."),
    origin: str = typer.Option(None, "--origin", help="Only wattprint or codecarbon (imported) runs."),
    html: str = typer.Option(None, "--html", help="Also write a self-contained HTML page here."),
    intensity: float = typer.Option(None, "--intensity", help="Recompute carbon with this g CO2e/kWh."),
    region: str = typer.Option(None, "--region", help="Recompute carbon with this region's intensity."),
    pue: float = typer.Option(None, "--pue", help="PUE for the recomputed carbon (default 1.0)."),
    intensity_series: str = typer.Option(None, "--intensity-series",
                                         help="Recompute carbon with the intensity of each run's hours (CSV/JSON)."),
    top: int = typer.Option(5, "--top", help="Leaderboard rows per task in the terminal (0 = all)."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Per-task statistics, star leaderboard, fits, multi-purpose ratios and audit of stored runs."""
    from wattprint.report.data import build_report, build_report_columns

    task = task_filter(task)  # an alias (sentiment-analysis) finds its task's runs
    runs: list = []
    serving = _load_serving(db, task, origin)
    if intensity_series:  # per-repeat energy is needed: whole documents (not for a million runs)
        runs, path = _load(db, task, origin)
        usable = any(r.status == "ok" and r.summary is not None for r in runs)
    else:  # columns: no document parsed (but those with time-resolved carbon or quality), the same figures
        cols, timed, quality, path = _load_columns(db, task, origin)
        usable = len(cols) > 0
    if serving and not usable:
        out = _report_serving(serving, html, True, as_json)
        if as_json:
            print_json({"db": str(path), "serving": [s.model_dump(mode="json") for s in serving], "html": out})
        return
    if not usable:
        raise _no_runs(task, path)
    if intensity_series:
        runs = _timed(_recarbon(runs, region, intensity, pue), intensity_series, region)
        data = build_report(runs)
    else:
        factor = _factor(region, intensity, pue)
        data = build_report_columns(cols if factor is None else cols.with_factor(factor), timed_runs=timed,
                                    quality_runs=quality, task_values=bool(html))  # only the page shows them
        del cols
    out = None
    if html:
        from pathlib import Path

        from wattprint.report.html import write_html

        out = str(write_html(data, html, serving_page=Path(serving_page_path(html)).name if serving else None))
    if as_json:
        doc = data.to_dict()
        doc["db"] = str(path)
        doc["serving"] = [s.model_dump(mode="json") for s in serving]
        doc["serving_html"] = _report_serving(serving, html, False, True) if serving else None
        doc["html"] = str(out) if out else None
        if intensity_series:
            doc["time_resolved"] = [
                {"run_id": r.run_id, "carbon_timed": r.carbon_timed.model_dump(mode="json") if r.carbon_timed else None,
                 "carbon_fallback": r.carbon_fallback} for r in runs if r.status == "ok"]
        print_json(doc)
        return
    from wattprint.report.terminal import print_report

    print_report(data, console, top=top)
    if intensity_series:
        from wattprint.report.timed import print_timed

        print_timed([r for r in runs if r.status == "ok"], console)
    if out:
        console.print(f"HTML report: [bold]{markup_safe(out)}[/]")
    if serving:
        _report_serving(serving, html, False, False)


def _side(store, ref: str, task: str | None, dataset: str | None):
    """Runs for ``ref``: a run id prefix, else a model name (all its ok runs)."""
    try:
        return [store.get(ref)], f"run {ref}"
    except WattprintError as exc:
        if "ambiguous" in exc.message:
            raise
    runs = [r for r in store.list(model=ref, task=task, status="ok")
            if dataset is None or r.config.dataset == dataset]
    if not runs:
        failed = [r for r in store.list(model=ref, task=task, status="failed")
                  if dataset is None or r.config.dataset == dataset]
        if failed:  # said 'neither a run id prefix nor a model with successful runs'
            raise WattprintError(f"cannot compare: every run of model {ref!r} failed ({len(failed)}; e.g. "
                                 f"{failed[-1].error or 'no reason stored'})",
                                 "compare successful runs (wattprint results list --status ok)")
        raise WattprintError(f"{ref!r} is neither a run id prefix nor a model with successful runs in {store.path}",
                             "list them: wattprint results list")
    return runs, ref


def compare_cmd(
    a: str = typer.Argument(..., help="Run id prefix or model name."),
    b: str = typer.Argument(..., help="Run id prefix or model name."),
    task: str = typer.Option(None, "--task", help="For models: only runs of this task."),
    dataset: str = typer.Option(None, "--dataset", help="For models: only runs on this dataset."),
    db: str = DB_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Two runs or two models side by side, and whether the difference exceeds the noise (Welch, p < 0.05)."""
    from wattprint.analysis.compare import compare_runs
    from wattprint.results.serving import ServingStore
    from wattprint.results.store import ResultStore

    with ResultStore.existing(db) as store:
        sa, sb = ServingStore(store).find(a), ServingStore(store).find(b)
        if sa is not None or sb is not None:
            if sa is None or sb is None:
                raise WattprintError("compare a serving run with a serving run",
                                     "list them: wattprint results list")
            from wattprint.cli.serve_render import print_serving_comparison

            print_serving_comparison(sa, sb, as_json)
            return
        a_runs, a_label = _side(store, a, task_filter(task), dataset)
        b_runs, b_label = _side(store, b, task_filter(task), dataset)
    try:
        result = compare_runs(a_runs, b_runs, a_label=a_label, b_label=b_label)
    except ValueError as exc:
        raise WattprintError(f"cannot compare: {exc}",
                             "compare successful runs (wattprint results list --status ok)") from exc
    if as_json:
        print_json(result.to_dict())
        return
    from wattprint.report.terminal import print_comparison

    print_comparison(result, console)


def register(app: typer.Typer) -> None:
    """Add ``wattprint report`` and ``wattprint compare`` to the root app."""
    app.command("report")(report_cmd)
    app.command("compare")(compare_cmd)
