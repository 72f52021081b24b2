"""Grid carbon intensity over time: a validated series, read from a file or a provider.

Units: intensity in g CO2e/kWh, time as timezone-aware UTC datetimes (seconds since the
Unix epoch internally), energy in Wh, carbon in g CO2e.

Semantics (documented in ``docs/carbon.md``):

* ``step`` (default): each point's value holds from its timestamp until the next point's
  (the convention of Electricity Maps' ``datetime`` and the UK API's ``from``: a period
  starts at its timestamp). The last point holds for one nominal step.
* ``linear``: the intensity is linearly interpolated between timestamps; after the last
  point it holds for one nominal step.

A series covers ``[first timestamp, last timestamp + step)``. It is refused (a one-line
:class:`WattprintError`) when it is empty, unsorted, has duplicate timestamps, a gap over
1.5 steps, or a value outside 0-2,000 g/kWh; never silently patched.
"""

from __future__ import annotations

import bisect
import csv
import hashlib
import io
import json
import math
import statistics
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field

from wattprint.carbon.resolve import MAX_INTENSITY_G_PER_KWH
from wattprint.errors import WattprintError

Interpolation = Literal["step", "linear"]
#: a gap between points above this many nominal steps is refused
MAX_GAP_STEPS = 1.5
#: a file above this size is refused as absurd for an intensity series (bytes)
MAX_FILE_BYTES = 64 * 1024 * 1024
_TIME_COLUMNS = ("timestamp", "datetime", "time", "from", "start", "date")
_VALUE_COLUMNS = ("g_per_kwh", "intensity", "carbon_intensity", "carbonintensity", "gco2_per_kwh", "value")


class SeriesIdentity(BaseModel):
    """What a series is and where it came from: enough to fetch or read it again and recompute carbon."""

    source: str = Field(description="file | electricitymaps | watttime | uk-carbon-intensity | profile")
    region: str = Field(description="zone or region as the source names it, or what the file's user said")
    signal: Literal["average", "marginal"] = "average"
    scope: str = Field(default="", description="direct | life-cycle | as the source states it")
    origin: str = Field(default="", description="file path or endpoint URL (never a token)")
    sha256: str = Field(default="", description="sha256 of the file's bytes, or of the fetched points")
    fetched_at: datetime | None = Field(default=None, description="when a provider was asked (UTC)")
    kind: Literal["history", "forecast", "latest", "file", "profile"] = "file"
    interpolation: Interpolation = "step"
    note: str = ""

    def label(self) -> str:
        """One line for tables: ``uk-carbon-intensity GB forecast (step)``."""
        region = self.region if self.region != "unspecified" else "(region not given)"  # not "file unspecified"
        bits = [self.source, region] + ([self.kind] if self.kind != self.source else []) + \
            [f"({self.signal}, {self.interpolation}"]
        if self.sha256:
            bits[-1] += f", sha256 {self.sha256[:12]}"
        return " ".join(bits) + ")"


class IntensitySeries(BaseModel):
    """Intensity (g CO2e/kWh) at increasing UTC timestamps, with its identity. Built by :func:`make_series`."""

    identity: SeriesIdentity
    times: list[datetime]
    values: list[float]
    step_s: float = Field(gt=0, description="nominal spacing of the points (median), seconds")

    # -- coverage ------------------------------------------------------------------------------
    @property
    def start(self) -> datetime:
        return self.times[0]

    @property
    def end(self) -> datetime:
        """End of coverage: the last point plus one step."""
        return self.times[-1] + timedelta(seconds=self.step_s)

    def covers(self, start: datetime, end: datetime) -> bool:
        """True when ``[start, end]`` lies inside the series' coverage."""
        return self.start <= _utc(start) and _utc(end) <= self.end

    # -- values ----------------------------------------------------------------------------------
    def _ts(self) -> list[float]:
        return [t.timestamp() for t in self.times]

    def at(self, when: datetime) -> float:
        """Intensity (g/kWh) at ``when``; a :class:`WattprintError` outside the coverage."""
        t = _utc(when).timestamp()
        ts = self._ts()
        self._check_inside(t, t, ts)
        return self._at_ts(t, ts)

    def integral(self, start: datetime | float, end: datetime | float) -> float:
        """Integral of intensity over ``[start, end]`` in (g/kWh) x s: exact for step and linear."""
        a = start if isinstance(start, float) else _utc(start).timestamp()
        b = end if isinstance(end, float) else _utc(end).timestamp()
        if b < a:
            raise WattprintError("an interval ends before it starts", "check the window's timestamps")
        ts = self._ts()
        self._check_inside(a, b, ts)
        # breakpoints: the window's ends and every timestamp strictly inside it
        knots = [a] + [x for x in ts if a < x < b] + [b]
        total = 0.0
        for lo, hi in zip(knots, knots[1:], strict=False):
            if self.identity.interpolation == "step":
                total += self._at_ts(lo, ts) * (hi - lo)
            else:  # linear between knots: trapezoid is exact
                total += 0.5 * (self._at_ts(lo, ts) + self._at_ts(hi, ts)) * (hi - lo)
        return total

    def mean(self, start: datetime | float, end: datetime | float) -> float:
        """Time-average intensity (g/kWh) over ``[start, end]``; the value at ``start`` for an empty interval."""
        a = start if isinstance(start, float) else _utc(start).timestamp()
        b = end if isinstance(end, float) else _utc(end).timestamp()
        if b <= a:
            ts = self._ts()
            self._check_inside(a, a, ts)
            return self._at_ts(a, ts)
        return self.integral(a, b) / (b - a)

    def _at_ts(self, t: float, ts: list[float]) -> float:
        i = max(0, bisect.bisect_right(ts, t) - 1)
        if self.identity.interpolation == "step" or i >= len(ts) - 1:
            return self.values[i]
        frac = (t - ts[i]) / (ts[i + 1] - ts[i])
        return self.values[i] + frac * (self.values[i + 1] - self.values[i])

    def _check_inside(self, a: float, b: float, ts: list[float]) -> None:
        lo, hi = ts[0], ts[-1] + self.step_s
        if a < lo - 1e-6 or b > hi + 1e-6:
            raise WattprintError(
                f"intensity series {self.identity.label()} covers {_iso(lo)} to {_iso(hi)}, "
                f"not {_iso(a)} to {_iso(b)}",
                "use a series that spans the run's time, or drop it to use the yearly table",
            )

    def window(self, start: datetime, end: datetime) -> list[tuple[datetime, float]]:
        """The points that fall in ``[start, end]`` plus the one in force at ``start`` (for plots)."""
        a, b = _utc(start), _utc(end)
        i = max(0, bisect.bisect_right(self.times, a) - 1)
        return [(t, v) for t, v in zip(self.times[i:], self.values[i:], strict=False) if t <= b]


# -- building and validating ------------------------------------------------------------------------

def _utc(t: datetime) -> datetime:
    if t.tzinfo is None:
        raise WattprintError(f"timestamp {t.isoformat()} has no time zone", "write it as UTC, e.g. 2026-03-01T12:00Z")
    return t.astimezone(timezone.utc)


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, timezone.utc).strftime("%Y-%m-%dT%H:%MZ")


YEARS = (1970, 2200)  # timestamps outside are refused (no grid data there; no datetime overflow near year 9999)


def parse_time(text: str, where: str) -> datetime:
    """A timezone-aware UTC datetime from ISO 8601 text (``Z`` or an offset required) or Unix seconds."""
    s = str(text).strip()
    if not s:
        raise WattprintError(f"{where}: empty timestamp", "write ISO 8601 with a zone, e.g. 2026-03-01T12:00Z")
    try:
        if s.replace(".", "", 1).isdigit():
            t = datetime.fromtimestamp(float(s), timezone.utc)
        else:
            t = datetime.fromisoformat(s[:-1] + "+00:00" if s.endswith(("Z", "z")) else s)
    except (ValueError, OverflowError, OSError):
        raise WattprintError(f"{where}: cannot read timestamp {s[:40]!r}",
                             "write ISO 8601 with a zone, e.g. 2026-03-01T12:00Z, or Unix seconds") from None
    if t.tzinfo is None:
        raise WattprintError(f"{where}: timestamp {s[:40]!r} has no time zone",
                             "add Z (UTC) or an offset such as +01:00; wattprint never guesses a zone")
    if not YEARS[0] <= t.year <= YEARS[1]:  # year 9999 + one step overflowed datetime with a traceback
        raise WattprintError(f"{where}: timestamp {s[:40]!r} is outside the years {YEARS[0]}-{YEARS[1]}",
                             "grid intensity data are dated within a few decades of now")
    return t.astimezone(timezone.utc)


def check_value(value: object, where: str) -> float:
    """An intensity in g CO2e/kWh, finite and within 0-2,000; else a one-line error naming ``where``."""
    try:
        v = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise WattprintError(f"{where}: intensity {str(value)[:40]!r} is not a number",
                             "give grams CO2e per kWh, e.g. 250") from None
    if not math.isfinite(v) or v < 0 or v > MAX_INTENSITY_G_PER_KWH:
        raise WattprintError(f"{where}: intensity {v:g} g CO2e/kWh is outside 0-{MAX_INTENSITY_G_PER_KWH:g}",
                             "intensities are g/kWh (world average about 475); lbs/MWh x 0.4536 = g/kWh")
    return v


def make_series(points: list[tuple[datetime, float]], identity: SeriesIdentity,
                step_s: float | None = None) -> IntensitySeries:
    """Validate ``points`` (UTC datetime, g/kWh) in the order given and build the series.

    Refused with a one-line error: no points, an unsorted or duplicate timestamp, a gap
    over 1.5 nominal steps, a value outside 0-2,000 g/kWh. ``step_s``: the nominal step
    (default: the median spacing; one hour for a single point).
    """
    name = identity.origin or identity.source
    if not points:
        raise WattprintError(f"intensity series {name}: no points", "give at least one timestamp and value")
    times = [_utc(t) for t, _ in points]
    values = [check_value(v, f"{name} point {i + 1}") for i, (_, v) in enumerate(points)]
    for i in range(1, len(times)):
        if times[i] == times[i - 1]:
            raise WattprintError(f"intensity series {name}: duplicate timestamp {times[i].isoformat()} "
                                 f"(points {i} and {i + 1})", "keep one value per timestamp")
        if times[i] < times[i - 1]:
            raise WattprintError(f"intensity series {name}: timestamps not in order at point {i + 1} "
                                 f"({times[i].isoformat()} after {times[i - 1].isoformat()})",
                                 "sort the series by time")
    gaps = [(b - a).total_seconds() for a, b in zip(times, times[1:], strict=False)]
    step = float(step_s) if step_s else (statistics.median(gaps) if gaps else 3600.0)
    if step <= 0:
        raise WattprintError(f"intensity series {name}: step must be positive", "")
    for i, g in enumerate(gaps):
        if g > MAX_GAP_STEPS * step + 1e-6:
            raise WattprintError(
                f"intensity series {name}: gap of {g / 3600:.3g} h after {times[i].isoformat()} "
                f"(step {step / 3600:.3g} h)", "fill the gap in the source or split the series; none is assumed")
    return IntensitySeries(identity=identity, times=times, values=values, step_s=step)


def _columns(header: list[str]) -> tuple[int, int]:
    low = [h.strip().lower().replace(" ", "_") for h in header]
    t_col = next((low.index(c) for c in _TIME_COLUMNS if c in low), None)
    v_col = next((low.index(c) for c in _VALUE_COLUMNS if c in low), None)
    if t_col is None and "hour" in low:  # a typical day given where a dated series is needed
        raise WattprintError(f"series header {header[:6]!r} is a typical day (an 'hour' column), not a dated series",
                             "use it with --profile (wattprint when, wattprint project); a run needs timestamps")
    if t_col is None or v_col is None:
        raise WattprintError(f"series header {header[:6]!r} lacks a time or an intensity column",
                             f"name them e.g. 'timestamp' and 'g_per_kwh' (time: {', '.join(_TIME_COLUMNS)}; "
                             f"intensity: {', '.join(_VALUE_COLUMNS)})")
    return t_col, v_col


def read_series_file(path: str | Path, region: str = "", interpolation: Interpolation = "step",
                     scope: str = "", signal: Literal["average", "marginal"] = "average") -> IntensitySeries:
    """Read a CSV (header with a time and an intensity column) or JSON series file.

    JSON: a list of ``{"timestamp": ..., "g_per_kwh": ...}`` objects, or an object with
    ``"points"`` (that list) and optional ``"region"``, ``"scope"``, ``"source"``, ``"signal"``.
    The file's sha256 is kept in the identity so a result says exactly which file was used.
    """
    p = Path(path).expanduser()
    if not p.is_file():
        state = "is not a regular file" if p.exists() else "not found"
        raise WattprintError(f"intensity series file {str(p)!r} {state}", "give a CSV or JSON file path")
    if p.stat().st_size > MAX_FILE_BYTES:
        raise WattprintError(f"intensity series file {p.name!r} is over {MAX_FILE_BYTES >> 20} MiB",
                             "an hourly series for a year is under 1 MiB; trim it to the period you need")
    raw = p.read_bytes()
    digest = hashlib.sha256(raw).hexdigest()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise WattprintError(f"intensity series file {p.name!r} is not UTF-8 text", "save it as UTF-8 CSV or JSON") \
            from None
    meta: dict[str, object] = {}
    rows: list[tuple[str, object, str]] = []
    if p.suffix.lower() == ".json" or text.lstrip()[:1] in "[{":
        try:
            doc = json.loads(text)
        except json.JSONDecodeError as exc:
            raise WattprintError(f"intensity series file {p.name!r}: malformed JSON at line {exc.lineno}",
                                 "a list of {\"timestamp\": ..., \"g_per_kwh\": ...} objects") from None
        if isinstance(doc, dict):
            meta = {k: v for k, v in doc.items() if k != "points"}
            doc = doc.get("points")
        if not isinstance(doc, list):
            raise WattprintError(f"intensity series file {p.name!r}: no list of points",
                                 "a list of {\"timestamp\": ..., \"g_per_kwh\": ...} objects")
        for i, item in enumerate(doc):
            if not isinstance(item, dict):
                raise WattprintError(f"{p.name} point {i + 1} is not an object", "each point: timestamp and g_per_kwh")
            keys = list(item)
            t_col, v_col = _columns(keys)
            rows.append((str(item[keys[t_col]]), item[keys[v_col]], f"{p.name} point {i + 1}"))
    else:
        reader = csv.reader(io.StringIO(text))
        header = next(reader, None)
        if not header:
            raise WattprintError(f"intensity series file {p.name!r} is empty", "header then one row per time")
        t_col, v_col = _columns(header)
        for n, row in enumerate(reader, start=2):
            if not row or all(not c.strip() for c in row):
                continue
            if len(row) <= max(t_col, v_col):
                raise WattprintError(f"{p.name} line {n}: too few columns", "every row needs a time and a value")
            rows.append((row[t_col], row[v_col], f"{p.name} line {n}"))
    points = [(parse_time(t, where), check_value(v, where)) for t, v, where in rows]
    sig = str(meta.get("signal", signal))
    identity = SeriesIdentity(
        source=str(meta.get("source", "file"))[:200], region=str(meta.get("region", region) or "unspecified")[:100],
        signal="marginal" if sig == "marginal" else "average", scope=str(meta.get("scope", scope))[:50],
        origin=str(p), sha256=digest, kind="file", interpolation=interpolation,
    )
    return make_series(points, identity)


def points_digest(points: list[tuple[datetime, float]]) -> str:
    """sha256 of fetched points (ISO time and value per line), the identity of a provider's answer."""
    blob = "\n".join(f"{t.isoformat()},{v:.6g}" for t, v in points)
    return hashlib.sha256(blob.encode()).hexdigest()


#: the day a typical-day profile is anchored to before it is laid over real dates
PROFILE_DAY = datetime(2000, 1, 1, tzinfo=timezone.utc)


def _hour(text: str, where: str) -> float:
    s = str(text).strip()
    try:
        if ":" in s:
            hh, mm = s.split(":", 1)
            if not 0 <= int(mm[:2]) < 60:
                raise ValueError(mm)
            h = int(hh) + int(mm[:2]) / 60.0
        else:
            h = float(s)
    except ValueError:
        raise WattprintError(f"{where}: cannot read hour {s[:20]!r}", "write 0-23 or HH:MM (UTC)") from None
    if not 0 <= h < 24:
        raise WattprintError(f"{where}: hour {s[:20]!r} is outside 0-23 (24:00 is the next day's 0)",
                             "write 0-23 or HH:MM (UTC)")
    return h


def read_profile_file(path: str | Path, region: str = "", interpolation: Interpolation = "step") -> IntensitySeries:
    """A typical day: CSV with an ``hour`` column (0-23 or HH:MM, UTC) and an intensity column.

    It must cover the whole day (first row at 00:00, no gaps, last row + step = 24:00). A file
    with full timestamps instead is read as a series (:func:`read_series_file`).
    """
    p = Path(path).expanduser()
    if not p.is_file():
        state = "is not a regular file" if p.exists() else "not found"
        raise WattprintError(f"profile file {str(p)!r} {state}", "a CSV with columns hour,g_per_kwh")
    if p.stat().st_size > MAX_FILE_BYTES:
        raise WattprintError(f"profile file {p.name!r} is over {MAX_FILE_BYTES >> 20} MiB", "a day is 24-288 rows")
    raw = p.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise WattprintError(f"profile file {p.name!r} is not UTF-8 text", "save it as UTF-8 CSV") from None
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None) or []
    low = [h.strip().lower() for h in header]
    if "hour" not in low:
        return read_series_file(p, region=region, interpolation=interpolation)
    h_col = low.index("hour")
    v_col = next((low.index(c) for c in _VALUE_COLUMNS if c in low), None)
    if v_col is None:
        raise WattprintError(f"profile {p.name!r} has no intensity column", "columns: hour,g_per_kwh")
    points: list[tuple[datetime, float]] = []
    for n, row in enumerate(reader, start=2):
        if not row or all(not c.strip() for c in row):
            continue
        if len(row) <= max(h_col, v_col):
            raise WattprintError(f"{p.name} line {n}: too few columns", "every row needs an hour and a value")
        where = f"{p.name} line {n}"
        t = PROFILE_DAY + timedelta(hours=_hour(row[h_col], where))
        if points and t <= points[-1][0]:  # said in hours of the day, not as the internal reference date
            what = "repeats" if t == points[-1][0] else f"comes after {points[-1][0]:%H:%M}"
            raise WattprintError(f"{where}: hour {t:%H:%M} {what}", "one row per hour (or half-hour), 00:00 upwards")
        points.append((t, check_value(row[v_col], where)))
    identity = SeriesIdentity(source="profile", region=region or "unspecified", origin=str(p),
                              sha256=hashlib.sha256(raw).hexdigest(), kind="profile", interpolation=interpolation,
                              note="typical day, hours in UTC")
    s = make_series(points, identity)
    if s.start != PROFILE_DAY or abs((s.end - PROFILE_DAY).total_seconds() - 86400) > 1:
        end_h = (s.end - PROFILE_DAY).total_seconds() / 3600
        raise WattprintError(f"profile {p.name!r} covers hours {(s.start - PROFILE_DAY).total_seconds() / 3600:g} "
                             f"to {end_h:g}, not the whole day (0 to 24)",
                             "give one row per hour (or half-hour) from 00:00 to the last step")
    return s
