"""Carbon that follows the clock: a run's windows against an intensity series, and the cleanest start.

Energy is spread uniformly over each measured window (constant power from its start to its
end); its carbon is ``Wh / 1000 x mean intensity over the window x PUE``, where the mean is the
exact integral of the series (step or linear, :mod:`wattprint.carbon.series`) divided by the
window's length. Units: Wh, g CO2e/kWh, g CO2e, seconds, UTC datetimes.
"""

from __future__ import annotations

import statistics
from datetime import datetime, timedelta, timezone

from pydantic import BaseModel, Field

from wattprint.carbon.factor import CarbonInfo
from wattprint.carbon.resolve import check_pue
from wattprint.carbon.series import IntensitySeries, SeriesIdentity
from wattprint.energy.types import EnergyReport
from wattprint.errors import WattprintError

J_PER_WH = 3600.0
#: at most this many intensity points are kept in a result (for the plot), evenly thinned
MAX_TRACE_POINTS = 500


class WindowCarbon(BaseModel):
    """One measured window: its energy (Wh), the mean intensity it met (g/kWh) and its grams CO2e."""

    name: str = ""
    start: datetime
    end: datetime
    wh: float = Field(ge=0)
    inferences: int = Field(default=0, ge=0)
    mean_intensity_g_per_kwh: float
    g_co2e: float


class IntensityPoint(BaseModel):
    """One point of the series met by a run: time (UTC) and g CO2e/kWh."""

    t: datetime
    g_per_kwh: float


class TimedCarbon(BaseModel):
    """A run's time-resolved carbon, next to the yearly-average figure, with the series' identity.

    ``g_co2e_per_1k`` averages the windows' grams per 1,000 inferences (like the energy
    summary averages repeats); ``average_g_co2e_per_1k`` is the same energy at the flat factor.
    """

    series: SeriesIdentity
    pue: float = 1.0
    windows: list[WindowCarbon]
    wh: float = Field(description="IT energy of the windows, Wh")
    g_co2e: float = Field(description="g CO2e of the windows, PUE applied")
    mean_intensity_g_per_kwh: float = Field(description="energy-weighted intensity met, g/kWh")
    g_co2e_per_1k: float | None = None
    average_intensity_g_per_kwh: float | None = None
    average_g_co2e_per_1k: float | None = None
    trace: list[IntensityPoint] = Field(default_factory=list, description="series points over the run's time")

    @property
    def span_s(self) -> float:
        """Seconds from the first window's start to the last one's end."""
        if not self.windows:
            return 0.0
        return (self.windows[-1].end - self.windows[0].start).total_seconds()


def _window_times(report: EnergyReport) -> tuple[datetime, datetime]:
    if report.start_unix_s <= 0:
        raise WattprintError(f"window {report.name or '?'} has no start time",
                             "this result predates timed windows; use the yearly factor")
    start = datetime.fromtimestamp(report.start_unix_s, timezone.utc)
    return start, start + timedelta(seconds=report.duration_s)


def time_resolved(windows: list[tuple[EnergyReport, int]], series: IntensitySeries, pue: float = 1.0,
                  average: CarbonInfo | None = None) -> TimedCarbon:
    """Carbon of ``windows`` (energy report, inferences) with ``series``; a one-line error if not covered.

    ``average``: the flat factor, to report the yearly-average figure side by side.
    """
    pue = check_pue(pue)
    if not windows:
        raise WattprintError("no measured windows to attribute carbon to", "the run has no repeats")
    out: list[WindowCarbon] = []
    for report, n in windows:
        start, end = _window_times(report)
        wh = report.total_joules / J_PER_WH
        mean = series.mean(start.timestamp(), end.timestamp())
        out.append(WindowCarbon(name=report.name, start=start, end=end, wh=wh, inferences=n,
                                mean_intensity_g_per_kwh=mean, g_co2e=wh / 1000.0 * mean * pue))
    wh = sum(w.wh for w in out)
    g = sum(w.g_co2e for w in out)
    weighted = (g / pue / (wh / 1000.0)) if wh > 0 else statistics.fmean(w.mean_intensity_g_per_kwh for w in out)
    per_k = [w.g_co2e / w.inferences * 1000.0 for w in out if w.inferences > 0]
    per_k_wh = [w.wh / w.inferences * 1000.0 for w in out if w.inferences > 0]
    trace = series.window(out[0].start, out[-1].end)
    if len(trace) > MAX_TRACE_POINTS:
        stride = len(trace) / MAX_TRACE_POINTS
        trace = [trace[int(i * stride)] for i in range(MAX_TRACE_POINTS)]
    return TimedCarbon(
        series=series.identity, pue=pue, windows=out, wh=wh, g_co2e=g, mean_intensity_g_per_kwh=weighted,
        g_co2e_per_1k=statistics.fmean(per_k) if per_k else None,
        average_intensity_g_per_kwh=average.intensity_g_per_kwh if average else None,
        average_g_co2e_per_1k=(average.grams(statistics.fmean(per_k_wh)) if average and per_k_wh else None),
        trace=[IntensityPoint(t=t, g_per_kwh=v) for t, v in trace],
    )


# -- planning ----------------------------------------------------------------------------------------

class StartOption(BaseModel):
    """A candidate start: g CO2e of the job if started then, and the mean intensity it would meet."""

    start: datetime
    g_co2e: float
    mean_intensity_g_per_kwh: float


class Plan(BaseModel):
    """The start with the least carbon within a horizon, against starting now."""

    series: SeriesIdentity
    energy_wh: float
    duration_s: float
    now: StartOption
    best: StartOption
    worst: StartOption
    saving_g: float = Field(description="g CO2e saved by starting at best instead of now")
    saving_share: float = Field(description="saving / grams if started now (0..1)")
    candidates: int
    horizon_end: datetime
    note: str = ""


MAX_HORIZON_S = 366 * 86400.0  # a year: no forecast or planning horizon goes further


MAX_JOB_WH = 1e12  # 1 TWh: a year of a large data centre; a job beyond it is a typo


def check_job_energy(energy_wh: float) -> float:
    """``energy_wh`` (Wh) if it is at most :data:`MAX_JOB_WH`; else a one-line error stating the limit."""
    if not energy_wh <= MAX_JOB_WH:
        raise WattprintError(f"--energy {energy_wh / 1000:.3g} kWh is beyond the limit of {MAX_JOB_WH / 1e9:g} GWh",
                             "check the unit: 12kWh, 500Wh (a bare number is kWh)")
    return energy_wh


def check_horizon(within_s: float) -> float:
    """``within_s`` (s) if it is at most :data:`MAX_HORIZON_S`; else a one-line error stating the limit."""
    if not within_s <= MAX_HORIZON_S:
        raise WattprintError(f"--within {within_s / 86400:.3g} days is beyond the limit of "
                             f"{MAX_HORIZON_S / 86400:.0f} days", "plan within a forecast's reach, e.g. --within 48h")
    return within_s


def best_start(series: IntensitySeries, energy_wh: float, duration_s: float, within_s: float,
               now: datetime | None = None, pue: float = 1.0) -> Plan:
    """Among starts from ``now`` to ``now + within_s - duration_s``, the one whose job emits least.

    The job draws ``energy_wh`` uniformly over ``duration_s``. Candidates: ``now`` and every
    series timestamp in range (the optimum of a step series lies on one of them; for linear
    series it is a close approximation). Limited to what the series covers, said in ``note``.
    """
    pue = check_pue(pue)
    if energy_wh < 0 or duration_s <= 0 or within_s <= 0:
        raise WattprintError("energy must be >= 0, duration and horizon > 0", "e.g. --energy 12kWh --duration 3h")
    check_horizon(within_s)
    if duration_s > within_s:
        raise WattprintError(f"the job ({duration_s / 3600:.3g} h) is longer than the horizon "
                             f"({within_s / 3600:.3g} h)", "widen --within or shorten --duration")
    t0 = (now or datetime.now(timezone.utc)).astimezone(timezone.utc).timestamp()
    ts = [t.timestamp() for t in series.times]
    cover_end = ts[-1] + series.step_s
    note = ""
    if ts[0] - series.step_s <= t0 < ts[0]:  # a forecast that starts at the next period
        note = f"the series starts at {series.times[0]:%Y-%m-%d %H:%MZ}, taken as 'now'; "
        t0 = ts[0]
    if t0 < ts[0] or t0 + duration_s > cover_end:
        raise WattprintError(
            f"the series ({series.identity.label()}) does not cover a {duration_s / 3600:.3g} h job starting now",
            "use a forecast that starts before now, or a typical-day profile (--profile)")
    last = min(t0 + within_s, cover_end) - duration_s
    if t0 + within_s > cover_end:
        note += (f"the series ends at {datetime.fromtimestamp(cover_end, timezone.utc):%Y-%m-%d %H:%MZ}; "
                "later starts were not considered")
    starts = [t0] + [t for t in ts if t0 < t <= last]
    if last > t0 and last not in starts:
        starts.append(last)

    def option(t: float) -> StartOption:
        mean = series.mean(t, t + duration_s)
        return StartOption(start=datetime.fromtimestamp(t, timezone.utc), g_co2e=energy_wh / 1000.0 * mean * pue,
                           mean_intensity_g_per_kwh=mean)

    options = [option(t) for t in starts]
    best = min(options, key=lambda o: (o.g_co2e, o.start))
    worst = max(options, key=lambda o: o.g_co2e)
    saving = options[0].g_co2e - best.g_co2e
    return Plan(series=series.identity, energy_wh=energy_wh, duration_s=duration_s, now=options[0], best=best,
                worst=worst, saving_g=saving, saving_share=(saving / options[0].g_co2e) if options[0].g_co2e else 0.0,
                candidates=len(options), horizon_end=datetime.fromtimestamp(t0 + within_s, timezone.utc), note=note)


def profile_over(series: IntensitySeries, start: datetime, days: int) -> IntensitySeries:
    """A typical-day series (``kind == "profile"``, hours of one UTC day) repeated from ``start``'s day for ``days``."""
    from wattprint.carbon.series import make_series

    day0 = start.astimezone(timezone.utc).replace(hour=0, minute=0, second=0, microsecond=0)
    base = series.times[0]
    offsets = [(t - base) for t in series.times]
    points = [(day0 + timedelta(days=d) + off, v) for d in range(days)
              for off, v in zip(offsets, series.values, strict=True)]
    return make_series(points, series.identity, step_s=series.step_s)


def daily_mean(series: IntensitySeries) -> float:
    """Time-average intensity (g/kWh) over the whole series' coverage (a day for a profile)."""
    a, b = series.start.timestamp(), series.end.timestamp()
    return series.integral(a, b) / (b - a)


def load_series(series_file: str | None = None, carbon_source: str | None = None, region: str | None = None,
                start: datetime | None = None, end: datetime | None = None,
                kind: str = "history") -> IntensitySeries:
    """The series named by a file path or a provider spec (``uk``, ``electricitymaps:DE``...)."""
    if series_file and carbon_source:
        raise WattprintError("give either an intensity series file or a carbon source, not both",
                             "--intensity-series FILE or --carbon-source PROVIDER[:ZONE]")
    if series_file:
        from wattprint.carbon.series import read_series_file

        return read_series_file(series_file, region=region or "")
    if carbon_source:
        from wattprint.carbon.providers import fetch_series

        return fetch_series(carbon_source, kind, start, end, default_zone=region)
    raise WattprintError("no intensity series given", "--intensity-series FILE or --carbon-source PROVIDER[:ZONE]")


def attribute(windows: list[tuple[EnergyReport, int]], average: CarbonInfo, *, series_file: str | None = None,
              carbon_source: str | None = None, series: IntensitySeries | None = None,
              ) -> tuple[TimedCarbon | None, str | None]:
    """Time-resolved carbon for ``windows``, or (None, reason) when the series cannot be used.

    The flat ``average`` factor (the yearly table or ``--intensity``) stays the run's carbon
    in that case, and the reason says so: a failing provider or an uncovered period is
    never a silent zero.
    """
    try:
        if series is None:
            starts = [_window_times(r) for r, _ in windows]
            series = load_series(series_file, carbon_source, average.region if average.region != "WORLD" else None,
                                 start=min(a for a, _ in starts), end=max(b for _, b in starts))
        return time_resolved(windows, series, pue=average.pue, average=average), None
    except WattprintError as exc:
        reason = (f"time-resolved carbon not computed ({exc.message}); carbon uses the flat factor "
                  f"{average.intensity_g_per_kwh:g} g/kWh (region {average.region})")
        return None, reason


class ProfileSlot(BaseModel):
    """One slot of a typical day under a uniform load: its intensity, kWh and g CO2e per day."""

    start: str = Field(description="HH:MM UTC")
    hours: float
    g_per_kwh: float
    kwh_per_day: float
    g_co2e_per_day: float


class ProfileProjection(BaseModel):
    """Energy spread uniformly over the day, carbon slot by slot; ``factor`` holds the resulting mean."""

    factor: CarbonInfo
    slots: list[ProfileSlot]
    cleanest: ProfileSlot
    dirtiest: ProfileSlot


def profile_factor(series: IntensitySeries, kwh_per_day: float, pue: float = 1.0) -> ProfileProjection:
    """The time-averaged factor of ``series`` for a load constant over time, and (for a typical day) each slot.

    With a uniform load, the daily grams are the sum over slots of (kWh in the slot x its
    intensity), which equals kWh x the series' time-average; the slots show where they come from.
    """
    pue = check_pue(pue)
    mean = daily_mean(series)
    ident = series.identity
    factor = CarbonInfo(intensity_g_per_kwh=mean, region=ident.region, pue=pue, scope=ident.scope,
                        source=f"time-average of intensity series {ident.label()} ({ident.origin}); "
                               "load assumed uniform over time")
    total_s = (series.end - series.start).total_seconds()
    slots = []
    if ident.kind == "profile":
        ends = series.times[1:] + [series.end]
        for t, e, v in zip(series.times, ends, series.values, strict=False):
            hours = (e - t).total_seconds() / 3600.0
            share = hours * 3600.0 / total_s
            slots.append(ProfileSlot(start=f"{t:%H:%M}", hours=hours, g_per_kwh=v, kwh_per_day=kwh_per_day * share,
                                     g_co2e_per_day=kwh_per_day * share * v * pue))
    if not slots:  # a dated series: one slot, its mean
        slots = [ProfileSlot(start=f"{series.start:%H:%M}", hours=total_s / 3600.0, g_per_kwh=mean,
                             kwh_per_day=kwh_per_day, g_co2e_per_day=kwh_per_day * mean * pue)]
    return ProfileProjection(factor=factor, slots=slots, cleanest=min(slots, key=lambda s: s.g_per_kwh),
                             dirtiest=max(slots, key=lambda s: s.g_per_kwh))
