"""Stored runs as columns, for analysis at scale (a million runs without a million objects).

:class:`RunColumns` is what :meth:`ResultStore.columns` returns: the usable runs
(status ``ok`` with a summary) in store order (``started_at``, then ``run_id``),
one array or list per field, row ``i`` of every column being run ``i``. Text that
repeats (task, model, dataset, hardware, origin) is dictionary-encoded: a code per
run and the distinct values once. The figures are the runs' own, bit for bit:

* energy in Wh per 1,000 inferences (``wh_per_1k`` = ``summary.wh_per_1k_mean``,
  its 95% interval over repeats, its provenance bounds);
* the carbon factor of each run: its intensity (g CO2e/kWh) in ``intensity``, the rest
  (region, source, year, scope, PUE) in ``factors[factor[i]]`` (-1 = no factor; the
  intensity of those shared :class:`CarbonInfo` is 0 and means nothing), so that
  g CO2e = ``wh / 1000 * pue * intensity``, :meth:`CarbonInfo.grams`'s formula;
* the variable-shaped detail (components, provenance of every repeat's
  components, audit flags) as a :class:`RunShape` shared by the runs that have the
  same names and labels, and the run's numbers in ``values`` (:meth:`RunColumns.values_of`).

Nothing here imports an engine: the arrays are the standard library's.
"""

from __future__ import annotations

from array import array
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import chain, repeat
from operator import add, mul, truediv
from typing import Any, NamedTuple

from wattprint.carbon.factor import CarbonInfo
from wattprint.results.schema import Environment, RunResult

__all__ = ["RunColumns", "RunShape", "StoredBatch", "StoredRun", "hardware_of", "hardware_of_env", "shape_of"]


def hardware_of(r: RunResult) -> str:
    """Short hardware description: GPUs when used, else the CPU model."""
    return hardware_of_env(r.environment, r.config.device)


def hardware_of_env(env: Environment, device: str) -> str:
    """:func:`hardware_of` from a run's environment and device."""
    if env.gpus and device != "cpu":
        names: dict[str, int] = {}
        for g in env.gpus:
            name = str(g.get("name") or g.get("model") or "GPU")
            names[name] = names.get(name, 0) + int(g.get("count", 1) or 1)
        return ", ".join(f"{n} x {name}" if n > 1 else name for name, n in names.items())
    return env.cpu_model or device or "unknown"


@dataclass(frozen=True)
class RunShape:
    """The names and labels of a run's detail; its numbers are ``RunColumns.values_of(i)``.

    The numbers of a run are, in this order: one value per ``components``
    (Wh per 1,000 inferences, ``summary.components_wh_per_1k``), one per
    ``provenance`` item (Wh, every component of every repeat, repeat order), one
    per ``audit`` flag (share of the run's energy, 0..1).
    """

    components: tuple[str, ...]
    provenance: tuple[tuple[str, str, bool], ...]  # (component, provenance label, measured)
    labels: tuple[str, ...]  # "label [component]" of the first repeat, sorted (leaderboard)
    audit: tuple[tuple[str, str], ...]  # (component, reason)

    def to_json(self) -> list[Any]:
        return [list(self.components), [list(p) for p in self.provenance], list(self.labels),
                [list(a) for a in self.audit]]

    @classmethod
    def from_json(cls, doc: list[Any]) -> RunShape:
        comps, prov, labels, audit = doc
        return cls(tuple(comps), tuple((c, lb, bool(m)) for c, lb, m in prov), tuple(labels),
                   tuple((c, why) for c, why in audit))


def shape_of(r: RunResult) -> tuple[RunShape, array[float]]:
    """A run's :class:`RunShape` and its numbers (float64, see :class:`RunShape`)."""
    comps = dict(r.summary.components_wh_per_1k) if r.summary else {}
    items = [c for rep in r.repeats for c in rep.energy.components]
    shape = RunShape(
        components=tuple(comps),
        provenance=tuple((c.component, c.provenance.label, c.provenance.measured) for c in items),
        labels=tuple(sorted({c.provenance.label + f" [{c.component}]" for rep in r.repeats[:1]
                             for c in rep.energy.components})),
        audit=tuple((f.component, f.reason) for f in r.audit),
    )
    values = array("d", list(comps.values()))
    values.extend(c.joules / 3600.0 for c in items)
    values.extend(f.share for f in r.audit)
    return shape, values


def _unpack(key: int, sizes: list[int]) -> Any:
    """The codes packed in ``key`` by :meth:`RunColumns.groups` (one code, or a tuple of them)."""
    if len(sizes) == 1:
        return key
    codes = []
    for size in reversed(sizes[1:]):
        key, code = divmod(key, size)
        codes.append(code)
    codes.append(key)
    return tuple(reversed(codes))


#: the finest grouping the analysis uses; coarser ones (by task, by task and model) are merged from it
_FINEST = ("task", "dataset", "model")


@dataclass
class RunColumns:
    """Usable stored runs as columns (see the module docstring). Energy in Wh per 1,000 inferences."""

    run_id: list[str] = field(default_factory=list)
    started_at: list[str] = field(default_factory=list)  # ISO 8601 as stored
    task: array[int] = field(default_factory=lambda: array("l"))  # code into ``tasks``
    model: array[int] = field(default_factory=lambda: array("l"))
    dataset: array[int] = field(default_factory=lambda: array("l"))  # code into ``datasets`` (name[:config])
    hardware: array[int] = field(default_factory=lambda: array("l"))
    origin: array[int] = field(default_factory=lambda: array("l"))
    tasks: list[str] = field(default_factory=list)
    models: list[str] = field(default_factory=list)
    datasets: list[str] = field(default_factory=list)
    hardwares: list[str] = field(default_factory=list)
    origins: list[str] = field(default_factory=list)
    wh_per_1k: array[float] = field(default_factory=lambda: array("d"))
    ci95_low: array[float] = field(default_factory=lambda: array("d"))
    ci95_high: array[float] = field(default_factory=lambda: array("d"))
    bounds_low: array[float] = field(default_factory=lambda: array("d"))  # NaN: no provenance bounds
    bounds_high: array[float] = field(default_factory=lambda: array("d"))
    measured_share: array[float] = field(default_factory=lambda: array("d"))
    parameters: list[int | None] = field(default_factory=list)
    output_tokens_per_inference: list[float | None] = field(default_factory=list)
    audited_share: array[float] = field(default_factory=lambda: array("d"))
    factor: array[int] = field(default_factory=lambda: array("l"))  # index into ``factors``, -1 = none
    factors: list[CarbonInfo] = field(default_factory=list)  # intensity 0: see ``intensity``
    intensity: array[float] = field(default_factory=lambda: array("d"))  # g CO2e/kWh, 0 without a factor
    quality: array[int] = field(default_factory=lambda: array("b"))  # 1 when the run carries quality scores
    timed: array[int] = field(default_factory=lambda: array("b"))  # 1 when the run carries time-resolved carbon
    shape: array[int] = field(default_factory=lambda: array("l"))  # index into ``shapes``
    shapes: list[RunShape] = field(default_factory=list)
    values: array[float] = field(default_factory=lambda: array("d"))  # every run's shape values, end to end
    offsets: array[int] = field(default_factory=lambda: array("q", [0]))  # run i's are values[offsets[i]:offsets[i+1]]
    failed: int = 0  # failed runs (left out, like any run without a summary)
    _groups: dict[tuple[str, ...], dict[Any, array[int]]] = field(default_factory=dict, init=False, repr=False,
                                                               compare=False)  # groups() cache
    _grams: list[float] | None = field(default=None, init=False, repr=False, compare=False)  # grams_per_run() cache

    def __len__(self) -> int:
        return len(self.run_id)

    def groups(self, *names: str) -> dict[Any, array[int]]:
        """Run indices grouped by the codes (>= 0) of the columns ``names`` (e.g. ``"task", "model"``): groups in
        the order their first run comes, indices in run order (an ``array("q")``); a key is one code, or a
        tuple of codes for several names. Computed once per set of names (columns are not changed once loaded)."""
        got = self._groups.get(names)
        if got is None and len(names) == 1 and len(set(getattr(self, names[0]))) == 1:  # one value: one group
            got = self._groups[names] = {getattr(self, names[0])[0]: array("q", range(len(self)))}
        if got is None and set(names) < set(_FINEST) and len(set(names)) == len(names):
            got = self._groups[names] = self._coarser(names)
        if got is None:
            # one int per run for several columns (code_1 * n_2 + code_2 ...: C loops, no tuple per run)
            sizes = [max(getattr(self, n), default=0) + 1 for n in names]
            keys: Any = getattr(self, names[0])
            for n, size in zip(names[1:], sizes[1:], strict=True):
                keys = map(add, map(mul, keys, repeat(size)), getattr(self, n))
            lists: dict[int, list[int]] = {}
            setdefault = lists.setdefault
            for i, k in enumerate(keys):
                setdefault(k, []).append(i)
            # as arrays: 8 bytes an index instead of an int object (a million runs, several groupings)
            got = self._groups[names] = {_unpack(k, sizes): array("q", v) for k, v in lists.items()}
            del lists
        return got

    def _coarser(self, names: tuple[str, ...]) -> dict[Any, array[int]]:
        """:meth:`groups` of some of :data:`_FINEST`'s columns, merged from its groups (C loops: a group's
        parts are each in run order, and merging them is a sort of a few sorted runs)."""
        pick = [_FINEST.index(n) for n in names]
        parts: dict[Any, list[array[int]]] = {}
        for key, idx in self.groups(*_FINEST).items():  # in first-run order: so is each merged group's first part
            k = key[pick[0]] if len(pick) == 1 else tuple(key[j] for j in pick)
            parts.setdefault(k, []).append(idx)
        return {k: v[0] if len(v) == 1 else array("q", sorted(chain.from_iterable(v))) for k, v in parts.items()}

    def grams_per_run(self) -> list[float] | None:
        """g CO2e per 1,000 inferences of every run (:meth:`grams`'s formula), computed once; None when some
        run has no factor (then see :meth:`grams_of`)."""
        if self._grams is None:
            pues = [f.pue for f in self.factors]
            self._grams = [] if -1 in self.factor else list(map(
                mul, map(mul, map(truediv, self.wh_per_1k, repeat(1000.0)), map(pues.__getitem__, self.factor)),
                self.intensity))
        return self._grams if len(self._grams) == len(self) else None  # [] for runs without a factor

    def grams_of(self, idx: Sequence[int]) -> list[float]:
        """g CO2e per 1,000 inferences of the runs ``idx`` that have a factor, in order (:meth:`grams`'s formula)."""
        every = self.grams_per_run()
        if every is not None:
            return list(map(every.__getitem__, idx))
        return [g for g in map(self.grams, idx) if g is not None]

    def values_of(self, i: int) -> array[float]:
        """Run ``i``'s numbers, in the order its :class:`RunShape` gives."""
        return self.values[self.offsets[i]:self.offsets[i + 1]]

    def grams(self, i: int) -> float | None:
        """g CO2e per 1,000 inferences of run ``i`` with its own factor (None without one)."""
        k = self.factor[i]
        if k < 0:
            return None
        return self.wh_per_1k[i] / 1000.0 * self.factors[k].pue * self.intensity[i]

    def factor_of(self, i: int) -> CarbonInfo | None:
        """Run ``i``'s whole carbon factor (None without one)."""
        k = self.factor[i]
        if k < 0:
            return None
        return self.factors[k].model_copy(update={"intensity_g_per_kwh": self.intensity[i]})

    def with_factor(self, factor: CarbonInfo) -> RunColumns:
        """A copy whose every run uses ``factor`` (carbon recomputed; energy unchanged)."""
        from dataclasses import replace

        return replace(self, factor=array("l", [0]) * len(self), factors=[factor],
                       intensity=array("d", [factor.intensity_g_per_kwh]) * len(self))


class StoredRun(NamedTuple):
    """One run as the store's columns, handed over without its document (a large import).

    The figures are those :class:`RunResult` and the store would give the run's document (Wh per
    1,000 inferences, its interval and provenance bounds, measured share 0..1, Wh per 1,000 per
    component family, s per inference, g CO2e/kWh, audited share 0..1); ``factor`` the run's
    carbon factor without its intensity (0; shared by runs), ``shape`` and ``values`` the detail
    (:class:`RunShape`; ``values`` its numbers as native float64 bytes). The document is rebuilt
    when shown, by the importer named in ``source`` (JSON text many runs share) from ``record``
    (the run's own fields): see :mod:`wattprint.results.importers.codecarbon_stored`.
    """

    run_id: str
    config_hash: str
    status: str
    origin: str
    task: str
    model: str
    dataset: str
    dataset_config: str | None
    hardware: str
    started_at: str  # ISO 8601
    wh_per_1k: float
    wh_ci95_low: float
    wh_ci95_high: float
    bounds_low: float
    bounds_high: float
    measured_share: float
    cpu_wh_per_1k: float | None
    gpu_wh_per_1k: float | None
    ram_wh_per_1k: float | None
    s_per_inference: float
    inferences: int
    parameters: int | None
    output_tokens_pi: float | None
    intensity_g_per_kwh: float | None
    pue: float | None
    factor: CarbonInfo | None
    audited_share: float
    shape: RunShape
    values: bytes
    source: str
    record: bytes


class StoredBatch(NamedTuple):
    """Runs of one import that share their carbon factor (without intensity), shape and source, as
    columns: ``columns`` holds one sequence per field of :class:`StoredRun` from ``run_id`` to ``pue``
    (the first 25, in that order), the rest one sequence per field (``shares``: one per audit flag of
    ``shape``, 0..1). Same units and meaning as :class:`StoredRun`."""

    run_ids: list[str]
    models: set[str]
    columns: tuple[list[Any], ...]
    audited_share: list[float]
    shares: tuple[list[float], ...]
    values: list[bytes]
    records: list[bytes]
    factor: CarbonInfo | None
    shape: RunShape
    source: str
