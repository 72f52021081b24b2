"""Dataset sources: built-in synthetic sets, local files and folders, Hub datasets.

:func:`load_inputs` returns exactly ``n`` raw items for a task as an
:class:`~wattprint.contracts.inputs.Inputs`. When the source has fewer rows than
``n`` it is cycled (row ``i`` is ``rows[i % len(rows)]``), so a 1,000-inference
run on a 200-row file reuses each row five times; ``Inputs.distinct`` says how
many distinct rows there were and ``Inputs.source`` where they came from
(:func:`source_of`, the one classification of a dataset name).

Item shapes by ``kind`` (what a task's ``preprocess`` receives):

* ``text``, ``passage``, ``prompt``: ``str``
* ``qa``: ``{"question": str, "context": str}``
* ``pair``: ``{"sentence1": str, "sentence2": str}``
* ``image``: an RGB ``PIL.Image.Image``
* further kinds a task module registers with :func:`register_kind` (an :class:`ItemKind`: its usual
  column names, the files of a local folder of such items, how to convert a column value, a synthetic
  generator), e.g. audio clips.

Sources (``DatasetSpec.name``):

* ``synthetic``: deterministic generated items (:mod:`wattprint.workloads.synthetic`), seeded by ``DatasetSpec.seed``.
* a local ``.csv``, ``.jsonl``/``.json`` or ``.parquet`` file: the column is ``DatasetSpec.column`` or inferred
  from the task's usual column names (then the first text column). Multi-field items (QA, pairs) take a
  comma-separated column list, e.g. ``question,support``. Image columns may hold file paths (relative to the file).
* a local directory: a folder of the kind's files, searched recursively, sorted by path (images: ``.png``,
  ``.jpg``, ``.jpeg``, ``.bmp``, ``.gif``, ``.webp``, ``.tif``).
* anything else: a Hub dataset id, through ``datasets.load_dataset(name, config, split=...)``; with no split,
  the first of ``test``, ``validation``, ``train`` that exists.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from wattprint.contracts.inputs import DatasetSource, Inputs
from wattprint.errors import WattprintError
from wattprint.workloads.base import DatasetSpec

IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp", ".tif", ".tiff")
TABLE_EXTENSIONS = (".csv", ".jsonl", ".json", ".parquet")

#: fields of multi-field kinds, in the order a comma-separated ``column`` maps to them
FIELDS: dict[str, tuple[str, ...]] = {"qa": ("question", "context"), "pair": ("sentence1", "sentence2")}

#: usual column names per kind / field, tried in order when no column is given
CANDIDATES: dict[str, tuple[str, ...]] = {
    "text": ("text", "sentence", "content", "review", "tokens", "document", "query"),
    "passage": ("article", "document", "dialogue", "text", "content", "passage"),
    "prompt": ("prompt", "Prompt", "text", "caption"),
    "image": ("image", "img", "picture", "image_path", "path", "file"),
    "question": ("question", "query"),
    "context": ("context", "support", "passage", "paragraph", "text"),
    "sentence1": ("sentence1", "sentence_a", "text1", "premise", "anchor"),
    "sentence2": ("sentence2", "sentence_b", "text2", "hypothesis", "positive"),
}


@dataclass(frozen=True)
class ItemKind:
    """A kind of input item beyond the built-in ones, registered by the task module that reads it.

    ``candidates``: usual column names, tried in order when no column is given; ``folder_extensions``:
    a local directory of files with these endings is a dataset of this kind (one item per file, its
    path given to ``convert`` as a string); ``convert(value, base_dir, dataset_name)``: a column value
    (a Hub dataset's feature, or a file path relative to ``base_dir``) to an item; ``synthetic(seed,
    index)``: one generated item; ``prepare_hub(dataset)``: the loaded Hub dataset made ready before its
    rows are read (e.g. audio columns switched to undecoded bytes and paths, for ``convert`` to decode).
    """

    name: str
    candidates: tuple[str, ...]
    convert: Callable[[Any, Path, str], Any]
    synthetic: Callable[[int, int], Any]
    folder_extensions: tuple[str, ...] = ()
    prepare_hub: Callable[[Any], Any] | None = None


#: kinds registered by task modules (:func:`register_kind`), by name
KINDS: dict[str, ItemKind] = {}


def register_kind(kind: ItemKind) -> ItemKind:
    """Make item kind ``kind.name`` readable from synthetic data, tables, Hub datasets and folders."""
    held = KINDS.get(kind.name)
    if kind.name in FIELDS or kind.name in CANDIDATES or (held is not None and held != kind):
        raise ValueError(f"item kind {kind.name!r} registered twice")
    KINDS[kind.name] = kind
    return kind


def source_of(spec: DatasetSpec) -> DatasetSource:
    """``synthetic``, ``local`` or ``hub`` (the ``DatasetInfo.source`` value); the one place that decides."""
    if spec.name == "synthetic":
        return "synthetic"
    if _looks_local(spec.name):
        return "local"
    return "hub"


def _looks_local(name: str) -> bool:
    p = Path(name).expanduser()
    return p.exists() or name.startswith((".", "/", "~")) or p.suffix.lower() in TABLE_EXTENSIONS


def load_inputs(spec: DatasetSpec, n: int, kind: str) -> Inputs:
    """Exactly ``n`` items of ``kind`` from the dataset ``spec`` (cycled when the source is shorter)."""
    if n < 1:
        raise WattprintError(f"need at least one input item, got n={n}", "pass n >= 1")
    _ensure_kinds_loaded(kind)
    source = source_of(spec)
    if source == "synthetic":
        return Inputs(items=_synthetic(kind, n, spec.seed), distinct=n, source=source)
    if source == "local":
        path = _local_path(spec)
        rows = _folder(path, kind) if path.is_dir() else _read_table(path, n)
        base = path if path.is_dir() else path.parent
    else:
        rows = _read_hub(spec, n, KINDS.get(kind))
        base = Path.cwd()
    if not rows:
        raise WattprintError(f"dataset {spec.name!r} has no rows", "check the file, split or config")
    items = _extract(rows, kind, spec.column, spec.name, base)
    return Inputs(items=[items[i % len(items)] for i in range(n)], distinct=min(len(items), n), source=source)


def _ensure_kinds_loaded(kind: str) -> None:
    """A kind registered by a task module is known before that task is looked up: load the catalogue once."""
    if kind in FIELDS or kind in CANDIDATES or kind in KINDS:
        return
    from wattprint.workloads.base import TASKS

    TASKS.names()


def load_items(spec: DatasetSpec, n: int, kind: str) -> list[Any]:
    """The items of :func:`load_inputs` alone."""
    return load_inputs(spec, n, kind).items


def _synthetic(kind: str, n: int, seed: int) -> list[Any]:
    if kind in KINDS:
        gen = KINDS[kind].synthetic
        return [gen(seed, i) for i in range(n)]
    from wattprint.workloads import synthetic

    return synthetic.items(kind, n, seed)


# -- sources ---------------------------------------------------------------------------------------------------


def _folder(path: Path, kind: str) -> list[dict[str, Any]]:
    """One row per file of a folder of ``kind`` items (images, or a registered kind's files)."""
    extensions: tuple[str, ...]
    if kind == "image":
        extensions, column = IMAGE_EXTENSIONS, "image"
    elif kind in KINDS and KINDS[kind].folder_extensions:
        extensions, column = KINDS[kind].folder_extensions, KINDS[kind].candidates[0]
    else:
        folders = ", ".join(["image", *(k for k, v in KINDS.items() if v.folder_extensions)])
        raise WattprintError(f"{path} is a directory: directories are read as folders of {folders} files, "
                             f"but this task needs {kind} items", "give a CSV/JSONL/Parquet file or 'synthetic'")
    files = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in extensions)
    if not files:
        raise WattprintError(f"no {kind} files in {path}", f"expected files ending in {', '.join(extensions)}")
    return [{column: str(p)} for p in files]


def _read_table(path: Path, n: int) -> list[dict[str, Any]]:
    suffix = path.suffix.lower()
    try:
        if suffix == ".csv":
            with path.open(newline="", encoding="utf-8") as fh:
                rows = []
                for row in csv.DictReader(fh):
                    rows.append(row)
                    if len(rows) >= n:
                        break
                return rows
        if suffix in (".jsonl", ".json"):
            text = path.read_text(encoding="utf-8")
            stripped = text.lstrip()
            if suffix == ".json" and stripped.startswith(("[", "{")) and not _is_jsonl(stripped):
                data = json.loads(text)
                if isinstance(data, dict):  # {"data": [...]} or column-oriented {"col": [...]}
                    lists = [v for v in data.values() if isinstance(v, list)]
                    if len(lists) == 1 and lists[0] and isinstance(lists[0][0], dict):
                        data = lists[0]
                    elif lists and all(isinstance(v, list) for v in data.values()):
                        data = [dict(zip(data, vals, strict=False)) for vals in zip(*data.values(), strict=False)]
                return [r if isinstance(r, dict) else {"text": r} for r in data][:n]
            rows = []
            for line in text.splitlines():
                if line.strip():
                    obj = json.loads(line)
                    rows.append(obj if isinstance(obj, dict) else {"text": obj})
                    if len(rows) >= n:
                        break
            return rows
        if suffix == ".parquet":
            try:
                import pyarrow.parquet as pq
            except ImportError:
                raise WattprintError("reading Parquet needs pyarrow", "pip install 'wattprint[export]'") from None
            return pq.read_table(path).slice(0, n).to_pylist()
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, csv.Error) as exc:
        raise WattprintError(f"cannot read {path}: {exc}",
                             "check the file is valid CSV / JSON lines / Parquet") from None
    except Exception as exc:  # pyarrow errors
        if type(exc).__module__.startswith("pyarrow"):
            raise WattprintError(f"cannot read {path}: {exc}", "check the file is valid Parquet") from None
        raise
    raise WattprintError(f"unsupported dataset file type: {path.name}",
                         f"use one of {', '.join(TABLE_EXTENSIONS)}, an image folder, a Hub id, or 'synthetic'")


def _is_jsonl(text: str) -> bool:
    first = text.split("\n", 1)[0].strip()
    if not first.startswith("{") or not first.endswith("}"):
        return False
    try:
        json.loads(first)
    except json.JSONDecodeError:
        return False
    return "\n" in text.strip()


def _read_hub(spec: DatasetSpec, n: int, kind: ItemKind | None = None) -> list[dict[str, Any]]:
    try:
        import datasets
    except ImportError:
        raise WattprintError("Hub datasets need the 'datasets' package", "pip install 'wattprint[ml]'") from None
    hint = ("check the id and your network; offline, use cached datasets (HF_DATASETS_OFFLINE=1), "
            "a local CSV/JSONL/Parquet file or image folder, or 'synthetic'")
    try:
        loaded = datasets.load_dataset(spec.name, spec.config, split=spec.split)
    except Exception as exc:
        msg = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise WattprintError(f"cannot load dataset {spec.name!r}: {msg}", hint) from None
    if isinstance(loaded, dict):  # DatasetDict: no split given
        for split in ("test", "validation", "train"):
            if split in loaded:
                loaded = loaded[split]
                break
        else:
            loaded = loaded[next(iter(loaded))]
    if kind is not None and kind.prepare_hub is not None:
        loaded = kind.prepare_hub(loaded)
    take = min(n, len(loaded))
    return [loaded[i] for i in range(take)]


# -- columns and conversion ------------------------------------------------------------------------------------


def _pick(available: Sequence[str], wanted: str | None, candidates: Sequence[str], rows: list[dict[str, Any]],
          name: str, kind: str) -> str:
    if wanted is not None:
        _require(available, wanted, name)
        return wanted
    for cand in candidates:
        if cand in available:
            return cand
    if kind != "image" and kind not in KINDS:  # first column holding text
        for col in available:
            if isinstance(rows[0].get(col), str):
                return col
    raise WattprintError(f"no {kind} column found in dataset {name!r}",
                         f"choose one with --column; available columns: {', '.join(available)}")


def _extract(rows: list[dict[str, Any]], kind: str, column: str | None, name: str, base: Path) -> list[Any]:
    available = list(rows[0].keys())
    if kind in FIELDS:
        fields = FIELDS[kind]
        wanted = [c.strip() for c in column.split(",")] if column else [None] * len(fields)
        if len(wanted) != len(fields):
            raise WattprintError(f"this task needs {len(fields)} columns ({', '.join(fields)}), got {column!r}",
                                 f"pass --column {','.join(fields)}; available columns: {', '.join(available)}")
        cols = [_pick(available, w, CANDIDATES[f], rows, name, f) for w, f in zip(wanted, fields, strict=False)]
        return [{f: _as_text(r.get(c)) for f, c in zip(fields, cols, strict=False)} for r in rows]
    if kind in KINDS:
        registered = KINDS[kind]
        col = _pick(available, column, registered.candidates, rows, name, kind)
        return [registered.convert(r.get(col), base, name) for r in rows]
    col = _pick(available, column, CANDIDATES.get(kind, ("text",)), rows, name, kind)
    if kind == "image":
        return [_as_image(r.get(col), base, name) for r in rows]
    return [_as_text(r.get(col)) for r in rows]


def _as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):  # pre-tokenized datasets (conll2003 "tokens")
        return " ".join(str(v) for v in value)
    if isinstance(value, dict) and "text" in value:  # squad-style answers etc.
        return _as_text(value["text"])
    return str(value)


def _as_image(value: Any, base: Path, name: str) -> Any:
    import io

    from PIL import Image

    try:
        if isinstance(value, Image.Image):
            img = value
        elif isinstance(value, dict) and value.get("bytes"):
            img = Image.open(io.BytesIO(value["bytes"]))
        elif isinstance(value, dict) and value.get("path"):
            img = Image.open(_resolve(value["path"], base))
        elif isinstance(value, (bytes, bytearray)):
            img = Image.open(io.BytesIO(value))
        elif isinstance(value, str):
            img = Image.open(_resolve(value, base))
        else:
            raise WattprintError(f"cannot read an image from a {type(value).__name__} value in {name!r}",
                                 "the image column should hold images, image bytes or file paths")
        return img.convert("RGB")
    except OSError as exc:
        raise WattprintError(f"cannot open image in {name!r}: {exc}", "check the image files") from None


def _resolve(path: str, base: Path) -> Path:
    p = Path(path).expanduser()
    return p if p.is_absolute() else base / p


# -- reference columns (quality) -------------------------------------------------------------------------------


def load_columns(spec: DatasetSpec, n: int) -> tuple[list[str], list[dict[str, Any]], dict[str, list[str]]]:
    """(column names, the first ``n`` rows cycled to ``n``, class names per ClassLabel column) of a table dataset.

    The rows are the ones :func:`load_items` reads for the same ``spec`` and ``n``, in the same order, so row
    ``i`` holds the gold reference of item ``i``. Class names come from a Hub dataset's ``ClassLabel`` features
    (top level or a list of them, e.g. conll2003 ``ner_tags``); local files have none (labels are read as written).
    An image folder whose images sit in sub-folders (``root/cat/1.png``) has a ``label`` column: the sub-folder name.
    """
    if spec.name == "synthetic":
        raise WattprintError("synthetic data has no labels", "use a dataset with a label column")
    names: dict[str, list[str]] = {}
    if _looks_local(spec.name):
        path = Path(spec.name).expanduser()
        if path.is_dir():
            rows = _folder(path, "image")
            parents = [Path(r["image"]).parent for r in rows]
            if all(p != path for p in parents):  # images at the top level: no label column
                rows = [{**r, "label": p.name} for r, p in zip(rows, parents, strict=True)]
        else:
            rows = _read_table(path, n)
    else:
        rows = _read_hub(spec, n)
        names = _hub_class_names(spec)
    if not rows:
        raise WattprintError(f"dataset {spec.name!r} has no rows", "check the file, split or config")
    return list(rows[0].keys()), [rows[i % len(rows)] for i in range(n)], names


def check_local_columns(spec: DatasetSpec) -> list[str] | None:
    """The column names of a local dataset, checked now (before a model loads): a missing file or folder,
    or an item column ``spec.column`` it lacks, is a one-line error listing the columns there. Reads one
    row. None for synthetic data and Hub datasets (left to the run: a Hub dataset may need the network)."""
    if source_of(spec) != "local":
        return None
    path = _local_path(spec)
    available, _, _ = load_columns(spec, 1)
    if spec.column is not None and not path.is_dir():
        _require(available, spec.column, spec.name)
    return available


def _local_path(spec: DatasetSpec) -> Path:
    """A local dataset's file or folder; one line when it is missing."""
    path = Path(spec.name).expanduser()
    if not path.exists():
        raise WattprintError(f"dataset path not found: {spec.name}",
                             "give an existing CSV/JSONL/Parquet file or image folder, or use 'synthetic'")
    return path


def _require(available: Sequence[str], wanted: str, name: str) -> None:
    """One line when the column ``wanted`` is not among a dataset's ``available`` ones."""
    if wanted not in available:
        raise WattprintError(f"column {wanted!r} not in dataset {name!r}", f"available columns: {', '.join(available)}")


def _hub_class_names(spec: DatasetSpec) -> dict[str, list[str]]:
    try:
        import datasets

        loaded = datasets.load_dataset(spec.name, spec.config, split=spec.split)
        if isinstance(loaded, dict):
            loaded = next(loaded[s] for s in ("test", "validation", "train", *loaded) if s in loaded)
        out: dict[str, list[str]] = {}
        for col, feat in loaded.features.items():
            for f in (feat, getattr(feat, "feature", None)):
                if names := getattr(f, "names", None):
                    out[col] = list(names)
            if isinstance(feat, dict):  # e.g. cppe-5 "objects": {"category": ClassLabel list}
                for sub, f in feat.items():
                    inner = getattr(f, "feature", f)
                    if getattr(inner, "names", None):
                        out[f"{col}.{sub}"] = list(inner.names)
        return out
    except Exception:  # class names are a convenience; labels are then read as written
        return {}
