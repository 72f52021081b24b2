"""SQLite result store: typed columns for what is filtered and aggregated, the document beside.

One row per run. The columns hold what queries filter, group and aggregate (task,
model, dataset, hardware, origin, status, Wh per 1,000 inferences and its interval,
energy per component family, duration per inference, inferences, parameters, the
carbon factor); the full :class:`RunResult` JSON document is kept beside them,
zlib-compressed against a shared dictionary (``codecs``), for what is only shown.
Repeated text is stored once: carbon factors (all but the intensity) in ``carbon_factors``, the names and
provenance labels of a run's detail in ``shapes`` (see :mod:`wattprint.results.columns`).

The store *layout* is versioned apart from the document schema, in
``PRAGMA user_version``: 0 is the first layout (``runs`` with the JSON text beside a
few columns), :data:`LAYOUT_VERSION` is this one. An older store is migrated in
place on first open, in one transaction (every row re-read and re-written; any
unreadable row aborts the migration and leaves the store as it was); a store of a
newer layout is refused with a clear message, never misread.

WAL mode; every write is one transaction, so an interrupted run or import (a
signal, a full disk) leaves either all of its results or none. The path is
``--db``, else ``$WATTPRINT_DB``, else ``./wattprint.db``.
"""

from __future__ import annotations

import builtins
import errno
import json
import os
import shutil
import sqlite3
import struct
import zlib
from array import array
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from itertools import accumulate, islice, repeat
from math import nan
from operator import rshift
from pathlib import Path
from typing import Any, get_args

from pydantic import ValidationError

from wattprint.carbon.factor import CarbonInfo
from wattprint.errors import WattprintError
from wattprint.results.columns import RunColumns, RunShape, StoredBatch, StoredRun, hardware_of, shape_of
from wattprint.results.schema import RunResult

DEFAULT_DB = "wattprint.db"
#: How long a write waits for another process's lock on the store before it fails (s).
LOCK_TIMEOUT_S = 30.0
#: Free space the store's disk must have before a measurement starts (bytes): a result is ~10-100 kB.
MIN_FREE_BYTES = 1 << 20

#: the store layout written by this code (PRAGMA user_version); the document schema is versioned apart
LAYOUT_VERSION = 2
#: bytes per SQLite page of a new store: a run's row is ~850 bytes, and 4 KiB pages left a fifth unused
PAGE_SIZE = 16384
#: runs written per executemany inside a put_many transaction (memory stays flat for any count)
BATCH = 2000
#: a stored run's record at least this long (bytes: a task log's phases, file names) is compressed
COMPRESS_RECORD_AT = 200
#: SQLite page cache while a large import writes (negative: KiB): its index inserts land at random pages
IMPORT_CACHE_KIB = -131_072
#: a put_many of at least this many runs trains a new compression dictionary on its first document
NEW_CODEC_AT = 64

_LAYOUT = """
CREATE TABLE runs (
    run_id           TEXT PRIMARY KEY,
    config_hash      TEXT NOT NULL,
    status           TEXT NOT NULL,
    origin           TEXT NOT NULL,
    task             TEXT NOT NULL,
    model            TEXT NOT NULL,
    dataset          TEXT NOT NULL,
    dataset_config   TEXT,
    hardware         TEXT NOT NULL,
    started_at       TEXT NOT NULL,
    wh_per_1k        REAL,
    wh_ci95_low      REAL,
    wh_ci95_high     REAL,
    bounds_low       REAL,
    bounds_high      REAL,
    measured_share   REAL,
    cpu_wh_per_1k    REAL,
    gpu_wh_per_1k    REAL,
    ram_wh_per_1k    REAL,
    s_per_inference  REAL,
    inferences       INTEGER NOT NULL,
    parameters       INTEGER,
    output_tokens_pi REAL,
    intensity_g_per_kwh REAL,
    pue              REAL,
    factor_id        INTEGER,
    audited_share    REAL NOT NULL,
    timed            INTEGER NOT NULL,
    quality          INTEGER NOT NULL,
    shape_id         INTEGER NOT NULL,
    shape_values     BLOB NOT NULL,
    codec_id         INTEGER NOT NULL,
    doc              BLOB NOT NULL,
    source_id        INTEGER
);
CREATE TABLE sources (id INTEGER PRIMARY KEY, doc TEXT NOT NULL UNIQUE);
CREATE TABLE carbon_factors (id INTEGER PRIMARY KEY, doc TEXT NOT NULL UNIQUE);
CREATE TABLE shapes (id INTEGER PRIMARY KEY, doc TEXT NOT NULL UNIQUE);
CREATE TABLE codecs (id INTEGER PRIMARY KEY, zdict BLOB NOT NULL);
CREATE INDEX runs_hash ON runs(config_hash, status);
CREATE INDEX runs_task ON runs(task, model);
CREATE INDEX runs_started ON runs(started_at, run_id);
"""
_COLS = 34
#: what a document is read from: a compressed JSON document, or (source_id set) a stored import row
_DOC_COLS = "codec_id, doc, source_id, run_id, parameters"
_INSERT = f"INSERT OR REPLACE INTO runs VALUES ({','.join('?' * _COLS)})"


def resolve_db_path(db: str | os.PathLike[str] | None = None) -> Path:
    """``db`` if given, else ``$WATTPRINT_DB``, else ``./wattprint.db``."""
    return Path(db or os.environ.get("WATTPRINT_DB") or DEFAULT_DB)


def _family_sums(comps: dict[str, float]) -> tuple[float | None, float | None, float | None]:
    """Wh per 1,000 of the cpu*, gpu* and ram/dram* components (None when the run has none)."""
    out: dict[str, float] = {}
    for name, v in comps.items():
        fam = name.split(":", 1)[0].lower()
        fam = "ram" if fam in ("ram", "dram") else fam
        if fam in ("cpu", "gpu", "ram"):
            out[fam] = out.get(fam, 0.0) + v
    return out.get("cpu"), out.get("gpu"), out.get("ram")


def _fill(column: array[Any], values: Sequence[Any]) -> None:
    """Append ``values`` to ``column``: packed by :mod:`struct` in one C call (4x faster than
    ``array.extend`` of a tuple); a value that does not pack (None) fails as ``extend`` would."""
    try:
        column.frombytes(struct.pack(f"{len(values)}{column.typecode}", *values))
    except struct.error:
        column.extend(values)


def _spread(column: array[Any], values: list[Any], codes: array[int]) -> None:
    """Append ``values[code]`` for each of ``codes`` to ``column`` (one value for all: one copy, no loop)."""
    if len(set(values)) == 1:
        column.extend(array(column.typecode, values[:1]) * len(codes))
    else:
        _fill(column, list(map(values.__getitem__, codes)))


class _Codes(dict[str, int]):
    """Text -> its code in ``texts``, a new text appended (and coded) the first time it is looked up."""

    def __init__(self, texts: list[str]) -> None:
        super().__init__()
        self.texts = texts

    def __missing__(self, value: str) -> int:
        code = self[value] = len(self.texts)
        self.texts.append(value)
        return code


class ResultStore:
    """Reads and writes :class:`RunResult` documents in one SQLite file."""

    def __init__(self, path: str | os.PathLike[str] | None = None) -> None:
        self.path = resolve_db_path(path)
        self._factor_ids: dict[str, int] = {}
        self._shape_ids: dict[str, int] = {}
        self._factor_by_values: dict[tuple[object, ...], int] = {}  # the same ids, looked up without writing JSON
        self._shape_by_value: dict[RunShape, int] = {}
        self._codecs: dict[int, bytes] = {}
        self._compressors: dict[int, Any] = {}
        self._source_ids: dict[str, int] = {}
        self._sources: dict[int, str] = {}  # id -> text, for rebuilding documents
        self._by_object: dict[int, tuple[object, int]] = {}  # id() of a shared factor or shape -> (it, its id)
        self._record_codec: int | None = None  # put_stored's dictionary for long records (codecs)
        try:
            if self.path.parent and not self.path.parent.exists():
                self.path.parent.mkdir(parents=True, exist_ok=True)
            self._conn = sqlite3.connect(self.path, timeout=LOCK_TIMEOUT_S, isolation_level=None)
            self._conn.execute(f"PRAGMA page_size = {PAGE_SIZE}")  # only takes effect on a new file
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._open_layout()
        except WattprintError:  # a newer layout, or a migration that could not read a row
            self._conn.close()
            raise
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

    # -- layout ---------------------------------------------------------------------------------

    def _version(self) -> int:
        return int(self._conn.execute("PRAGMA user_version").fetchone()[0])

    def _check_not_newer(self, version: int) -> None:
        if version > LAYOUT_VERSION:
            raise WattprintError(
                f"result store {self.path} has layout v{version}, written by a newer wattprint "
                f"(this one reads up to v{LAYOUT_VERSION})",
                "upgrade wattprint (pip install -U wattprint) or use another --db",
            )

    def _open_layout(self) -> None:
        version = self._version()
        self._check_not_newer(version)
        if version == LAYOUT_VERSION:
            return
        with self._tx() as c:
            version = self._version()  # another process may have migrated meanwhile
            self._check_not_newer(version)
            if version == LAYOUT_VERSION:
                return
            has_runs = c.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name='runs'").fetchone()
            if has_runs and version == 1:
                self._migrate_from_1(c)
            elif has_runs:
                self._migrate_from_0(c)
            else:
                for stmt in _LAYOUT.split(";"):
                    if stmt.strip():
                        c.execute(stmt)
            c.execute(f"PRAGMA user_version = {LAYOUT_VERSION}")

    def _migrate_from_1(self, c: sqlite3.Connection) -> None:
        """Layout 1 to 2: imported runs may be stored without their document (``sources``, ``source_id``).
        No row is rewritten: every layout-1 row keeps its compressed document."""
        c.execute("ALTER TABLE runs ADD COLUMN source_id INTEGER")
        c.execute("CREATE TABLE sources (id INTEGER PRIMARY KEY, doc TEXT NOT NULL UNIQUE)")
        c.execute("CREATE INDEX runs_started ON runs(started_at, run_id)")

    def _migrate_from_0(self, c: sqlite3.Connection) -> None:
        """Layout 0 (``runs``: a few text columns and the JSON document) to this layout, every row kept."""
        cols = {row[1] for row in c.execute("PRAGMA table_info(runs)")}
        if "doc" not in cols or "run_id" not in cols:
            raise WattprintError(f"{self.path} has a 'runs' table that is not a wattprint result store",
                                 "point --db or WATTPRINT_DB at a wattprint SQLite file, or a new path")
        c.execute("ALTER TABLE runs RENAME TO runs_layout0")
        for idx in ("runs_hash", "runs_task", "runs_started"):
            c.execute(f"DROP INDEX IF EXISTS {idx}")
        for stmt in _LAYOUT.split(";"):
            if stmt.strip():
                c.execute(stmt)
        old = c.execute("SELECT COUNT(*) FROM runs_layout0").fetchone()[0]
        cur = c.execute("SELECT doc FROM runs_layout0 ORDER BY started_at, run_id")
        self._write(c, (self._parse(doc) for (doc,) in cur), new_codec=old >= NEW_CODEC_AT)
        new = c.execute("SELECT COUNT(*) FROM runs").fetchone()[0]
        if new != old:
            raise WattprintError(f"migrating {self.path}: {old} runs read, {new} written (duplicate run ids?)",
                                 "nothing was changed; report this with the store file")
        c.execute("DROP TABLE runs_layout0")

    # -- plumbing -------------------------------------------------------------------------------

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
            if self._conn.in_transaction:  # SQLite may have rolled back already (a full disk does)
                self._conn.execute("ROLLBACK")
            self._factor_ids.clear()
            self._shape_ids.clear()
            self._factor_by_values.clear()
            self._shape_by_value.clear()
            self._codecs.clear()
            self._compressors.clear()
            self._source_ids.clear()
            self._by_object.clear()
            raise
        else:
            self._conn.execute("COMMIT")

    def _intern(self, c: sqlite3.Connection, table: str, cache: dict[str, int], doc: str) -> int:
        got = cache.get(doc)
        if got is None:
            c.execute(f"INSERT OR IGNORE INTO {table}(doc) VALUES (?)", (doc,))
            got = c.execute(f"SELECT id FROM {table} WHERE doc = ?", (doc,)).fetchone()[0]
            cache[doc] = got
        return got

    def _zdict(self, codec_id: int) -> bytes:
        z = self._codecs.get(codec_id)
        if z is None:
            row = self._conn.execute("SELECT zdict FROM codecs WHERE id = ?", (codec_id,)).fetchone()
            if row is None:
                raise WattprintError(f"result store {self.path} is damaged: compression dictionary {codec_id} "
                                     "is missing", "restore the file from a backup")
            z = self._codecs[codec_id] = bytes(row[0])
        return z

    def _encode(self, codec_id: int, doc: bytes) -> bytes:
        primed = self._compressors.get(codec_id)
        if primed is None:  # a compressor primed with the dictionary, copied per document (cheaper)
            primed = zlib.compressobj(9, zlib.DEFLATED, 15, 8, zlib.Z_DEFAULT_STRATEGY, self._zdict(codec_id))
            self._compressors[codec_id] = primed
        co = primed.copy()
        return co.compress(doc) + co.flush()

    def _inflate(self, codec_id: int, blob: bytes) -> bytes:
        try:
            do = zlib.decompressobj(15, self._zdict(codec_id))
            return do.decompress(blob) + do.flush()
        except zlib.error as exc:
            raise WattprintError(f"result store {self.path}: a stored document is damaged ({exc})",
                                 "restore the file from a backup, or delete that run") from exc

    def _decode(self, codec_id: int, blob: bytes) -> str:
        try:
            return self._inflate(codec_id, blob).decode("utf-8")
        except UnicodeDecodeError as exc:
            raise WattprintError(f"result store {self.path}: a stored document is damaged ({exc})",
                                 "restore the file from a backup, or delete that run") from exc

    def _row(self, c: sqlite3.Connection, r: RunResult, codec_id: int) -> tuple[Any, ...]:
        s = r.summary
        factor_id = None
        if r.carbon is not None:
            fkey = tuple(v for k, v in r.carbon if k != "intensity_g_per_kwh")  # its fields' values, in order
            factor_id = self._factor_by_values.get(fkey)
            if factor_id is None:
                factor = r.carbon.model_dump(mode="json", exclude={"intensity_g_per_kwh"})
                factor_id = self._intern(c, "carbon_factors", self._factor_ids, json.dumps(factor, sort_keys=True))
                self._factor_by_values[fkey] = factor_id
        shape, values = shape_of(r)
        shape_id = self._shape_by_value.get(shape)
        if shape_id is None:
            shape_id = self._shape_by_value[shape] = self._intern(c, "shapes", self._shape_ids,
                                                                  json.dumps(shape.to_json()))
        cpu, gpu, ram = _family_sums(s.components_wh_per_1k) if s else (None, None, None)
        bounds = s.provenance_bounds_wh_per_1k if s else None
        return (
            r.run_id, r.config_hash, r.status, r.origin, r.config.task, r.config.model, r.config.dataset,
            r.config.dataset_config, hardware_of(r), r.started_at.isoformat(),
            s.wh_per_1k_mean if s else None,
            s.wh_per_1k_ci95.low if s else None,
            s.wh_per_1k_ci95.high if s else None,
            bounds.low if bounds else None,
            bounds.high if bounds else None,
            s.measured_share if s else None,
            cpu, gpu, ram,
            s.seconds_per_inference if s else None,
            sum(rep.inferences for rep in r.repeats),
            r.model_info.parameters if r.model_info else None,
            s.counts_per_inference.get("output_tokens") if s else None,
            r.carbon.intensity_g_per_kwh if r.carbon else None,
            r.carbon.pue if r.carbon else None,
            factor_id,
            min(1.0, sum(f.share for f in r.audit)),
            int(r.carbon_timed is not None),
            int(bool(r.quality)),
            shape_id, values.tobytes(), codec_id,
            self._encode(codec_id, r.model_dump_json().encode("utf-8")),
            None,
        )

    def _write(self, c: sqlite3.Connection, results: Iterable[RunResult], new_codec: bool) -> int:
        it = iter(results)
        first = next(it, None)
        if first is None:
            return 0
        row = c.execute("SELECT MAX(id) FROM codecs").fetchone()
        codec_id = row[0]
        if codec_id is None or new_codec:
            cur = c.execute("INSERT INTO codecs(zdict) VALUES (?)", (first.model_dump_json().encode("utf-8"),))
            codec_id = cur.lastrowid
        n = 0
        chunk: list[RunResult] = [first]
        while chunk:
            c.executemany(_INSERT, [self._row(c, r, codec_id) for r in chunk])
            n += len(chunk)
            chunk = list(islice(it, BATCH))
        return n

    def _object_id(self, c: sqlite3.Connection, obj: Any, table: str) -> int:
        """The id of a shared carbon factor (``carbon_factors``) or shape (``shapes``), looked up by identity."""
        got = self._by_object.get(id(obj))
        if got is not None:
            return got[1]
        if table == "shapes":
            oid = self._shape_by_value.get(obj)
            if oid is None:
                oid = self._shape_by_value[obj] = self._intern(c, "shapes", self._shape_ids, json.dumps(obj.to_json()))
        else:
            fkey = tuple(v for k, v in obj if k != "intensity_g_per_kwh")
            oid = self._factor_by_values.get(fkey)
            if oid is None:
                factor = obj.model_dump(mode="json", exclude={"intensity_g_per_kwh"})
                oid = self._intern(c, "carbon_factors", self._factor_ids, json.dumps(factor, sort_keys=True))
                self._factor_by_values[fkey] = oid
        self._by_object[id(obj)] = (obj, oid)  # holding obj keeps its id() from being reused
        return oid

    def _stored_row(self, c: sqlite3.Connection, r: StoredRun) -> tuple[Any, ...]:
        codec_id, record = 0, r.record
        if len(record) >= COMPRESS_RECORD_AT:  # a run of several rows, file names: compressed (0: as is)
            if self._record_codec is None:
                self._record_codec = c.execute("INSERT INTO codecs(zdict) VALUES (?)", (record,)).lastrowid
            assert self._record_codec is not None
            codec_id = self._record_codec
            record = self._encode(codec_id, record)
        return (
            *r[:25], None if r.factor is None else self._object_id(c, r.factor, "carbon_factors"),
            r.audited_share, 0, 0, self._object_id(c, r.shape, "shapes"), r.values, codec_id, record,
            self._intern(c, "sources", self._source_ids, r.source),
        )

    def _batch_rows(self, c: sqlite3.Connection, b: StoredBatch) -> Iterator[tuple[Any, ...]]:
        source_id = self._intern(c, "sources", self._source_ids, b.source)
        factor_id = None if b.factor is None else self._object_id(c, b.factor, "carbon_factors")
        return zip(*b.columns, repeat(factor_id), b.audited_share, repeat(0), repeat(0),
                   repeat(self._object_id(c, b.shape, "shapes")), b.values, repeat(0), b.records, repeat(source_id))

    def _load(self, codec_id: int, doc: bytes, source_id: int | None, run_id: str,
              parameters: int | None) -> RunResult:
        """A stored run's document: decompressed, or rebuilt by its importer from its stored fields."""
        if source_id is None:
            return self._parse(self._decode(codec_id, doc))
        text = self._sources.get(source_id)
        if text is None:
            row = self._conn.execute("SELECT doc FROM sources WHERE id = ?", (source_id,)).fetchone()
            if row is None:
                raise WattprintError(f"result store {self.path} is damaged: the source of run {run_id} is missing",
                                     "restore the file from a backup")
            text = self._sources[source_id] = row[0]
        from wattprint.results.importers.codecarbon_stored import rebuild

        try:
            return rebuild(text, bytes(doc) if codec_id == 0 else self._inflate(codec_id, doc), run_id, parameters)
        except (ValueError, KeyError, TypeError, IndexError, struct.error) as exc:
            raise WattprintError(f"result store {self.path}: stored run {run_id} cannot be read ({exc})",
                                 "open the store with the wattprint version that wrote it") from exc

    # -- public API -----------------------------------------------------------------------------

    def put_stored(self, runs: Iterable[StoredRun | StoredBatch]) -> int:
        """Insert or replace runs given as columns (:class:`StoredRun`, a large import) in ONE transaction:
        all or nothing, memory flat for any count (batches of :data:`BATCH`), like :meth:`put_many`."""
        self._record_codec = None  # made by the first record long enough to compress
        cache = self._conn.execute("PRAGMA cache_size").fetchone()[0]
        self._conn.execute(f"PRAGMA cache_size = {IMPORT_CACHE_KIB}")  # random run ids: index pages stay cached
        try:
            with self._tx() as c:
                n = 0
                rows: list[tuple[Any, ...]] = []
                for r in runs:
                    if isinstance(r, StoredBatch):
                        c.executemany(_INSERT, self._batch_rows(c, r))
                        n += len(r.run_ids)
                        continue
                    rows.append(self._stored_row(c, r))
                    if len(rows) >= BATCH:
                        c.executemany(_INSERT, rows)
                        n += len(rows)
                        rows.clear()
                c.executemany(_INSERT, rows)
                return n + len(rows)
        except (sqlite3.Error, OSError) as exc:
            if self._conn.in_transaction:
                try:
                    self._conn.execute("ROLLBACK")
                except sqlite3.Error:
                    pass
            raise store_error(self.path, exc) from exc
        finally:
            self._conn.execute(f"PRAGMA cache_size = {int(cache)}")

    def put(self, result: RunResult) -> None:
        """Insert or replace one run (one transaction)."""
        self.put_many([result])

    def put_many(self, results: Iterable[RunResult]) -> int:
        """Insert or replace runs in ONE transaction: all or nothing.

        ``results`` may be a generator: it is consumed in batches of :data:`BATCH`, so
        memory stays flat however many runs it yields; an exception it raises (a bad
        row, Ctrl-C), a lock held too long, a read-only file or a full disk rolls everything back.
        """
        try:
            if not isinstance(results, (list, tuple)):
                with self._tx() as c:
                    return self._write(c, results, new_codec=True)
            with self._tx() as c:
                return self._write(c, results, new_codec=len(results) >= NEW_CODEC_AT)
        except (sqlite3.Error, OSError) as exc:  # locked beyond LOCK_TIMEOUT_S, read-only, disk full
            if self._conn.in_transaction:  # a failed COMMIT leaves it open
                try:
                    self._conn.execute("ROLLBACK")
                except sqlite3.Error:
                    pass
            raise store_error(self.path, exc) from exc

    def get(self, run_id: str) -> RunResult:
        """One run by id or unique id prefix (a plain prefix: no wildcards; the run_id index serves it)."""
        rows = self._conn.execute(
            f"SELECT {_DOC_COLS} FROM runs WHERE run_id >= ? AND run_id < ? LIMIT 2",
            (run_id, run_id + "\U0010ffff"),
        ).fetchall()
        if not rows:
            raise WattprintError(f"no run {run_id!r} in {self.path}", "list runs: wattprint results list")
        if len(rows) > 1:
            raise WattprintError(f"run id prefix {run_id!r} is ambiguous", "give more characters")
        return self._load(*rows[0])

    @staticmethod
    def _where(**filters: str | None) -> tuple[str, list[str]]:
        for option in ("status", "origin"):  # a value that cannot exist is an error, not "no runs"
            val = filters.get(option)
            allowed = get_args(RunResult.model_fields[option].annotation)
            if val is not None and val not in allowed:
                raise WattprintError(f"unknown --{option} {val!r}", f"use one of: {', '.join(allowed)}")
        where, args = [], []
        for col, val in filters.items():
            if val is not None:
                where.append(f"{col} = ?")
                args.append(val)
        return (" WHERE " + " AND ".join(where)) if where else "", args

    def list(
        self,
        task: str | None = None,
        model: str | None = None,
        status: str | None = None,
        origin: str | None = None,
        limit: int | None = None,
    ) -> list[RunResult]:
        """Runs matching all given filters, oldest first; with ``limit``, only the latest ``limit`` of them.

        Whole documents are parsed: for figures over many runs use :meth:`columns`.
        A status or origin that cannot exist is an error."""
        where, args = self._where(task=task, model=model, status=status, origin=origin)
        rows: Iterable[Any]
        if limit is not None:
            sql = f"SELECT {_DOC_COLS} FROM runs{where} ORDER BY started_at DESC, run_id DESC LIMIT ?"
            rows = self._conn.execute(sql, [*args, max(0, limit)]).fetchall()[::-1]
        else:
            rows = self._conn.execute(f"SELECT {_DOC_COLS} FROM runs{where} ORDER BY started_at, run_id", args)
        return [self._load(*row) for row in rows]

    def count_where(
        self, task: str | None = None, model: str | None = None, status: str | None = None,
        origin: str | None = None,
    ) -> int:
        """How many runs match all given filters (no document read)."""
        where, args = self._where(task=task, model=model, status=status, origin=origin)
        return int(self._conn.execute(f"SELECT COUNT(*) FROM runs{where}", args).fetchone()[0])

    def columns(
        self, task: str | None = None, model: str | None = None, origin: str | None = None
    ) -> RunColumns:
        """The usable runs (status ok, with a summary) matching the filters, as :class:`RunColumns`,
        oldest first (the order of :meth:`list`); ``failed`` counts the failed ones. No document is read."""
        where, args = self._where(task=task, model=model, origin=origin)
        cols = RunColumns()
        cond = "status = 'ok' AND wh_per_1k IS NOT NULL"
        sql_failed = f"SELECT COUNT(*) FROM runs{where}{' AND' if where else ' WHERE'} status != 'ok'"
        cols.failed = self._conn.execute(sql_failed, args).fetchone()[0]
        factor_ids: dict[int | None, int] = {}  # factor id -> index in cols.factors
        for fid, doc in self._conn.execute("SELECT id, doc FROM carbon_factors ORDER BY id"):
            factor_ids[fid] = len(cols.factors)
            cols.factors.append(CarbonInfo(intensity_g_per_kwh=0.0, **json.loads(doc)))
        shape_ids: dict[int, int] = {}
        for sid, doc in self._conn.execute("SELECT id, doc FROM shapes ORDER BY id"):
            shape_ids[sid] = len(cols.shapes)
            cols.shapes.append(RunShape.from_json(json.loads(doc)))
        # what many runs share (task, model, dataset, hardware, origin, parameters, carbon factor, quality and
        # time-resolved flags, shape) comes as ONE value per run, a JSON array SQLite writes (about half the
        # cost of reading its eleven values apart); each distinct one is parsed once, and becomes a code per run
        combos: list[str] = []
        combo_code, combo = _Codes(combos), array("l")
        sql = (
            "SELECT run_id, started_at, json_array(task, model, dataset, dataset_config, hardware, origin, "
            "parameters, factor_id, quality, timed, shape_id), wh_per_1k, wh_ci95_low, wh_ci95_high, bounds_low, "
            "bounds_high, measured_share, output_tokens_pi, audited_share, IFNULL(intensity_g_per_kwh, 0.0), "
            f"shape_values FROM runs{where}{' AND' if where else ' WHERE'} {cond} ORDER BY started_at, run_id"
        )
        cur = self._conn.execute(sql, args)
        # column by column, a batch at a time; every per-value step is a C loop (map over a dict's
        # __getitem__, array.extend of a tuple), so a million runs cost seconds, not tens of them
        while batch := cur.fetchmany(20_000):
            (run_id, started, shared, wh, lo, hi, blo, bhi, measured, tokens, audited, intensity,
             blobs) = zip(*batch, strict=True)
            del batch
            cols.run_id.extend(run_id)
            cols.started_at.extend(started)
            _fill(combo, list(map(combo_code.__getitem__, shared)))
            _fill(cols.wh_per_1k, wh)
            _fill(cols.ci95_low, lo)
            _fill(cols.ci95_high, hi)
            _fill(cols.bounds_low, blo if None not in blo else [nan if x is None else x for x in blo])
            _fill(cols.bounds_high, bhi if None not in bhi else [nan if x is None else x for x in bhi])
            _fill(cols.measured_share, measured)
            cols.output_tokens_per_inference.extend(tokens)
            _fill(cols.audited_share, audited)
            _fill(cols.intensity, intensity)
            cols.values.frombytes(b"".join(blobs))
            cols.offsets.extend(islice(accumulate(map(rshift, map(len, blobs), repeat(3)),
                                                  initial=cols.offsets[-1]), 1, None))
        # the shared values of each distinct combination, coded in the order runs first have them (as if
        # looked up run by run), then spread to every run
        task_code, model_code, dataset_code, hw_code, origin_code = (
            _Codes(cols.tasks), _Codes(cols.models), _Codes(cols.datasets), _Codes(cols.hardwares),
            _Codes(cols.origins))
        factor_code = {None: -1, **factor_ids}  # no factor: -1
        per_combo: list[tuple[Any, ...]] = []
        for text in combos:
            task_, model_, dataset, config, hw, origin_, params, fid, quality, timed, sid = json.loads(text)
            per_combo.append((
                task_code[task_], model_code[model_], dataset_code[dataset + (":" + config if config else "")],
                hw_code[hw], origin_code[origin_], params, factor_code[fid], quality, timed, shape_ids[sid]))
        for j, column in enumerate((cols.task, cols.model, cols.dataset, cols.hardware, cols.origin)):
            _spread(column, [k[j] for k in per_combo], combo)
        cols.parameters.extend(map([k[5] for k in per_combo].__getitem__, combo))
        for j, column in enumerate((cols.factor, cols.quality, cols.timed, cols.shape), start=6):
            _spread(column, [k[j] for k in per_combo], combo)
        return cols

    def list_timed(
        self, task: str | None = None, model: str | None = None, origin: str | None = None
    ) -> builtins.list[RunResult]:
        """The usable runs that carry time-resolved carbon (``carbon_timed``), oldest first."""
        where, args = self._where(task=task, model=model, origin=origin)
        sql = (f"SELECT {_DOC_COLS} FROM runs{where}{' AND' if where else ' WHERE'} timed = 1 "
               "AND status = 'ok' AND wh_per_1k IS NOT NULL ORDER BY started_at, run_id")
        return [self._load(*row) for row in self._conn.execute(sql, args)]

    def list_usable(self, tasks: Iterable[str], origin: str | None = None) -> builtins.list[RunResult]:
        """The usable runs (status ok, with a summary) of ``tasks``, oldest first (whole documents)."""
        tasks = list(tasks)
        if not tasks:
            return []
        where, args = self._where(origin=origin)
        sql = (f"SELECT {_DOC_COLS} FROM runs{where}{' AND' if where else ' WHERE'} "
               f"task IN ({','.join('?' * len(tasks))}) AND status = 'ok' AND wh_per_1k IS NOT NULL "
               "ORDER BY started_at, run_id")
        return [self._load(*row) for row in self._conn.execute(sql, [*args, *tasks])]

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
        return int(self._conn.execute("SELECT COUNT(*) FROM runs").fetchone()[0])

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
