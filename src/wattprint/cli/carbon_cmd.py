"""``wattprint project`` and ``wattprint regions``: deployment projections and grid intensities."""

from __future__ import annotations

from typing import Any

import typer
from rich import box
from rich.console import JustifyMethod
from rich.table import Table
from rich.text import Text

from wattprint.cli.common import DB_OPTION, JSON_OPTION, console, print_json
from wattprint.errors import WattprintError
from wattprint.report.termtext import OneLine, markup_safe, plain

REGION_OPTION = typer.Option(
    None,
    "--region",
    help="Grid region: ISO country (FR, FRA), US-CA, aws:us-east-1, gcp:..., azure:...; "
    "default: the explicit WORLD average.",
)
INTENSITY_OPTION = typer.Option(None, "--intensity", help="Grid intensity in g CO2e/kWh (overrides --region).")
PUE_OPTION = typer.Option(1.0, "--pue", help="Facility PUE, 1.0-3.0 (default 1.0: IT energy only).")


def _num(x: float, digits: int = 4) -> str:
    if x == 0:
        return "0"
    if abs(x) >= 1e9:  # an exponent keeps huge figures short enough for an 80-column table
        return f"{x:.3g}".replace("e+", "e")
    if abs(x) >= 1000:
        return f"{x:,.0f}"
    return f"{x:.{digits}g}"


def _energy_per_query(
    energy: str | None, energy_per_1k: str | None, run_id: str | None, db: str | None
) -> tuple[float, str, Any]:
    """(Wh per query, note on where it came from, the run's CarbonInfo or None)."""
    from wattprint.carbon.units import parse_energy

    given = [x for x in (energy, energy_per_1k, run_id) if x]
    if len(given) != 1:
        raise WattprintError(
            "give exactly one of --energy, --energy-per-1k or --run",
            "e.g. --energy 0.1Wh (per query), --energy-per-1k 0.104kWh, or --run RUN_ID from the store",
        )
    if energy:
        return parse_energy(energy, what="--energy"), "given per query (--energy)", None
    if energy_per_1k:
        return parse_energy(energy_per_1k, what="--energy-per-1k") / 1000.0, "given per 1,000 (--energy-per-1k)", None
    from wattprint.results.serving import J_PER_WH, ServingStore
    from wattprint.results.store import ResultStore

    assert run_id is not None  # exactly one of the three was given, and not the first two
    with ResultStore.existing(db) as store:
        serving = ServingStore(store).find(run_id)
        run = store.get(run_id) if serving is None else None
    if serving is not None:
        j = serving.best_j_per_request
        if j is None:
            raise WattprintError(f"serving run {serving.run_id[:12]} has no finished level", "pick an ok run")
        which = f"the SLO's best level {serving.slo_best}" if serving.slo_best else "its level with the least J/request"
        level = serving.best_level
        share = level.measured_share if level is not None else 0.0
        measured = f"{share:.0%} measured by sensors" if share > 0 else "ESTIMATED, not measured"
        failed = f"; the run failed ({serving.error}): only its finished levels count" if serving.status != "ok" else ""
        return j / J_PER_WH, f"serving run {serving.run_id[:12]} ({serving.model}): {j:.4g} J per request at " \
            f"{which} (whole server energy, {measured}){failed}", serving.carbon
    assert run is not None  # store.get raises when the id is unknown
    if run.status != "ok" or run.summary is None:
        raise WattprintError(f"run {run.run_id[:12]} has no energy summary (status {run.status})", "pick an ok run")
    s = run.summary
    note = (
        f"run {run.run_id[:12]} ({run.config.task}, {run.config.model}): mean {s.wh_per_1k_mean:.4g} Wh per 1,000, "
        f"{s.measured_share:.0%} measured by sensors, origin {run.origin}"
    )
    return s.wh_per_1k_mean / 1000.0, note, run.carbon


def _projection_table(p: Any) -> Table:
    from wattprint.carbon.units import format_count, format_energy

    t = Table(title="Deployment projection", title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False,
              collapse_padding=True)  # fits 80 columns with every optional column
    t.add_column("period", no_wrap=True)
    t.add_column("queries", justify="right", no_wrap=True)
    t.add_column("kWh IT", justify="right", no_wrap=True)
    if p.factor.pue != 1.0:
        t.add_column(f"kWh PUE {p.factor.pue:g}", justify="right", no_wrap=True)
    t.add_column("kg CO2e", justify="right", no_wrap=True)
    t.add_column("t CO2e", justify="right", no_wrap=True)
    if p.wue_l_per_kwh is not None:
        t.add_column("water L", justify="right", no_wrap=True)
    for per, label in (
        (p.daily, "per day"),
        (p.yearly, "per year (365 d)"),
        (p.cumulative, f"{p.horizon_days:g} days"),
    ):
        row = [label, format_count(per.queries), _num(per.kwh)]
        if p.factor.pue != 1.0:
            row.append(_num(per.facility_kwh))
        row += [_num(per.g_co2e / 1000.0), _num(per.t_co2e)]
        if p.wue_l_per_kwh is not None:
            row.append(_num(per.water_l or 0.0))
        t.add_row(*row)
    t.caption = f"{format_energy(p.wh_per_query)} per query x {format_count(p.queries_per_day)} queries/day"
    return t


def _profile_table(h: Any) -> Table:
    t = Table(title="Intensity of each hour (typical day, UTC; load uniform over the day)", title_justify="left")
    for col in ("from", "g CO2e/kWh", "kWh per day", "kg CO2e per day"):
        t.add_column(col, justify="right")
    for s in h.slots:
        t.add_row(plain(s.start), _num(s.g_per_kwh), _num(s.kwh_per_day), _num(s.g_co2e_per_day / 1000.0))
    t.caption = (f"daily mean {_num(h.factor.intensity_g_per_kwh)} g/kWh; cleanest {h.cleanest.start} "
                 f"({_num(h.cleanest.g_per_kwh)}), dirtiest {h.dirtiest.start} ({_num(h.dirtiest.g_per_kwh)})")
    return t


def _equivalents_table(eqs: list[Any], title: str) -> Table:
    t = Table(title=title, title_justify="left")
    t.add_column("equivalent")
    t.add_column("amount", justify="right", no_wrap=True)
    t.add_column("basis")
    t.add_column("figure used")
    t.add_column("source (year)")
    for e in eqs:
        year = e.year if e.year is not None else e.kind
        t.add_row(plain(e.name), _num(e.value, 3), plain(e.basis), plain(f"{e.per_unit:g} {e.per_unit_unit} each"),
                  plain(f"{e.source.split(':')[0]} ({year})"))  # fmt: skip
    return t


def _factor_line(f: Any) -> str:
    bits = [f"{f.intensity_g_per_kwh:g} g CO2e/kWh", f"region {f.region}"]
    if f.year:
        bits.append(str(f.year))
    if f.scope:
        bits.append(f.scope)
    return ", ".join(bits) + f"; PUE {f.pue:g}; source: {f.source}"


def project_cmd(
    energy: str = typer.Option(None, "--energy", help="Energy per query: 0.1Wh, 1e-4kWh, 360J (bare number: Wh)."),
    energy_per_1k: str = typer.Option(None, "--energy-per-1k", help="Energy per 1,000 queries, e.g. 0.104kWh."),
    run_id: str = typer.Option(None, "--run", help="Use a stored run's mean energy per query."),
    rate: str = typer.Option(None, "--rate", help="Query rate: 10M/day, 1e6/day, 500/s, 2k/hour."),
    days: float = typer.Option(365.0, "--days", help="Horizon for the cumulative figures, in days."),
    training: list[str] = typer.Option(
        None,
        "--training",
        help="Training energy to break even with (repeat to add fine-tuning): 51686kWh. Bare numbers: kWh.",
    ),
    region: str = REGION_OPTION,
    intensity: float = INTENSITY_OPTION,
    pue: float = PUE_OPTION,
    wue: float = typer.Option(None, "--wue", help="Site water per IT kWh (L/kWh); adds a water column."),
    profile: str = typer.Option(None, "--profile", help="Intensity of each hour: a typical-day CSV (hour,g_per_kwh; "
                                "UTC) or a dated series; load assumed uniform over the day."),
    db: str = DB_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Energy, carbon and equivalents of serving a model at a query rate; training break-even."""
    from wattprint.carbon import breakeven, project, resolve_factor
    from wattprint.carbon.units import format_count, parse_energy, parse_rate

    wh_q, note, run_factor = _energy_per_query(energy, energy_per_1k, run_id, db)
    hourly = None
    if profile is not None:
        if intensity is not None:
            raise WattprintError("give --profile or --intensity, not both", "the profile sets the intensity")
        from wattprint.carbon.series import read_profile_file
        from wattprint.carbon.timed import profile_factor

        kwh_day = wh_q * parse_rate(rate, what="--rate") / 1000.0 if rate else 0.0
        hourly = profile_factor(read_profile_file(profile, region=region or ""), kwh_day, pue)
        factor = hourly.factor
    elif region is None and intensity is None and run_factor is not None:
        factor = run_factor.model_copy(update={"pue": pue}) if pue != 1.0 else run_factor
        note += "; carbon factor: the run's own"
    else:
        factor = resolve_factor(region=region, intensity=intensity, pue=pue)
    training_wh = sum(parse_energy(t, default_unit="kWh", what="--training") for t in training) if training else None
    if rate is None:
        if training_wh is None:
            raise WattprintError("--rate is required", "e.g. --rate 10M/day (or give --training for break-even only)")
        be = breakeven(training_wh, wh_q)
        if as_json:
            print_json({"wh_per_query": wh_q, "energy_note": note, "breakeven": be.model_dump(mode="json")})
            return
        console.print(f"energy per query: {wh_q:.4g} Wh; {markup_safe(note)}")
        console.print(
            f"break-even with {_num(be.training_kwh)} kWh of training: [bold]{format_count(be.queries)}[/] queries"
        )
        return
    p = project(wh_q, parse_rate(rate, what="--rate"), factor, days, training_wh, wue, energy_note=note)
    if as_json:
        doc = p.model_dump(mode="json")
        if hourly is not None:
            doc["profile"] = hourly.model_dump(mode="json")
        print_json(doc)
        return
    if hourly is not None:
        console.print(_profile_table(hourly))
    console.print(_projection_table(p))
    console.print(f"[dim]energy:[/] {markup_safe(note)}")
    console.print(f"[dim]carbon factor:[/] {markup_safe(_factor_line(p.factor))}")
    console.print(_equivalents_table(p.equivalents, f"Equivalents of the {p.horizon_days:g}-day total"))
    if p.breakeven is not None:
        b = p.breakeven
        console.print(
            f"break-even with {_num(b.training_kwh)} kWh of training: [bold]{format_count(b.queries)}[/] queries, "
            f"[bold]{b.days:,.1f} days[/] at {format_count(p.queries_per_day)}/day"
        )


def regions_cmd(
    query: str = typer.Argument(None, help="Filter: code, name, kind (country, us-state, cloud) or aws/gcp/azure."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Grid carbon intensities wattprint knows, each with year, scope and source."""
    from wattprint.carbon.regions import data_version, list_regions, load_data

    rows = list_regions(query)
    if as_json:
        doc = load_data()
        print_json(
            {
                "version": doc["version"],
                "unit": doc["unit"],
                "default": doc["default"],
                "regions": [r.model_dump(mode="json") for r in rows],
                "sources": doc["sources"],
            }
        )
        return
    if not rows:
        raise WattprintError(
            f"no region matches {query!r}", "try a country code (FR), a name (france), 'us-state', 'aws', 'gcp'"
        )
    t = Table(title=f"{len(rows)} region(s), grid data v{data_version()}, g CO2e/kWh", title_justify="left",
              box=box.SIMPLE_HEAD, pad_edge=False, collapse_padding=True)
    narrow = console.width < 100  # the region id (what --region takes) stays whole: the name goes under it
    cols: list[tuple[str, JustifyMethod]] = [("region", "left")]
    if not narrow:
        cols.append(("name", "left"))
    cols += [("g/kWh", "right"), ("year", "right"), ("scope", "left"), ("source", "left")]
    for col, just in cols:
        t.add_column(col, justify=just, no_wrap=col in ("g/kWh", "year"),
                     min_width=max(len(r.key) for r in rows) if col == "region" else None)
    for r in rows:
        src = r.source + (f" via {r.mapped_to}" if r.mapped_to else "")
        names = [Text.assemble(plain(r.key, style="bold"), "\n", plain(r.name))] if narrow else \
            [OneLine(r.key), plain(r.name)]
        t.add_row(*names, f"{r.g_per_kwh:g}", str(r.year), plain(r.scope), plain(src))
    console.print(t)
    console.print("[dim]sources: `wattprint regions --json` lists each source id with its URL, licence and route[/]")


def register(app: typer.Typer) -> None:
    """Add ``project`` and ``regions`` to the root app."""
    app.command("project")(project_cmd)
    app.command("regions")(regions_cmd)
