"""The sweep file: models x tasks x datasets x settings, expanded into ``RunConfig`` s.

Format (YAML; see ``docs/sweeps.md`` and ``configs/*.yaml``)::

    version: 1
    name: my-sweep
    defaults:            # settings for every run: any RunConfig field but task/model/dataset
      n: 100
      repeats: 3
    matrix:              # optional: every combination of these values is a run
      batch_size: [1, 8]
    datasets:            # named datasets, referred to by name below
      imdb: {id: stanfordnlp/imdb, split: test, column: text}
    tasks:               # per task: its datasets and its defaults
      text-classification:
        datasets: [imdb]
        defaults: {max_new_tokens: null}
    models:              # each entry: one or more models for one or more tasks
      - task: text-classification
        ids: [distilbert-base-uncased-finetuned-sst-2-english, lvwerra/distilbert-imdb]

Precedence, lowest first: ``defaults`` < ``tasks.T.defaults`` < the dataset's
``task_options`` < ``models[i].defaults`` < ``matrix`` values (the entry's
matrix keys replace the global ones). ``task_options`` dicts are merged key by
key; every other setting replaces the one before.
"""

from __future__ import annotations

import difflib
import itertools
import math
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, create_model, field_validator, model_validator

from wattprint.errors import WattprintError
from wattprint.results.schema import RunConfig
from wattprint.sweep.yamlmarks import LineMap, Problem, SweepFileError, load_yaml_with_lines, read_sweep_text

__all__ = ["SweepSpec", "load_sweep", "parse_sweep", "expand", "known_tasks", "SETTING_FIELDS"]

#: RunConfig fields that come from the model and dataset entries, not from settings
_IDENTITY_FIELDS = frozenset({"task", "model", "dataset", "dataset_config", "split", "column"})


def known_tasks() -> set[str]:
    """Every task name and alias the task catalogue accepts (normalised)."""
    from wattprint.workloads.base import TASKS

    return set(TASKS.keys())


def canonical_task(name: str) -> str:
    """The canonical name of task ``name`` (aliases, ``_`` for ``-`` and case allowed)."""
    from wattprint.workloads.base import TASKS

    found = TASKS.canonical_or_none(name)
    if found is None:
        close = TASKS.close_matches(name, n=1, cutoff=0.6)
        suffix = f" (did you mean {close[0]!r}?)" if close else ""
        raise ValueError(f"unknown task {name!r}{suffix}")
    return found


def _settings_model() -> type[BaseModel]:
    fields: dict[str, Any] = {}
    for name, f in RunConfig.model_fields.items():
        if name in _IDENTITY_FIELDS:
            continue
        args = (f.annotation, *f.metadata)  # Annotated[args]: a tuple subscript, as Python 3.10 allows
        ann: Any = Annotated[args] if f.metadata else f.annotation
        fields[name] = (ann | None, Field(default=None, description=f.description))
    return create_model("Settings", __config__=ConfigDict(extra="forbid"), **fields)


#: every RunConfig setting, all optional; only the keys written in the file count
Settings = _settings_model()
SETTING_FIELDS = tuple(Settings.model_fields)


def _given(s: BaseModel | None) -> dict[str, Any]:
    if s is None:
        return {}
    return {k: getattr(s, k) for k in s.model_fields_set}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class DatasetEntry(_Strict):
    """One dataset: ``synthetic``, a Hub id or a local path, with its config, split and column."""

    id: str = Field(min_length=1)
    config: str | None = None
    split: str | None = None
    column: str | None = None
    task_options: dict[str, Any] = Field(default_factory=dict)


DatasetRef = Annotated[str | DatasetEntry, Field(union_mode="left_to_right")]


def _listify(v: Any) -> Any:
    return [v] if isinstance(v, str) else v


class TaskBlock(_Strict):
    """Per-task defaults and the datasets a task runs on."""

    datasets: list[DatasetRef] = Field(default_factory=list)
    defaults: Settings | None = None  # type: ignore[valid-type]
    matrix: dict[str, list[Any]] = Field(default_factory=dict)


class ModelEntry(_Strict):
    """One or more models (``id`` or ``ids``) run on one or more tasks."""

    task: list[str]
    id: str | None = None
    ids: list[str] = Field(default_factory=list)
    datasets: list[DatasetRef] | None = None
    defaults: Settings | None = None  # type: ignore[valid-type]
    matrix: dict[str, list[Any]] = Field(default_factory=dict)

    _list_task = field_validator("task", mode="before")(lambda cls, v: _listify(v))

    @field_validator("task")
    @classmethod
    def _tasks_known(cls, v: list[str]) -> list[str]:
        if not v:
            raise ValueError("give at least one task")
        return [canonical_task(t) for t in v]

    @model_validator(mode="after")
    def _one_of_id_ids(self) -> ModelEntry:
        if self.id is None and not self.ids:
            raise ValueError("give the model as id: NAME or ids: [NAME, ...]")
        if self.id is not None and self.ids:
            raise ValueError("give id or ids, not both")
        return self

    @property
    def model_ids(self) -> list[str]:
        return [self.id] if self.id is not None else list(self.ids)


class SweepSpec(_Strict):
    """A whole sweep file, validated."""

    version: int = 1
    name: str = "sweep"
    description: str = ""
    defaults: Settings | None = None  # type: ignore[valid-type]
    matrix: dict[str, list[Any]] = Field(default_factory=dict)
    datasets: dict[str, DatasetEntry] = Field(default_factory=dict)
    tasks: dict[str, TaskBlock] = Field(default_factory=dict)
    models: list[ModelEntry] = Field(min_length=1)

    @field_validator("version")
    @classmethod
    def _version(cls, v: int) -> int:
        if v != 1:
            raise ValueError(f"unsupported sweep file version {v} (this wattprint reads version 1)")
        return v

    def task_block(self, task: str) -> TaskBlock:
        """The ``tasks:`` block of canonical task ``task`` (empty when none is written)."""
        for key, block in self.tasks.items():
            try:
                if canonical_task(key) == task:
                    return block
            except ValueError:
                continue
        return TaskBlock()


# --------------------------------------------------------------------------- loading


def _pydantic_problems(exc: ValidationError, lm: LineMap) -> list[Problem]:
    out = []
    for err in exc.errors():
        msg = err["msg"]
        for prefix in ("Value error, ", "Assertion failed, "):
            if msg.startswith(prefix):
                msg = msg[len(prefix):]
        if err["type"] == "extra_forbidden":
            msg = _unknown_key(err["loc"])
        out.append(lm.problem(err["loc"], msg))
    return out


def _unknown_key(loc: tuple[int | str, ...]) -> str:
    """'unknown key', with the close key of the block it is in, or where a key of another block belongs."""
    word = str(loc[-1])
    if any(p == "defaults" for p in loc):
        return "unknown key" + _did_you_mean(word, SETTING_FIELDS)
    block: Iterable[str] = SweepSpec.model_fields
    if len(loc) == 3 and loc[0] == "tasks":
        block = TaskBlock.model_fields
    elif len(loc) == 3 and loc[0] == "models":
        block = ModelEntry.model_fields
    elif len(loc) == 3 and loc[0] == "datasets":
        block = DatasetEntry.model_fields
    if word in SweepSpec.model_fields and len(loc) > 1:  # e.g. 'models' inside a task: did you mean 'models'?
        return f"unknown key here: {word!r} goes at the top level of the file"
    return "unknown key" + _did_you_mean(word, block)


def _did_you_mean(word: str, choices: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""



def parse_sweep(text: str, file: str = "<sweep>") -> tuple[SweepSpec, LineMap]:
    """Validate sweep-file text; every problem carries its line."""
    data, lm = load_yaml_with_lines(text, file)
    if not isinstance(data, dict):
        raise SweepFileError([lm.problem((), "a sweep file is a mapping with at least a models: list")])
    try:
        spec = SweepSpec.model_validate(data)
    except ValidationError as exc:
        raise SweepFileError(sorted(_pydantic_problems(exc, lm), key=lambda p: p.line or 0)) from exc
    problems = _cross_check(spec, lm)
    if problems:
        raise SweepFileError(problems)
    return spec, lm


def load_sweep(path: str | Path) -> tuple[SweepSpec, LineMap]:
    """Read and validate a sweep file."""
    return parse_sweep(read_sweep_text(path), str(path))


# --------------------------------------------------------------------------- expansion


def _resolve_dataset(ref: str | DatasetEntry, spec: SweepSpec) -> DatasetEntry | None:
    if isinstance(ref, DatasetEntry):
        return ref
    if ref in spec.datasets:
        return spec.datasets[ref]
    if ref == "synthetic":
        return DatasetEntry(id="synthetic")
    return None


def _datasets_for(spec: SweepSpec, entry: ModelEntry, task: str) -> list[str | DatasetEntry] | None:
    if entry.datasets is not None:
        return list(entry.datasets)
    block = spec.task_block(task)
    if block.datasets:
        return list(block.datasets)
    return None


def _cross_check(spec: SweepSpec, lm: LineMap) -> list[Problem]:
    """References between sections: dataset names, matrix keys, datasets per task."""
    problems: list[Problem] = []
    names = sorted(spec.datasets) + ["synthetic"]

    def check_refs(refs: list, base: tuple) -> None:
        for j, ref in enumerate(refs):
            if isinstance(ref, str) and _resolve_dataset(ref, spec) is None:
                problems.append(lm.problem((*base, j), f"unknown dataset {ref!r}{_did_you_mean(ref, names)}; "
                                           "define it under datasets: or use synthetic"))

    def check_matrix(matrix: dict, base: tuple) -> None:
        for key, values in matrix.items():
            if key not in SETTING_FIELDS:
                why = "is set by the model/dataset entries" if key in _IDENTITY_FIELDS else "is not a setting"
                msg = f"matrix key {key!r} {why}{_did_you_mean(key, SETTING_FIELDS)}"
                problems.append(lm.problem((*base, key), msg))
                continue
            if not values:
                problems.append(lm.problem((*base, key), "a matrix entry needs at least one value"))
            for j, v in enumerate(values):
                try:
                    Settings.model_validate({key: v})
                except ValidationError as exc:
                    problems.append(lm.problem((*base, key, j), exc.errors()[0]["msg"]))

    check_matrix(spec.matrix, ("matrix",))
    for t, block in spec.tasks.items():
        try:
            canonical_task(t)
        except ValueError as exc:
            problems.append(lm.problem(("tasks", t), str(exc)))
        check_refs(block.datasets, ("tasks", t, "datasets"))
        check_matrix(block.matrix, ("tasks", t, "matrix"))
    for i, entry in enumerate(spec.models):
        if entry.datasets is not None:
            check_refs(entry.datasets, ("models", i, "datasets"))
        check_matrix(entry.matrix, ("models", i, "matrix"))
        for t in entry.task:
            if _datasets_for(spec, entry, t) is None:
                problems.append(lm.problem(("models", i, "task"), f"no datasets for task {t!r}: list them under "
                                           f"tasks.{t}.datasets or models[{i}].datasets (synthetic is one)"))
    problems += _check_archs(spec, lm)
    problems += _check_task_options(spec, lm)
    if problems or count_runs(spec) > MAX_RUNS:  # too large to check here: expand() refuses it (or checks it)
        return problems
    # every expanded config must be a valid RunConfig (e.g. a setting combination)
    for i, entry in enumerate(spec.models):
        try:
            configs = _expand_entry(spec, entry)
        except ValidationError as exc:
            err = exc.errors()[0]
            where = ".".join(str(p) for p in err["loc"])
            problems.append(lm.problem(("models", i), f"{where}: {err['msg']}"))
            continue
        problems += _check_gold_columns(configs, i, lm)
    return problems


def _check_gold_columns(configs: list[RunConfig], i: int, lm: LineMap) -> list[Problem]:
    """A label/reference column on synthetic data, or a local dataset that is missing or lacks the named
    item or gold column (``wattprint run`` refuses them before a model loads)."""
    check_local_dataset: Callable[[RunConfig], None] | None
    try:
        from wattprint.bench.quality import check_local_dataset
    except ImportError:  # the workloads layer is not installed: the run says it
        check_local_dataset = None
    checked: set[tuple[object, ...]] = set()
    for cfg in configs:
        column = cfg.label_column or cfg.reference_column
        if column and cfg.dataset == "synthetic":
            key = "label_column" if cfg.label_column else "reference_column"
            return [lm.problem(("models", i), f"{cfg.task} {cfg.model}: synthetic data has no label column "
                               f"({key}: {column!r}); drop {key} for it, or give it a labelled dataset")]
        seen = (cfg.task, cfg.dataset, cfg.dataset_config, cfg.split, cfg.column, column)
        if check_local_dataset is None or seen in checked:
            continue
        checked.add(seen)
        try:
            check_local_dataset(cfg)
        except WattprintError as exc:
            return [lm.problem(("models", i), f"{cfg.task} {cfg.model}: {exc.message} ({exc.hint})")]
    return []


def _check_archs(spec: SweepSpec, lm: LineMap) -> list[Problem]:
    """``arch:NAME`` models must exist and serve their tasks (when the workloads layer is installed)."""
    try:
        from wattprint.workloads.architectures import check_serves, get_arch
    except ImportError:
        return []
    from wattprint.errors import WattprintError

    problems = []
    for i, entry in enumerate(spec.models):
        for k, model in enumerate(entry.model_ids):
            if not model.startswith("arch:"):
                continue
            path = ("models", i, "id") if entry.id is not None else ("models", i, "ids", k)
            try:
                arch = get_arch(model)
                for t in entry.task:
                    check_serves(arch, t)
            except WattprintError as exc:
                problems.append(lm.problem(path, f"{exc.message} ({exc.hint})" if exc.hint else exc.message))
    return problems


def _task_option_names(task: str) -> set[str] | None:
    """The options task ``task`` accepts, or None when the task declares none (it takes any)."""
    from wattprint.workloads.base import task_class

    opts = task_class(task).default_options
    return None if opts is None else set(opts)


def _check_task_options(spec: SweepSpec, lm: LineMap) -> list[Problem]:
    """Every ``task_options`` key must be an option of each task it reaches (tasks reject unknown options)."""
    problems: list[Problem] = []
    used: dict[str, set[str]] = {}  # task -> dataset names it uses (for datasets' task_options)
    for entry in spec.models:
        for t in entry.task:
            refs = _datasets_for(spec, entry, t) or []
            used.setdefault(t, set()).update(r for r in refs if isinstance(r, str))

    def check(opts: dict | None, tasks: Iterable[str], path: tuple) -> None:
        for key in opts or {}:
            for t in sorted(set(tasks)):
                valid = _task_option_names(t)
                if valid is not None and key not in valid:
                    listed = ", ".join(sorted(valid)) or "none"
                    problems.append(lm.problem((*path, key), f"{key!r} is not an option of {t} "
                                               f"(options: {listed}){_did_you_mean(key, valid)}"))
                    break

    def defaults_opts(s: BaseModel | None) -> dict | None:
        return _given(s).get("task_options")

    check(defaults_opts(spec.defaults), used, ("defaults", "task_options"))
    for key, block in spec.tasks.items():
        try:
            t = canonical_task(key)
        except ValueError:
            continue
        check(defaults_opts(block.defaults), [t], ("tasks", key, "defaults", "task_options"))
    for name, ds in spec.datasets.items():
        check(ds.task_options, [t for t, names in used.items() if name in names], ("datasets", name, "task_options"))
    for i, entry in enumerate(spec.models):
        check(defaults_opts(entry.defaults), entry.task, ("models", i, "defaults", "task_options"))
    return problems


def _merge(*layers: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for layer in layers:
        for k, v in layer.items():
            if k == "task_options" and isinstance(v, dict):
                out["task_options"] = {**out.get("task_options", {}), **v}
            else:
                out[k] = v
    return out


def _combos(matrix: dict[str, list[Any]]) -> list[dict[str, Any]]:
    if not matrix:
        return [{}]
    keys = list(matrix)
    return [dict(zip(keys, vals, strict=True)) for vals in itertools.product(*(matrix[k] for k in keys))]


def _expand_entry(spec: SweepSpec, entry: ModelEntry) -> list[RunConfig]:
    out: list[RunConfig] = []
    base = _given(spec.defaults)
    for task in entry.task:
        block = spec.task_block(task)
        matrix = {**spec.matrix, **block.matrix, **entry.matrix}
        for model in entry.model_ids:
            for ref in _datasets_for(spec, entry, task) or []:
                ds = _resolve_dataset(ref, spec)
                assert ds is not None  # checked in _cross_check
                for combo in _combos(matrix):
                    settings = _merge(
                        base, _given(block.defaults), {"task_options": ds.task_options}, _given(entry.defaults), combo
                    )
                    out.append(RunConfig(task=task, model=model, dataset=ds.id, dataset_config=ds.config,
                                         split=ds.split, column=ds.column, **settings))
    return out


#: Most runs a sweep file may expand to unless forced (``wattprint sweep --force``).
MAX_RUNS = 10_000


def count_runs(spec: SweepSpec) -> int:
    """How many runs the sweep expands to (duplicates counted), computed without expanding it."""
    total = 0
    for entry in spec.models:
        for task in entry.task:
            block = spec.task_block(task)
            matrix = {**spec.matrix, **block.matrix, **entry.matrix}
            combos = math.prod(len(v) for v in matrix.values())
            total += len(entry.model_ids) * len(_datasets_for(spec, entry, task) or []) * combos
    return total


def expand(spec: SweepSpec, max_runs: int | None = MAX_RUNS) -> list[RunConfig]:
    """Every run of the sweep, in file order, duplicates (same config hash) dropped.

    A sweep of more than ``max_runs`` runs (None: no limit) is refused before anything is built.
    """
    if max_runs is not None:
        count = count_runs(spec)
        if count > max_runs:
            raise WattprintError(
                f"sweep {spec.name!r} expands to {count:,} runs, more than the limit of {max_runs:,}",
                "shrink its matrix or split the file; --force runs it anyway",
            )
    seen: set[str] = set()
    out: list[RunConfig] = []
    for i, entry in enumerate(spec.models):
        try:
            configs = _expand_entry(spec, entry)
        except ValidationError as exc:  # only reachable beyond MAX_RUNS, where parse_sweep does not expand
            err = exc.errors()[0]
            where = ".".join(str(p) for p in err["loc"])
            raise WattprintError(f"models[{i}]: {where}: {err['msg']}", "fix the sweep file") from None
        for cfg in configs:
            h = cfg.config_hash()
            if h not in seen:
                seen.add(h)
                out.append(cfg)
    return out
