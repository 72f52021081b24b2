"""Results as files: one ``<run_id>.json`` per run in a folder, and their re-validation.

:func:`validate_dir` checks each document against the schema and for internal
consistency: the file name is the run id, the config hash matches the config,
the stored summary is what its repeats give, and no energy is negative. Each
check says the schema version the file was written with (earlier versions load
through :mod:`wattprint.results.versions`).
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

from wattprint.errors import WattprintError
from wattprint.results.atomic import prepare_output_dir, write_text_atomic
from wattprint.results.schema import RunResult, Summary
from wattprint.results.versions import version_of


def write_result_json(result: RunResult, folder: str | os.PathLike[str]) -> Path:
    """Write ``folder/<run_id>.json`` atomically (temp file, fsync, rename); returns the path."""
    d = prepare_output_dir(folder)
    return write_text_atomic(d / f"{result.run_id}.json", result.model_dump_json(indent=2))


def read_result_json(path: str | os.PathLike[str]) -> RunResult:
    """Parse one result document; a schema mismatch is a :class:`WattprintError`."""
    p = Path(path)
    try:
        return RunResult.model_validate_json(p.read_text(encoding="utf-8"))
    except OSError as exc:
        raise WattprintError(f"cannot read {p}: {exc.strerror}", "check the path") from exc
    except UnicodeDecodeError as exc:
        raise WattprintError(f"{p.name}: not UTF-8 text (byte {exc.start})", "a result document is UTF-8 JSON") from exc
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = ".".join(str(x) for x in err.get("loc", ())) or "document"
        raise WattprintError(f"{p.name}: {loc}: {err['msg']}", "the file does not match the result schema") from exc


def looks_like_result(doc: object) -> bool:
    """Whether a parsed JSON document has the shape of a result: a ``schema_version``, or a ``run_id`` and a
    ``config`` (version 1 wrote no version field; any other JSON, e.g. a model's ``config.json``, is not one)."""
    return isinstance(doc, dict) and ("schema_version" in doc or ("run_id" in doc and "config" in doc))


def file_schema_version(path: str | os.PathLike[str]) -> int | None:
    """The schema version a result file says it was written with (None when it is not a result document)."""
    try:
        doc = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return version_of(doc) if looks_like_result(doc) else None


def _not_a_result(path: Path) -> bool:
    """True when ``path`` is JSON but not shaped like a result (unreadable or broken JSON is checked as a result)."""
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return not looks_like_result(doc)


@dataclass
class FileCheck:
    """Outcome of validating one file: ``problems`` is empty when it is valid."""

    path: Path
    run_id: str | None = None
    status: str | None = None
    #: the schema version the file was written with (None when unreadable or not a result)
    schema_version: int | None = None
    problems: list[str] = field(default_factory=list)
    #: False for JSON that is no wattprint result at all (no schema_version, nor run_id and config)
    is_result: bool = True

    @property
    def ok(self) -> bool:
        return not self.problems


def _close(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is b
    return math.isclose(a, b, rel_tol=1e-6, abs_tol=1e-12)


def check_result(result: RunResult) -> list[str]:
    """Consistency problems of a parsed result (empty list when consistent)."""
    problems: list[str] = []
    if result.config_hash != result.config.config_hash():
        problems.append("config_hash does not match the config")
    reports = [("load", result.load), ("preprocess", result.preprocess)]
    for repeat in result.repeats:
        reports.append((f"repeat {repeat.index}", repeat.energy))
        if repeat.prefill is not None:
            reports.append((f"repeat {repeat.index} prefill", repeat.prefill))
    for name, rep in reports:
        if rep is not None and any(c.joules < 0 for c in rep.components):
            problems.append(f"{name}: negative energy")
    if result.status == "ok":
        if not result.repeats or result.summary is None:
            problems.append("status ok but no repeats or no summary")
        else:
            again = Summary.from_repeats(result.repeats)
            for key in ("wh_per_1k_mean", "wh_per_1k_std", "measured_share"):
                if not _close(getattr(again, key), getattr(result.summary, key)):
                    problems.append(f"summary.{key} is not what the repeats give")
    elif not result.error:
        problems.append("failed run without an error reason")
    return problems


def validate_dir(folder: str | os.PathLike[str]) -> list[FileCheck]:
    """Validate every ``*.json`` in ``folder`` (sorted by name)."""
    d = Path(folder)
    if not d.is_dir():
        raise WattprintError(f"{d} is not a folder", "give the folder passed to --out")
    checks: list[FileCheck] = []
    for path in sorted(d.glob("*.json")):
        fc = FileCheck(path=path)
        fc.schema_version = file_schema_version(path)
        if _not_a_result(path):
            fc.is_result = False
            fc.problems.append("it has no schema_version, nor a run_id and a config")
            checks.append(fc)
            continue
        try:
            r = read_result_json(path)
        except WattprintError as exc:
            fc.problems.append(exc.message)
            checks.append(fc)
            continue
        fc.run_id, fc.status = r.run_id, r.status
        if path.stem != r.run_id:
            fc.problems.append(f"file name is not the run id {r.run_id}")
        fc.problems.extend(check_result(r))
        checks.append(fc)
    return checks
