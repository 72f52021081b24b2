"""SQLite result store: one row per run, the full JSON document alongside.

WAL mode; every write is one transaction, so an interrupted run leaves either a
whole result or none. The path is ``--db``, else ``$WATTPRINT_DB``, else
``./wattprint.db``.
"""

from __future__ import annotations

import errno
import os
import shutil
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import get_args

from pydantic import ValidationError

from wattprint.errors import WattprintError
from wattprint.results.schema import RunResult

DEFAULT_DB = "wattprint.db"
#: How long a write waits for another process's lock on the store before it fails (s).
LOCK_TIMEOUT_S = 30.0
#: Free space the store's disk must have before a measurement starts (bytes): a result is ~10-100 kB.
MIN_FREE_BYTES = 1 << 20

_SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    run_id      TEXT PRIMARY KEY,
    config_hash TEXT NOT NULL,
    status      TEXT NOT NULL,
    origin      TEXT NOT NULL,
    task        TEXT NOT NULL,
    model       TEXT NOT NULL,
    dataset     TEXT NOT NULL,
    started_at  TEXT NOT NULL,
    wh_per_1k   REAL,
    doc         TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS runs_hash ON runs(config_hash, status);
CREATE INDEX IF NOT EXISTS runs_task ON runs(task, model);
"""


def resolve_db_path(db: str | os.PathLike[str] | None = None) -> Path:
    """``db`` if given, else ``$WATTPRINT_DB``, else ``./wattprint.db``."""
    return Path(db or os.environ.get("WATTPRINT_DB") or DEFAULT_DB)


class ResultStore:
    """Reads and writes :class:`RunResult` documents in one SQLite file."""

    def __init__(self, path: str | os.PathLike[str] | None = None) -> None:
        self.path = resolve_db_path(path)
        try:
            if self.path.parent and not self.path.parent.exists():
                self.path.parent.mkdir(parents=True, exist_ok=True)
            self._conn = sqlite3.connect(self.path, timeout=LOCK_TIMEOUT_S, isolation_level=None)
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.executescript(_SCHEMA)
        except (sqlite3.Error, OSError) as exc:
            raise store_error(self.path, exc) from exc

    @classmethod
    def existing(cls, path: str | os.PathLike[str] | None = None) -> ResultStore:
        """Open a store that must exist already (commands that only read): nothing is created.

        A missing path is a :class:`WattprintError` (a mistyped ``--db`` never makes folders or an empty store).
        """
        p = resolve_db_path(path)
        if not p.is_file():
            what = "is a folder, not a result store" if p.is_dir() else "does not exist"
            raise WattprintError(f"result store {p} {what}",
                                 "check --db / WATTPRINT_DB; runs are stored by wattprint run, sweep or import")
        return cls(p)

    def close(self) -> None:
        self._conn.close()

    @property
    def connection(self) -> sqlite3.Connection:
        """The open SQLite connection (autocommit), for result kinds with their own table
        (e.g. :class:`wattprint.results.serving.ServingStore`)."""
        return self._conn

    def __enter__(self) -> ResultStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        self._conn.execute("BEGIN IMMEDIATE")
        try:
            yield self._conn
        except BaseException:
            self._conn.execute("ROLLBACK")
            raise
        else:
            self._conn.execute("COMMIT")

    @staticmethod
    def _row(r: RunResult) -> tuple:
        return (
            r.run_id,
            r.config_hash,
            r.status,
            r.origin,
            r.config.task,
            r.config.model,
            r.config.dataset,
            r.started_at.isoformat(),
            r.summary.wh_per_1k_mean if r.summary else None,
            r.model_dump_json(),
        )

    def put(self, result: RunResult) -> None:
        """Insert or replace one run (one transaction)."""
        self.put_many([result])

    def put_many(self, results: Iterable[RunResult]) -> int:
        """Insert or replace several runs in ONE transaction: all or nothing."""
        rows = [self._row(r) for r in results]
        try:
            with self._tx() as c:
                c.executemany("INSERT OR REPLACE INTO runs VALUES (?,?,?,?,?,?,?,?,?,?)", rows)
        except (sqlite3.Error, OSError) as exc:  # locked beyond LOCK_TIMEOUT_S, read-only, disk full
            if self._conn.in_transaction:  # a failed COMMIT leaves it open
                try:
                    self._conn.execute("ROLLBACK")
                except sqlite3.Error:
                    pass
            raise store_error(self.path, exc) from exc
        return len(rows)

    def get(self, run_id: str) -> RunResult:
        """One run by id or unique id prefix."""
        rows = self._conn.execute(  # a plain prefix: '%' and '_' are characters here, not LIKE wildcards
            "SELECT doc FROM runs WHERE substr(run_id, 1, ?) = ? LIMIT 2", (len(run_id), run_id)
        ).fetchall()
        if not rows:
            raise WattprintError(f"no run {run_id!r} in {self.path}", "list runs: wattprint results list")
        if len(rows) > 1:
            raise WattprintError(f"run id prefix {run_id!r} is ambiguous", "give more characters")
        return self._parse(rows[0][0])

    def list(
        self,
        task: str | None = None,
        model: str | None = None,
        status: str | None = None,
        origin: str | None = None,
    ) -> list[RunResult]:
        """Runs matching all given filters, oldest first; a status or origin that cannot exist is an error."""
        for option, val in (("status", status), ("origin", origin)):
            allowed = get_args(RunResult.model_fields[option].annotation)
            if val is not None and val not in allowed:
                raise WattprintError(f"unknown --{option} {val!r}", f"use one of: {', '.join(allowed)}")
        where, args = [], []
        for col, val in (("task", task), ("model", model), ("status", status), ("origin", origin)):
            if val is not None:
                where.append(f"{col} = ?")
                args.append(val)
        sql = "SELECT doc FROM runs"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY started_at, run_id"
        return [self._parse(d) for (d,) in self._conn.execute(sql, args)]

    def has_ok(self, config_hash: str) -> bool:
        """True when a successful run with this config hash is stored (for resume)."""
        row = self._conn.execute(
            "SELECT 1 FROM runs WHERE config_hash = ? AND status = 'ok' LIMIT 1", (config_hash,)
        ).fetchone()
        return row is not None

    def has_run(self, run_id: str) -> bool:
        """True when a run with exactly this id is stored."""
        return self._conn.execute("SELECT 1 FROM runs WHERE run_id = ?", (run_id,)).fetchone() is not None

    def check_writable(self) -> None:
        """Raise :class:`WattprintError` (the cause in one line) unless a result can be written now.

        A write transaction that is rolled back (a read-only file or mount fails it; another
        process's lock makes it wait up to :data:`LOCK_TIMEOUT_S` s, then fail) and at least
        :data:`MIN_FREE_BYTES` free on the store's disk. Call it before measuring.
        """
        try:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                self._conn.execute("DELETE FROM runs WHERE run_id = ?", ("\x00wattprint-write-probe",))
            finally:
                self._conn.execute("ROLLBACK")
        except (sqlite3.Error, OSError) as exc:
            raise store_error(self.path, exc) from exc
        free = _free_bytes(self.path.resolve().parent)
        if free < MIN_FREE_BYTES:
            raise store_error(self.path, OSError(errno.ENOSPC, f"{free} bytes free"))

    def count(self) -> int:
        return self._conn.execute("SELECT COUNT(*) FROM runs").fetchone()[0]

    def delete(self, run_id: str) -> None:
        with self._tx() as c:
            c.execute("DELETE FROM runs WHERE run_id = ?", (run_id,))

    def _parse(self, doc: str) -> RunResult:
        try:
            return RunResult.model_validate_json(doc)
        except ValidationError as exc:
            raise WattprintError(
                f"stored run in {self.path} does not match schema v{RunResult.model_fields['schema_version'].default}: "
                f"{exc.errors()[0]['msg']}",
                "re-run it, or open the store with the wattprint version that wrote it",
            ) from exc


def store_error(path: Path, exc: BaseException) -> WattprintError:
    """The one-line error, with the right hint, for a store that cannot be opened or written."""
    text = str(exc)
    low = text.lower()
    err = getattr(exc, "errno", None)
    if "locked" in low or "busy" in low:
        return WattprintError(
            f"result store {path} is locked by another process (waited {LOCK_TIMEOUT_S:g} s)",
            "wait for the other process writing it to finish, or use another --db",
        )
    folder = path.parent if str(path.parent) else Path(".")
    no_space = WattprintError(f"no space left on the disk of the result store {path} ({text})",
                              "free some space, or point --db / WATTPRINT_DB at another disk")
    if "full" in low or err == errno.ENOSPC:
        return no_space
    if path.is_dir():
        return WattprintError(f"result store {path} is a directory", f"give a file path, e.g. --db {path / DEFAULT_DB}")
    if "readonly" in low or "read-only" in low or err in (errno.EROFS, errno.EACCES, errno.EPERM) or (
        folder.exists() and not os.access(folder, os.W_OK)) or (path.exists() and not os.access(path, os.W_OK)):
        return WattprintError(f"result store {path} is read-only (a read-only file, folder or mount)",
                              "make it writable, or point --db / WATTPRINT_DB at a writable path")
    if "not a database" in low or "malformed" in low or "encrypted" in low:
        return WattprintError(f"{path} is not a wattprint SQLite file ({text})",
                              "point --db or WATTPRINT_DB at a wattprint SQLite file, or a new path")
    if _free_bytes(folder) < MIN_FREE_BYTES:  # a full disk can also show as "disk I/O error"
        return no_space
    return WattprintError(f"cannot use result store {path}: {text}",
                          "check the path, its folder's permissions and free space, or use another --db")


def _free_bytes(folder: Path) -> int:
    """Free bytes on the disk holding ``folder`` (a large number when that cannot be told)."""
    try:
        return shutil.disk_usage(folder).free
    except OSError:
        return 1 << 62
