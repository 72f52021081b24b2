"""Read CodeCarbon logs (2.x and 3.x) into :class:`RunResult`, with an audit of guessed components.

Two layouts are read:

* ``emissions.csv``: one row per tracked run (``run_id``), the whole tracker window;
* task logs (CodeCarbon's ``start_task``/``stop_task``): a ``task_name`` column, one
  row per phase (the study's ``load model`` and ``query model``).

A run becomes one :class:`RunResult` (``origin="codecarbon"``, ``run_id`` = CodeCarbon's,
so importing twice replaces rather than duplicates) with ONE repeat: the chosen phase's
energy per component (CodeCarbon's kWh turned into J). When a task log and an
emissions.csv row share a ``run_id`` (the study's ``base/`` and ``complete/`` folders),
the task log gives the phases and the emissions.csv's file name gives task and dataset.

Provenance says what CodeCarbon did: GPU from NVML energy counters (method ``counter``),
CPU from RAPL when its power varies, else a TDP model (``model``), RAM always from a
per-GB rule (``model``). The audit flags components that were guessed rather than
measured, with their share of the run's energy:

* CPU power constant at 42.5 W (CodeCarbon's fallback: 50% of an 85 W default TDP, no RAPL),
  or the same constant value repeated across runs;
* RAM power equal to CodeCarbon 2.x's rule of 3 W per 8 GB of installed RAM (0.375 W/GB);
* GPU energy summed over ``gpu_count`` > 1 GPUs in machine mode: the idle GPUs' share is
  estimated as (gpu_count - 1) x the lowest per-GPU power seen for that GPU model in the
  import x the duration.

Everything is parsed and checked before anything is returned; the caller stores the
result in one ``put_many`` transaction, so a bad file imports nothing.
"""

from __future__ import annotations

import csv
import hashlib
import io
import math
import os
import time
from collections import Counter
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from itertools import islice, repeat
from operator import add, gt, itemgetter, mul, ne, sub
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from wattprint.carbon.factor import CarbonInfo
from wattprint.contracts.registry import normalize_name
from wattprint.energy.types import ComponentEnergy, EnergyReport, Method, Provenance
from wattprint.errors import WattprintError
from wattprint.results.columns import StoredBatch, StoredRun
from wattprint.results.importers.names import STUDY_TASKS, Labels, infer_labels
from wattprint.results.importers.pool import ordered, usable_workers
from wattprint.results.schema import (
    MAX_N,
    AuditFlag,
    DatasetInfo,
    Environment,
    MeterInfo,
    ModelInfo,
    RepeatResult,
    RunConfig,
    RunResult,
    Summary,
)

if TYPE_CHECKING:
    from wattprint.results.importers.codecarbon_stored import StoredForm

__all__ = ["ImportOutcome", "ImportStream", "import_codecarbon", "stream_codecarbon", "infer_labels", "read_params",
           "REQUIRED_COLUMNS"]

J_PER_KWH = 3.6e6
#: columns every CodeCarbon 2.x/3.x emissions file and task log has
REQUIRED_COLUMNS = ("timestamp", "project_name", "run_id", "duration", "emissions", "cpu_energy", "gpu_energy",
                    "ram_energy", "energy_consumed")
_NUMERIC = ("duration", "emissions", "cpu_energy", "gpu_energy", "ram_energy", "energy_consumed")
_OPTIONAL_NUMERIC = ("cpu_power", "gpu_power", "ram_power", "gpu_count", "cpu_count", "ram_total_size", "pue")

#: CodeCarbon's CPU fallback when it cannot read power: 50% of an 85 W default TDP
CPU_FALLBACK_W = 42.5
#: CodeCarbon 2.x RAM rule: 3 W per 8 GB installed
RAM_W_PER_GB = 3.0 / 8.0

#: a TDP model: the true CPU power may be half or double
CPU_MODEL_BOUNDS = (-0.5, 1.0)
#: the per-GB rule overshoots servers (DDR4 draws well under 0.375 W/GB): true value 20-120% of it
RAM_MODEL_BOUNDS = (-0.8, 0.2)
COUNTER_BOUNDS = (-0.05, 0.05)


#: energy_consumed may differ from cpu + gpu + ram by rounding only (the study's logs: < 0.02%)
CONSISTENCY_REL = 0.01
CONSISTENCY_ABS_KWH = 1e-9


@dataclass(slots=True)
class _Row:
    file: Path
    line: int
    values: dict[str, Any]
    warnings: tuple[str, ...] = ()

    def num(self, col: str) -> float | None:
        return self.values.get(col)

    @property
    def kwh(self) -> float:
        return float(self.values["energy_consumed"])


@dataclass
class ImportOutcome:
    """What an import produced: runs (not yet stored) and what was read, skipped and inferred."""

    results: list[RunResult]
    files_read: int
    task_logs: int
    emissions_files: int
    skipped: list[str] = field(default_factory=list)
    unlabelled: int = 0
    whole_tracker: int = 0
    phase: str = "query"
    parse_seconds: float = 0.0
    params_missing: list[str] = field(default_factory=list)
    #: rows taken with a caveat, each naming its file and line
    warnings: list[str] = field(default_factory=list)

    def by_task(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for r in self.results:
            out[r.config.task] = out.get(r.config.task, 0) + 1
        return dict(sorted(out.items()))


@dataclass
class _Shared:
    """Parts that many runs of one import have in common, built once each (per import, never global).

    Pydantic models are immutable here once built, so runs may share them: the config (and its
    hash), the environment, model and dataset info, and each distinct provenance.
    """

    configs: dict[tuple[object, ...], tuple[RunConfig, str]] = field(default_factory=dict)
    environments: dict[tuple[object, ...], Environment] = field(default_factory=dict)
    models: dict[tuple[object, ...], ModelInfo] = field(default_factory=dict)
    datasets: dict[tuple[object, ...], DatasetInfo] = field(default_factory=dict)
    provenances: dict[tuple[object, ...], Provenance] = field(default_factory=dict)
    factors: dict[tuple[str, str], CarbonInfo] = field(default_factory=dict)  # intensity 0

    def provenance(self, method: Method, low: float, high: float, note: str) -> Provenance:
        key = (method, low, high, note)
        got = self.provenances.get(key)
        if got is None:
            if len(self.provenances) >= 4096:  # bounds that vary per run (idle GPUs): memory stays flat
                self.provenances.clear()
            got = self.provenances[key] = Provenance(source="codecarbon", method=method, uncertainty_low=low,
                                                     uncertainty_high=high, note=note)
        return got


def _err(path: Path, line: int | None, msg: str, hint: str) -> WattprintError:
    where = f"{path}:{line}" if line else str(path)
    return WattprintError(f"{where}: {msg}", hint)


def _open_csv(path: Path, explicit: bool) -> list[str] | None:
    """The checked header; None for a CSV that is not CodeCarbon's when found in a directory."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            header = next(csv.reader(fh))
    except StopIteration:
        if explicit:
            raise _err(path, None, "empty file", "give a CodeCarbon emissions.csv or task log") from None
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise _err(path, None, f"cannot read: {exc}", "check the path and that it is a text CSV") from exc
    except csv.Error as exc:
        raise _err(path, 1, f"unreadable CSV: {exc}", "is this a CodeCarbon file?") from exc
    header = [h.strip() for h in header]
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        if explicit:
            raise _err(path, 1, f"not a CodeCarbon emissions file: missing column(s) {', '.join(missing)}",
                       "give the emissions.csv CodeCarbon wrote (or a task log with a task_name column)")
        return None
    return header


def _optional(raw: str) -> float | None:
    """An optional numeric field (stripped) as a float; None when empty, not a number, infinite,
    NaN or negative (:func:`_iter_rows` warns about the last three)."""
    if not raw:
        return None
    try:
        x = float(raw)
    except ValueError:
        return None
    return x if math.isfinite(x) and x >= 0 else None


@dataclass
class _FileFacts:
    """What the check of one file found: its data rows, and the audit's facts in raw form."""

    rows: int = 0
    cpu_power: Counter[str] = field(default_factory=Counter)  # raw value -> rows
    ram_power: Counter[str] = field(default_factory=Counter)
    gpu_floor: dict[tuple[str, float], float] = field(default_factory=dict)  # lowest per-GPU power (W)
    run_ids: list[str] = field(default_factory=list)  # a task log's run ids
    spans: list[tuple[int, int, int]] = field(default_factory=list)  # see _read_span; empty: not split
    stamp: tuple[int, int] = (0, 0)  # size and mtime when the check began (_stamp)


#: bytes of a file read at a time (about 20,000 CodeCarbon rows)
SPAN_BYTES = 8 << 20


def _read_span(path: Path, start: int, end: int, first_line: int) -> tuple[list[list[str]], list[int]]:
    """The rows (fields as read) of bytes ``start:end`` of a checked file, and their line numbers
    (``first_line``: the line the span starts on). Spans are noted by :func:`_check_fast`."""
    with path.open("rb") as fh:
        fh.seek(start)
        data = fh.read(end - start)
    return _parse_span(data, first_line)


class Columns:
    """The columns of a chunk of rows (lists of fields), each taken out when first asked for (a C loop)."""

    def __init__(self, rows: list[list[str]]) -> None:
        self.rows = rows
        self.got: dict[int, list[str]] = {}

    def __getitem__(self, i: int) -> list[str]:
        col = self.got.get(i)
        if col is None:
            col = self.got[i] = list(map(itemgetter(i), self.rows))
        return col


def _check_fast(path: Path, header: list[str], is_log: bool, warnings: list[str]) -> _FileFacts | None:
    """Check a file a span of rows at a time, in C loops (columns converted with ``map``); note the
    spans (:func:`_read_span`), so that the second pass can share them out between processes.

    A span that holds anything needing a closer look (a blank, short or bad row, a number that
    errors or warns, an empty run id in a task log) is checked again row by row
    (:func:`_check_row`: the exact error, or the warnings, with their line numbers), so both
    checks agree on every row and the common clean span never pays the per-row price. None for a
    file whose header is quoted, or whose text is not UTF-8 or not CSV (:func:`_iter_rows` says why).
    """
    with path.open("rb") as fh:
        head = fh.readline(SPAN_BYTES)
        if not head.endswith(b"\n") or b'"' in head or b"\r" in head.rstrip(b"\r\n"):
            return None  # no line end in sight (or only "\r"), a quoted header: row by row
        facts = _FileFacts()
        pos, line = fh.tell(), 2
        while lines := fh.readlines(SPAN_BYTES):
            data = b"".join(lines)
            odd, size = data.count(b'"') % 2, len(data)
            if odd:  # a span ends at a line end outside quotes: read on, line by line
                parts = [data]
                while odd:
                    more = fh.readline(SPAN_BYTES)
                    if not more or size > 4 * SPAN_BYTES:
                        return None  # a quote left open: the streaming reader says where
                    parts.append(more)
                    odd ^= more.count(b'"') % 2
                    size += len(more)
                data = b"".join(parts)
            try:
                chunk, row_lines = _parse_span(data, line)
            except (UnicodeDecodeError, csv.Error):
                return None
            facts.spans.append((pos, pos + len(data), line))
            pos += len(data)
            line += row_lines[-1] - line + 1 if row_lines else 0
            if not _check_span_fast(chunk, header, is_log, facts):
                for fields, at in zip(chunk, row_lines, strict=True):
                    r = _check_row(path, header, fields, at)
                    if r is not None:
                        warnings.extend(r.warnings)
                        _add_row_facts(facts, r, is_log)
    return facts


def _parse_span(data: bytes, first_line: int) -> tuple[list[list[str]], list[int]]:
    """The rows of a span's bytes (UTF-8 CSV) and the line each row ends on (the numbers CSV readers give)."""
    reader = csv.reader(io.StringIO(data.decode("utf-8"), newline=""))
    rows: list[list[str]] = []
    lines: list[int] = []
    for fields in reader:
        rows.append(fields)
        lines.append(first_line - 1 + reader.line_num)
    return rows, lines


def _check_span_fast(chunk: list[list[str]], header: list[str], is_log: bool, facts: _FileFacts) -> bool:
    """Check a span's rows column by column and add their facts; False (nothing added) when a row needs
    the row-by-row check."""
    n = len(header)
    ix = {c: i for i, c in enumerate(header)}
    if any(map(ne, map(len, chunk), repeat(n))):
        return False
    cols = Columns(chunk)
    nums: dict[str, list[float]] = {}
    try:
        for c in _NUMERIC:
            vals = nums[c] = list(map(float, cols[ix[c]]))
            if not all(map(math.isfinite, vals)) or min(vals) < 0:
                return False
    except ValueError:
        return False
    parts = list(map(add, map(add, nums["cpu_energy"], nums["gpu_energy"]), nums["ram_energy"]))
    ec = nums["energy_consumed"]
    tol = map(max, repeat(CONSISTENCY_ABS_KWH), map(mul, repeat(CONSISTENCY_REL), map(max, parts, ec)))
    if any(map(gt, map(abs, map(sub, parts, ec)), tol)):
        return False
    opt: dict[str, dict[str, float | None]] = {}
    for c in (c for c in _OPTIONAL_NUMERIC if c in ix):
        seen = opt[c] = {}
        for raw in set(cols[ix[c]]):
            v = _optional(raw.strip())
            if v is None and raw.strip():
                try:  # a number out of range warns (row by row); text is silently ignored
                    float(raw)
                    return False
                except ValueError:
                    pass
            seen[raw] = v
    ids = list(map(str.strip, cols[ix["run_id"]])) if is_log else []
    if "" in ids:
        return False
    # checked: now the facts
    facts.rows += len(chunk)
    facts.run_ids.extend(ids)
    for c, counts in (("cpu_power", facts.cpu_power), ("ram_power", facts.ram_power)):
        if c in ix:
            counts.update(cols[ix[c]])
    if "gpu_count" in ix and "gpu_power" in ix:
        models = cols[ix["gpu_model"]] if "gpu_model" in ix else [""] * len(chunk)
        counts_col = cols[ix["gpu_count"]]
        groups: dict[tuple[str, str], list[str]] = {}
        keys = set(zip(models, counts_col, strict=True))
        for key in keys:
            n_gpu = opt["gpu_count"][key[1]]
            if n_gpu and n_gpu > 1:
                groups[key] = []
        if len(groups) == 1 and len(keys) == 1:
            groups[next(iter(groups))] = cols[ix["gpu_power"]]
        elif groups:
            for m, k, gp in zip(models, counts_col, cols[ix["gpu_power"]], strict=True):
                if (m, k) in groups:
                    groups[(m, k)].append(gp)
        for (m, k), powers in groups.items():
            n_gpu = opt["gpu_count"][k]
            assert n_gpu is not None
            watts = [x for x in map(opt["gpu_power"].__getitem__, powers) if x]
            if watts:  # min(gp) / n = min(gp / n): rounding is monotonic
                gkey = (m.strip(), float(n_gpu))
                facts.gpu_floor[gkey] = min(facts.gpu_floor.get(gkey, math.inf), min(watts) / n_gpu)
    return True


def _add_row_facts(facts: _FileFacts, r: _Row, is_log: bool) -> None:
    """Add one checked row's facts (the row-by-row form of :func:`_check_span_fast`)."""
    facts.rows += 1
    for c, counts in (("cpu_power", facts.cpu_power), ("ram_power", facts.ram_power)):
        v = r.num(c)
        if v:
            counts[repr(v)] += 1
    n, gp = r.num("gpu_count"), r.num("gpu_power")
    if n and n > 1 and gp and gp > 0:
        key = _gpu_key(r)
        facts.gpu_floor[key] = min(facts.gpu_floor.get(key, math.inf), gp / n)
    if is_log:
        facts.run_ids.append(r.values["run_id"])


def _check_file(path: Path, header: list[str], explicit: bool, is_log: bool,
                warnings: list[str]) -> _FileFacts:
    """Check every row of a file (the first pass): fast in spans, else row by row with exact messages."""
    stamp = _stamp(path)
    found: list[str] = []
    facts = _check_fast(path, header, is_log, found)
    if facts is not None and (facts.rows or not explicit):
        warnings.extend(found)
        facts.stamp = stamp
        return facts
    facts = _FileFacts(stamp=stamp)
    for r in _iter_rows(path, header, explicit):
        warnings.extend(r.warnings)
        _add_row_facts(facts, r, is_log)
    return facts


def _stamp(path: Path) -> tuple[int, int]:
    """A file's size and modification time (ns): what tells that it changed between the two passes."""
    st = path.stat()
    return st.st_size, st.st_mtime_ns


def _unchanged(path: Path, stamp: tuple[int, int]) -> None:
    """Raise a one-line error when ``path`` changed since it was checked (a tracker still writing it):
    its new rows were not checked, nor counted in the audit."""
    try:
        now = _stamp(path)
    except OSError as exc:
        raise _err(path, None, f"cannot read: {exc}", "the file went away while importing; nothing was imported") \
            from exc
    if now != stamp:
        raise _err(path, None, "the file changed while it was being imported (is CodeCarbon still writing it?)",
                   "import it again once the tracker has stopped, or import a copy; nothing was imported")


#: rows read at a time by the second pass
CHUNK = 20_000
#: logs at least this large (bytes) are checked and stored by several processes (about 70,000 rows)
PARALLEL_MIN_BYTES = 32 << 20


def _chunks(path: Path) -> Iterator[tuple[list[list[str]], list[int]]]:
    """A file's data rows (fields as read) and the line each ends on, :data:`CHUNK` rows at a time."""
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.reader(fh)
        next(reader, None)
        while True:
            rows: list[list[str]] = []
            lines: list[int] = []
            for fields in islice(reader, CHUNK):
                rows.append(fields)
                lines.append(reader.line_num)
            if not rows:
                return
            yield rows, lines


class _Converter:
    """Fields of a checked file's row (see :func:`_check_file`) to a :class:`_Row`, converted as
    :func:`_iter_rows` converts them, without checking them again (the second pass)."""

    def __init__(self, path: Path, header: list[str]) -> None:
        self.path = path
        self.header = header
        self.n = len(header)
        self.i_dur = header.index("duration")
        self.opt_cache: dict[str, float | None] = {}
        self.absent = {c: None for c in _OPTIONAL_NUMERIC if c not in header}
        self.present = [c for c in _OPTIONAL_NUMERIC if c in header]

    def row(self, fields: list[str], line: int) -> _Row | None:
        """The row, or None for a blank line (any other odd row failed the check)."""
        if len(fields) != self.n or (not fields[self.i_dur].strip() and all(not f.strip() for f in fields)):
            return None
        values: dict[str, Any] = dict(zip(self.header, map(str.strip, fields), strict=True))
        for c in _NUMERIC:
            values[c] = float(values[c])
        cache = self.opt_cache
        for c in self.present:
            raw = values[c]
            v = cache.get(raw, cache)
            if v is cache:
                if len(cache) > 4096:  # values that vary per row (power): memory stays flat
                    cache.clear()
                v = cache[raw] = _optional(raw)
            values[c] = v
        if self.absent:
            values.update(self.absent)
        if not values["run_id"]:
            values["run_id"] = _generated_id(self.path, line)
        return _Row(self.path, line, values)


def _rows(path: Path, header: list[str]) -> Iterator[_Row]:
    """A checked file's rows, converted (see :class:`_Converter`)."""
    conv = _Converter(path, header)
    for chunk, lines in _chunks(path):
        for fields, line in zip(chunk, lines, strict=True):
            r = conv.row(fields, line)
            if r is not None:
                yield r


def _generated_id(path: Path, line: int) -> str:
    """The run id of a row without one: stable for its file name and line."""
    return "cc-" + hashlib.sha256(f"{path.name}:{line}".encode()).hexdigest()[:32]


def _check_row(path: Path, header: list[str], fields: list[str], line: int) -> _Row | None:
    """One data row, checked and converted (None for a blank line); a bad row raises its one-line error."""
    if not fields or all(not f.strip() for f in fields):
        return None
    if len(fields) != len(header):
        raise _err(path, line,
                   f"truncated or malformed row: {len(fields)} fields, header has {len(header)}",
                   "the file looks partial (interrupted write?); fix or remove it, nothing was imported")
    values: dict[str, Any] = dict(zip(header, map(str.strip, fields), strict=True))
    for col in _NUMERIC:
        try:
            values[col] = float(values[col])
        except ValueError:
            raise _err(path, line, f"column {col!r} is not a number: {values[col]!r}",
                       "the file looks partial or edited; nothing was imported") from None
        if not math.isfinite(values[col]) or values[col] < 0:
            raise _err(path, line, f"column {col!r} is negative, infinite or NaN: {values[col]!r}",
                       "energy, emissions and duration are finite and never negative in CodeCarbon "
                       "logs; nothing was imported")
    row_warnings = []
    for col in _OPTIONAL_NUMERIC:
        raw = values.get(col)
        values[col] = _optional(raw) if raw is not None else None
        if values[col] is None and raw:
            try:
                float(raw)
                row_warnings.append(
                    f"{path}:{line}: column {col!r} = {raw!r} ignored (not a finite number >= 0)")
            except ValueError:
                pass
    parts = values["cpu_energy"] + values["gpu_energy"] + values["ram_energy"]
    if abs(parts - values["energy_consumed"]) > max(
            CONSISTENCY_ABS_KWH, CONSISTENCY_REL * max(parts, values["energy_consumed"])):
        row_warnings.append(
            f"{path}:{line}: energy_consumed {values['energy_consumed']:.6g} kWh is not cpu + gpu + "
            f"ram energy ({parts:.6g} kWh); the components are used for energy, energy_consumed only "
            "for the carbon intensity")
    if not values["run_id"]:
        values["run_id"] = _generated_id(path, line)
    return _Row(path, line, values, tuple(row_warnings))


def _iter_rows(path: Path, header: list[str], explicit: bool) -> Iterator[_Row]:
    """The file's data rows, checked, one at a time (the file is never read whole)."""
    n = 0
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            reader = csv.reader(fh)
            next(reader, None)
            for fields in reader:
                r = _check_row(path, header, fields, reader.line_num)
                if r is not None:
                    n += 1
                    yield r
    except csv.Error as exc:
        raise _err(path, None, f"unreadable CSV: {exc}", "the file looks partial; nothing was imported") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise _err(path, None, f"cannot read: {exc}", "check the path and that it is a text CSV") from exc
    if not n and explicit:
        raise _err(path, None, "no data rows", "CodeCarbon writes one row per run; was the tracker stopped?")


def read_params(path: str | os.PathLike[str]) -> dict[str, int]:
    """Model -> parameter count from a CSV: columns ``model_name`` (or ``model``) and ``num_parameters``."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise WattprintError(f"cannot read parameter file {p}: {exc}", "give a CSV: model_name,num_parameters") from exc
    reader = csv.DictReader(io.StringIO(text))
    cols = reader.fieldnames or []
    mcol = next((c for c in ("model_name", "model", "project_name") if c in cols), None)
    pcol = next((c for c in ("num_parameters", "parameters", "params") if c in cols), None)
    if not mcol or not pcol:
        raise WattprintError(f"{p}: needs columns model_name and num_parameters (has {', '.join(cols)})",
                             "e.g. the study's data/model_parameters.csv")
    out = {}
    for row in reader:
        name, raw = (row.get(mcol) or "").strip(), (row.get(pcol) or "").strip()
        if not name or not raw:
            continue
        try:
            out[name] = int(float(raw))
        except ValueError:
            raise WattprintError(f"{p}:{reader.line_num}: parameters {raw!r} is not a number",
                                 "parameter counts are plain integers") from None
    return out


def _files(paths: Sequence[str | os.PathLike[str]]) -> list[tuple[Path, bool]]:
    out: list[tuple[Path, bool]] = []
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            found = sorted(q for q in p.rglob("*") if q.is_file() and q.suffix.lower() == ".csv")
            out.extend((q, False) for q in found)
        elif p.is_file():
            out.append((p, True))
        else:
            raise WattprintError(f"no such file or directory: {p}", "give CodeCarbon CSV files or a folder of them")
    if not out:
        raise WattprintError(f"no CSV files under {', '.join(map(str, paths))}", "CodeCarbon writes emissions.csv")
    return out


def _match_phase(rows: list[_Row], phase: str) -> _Row | None:
    want = phase.strip().lower()
    for r in rows:
        name = r.values["task_name"].strip().lower()
        if name == want or name == f"{want} model":
            return r
    for r in rows:
        if r.values["task_name"].strip().lower().startswith(want):
            return r
    return None


def _version(r: _Row) -> str:
    return str(r.values.get("codecarbon_version") or "")


def _gpu_key(r: _Row) -> tuple[str, float]:
    return (str(r.values.get("gpu_model") or ""), float(r.num("gpu_count") or 0))


class _Auditor:
    """Import-wide facts used to judge single rows: repeated constants, per-GPU power floors."""

    def __init__(self) -> None:
        self.cpu_counts: dict[float, int] = {}
        self.ram_counts: dict[float, int] = {}
        self.gpu_floor: dict[tuple[str, float], float] = {}

    def add_facts(self, facts: _FileFacts) -> None:
        """Count one checked file's facts (every file is counted before any run is built)."""
        for raws, counts in ((facts.cpu_power, self.cpu_counts), (facts.ram_power, self.ram_counts)):
            for raw, k in raws.items():
                v = _optional(raw.strip())
                if v:
                    counts[v] = counts.get(v, 0) + k
        for key, floor in facts.gpu_floor.items():
            self.gpu_floor[key] = min(self.gpu_floor.get(key, math.inf), floor)

    def cpu_guess(self, r: _Row) -> str | None:
        return self.cpu_guess_of(r.num("cpu_power"))

    def cpu_guess_of(self, w: float | None) -> str | None:
        """Why a CPU power of ``w`` W is a guess (CodeCarbon's fallback, a repeated constant), else None."""
        if not w:
            return None
        if abs(w - CPU_FALLBACK_W) < 1e-6:
            return (f"CPU power constant at {w:g} W = 50% of CodeCarbon's 85 W default TDP "
                    "(no RAPL): a model, not a reading")
        if self.cpu_counts.get(w, 0) >= 3:
            return f"CPU power {w:g} W repeated exactly in {self.cpu_counts[w]} rows: a constant (TDP) model"
        return None

    def ram_guess(self, r: _Row) -> str | None:
        w, gb = r.num("ram_power"), r.num("ram_total_size")
        if not w:
            return None
        if gb and abs(w - RAM_W_PER_GB * gb) <= 0.005 * w:
            return (f"RAM power {w:g} W = 3 W per 8 GB x {gb:g} GB installed (CodeCarbon 2.x rule), "
                    "whatever the memory did")
        if self.ram_counts.get(w, 0) >= 3:
            return f"RAM power {w:g} W repeated exactly in {self.ram_counts[w]} rows: a constant model"
        return None

    def gpu_idle(self, r: _Row) -> tuple[float, float | None, str] | None:
        """For GPU energy summed over several GPUs in machine mode: (GPU count, the lowest per-GPU power
        seen for this GPU model in W or None, the audit's reason); None otherwise. The energy counted
        for idle GPUs is :func:`_idle_gpu_kwh`."""
        n = r.num("gpu_count")
        mode = str(r.values.get("tracking_mode") or "machine").lower()
        if not n or n <= 1 or mode != "machine":
            return None
        floor = self.gpu_floor.get(_gpu_key(r))
        if floor is None:
            how = "assuming equal power per GPU"
        else:
            how = f"idle GPUs at {floor:.0f} W each, the lowest per-GPU power seen for this GPU model"
        model = r.values.get("gpu_model") or "GPUs"
        reason = (f"GPU energy summed over {n:g} GPUs ({model}) in machine mode; if the run used one, "
                  f"{n - 1:g} idle GPUs are counted (estimated with {how})")
        return n, floor, reason


def _idle_gpu_kwh(v: dict[str, Any], n: float, floor: float | None) -> float:
    """kWh of a row's GPU energy spent by the idle GPUs (see :meth:`_Auditor.gpu_idle`)."""
    if floor is None:
        return float(v["gpu_energy"] * (n - 1) / n)
    return float(min(v["gpu_energy"], (n - 1) * floor * v["duration"] / 3600.0 / 1000.0))


#: one component of an imported run: (name, kWh, method, relative low bound, relative high bound, note)
_Part = tuple[str, float, Method, float, float, str]


@dataclass(frozen=True)
class Kinds:
    """How a row's components were obtained and what the audit says of them: the same for every row
    of one machine, CodeCarbon version and CPU/RAM power value (so a large import decides it once)."""

    gpu_note: str
    cpu_reason: str | None  # a guessed CPU power, else None (counters)
    cpu_note: str  # the CPU's provenance note
    ram_reason: str
    gpu_idle: tuple[float, float | None, str] | None  # see _Auditor.gpu_idle


def _kinds(r: _Row, aud: _Auditor) -> Kinds:
    version = _version(r)
    cpu_reason = aud.cpu_guess(r)
    return Kinds(
        gpu_note=f"NVML energy counters via CodeCarbon {version}; {r.values.get('gpu_model') or 'no GPU model given'}",
        cpu_reason=cpu_reason,
        cpu_note=cpu_reason or f"varying CPU power: assumed RAPL counters read by CodeCarbon {version}",
        ram_reason=aud.ram_guess(r) or f"CodeCarbon {version} models RAM power from installed size; never measured",
        gpu_idle=aud.gpu_idle(r),
    )


def _parts(r: _Row, aud: _Auditor) -> tuple[list[_Part], list[tuple[str, str, float]]]:
    """A row's components (gpu, cpu, ram, in this order) and its audit flags (component, reason, share 0..1).

    The one place that decides provenance and flags: :func:`_components` builds the document's
    objects from it; the stored form (:mod:`.codecarbon_stored`) computes the same numbers."""
    return _parts_of(r.values, _kinds(r, aud))


def _parts_of(v: dict[str, Any], k: Kinds) -> tuple[list[_Part], list[tuple[str, str, float]]]:
    """:func:`_parts` of a row's values, its :class:`Kinds` decided."""
    total_kwh = v["cpu_energy"] + v["gpu_energy"] + v["ram_energy"]
    share = (lambda kwh: min(1.0, max(0.0, kwh / total_kwh))) if total_kwh > 0 else (lambda kwh: 0.0)
    flags: list[tuple[str, str, float]] = []
    gpu_low = COUNTER_BOUNDS[0]
    if k.gpu_idle is not None and v["gpu_energy"] > 0:
        over = _idle_gpu_kwh(v, k.gpu_idle[0], k.gpu_idle[1])
        gpu_low = max(-1.0, -(over / v["gpu_energy"]) + COUNTER_BOUNDS[0])
        flags.append(("gpu", k.gpu_idle[2], share(over)))
    parts: list[_Part] = [("gpu", v["gpu_energy"], Method.COUNTER, gpu_low, COUNTER_BOUNDS[1], k.gpu_note)]
    if k.cpu_reason:
        flags.append(("cpu", k.cpu_reason, share(v["cpu_energy"])))
        parts.append(("cpu", v["cpu_energy"], Method.MODEL, CPU_MODEL_BOUNDS[0], CPU_MODEL_BOUNDS[1], k.cpu_note))
    else:
        parts.append(("cpu", v["cpu_energy"], Method.COUNTER, COUNTER_BOUNDS[0], COUNTER_BOUNDS[1], k.cpu_note))
    flags.append(("ram", k.ram_reason, share(v["ram_energy"])))
    parts.append(("ram", v["ram_energy"], Method.MODEL, RAM_MODEL_BOUNDS[0], RAM_MODEL_BOUNDS[1], k.ram_reason))
    return parts, [f for f in flags if f[2] > 0]


def _components(r: _Row, aud: _Auditor, shared: _Shared) -> tuple[list[ComponentEnergy], list[AuditFlag]]:
    parts, flags = _parts(r, aud)
    comps = [ComponentEnergy(component=name, joules=kwh * J_PER_KWH,
                             provenance=shared.provenance(method, low, high, note))
             for name, kwh, method, low, high, note in parts]
    return comps, [AuditFlag(component=c, reason=why, share=sh) for c, why, sh in flags]


def _timestamp(r: _Row) -> datetime:
    """When the row was written: CodeCarbon stamps the END of the tracked window (UTC when naive)."""
    raw = str(r.values["timestamp"])
    try:
        ts = datetime.fromisoformat(raw)
    except ValueError:
        raise _err(r.file, r.line, f"timestamp {raw!r} is not ISO 8601", "CodeCarbon writes 2023-10-02T20:20:22") \
            from None
    return ts if ts.tzinfo else ts.replace(tzinfo=timezone.utc)


def _report(r: _Row, aud: _Auditor, name: str, shared: _Shared) -> tuple[EnergyReport, list[AuditFlag]]:
    comps, flags = _components(r, aud, shared)
    start = _timestamp(r) - timedelta(seconds=r.values["duration"])
    return EnergyReport(name=name, start_unix_s=start.timestamp(), duration_s=r.values["duration"],
                        components=comps), flags


def _sum_rows(rows: list[_Row]) -> _Row:
    """The rows of one run's phases as one row (energies and durations added, power energy-weighted)."""
    first = rows[0]
    values = dict(first.values)
    for col in ("duration", "emissions", "cpu_energy", "gpu_energy", "ram_energy", "energy_consumed"):
        values[col] = sum(r.values[col] for r in rows)
    values["timestamp"] = min(str(r.values["timestamp"]) for r in rows)
    values["task_name"] = "+".join(r.values["task_name"] for r in rows)
    return _Row(first.file, first.line, values)


def _device(r: _Row) -> tuple[int, str]:
    """A row's GPU count and the device its run is said to have used (``cuda`` with GPUs, else ``cpu``)."""
    n_gpu = int(r.values.get("gpu_count") or 0)
    return n_gpu, "cuda" if n_gpu > 0 else "cpu"


def _environment(used: _Row, n_gpu: int, shared: _Shared) -> Environment:
    """The machine of a row, one object per distinct description within this import."""
    v = used.values
    ekey = tuple(v.get(k) for k in ("os", "python_version", "cpu_model", "cpu_count", "ram_total_size", "gpu_model",
                                    "tracking_mode", "codecarbon_version")) + (n_gpu,)
    env = shared.environments.get(ekey)
    if env is None:  # one per distinct machine description, within this import
        gpus = []
        if n_gpu:
            gname = str(v.get("gpu_model") or "GPU")
            if " x " in gname and gname.split(" x ", 1)[0].strip().isdigit():
                gname = gname.split(" x ", 1)[1].strip()
            gpus = [{"name": gname, "count": n_gpu}]
        env = shared.environments[ekey] = Environment(
            os=str(v.get("os") or ""), python=str(v.get("python_version") or ""),
            cpu_model=str(v.get("cpu_model") or ""),
            cpu_count=int(v["cpu_count"]) if v.get("cpu_count") else None, ram_gb=v.get("ram_total_size"),
            gpus=gpus, libraries={"codecarbon": _version(used)} if _version(used) else {},
            meters=[MeterInfo(name="codecarbon", components=["gpu", "cpu", "ram"], measured=False,
                              note=f"tracking_mode={v.get('tracking_mode') or '?'}; GPU counters, CPU/RAM modelled")],
            isolation="node-exclusive" if str(v.get("tracking_mode") or "machine") == "machine" else "process",
        )
    return env


def _config(labels: Labels | None, model: str, device: str, inferences: int,
            shared: _Shared) -> tuple[RunConfig, str]:
    """A run's config and its hash, one per distinct config within this import (many rows share one)."""
    task = labels.task if labels else "unknown"
    dataset = labels.dataset if labels else "unknown"
    config = labels.dataset_config if labels else None
    options: dict[str, Any] = {"imported_from": "codecarbon"}
    if labels:
        options.update(labels.options)
    hkey = (task, model, dataset, config, device, inferences, tuple(sorted(options.items())))
    got = shared.configs.get(hkey)
    if got is None:
        cfg = RunConfig(task=task, model=model, dataset=dataset, dataset_config=config, n=inferences, repeats=1,
                        warmup=0, idle_s=0.0, device=device, task_options=options, meters=["codecarbon"])
        got = shared.configs[hkey] = (cfg, cfg.config_hash())
    return got


def _intensity(used: _Row) -> float:
    """g CO2e/kWh of a row with energy: its emissions over its energy."""
    return float(used.values["emissions"] * 1000.0 / used.values["energy_consumed"])


def _carbon(used: _Row, shared: _Shared) -> CarbonInfo | None:
    """The carbon factor of a row without its intensity (0; see :func:`_intensity`), None without energy.
    One object per distinct region and CodeCarbon version within this import."""
    v = used.values
    if not v["energy_consumed"] > 0:
        return None
    region = ":".join(x for x in (str(v.get("country_iso_code") or ""), str(v.get("region") or "")) if x)
    key = (region, _version(used))
    got = shared.factors.get(key)
    if got is None:
        got = shared.factors[key] = CarbonInfo(intensity_g_per_kwh=0.0, region=region or "unknown",
                                               source=f"CodeCarbon {key[1]} log: emissions / energy_consumed",
                                               scope="")
    return got


class RunPlan(NamedTuple):
    """What one imported run is made of, before anything is built: its id, the row whose energy it
    takes (``used``: a task-log phase, the sum of the phases, or the emissions.csv row), that phase's
    name, every row of the run (a task log's phases, sorted), its labels and the linked emissions file."""

    run_id: str
    used: _Row
    phase_name: str
    rows: list[_Row]
    labels: Labels | None
    linked_file: Path | None
    mode: str  # how ``used`` was chosen: tracker, phase or all (see _select)


def _select(run_id: str, rows: list[_Row], labels: Labels | None, linked_file: Path | None, mode: str,
            phase: str) -> RunPlan:
    """The plan of a run from its rows: ``mode`` is ``tracker`` (one emissions.csv row), ``all``
    (a task log's phases added up) or ``phase`` (the task-log phase named ``phase``)."""
    if mode == "tracker":
        return RunPlan(run_id, rows[0], "whole tracker", rows, labels, linked_file, mode)
    if mode == "all":
        return RunPlan(run_id, _sum_rows(rows), "all phases", rows, labels, linked_file, mode)
    found = _match_phase(rows, phase)
    if found is None:
        names = ", ".join(sorted({r.values["task_name"] for r in rows}))
        raise _err(rows[0].file, None, f"run {run_id} has no {phase!r} phase (phases: {names})",
                   "pick one with --phase NAME, or --phase all to add them up")
    return RunPlan(run_id, found, found.values["task_name"], rows, labels, linked_file, mode)


def _build(plan: RunPlan, aud: _Auditor, params: dict[str, int], inferences: int, shared: _Shared) -> RunResult:
    """The run's whole document (:class:`RunResult`)."""
    run_id, used, phase_name, all_rows, labels, linked_file, _ = plan
    v = used.values
    model = v["project_name"] or "unknown"
    energy, flags = _report(used, aud, phase_name, shared)
    n_gpu, device = _device(used)
    cfg, config_hash = _config(labels, model, device, inferences, shared)
    dataset, config = cfg.dataset, cfg.dataset_config
    end = _timestamp(used)
    start = end - timedelta(seconds=v["duration"])
    load = None
    if phase_name != "load model":
        load_row = next((r for r in all_rows if "task_name" in r.values and
                         r.values["task_name"].strip().lower() in ("load", "load model")), None)
        if load_row is not None:
            load, _ = _report(load_row, aud, "load model", shared)
    repeat = RepeatResult(index=0, inferences=inferences, energy=energy)
    carbon = _carbon(used, shared)
    if carbon is not None:
        carbon = carbon.model_copy(update={"intensity_g_per_kwh": _intensity(used)})
    env = _environment(used, n_gpu, shared)
    phases = {
        str(r.values.get("task_name") or "whole tracker"): {
            "duration_s": r.values["duration"], "energy_kwh": r.values["energy_consumed"],
            "emissions_kg": r.values["emissions"],
        }
        for r in all_rows
    }
    extra = {
        "codecarbon": {
            "version": _version(used),
            "file": str(used.file),
            "line": used.line,
            "linked_file": str(linked_file) if linked_file else None,
            "phase": phase_name,
            "phases": phases,
            "tracking_mode": v.get("tracking_mode"),
            "gpu_count": v.get("gpu_count"),
            "gpu_model": v.get("gpu_model"),
            "cpu_power_w": v.get("cpu_power"),
            "gpu_power_w": v.get("gpu_power"),
            "ram_power_w": v.get("ram_power"),
            "ram_total_size_gb": v.get("ram_total_size"),
            "experiment_id": v.get("experiment_id"),
        },
        "inferences_assumed": inferences,
    }
    model_info = shared.models.get((model, device))
    if model_info is None:
        model_info = shared.models[(model, device)] = ModelInfo(name=model, source="imported",
                                                                parameters=params.get(model), device=device)
    dataset_info = shared.datasets.get((dataset, config))
    if dataset_info is None:
        dataset_info = shared.datasets[(dataset, config)] = DatasetInfo(name=dataset, source="imported",
                                                                        config=config, n_items=inferences)
    if labels is None:
        extra["unlabelled"] = "task and dataset unknown: no study file name and no linked emissions.csv row"
    return RunResult(
        run_id=run_id,
        origin="codecarbon",
        config=cfg,
        config_hash=config_hash,
        started_at=start,
        finished_at=end,
        environment=env,
        model_info=model_info,
        dataset_info=dataset_info,
        load=load,
        repeats=[repeat],
        summary=Summary.from_repeats([repeat]),
        carbon=carbon,
        audit=flags,
        extra=extra,
    )


#: what :func:`emission_chunk` gives for a chunk: all its runs at once, or per row (run id, model,
#: the run's plan or stored form, or None for a row whose run a task log has)
Chunk = StoredBatch | list[tuple[str, str, RunPlan | StoredRun | None]]


def emission_chunk(conv: _Converter, chunk: list[list[str]], lines: Sequence[int], labels: Labels | None,
                   form: StoredForm | None, skip: Collection[str], params: dict[str, int]) -> Chunk:
    """The runs of a chunk of emissions-file rows: with ``form``, their stored form (a whole-chunk
    :class:`StoredBatch` when it can, else per row), without it their plans. ``skip``: run ids a task
    log has (those rows only label it)."""
    if form is not None:
        batch = form.batch(conv, chunk, lines, labels, skip, params)
        if batch is not None:
            return batch
    out: list[tuple[str, str, RunPlan | StoredRun | None]] = []
    for fields, line in zip(chunk, lines, strict=True):
        row = conv.row(fields, line)
        if row is None:
            continue
        rid = row.values["run_id"]
        model = row.values["project_name"] or "unknown"
        if rid in skip:
            out.append((rid, model, None))
            continue
        plan = RunPlan(rid, row, "whole tracker", [row], labels, None, "tracker")
        out.append((rid, model, plan if form is None else form.stored(plan, params.get(model))))
    return out


def _check_task(job: tuple[Path, list[str], bool, bool]) -> tuple[_FileFacts, list[str]]:
    """:func:`_check_file` of one file, its warnings returned (a worker process's task)."""
    path, header, explicit, is_log = job
    warnings: list[str] = []
    return _check_file(path, header, explicit, is_log, warnings), warnings


@dataclass
class ImportStream:
    """A checked import whose runs are built while :attr:`runs` is consumed (memory stays flat).

    Every file was read and checked, and the import-wide audit facts gathered, before
    this is returned; the counters below ``runs`` are final once ``runs`` is exhausted.
    A run of a task log is built when the last file holding its rows has been read.
    """

    runs: Iterator[RunResult]
    files_read: int
    task_logs: int
    emissions_files: int
    skipped: list[str]
    phase: str
    scan_seconds: float
    #: data rows checked in all files (what building reads again; see rows_built)
    rows: int = 0
    #: data rows read so far by building (for progress: rows_built / rows)
    rows_built: int = 0
    #: the same runs in their stored form (columns, no document built): consume one of the two
    stored: Iterator[StoredRun | StoredBatch] = field(default_factory=lambda: iter(()))
    #: processes that checked the files (0: this one only)
    check_processes: int = 0
    #: processes that built the stored form of the emissions files' rows (0: this one only)
    build_processes: int = 0
    count: int = 0
    unlabelled: int = 0
    whole_tracker: int = 0
    by_task_counts: dict[str, int] = field(default_factory=dict)
    params_missing: list[str] = field(default_factory=list)
    #: rows taken with a caveat, each naming its file and line (known once the files are checked)
    warnings: list[str] = field(default_factory=list)

    def by_task(self) -> dict[str, int]:
        return dict(sorted(self.by_task_counts.items()))

    def close(self) -> None:
        """Stop building (worker processes included): for a consumer that stops early (an error)."""
        for it in (self.runs, self.stored):
            close = getattr(it, "close", None)
            if close is not None:
                close()


def stream_codecarbon(
    paths: Sequence[str | os.PathLike[str]],
    task: str | None = None,
    dataset: str | None = None,
    phase: str = "query",
    params_file: str | os.PathLike[str] | None = None,
    inferences: int = 1000,
    tasks: Collection[str] = STUDY_TASKS,
    workers: int | None = None,
) -> ImportStream:
    """Check CodeCarbon logs under ``paths`` and return an :class:`ImportStream` of their runs.

    Same arguments and runs as :func:`import_codecarbon`, but files are streamed
    (read twice: once to check them and gather the audit's import-wide facts, once to
    build runs), so a log of a million rows never sits in memory. Raises
    :class:`WattprintError` on the first bad file; building may still raise for a run
    without the wanted phase: store the runs in one transaction (``put_many``/``put_stored``).

    ``workers``: processes that check files and build the stored form of emissions-file rows
    (:attr:`ImportStream.stored`) side by side, results kept in file order (the same runs as one
    process); None: one per CPU (at most 4) when the logs hold at least :data:`PARALLEL_MIN_BYTES`;
    0 or 1: this process only.
    """
    t0 = time.perf_counter()
    if task is not None:
        if normalize_name(task) not in tasks:
            raise WattprintError(f"unknown task {task!r}", "one of: " + ", ".join(tasks))
        task = normalize_name(task)
    if inferences < 1:
        raise WattprintError(f"--inferences must be >= 1, got {inferences}", "the study ran 1,000 per phase")
    if inferences > MAX_N:
        raise WattprintError(f"--inferences must be <= {MAX_N:,}, got {inferences:,}", "the study ran 1,000 per phase")
    params = read_params(params_file) if params_file else {}
    want_all = phase.strip().lower() in ("all", "total")
    warnings: list[str] = []

    logs: list[tuple[Path, list[str]]] = []
    emis: list[tuple[Path, list[str]]] = []
    skipped: list[str] = []
    aud = _Auditor()
    last_log: dict[str, int] = {}  # task-log run id -> index of the last task log holding its rows
    total = 0
    checks: list[tuple[Path, list[str], bool, bool]] = []
    for path, explicit in _files(paths):
        header = _open_csv(path, explicit)
        if header is None:
            skipped.append(str(path))
            continue
        checks.append((path, header, explicit, "task_name" in header))
    if workers is None:
        size = sum(path.stat().st_size for path, _, _, _ in checks)
        workers = usable_workers() if size >= PARALLEL_MIN_BYTES else 0
    spans: dict[Path, list[tuple[int, int, int]]] = {}
    stamps: dict[Path, tuple[int, int]] = {}
    for (path, header, _, is_log), (facts, warns) in zip(checks, ordered(_check_task, checks, workers),
                                                        strict=True):
        warnings.extend(warns)
        aud.add_facts(facts)
        if is_log:
            last_log.update(dict.fromkeys(facts.run_ids, len(logs)))
        total += facts.rows
        spans[path] = facts.spans
        stamps[path] = facts.stamp
        (logs if is_log else emis).append((path, header))
    if not total:
        raise WattprintError(f"no CodeCarbon logs found in {', '.join(map(str, paths))} "
                             f"({len(skipped)} other CSV file(s) skipped)",
                             "CodeCarbon writes emissions.csv (and task logs with a task_name column)")
    override = task is not None or dataset is not None

    def labels_for(inferred: Labels | None) -> Labels | None:
        if not override:
            return inferred
        base = inferred or Labels(task="unknown", dataset="unknown")
        return Labels(task=task or base.task, dataset=dataset or base.dataset,
                      dataset_config=base.dataset_config if dataset is None else None, options=base.options)

    missing: set[str] = set()
    mode = "all" if want_all else "phase"

    def counted(stream: ImportStream, labels: Labels | None, model: str) -> None:
        stream.count += 1
        name = labels.task if labels else "unknown"
        stream.by_task_counts[name] = stream.by_task_counts.get(name, 0) + 1
        if params and model not in params:
            missing.add(model)

    def emission_chunks(stream: ImportStream, form: StoredForm | None,
                        pool: int) -> Iterator[tuple[Path, Labels | None, Labels | None, Chunk]]:
        """Each emissions file's rows, a chunk at a time, as :func:`emission_chunk` gives them, with the file,
        the labels its name gives and those its runs take: here, or (stored form, every file split into spans)
        in ``pool`` worker processes, in order."""
        files = [(path, header, inferred, labels_for(inferred))
                 for path, header in emis for inferred in [infer_labels(path.stem, tasks)]]
        if form is not None and pool >= 2 and all(spans[path] for path, _, _, _ in files):
            for path, _, _, _ in files:  # the spans read are those checked: rows added since are not read
                _unchanged(path, stamps[path])
            stream.build_processes = pool
            jobs = [(f, (f[0], f[1], f[3], *span)) for f in files for span in spans[f[0]]]
            from wattprint.results.importers.codecarbon_stored import span_task, start_worker

            results = ordered(span_task, [job for _, job in jobs], pool, initializer=start_worker,
                              initargs=(aud, inferences, phase, last_log, params))
            for ((path, _, inferred, labels), _), result in zip(jobs, results, strict=True):
                yield path, inferred, labels, result
            return
        for path, header, inferred, labels in files:
            conv = _Converter(path, header)
            _unchanged(path, stamps[path])
            for chunk, lines in _chunks(path):
                yield path, inferred, labels, emission_chunk(conv, chunk, lines, labels, form, last_log, params)
            _unchanged(path, stamps[path])

    def plans(stream: ImportStream, form: StoredForm | None = None,
              pool: int = 0) -> Iterator[RunPlan | StoredRun | StoredBatch]:
        links: dict[str, tuple[Path, Labels | None]] = {}
        seen: set[str] = set()
        # emissions files first: their rows that a task log also has only give labels to it
        for path, inferred, labels, result in emission_chunks(stream, form, pool):
            if isinstance(result, StoredBatch):  # the whole chunk at once (stored form only)
                before = len(seen)
                seen.update(result.run_ids)
                new = len(seen) - before  # a repeated run id replaces the earlier run in the store
                n_rows = len(result.run_ids)
                stream.rows_built += n_rows
                stream.count += new
                stream.whole_tracker += new
                name = labels.task if labels else "unknown"
                stream.by_task_counts[name] = stream.by_task_counts.get(name, 0) + n_rows
                if params:
                    missing.update(m for m in result.models if m not in params)
                if labels is None:
                    stream.unlabelled += n_rows
                yield result
                continue
            stream.rows_built += len(result)
            for rid, model, item in result:
                if item is None:  # a task log has this run: the row only gives it labels
                    links[rid] = (path, inferred)
                    continue
                if rid in seen:  # a repeated run id: the later row replaces the earlier one in the store
                    stream.whole_tracker -= 1
                    stream.count -= 1
                seen.add(rid)
                if labels is None:
                    stream.unlabelled += 1
                stream.whole_tracker += 1
                counted(stream, labels, model)
                yield item
        pending: dict[str, list[_Row]] = {}
        for k, (path, header) in enumerate(logs):
            _unchanged(path, stamps[path])
            for row in _rows(path, header):
                stream.rows_built += 1
                pending.setdefault(row.values["run_id"], []).append(row)
            _unchanged(path, stamps[path])
            done = [rid for rid in pending if last_log[rid] == k]
            for run_id in done:
                rows = pending.pop(run_id)
                rows.sort(key=lambda r: (str(r.values["timestamp"]), r.line))
                linked = links.get(run_id)
                inferred = linked[1] if linked else infer_labels(rows[0].file.stem, tasks)
                labels = labels_for(inferred)
                plan = _select(run_id, rows, labels, linked[0] if linked else None, mode, phase)
                if labels is None:
                    stream.unlabelled += 1
                counted(stream, labels, plan.used.values["project_name"] or "unknown")
                yield plan
        stream.params_missing = sorted(missing)

    def runs(stream: ImportStream) -> Iterator[RunResult]:
        shared = _Shared()
        for plan in plans(stream):
            assert isinstance(plan, RunPlan)
            yield _build(plan, aud, params, inferences, shared)

    def stored(stream: ImportStream) -> Iterator[StoredRun | StoredBatch]:
        from wattprint.results.importers.codecarbon_stored import StoredForm

        form = StoredForm(aud, inferences, phase)
        for plan in plans(stream, form, workers or 0):
            if isinstance(plan, RunPlan):
                yield form.stored(plan, params.get(plan.used.values["project_name"] or "unknown"))
            else:
                yield plan

    stream = ImportStream(runs=iter(()), files_read=len(logs) + len(emis), task_logs=len(logs),
                          emissions_files=len(emis), skipped=skipped, phase=phase,
                          scan_seconds=time.perf_counter() - t0, warnings=warnings,
                          check_processes=workers if workers >= 2 else 0, rows=total)
    stream.runs = runs(stream)
    stream.stored = stored(stream)
    return stream


def import_codecarbon(
    paths: Sequence[str | os.PathLike[str]],
    task: str | None = None,
    dataset: str | None = None,
    phase: str = "query",
    params_file: str | os.PathLike[str] | None = None,
    inferences: int = 1000,
    tasks: Collection[str] = STUDY_TASKS,
) -> ImportOutcome:
    """Parse CodeCarbon logs under ``paths`` (files, or folders read recursively) into runs.

    ``task``/``dataset`` override what file names say; ``phase`` picks the task-log phase
    (``query`` matches "query model"; ``all`` adds every phase); ``inferences`` is how many
    inferences a phase covered (the study: 1,000); ``tasks`` the canonical task names accepted (the
    CLI passes the task catalogue; default: the study's tasks). Raises :class:`WattprintError` on the
    first bad file, before anything is returned. Holds every run in memory: for large
    logs use :func:`stream_codecarbon` into ``ResultStore.put_many``.
    """
    t0 = time.perf_counter()
    stream = stream_codecarbon(paths, task=task, dataset=dataset, phase=phase, params_file=params_file,
                               inferences=inferences, tasks=tasks)
    by_id = {r.run_id: r for r in stream.runs}  # a repeated run id: the later row wins, as in the store
    results = sorted(by_id.values(), key=lambda r: (r.started_at, r.run_id))
    return ImportOutcome(results=results, files_read=stream.files_read, task_logs=stream.task_logs,
                         emissions_files=stream.emissions_files, skipped=stream.skipped,
                         unlabelled=stream.unlabelled, whole_tracker=stream.whole_tracker, phase=phase,
                         parse_seconds=time.perf_counter() - t0, params_missing=stream.params_missing,
                         warnings=stream.warnings)
