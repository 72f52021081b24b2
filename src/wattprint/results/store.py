"""SQLite result store: one row per run, the full JSON document alongside.

WAL mode; every write is one transaction, so an interrupted run leaves either a
whole result or none. The path is ``--db``, else ``$WATTPRINT_DB``, else
``./wattprint.db``.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import get_args

from pydantic import ValidationError

from wattprint.errors import WattprintError
from wattprint.results.schema import RunResult

DEFAULT_DB = "wattprint.db"

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
        if self.path.parent and not self.path.parent.exists():
            self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._conn = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.executescript(_SCHEMA)
        except sqlite3.DatabaseError as exc:
            raise WattprintError(
                f"cannot open result store {self.path}: {exc}",
                "point --db or WATTPRINT_DB at a wattprint SQLite file, or a new path",
            ) from exc

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
        with self._tx() as c:
            c.executemany("INSERT OR REPLACE INTO runs VALUES (?,?,?,?,?,?,?,?,?,?)", rows)
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
