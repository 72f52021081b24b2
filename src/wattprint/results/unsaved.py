"""Results the store could not take: checked for before measuring, kept in a file, brought back later.

A finished measurement is never lost. Before a run, :func:`check_store_writable` fails in one
line when the store cannot be written (a text file, a directory, a read-only file or mount, a
full disk, a lock held by another process beyond :data:`~wattprint.results.store.LOCK_TIMEOUT_S`).
If writing still fails after the run, :func:`save_result` writes the result JSON to a fallback
file, the first writable of: beside the store, the current directory, ``$WATTPRINT_CACHE``, the
temporary directory, and says where; :func:`import_result_files` (``wattprint import results
FILE...``) brings such files back, validated, idempotent by run id.
"""

from __future__ import annotations

import errno
import os
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from wattprint.errors import WattprintError
from wattprint.results.atomic import write_text_atomic
from wattprint.results.files import check_result, read_result_json
from wattprint.results.schema import RunResult
from wattprint.results.store import ResultStore, resolve_db_path, store_error

#: File name prefix of a result the store could not take: ``wattprint-unsaved-<run_id>.json``.
FALLBACK_PREFIX = "wattprint-unsaved-"


@dataclass
class SaveOutcome:
    """Where a result went: into the store ``db`` (``stored``), or to the ``fallback`` file, with
    the store's error (one line) and its hint."""

    db: Path
    stored: bool
    fallback: Path | None = None
    error: str = ""
    hint: str = ""

    @property
    def import_command(self) -> str:
        """The command that brings the fallback file into the store."""
        return f"wattprint import results {self.fallback} --db {self.db}"


def check_store_writable(db: str | os.PathLike[str] | None) -> Path:
    """Open (creating if needed) the store and check a result can be written now; returns its path.

    Raises :class:`WattprintError` with the cause (read-only, locked, full, not a store) and a hint.
    """
    with ResultStore(db) as store:
        store.check_writable()
        return store.path


def check_store_path(db: str | os.PathLike[str] | None) -> None:
    """Like :func:`check_store_writable`, but creates nothing: for a command that makes its store only once
    it has something to store (``serve-bench``, after the endpoint answers).

    An existing store is opened and probed with a rolled-back write; a new one needs its nearest
    existing folder to be a writable folder. Raises :class:`WattprintError` with the cause.
    """
    path = resolve_db_path(db)
    if path.exists():
        check_store_writable(path)
        return
    folder = path.parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    if not folder.is_dir():
        raise WattprintError(f"cannot use result store {path}: {folder} is a file, not a folder",
                             "check --db / WATTPRINT_DB")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise store_error(path, OSError(errno.EACCES, f"{folder} is not writable"))


def fallback_dirs(db: Path) -> list[Path]:
    """Folders tried, in order, for a result the store could not take."""
    dirs = [db.parent if str(db.parent) else Path("."), Path.cwd()]
    cache = os.environ.get("WATTPRINT_CACHE")
    if cache:
        dirs.append(Path(cache))
    dirs.append(Path(tempfile.gettempdir()))
    seen: set[str] = set()
    out: list[Path] = []
    for d in dirs:
        key = os.path.realpath(d)
        if key not in seen:
            seen.add(key)
            out.append(d)
    return out


def write_fallback(result: RunResult, db: Path) -> Path:
    """Write ``result`` to ``wattprint-unsaved-<run_id>.json`` in the first folder of
    :func:`fallback_dirs` that takes it whole (:func:`~wattprint.results.atomic.write_text_atomic`:
    never a partial file); raises :class:`WattprintError` naming every folder tried if none does."""
    text = result.model_dump_json(indent=2)
    tried: list[str] = []
    for d in fallback_dirs(db):
        try:
            return write_text_atomic(d / f"{FALLBACK_PREFIX}{result.run_id}.json", text)
        except WattprintError as exc:
            tried.append(exc.message)
    raise WattprintError(
        f"result {result.run_id} could not be written to the store nor to any fallback file ({'; '.join(tried)})",
        "free some disk space; with --json the result is also printed on stdout",
    )


def store_or_fallback(store: ResultStore, result: RunResult) -> SaveOutcome:
    """Put ``result`` into the open ``store``; if that fails, write it to a fallback file."""
    try:
        store.put(result)
        return SaveOutcome(store.path, True)
    except WattprintError as exc:
        return SaveOutcome(store.path, False, write_fallback(result, store.path), exc.message, exc.hint)


def save_result(result: RunResult, db: str | os.PathLike[str] | None) -> SaveOutcome:
    """Open the store ``db`` and put ``result``; any failure leaves it in a fallback file instead."""
    path = resolve_db_path(db)
    try:
        store = ResultStore(db)
    except WattprintError as exc:
        return SaveOutcome(path, False, write_fallback(result, path), exc.message, exc.hint)
    with store:
        return store_or_fallback(store, result)


@dataclass
class ImportOutcome:
    """What :func:`import_result_files` did: run ids stored now, run ids already stored (left as
    they are), and files rejected with the reason."""

    imported: list[str] = field(default_factory=list)
    already: list[str] = field(default_factory=list)
    rejected: list[tuple[Path, str]] = field(default_factory=list)


def _files(paths: Iterable[str | os.PathLike[str]]) -> list[Path]:
    out: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            out.extend(sorted(p.glob("*.json")))
        elif p.exists():
            out.append(p)
        else:
            raise WattprintError(f"no such file or folder: {p}", "give result JSON files or folders holding them")
    return out


def import_result_files(paths: Iterable[str | os.PathLike[str]], store: ResultStore) -> ImportOutcome:
    """Bring result JSON files (fallback files, ``--out`` folders) into ``store``.

    Each file must match the result schema and be internally consistent
    (:func:`~wattprint.results.files.check_result`); a run id already stored is left as it is
    (importing twice changes nothing). Everything accepted is stored in one transaction.
    """
    outcome = ImportOutcome()
    todo: dict[str, RunResult] = {}
    for path in _files(paths):
        try:
            result = read_result_json(path)
        except WattprintError as exc:
            outcome.rejected.append((path, exc.message))
            continue
        except ValueError as exc:  # not UTF-8
            outcome.rejected.append((path, f"{path.name}: not a UTF-8 JSON file ({type(exc).__name__})"))
            continue
        problems = check_result(result)
        if problems:
            outcome.rejected.append((path, f"{path.name}: {problems[0]}"))
        elif store.has_run(result.run_id) or result.run_id in todo:
            outcome.already.append(result.run_id)
        else:
            todo[result.run_id] = result
    if todo:
        store.put_many(todo.values())
        outcome.imported.extend(todo)
    return outcome
