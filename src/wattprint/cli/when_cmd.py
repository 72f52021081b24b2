"""``wattprint when``: the start time with the least carbon for a job, from a forecast or a typical day."""

from __future__ import annotations

import math

import typer

from wattprint.cli.common import JSON_OPTION, console, print_json
from wattprint.errors import WattprintError
from wattprint.report.termtext import markup_safe


def when_cmd(
    energy: str = typer.Option(..., "--energy", help="Energy of the job: 12kWh, 500Wh (bare number: kWh)."),
    duration: str = typer.Option(..., "--duration", help="How long the job runs: 3h, 90min (bare number: hours)."),
    within: str = typer.Option("24h", "--within", help="Start and finish within this horizon from now."),
    series: str = typer.Option(None, "--series", help="CSV/JSON intensity forecast with timestamps."),
    profile: str = typer.Option(None, "--profile", help="Typical-day CSV (hour,g_per_kwh; UTC), repeated daily."),
    carbon_source: str = typer.Option(None, "--carbon-source", help="Live forecast: uk, electricitymaps:ZONE, "
                                      "watttime:REGION."),
    region: str = typer.Option(None, "--region", help="Zone for --carbon-source, or a label for a file."),
    now: str = typer.Option(None, "--now", help="Plan as if it were this UTC time (ISO 8601), e.g. for tests."),
    pue: float = typer.Option(1.0, "--pue", help="Facility PUE, 1.0-3.0."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Find when to start a job so that it emits least, and what that saves against starting now."""
    from datetime import datetime, timezone

    from wattprint.carbon.series import parse_time, read_profile_file
    from wattprint.carbon.timed import best_start, check_horizon, check_job_energy, load_series, profile_over
    from wattprint.carbon.units import format_mass, parse_duration, parse_energy

    wh = check_job_energy(parse_energy(energy, default_unit="kWh", what="--energy"))
    dur = parse_duration(duration, "--duration")
    horizon = check_horizon(parse_duration(within, "--within"))
    t_now = parse_time(now, "--now") if now else datetime.now(timezone.utc)
    if sum(x is not None for x in (series, profile, carbon_source)) != 1:
        raise WattprintError("give exactly one of --series, --profile or --carbon-source",
                             "a forecast file, a typical-day profile, or a live provider (uk, electricitymaps:DE)")
    if profile:
        day = read_profile_file(profile, region=region or "")
        if day.identity.kind == "profile":
            s = profile_over(day, t_now, days=int(math.ceil(horizon / 86400.0)) + 1)
        else:
            s = day
    else:
        s = load_series(series, carbon_source, region, start=t_now, kind="forecast")
    plan = best_start(s, wh, dur, horizon, now=t_now, pue=pue)
    if as_json:
        print_json(plan)
        return
    fmt_t = "%Y-%m-%d %H:%M UTC"
    console.print(f"job: {wh / 1000:.4g} kWh over {dur / 3600:.3g} h, within {horizon / 3600:.3g} h; "
                  f"series: {markup_safe(plan.series.label())}")
    console.print(f"  start now ({plan.now.start:{fmt_t}}): {format_mass(plan.now.g_co2e)} CO2e "
                  f"(mean {plan.now.mean_intensity_g_per_kwh:.4g} g/kWh)")
    console.print(f"  [bold]best start {plan.best.start:{fmt_t}}[/]: {format_mass(plan.best.g_co2e)} CO2e "
                  f"(mean {plan.best.mean_intensity_g_per_kwh:.4g} g/kWh)")
    saving = (f"saves [bold]{format_mass(plan.saving_g)}[/] ({plan.saving_share:.0%}) against starting now"
              if plan.saving_g > 0 else "starting now is already the cleanest start: nothing to save")
    console.print(f"  {saving}; worst start {plan.worst.start:{fmt_t}}: {format_mass(plan.worst.g_co2e)}; "
                  f"{plan.candidates} starts compared")
    if plan.series.signal == "marginal":
        console.print("  [dim]marginal signal: grams are what the extra load is expected to cause[/]")
    if plan.series.kind == "profile":
        console.print("  [dim]from a typical day, not a forecast: the saving is what a usual day would give[/]")
    if plan.note:
        console.print(f"  [yellow]note:[/] {markup_safe(plan.note)}")


def register(app: typer.Typer) -> None:
    """Add ``wattprint when`` to the root app."""
    app.command("when")(when_cmd)
