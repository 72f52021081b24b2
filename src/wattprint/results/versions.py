"""Result schema versions: documents stored by earlier versions load as the current one.

Version 1 kept what other layers read in ``RunResult.extra``; version 2 (current) has typed fields:

==========================  ==========================================
version 1 (``extra`` key)   version 2
==========================  ==========================================
``phase``                   ``phase``
``hint``, ``error_type``,   ``failure.hint``, ``failure.error_type``,
``stderr_tail``             ``failure.stderr_tail`` (failed runs)
``timing[i].infer_s``       ``repeats[i].infer_s`` (``window_s`` is ``energy.duration_s``)
``sample_outputs``          ``sample_outputs``
``inputs_cycled``           ``dataset_info.cycled``
``quality_note``,           ``quality_note``, ``quality_error``
``quality_error``
==========================  ==========================================

A document without ``schema_version`` is version 1. A version newer than this wattprint reads is
refused with the reason (never half-read).
"""

from __future__ import annotations

from typing import Any

__all__ = ["upgrade", "version_of"]


def version_of(doc: Any) -> int | None:
    """The schema version a parsed JSON document says it has (1 when it says none), None when not a document."""
    if not isinstance(doc, dict):
        return None
    v = doc.get("schema_version", 1)
    return v if isinstance(v, int) and not isinstance(v, bool) else None


def upgrade(doc: Any, current: int) -> Any:
    """``doc`` (a parsed result document) as schema version ``current``; other values pass through."""
    version = version_of(doc)
    if version is None:
        return doc
    if version > current:
        raise ValueError(f"schema version {version} is newer than this wattprint reads (version {current}); "
                         "upgrade wattprint to read it")
    if version < 2:
        doc = _v1_to_v2(doc)
    return doc


def _v1_to_v2(doc: dict[str, Any]) -> dict[str, Any]:
    out = dict(doc)
    extra = dict(out.get("extra") or {})
    if "phase" in extra:
        out.setdefault("phase", extra.pop("phase"))
    failure = {k: extra.pop(k) for k in ("hint", "error_type", "stderr_tail") if k in extra}
    if out.get("status") == "failed":
        out.setdefault("failure", failure)
    for key in ("sample_outputs", "quality_note", "quality_error"):
        if key in extra:
            out.setdefault(key, extra.pop(key))
    timing = extra.pop("timing", None)
    if isinstance(timing, list) and isinstance(out.get("repeats"), list):
        by_index = {t.get("repeat"): t.get("infer_s") for t in timing if isinstance(t, dict)}
        out["repeats"] = [
            {**rep, "infer_s": by_index.get(rep.get("index"))} if isinstance(rep, dict) and "infer_s" not in rep
            else rep
            for rep in out["repeats"]
        ]
    if extra.pop("inputs_cycled", None) and isinstance(out.get("dataset_info"), dict):
        out["dataset_info"] = {**out["dataset_info"], "cycled": True}
    out["extra"] = extra
    out["schema_version"] = 2
    return out
