"""HTTP for the intensity providers: one GET with a timeout, a small disk cache, one-line errors.

httpx is imported inside :func:`get_json` (the ``live`` extra), so nothing touches the network
or loads httpx at import. Tokens travel only in request headers: they are never part of a
cache key, a cached file, an error message or a result.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from pathlib import Path
from typing import Any

from wattprint.errors import WattprintError

#: seconds to wait for a provider before giving up (connect and read)
DEFAULT_TIMEOUT_S = 10.0


def cache_dir() -> Path:
    """``$WATTPRINT_CACHE/intensity`` (else ``~/.cache/wattprint/intensity``), created on demand."""
    root = os.environ.get("WATTPRINT_CACHE")
    base = Path(root).expanduser() if root else Path(os.environ.get("XDG_CACHE_HOME", "~/.cache")).expanduser() / \
        "wattprint"
    path = base / "intensity"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _cache_path(provider: str, url: str, params: dict[str, Any]) -> Path:
    key = json.dumps([provider, url, sorted((k, str(v)) for k, v in params.items())])
    return cache_dir() / f"{provider}-{hashlib.sha256(key.encode()).hexdigest()[:24]}.json"


def cached(provider: str, url: str, params: dict[str, Any], ttl_s: float) -> Any | None:
    """The cached JSON answer for this request if younger than ``ttl_s`` seconds, else None."""
    path = _cache_path(provider, url, params)
    try:
        if ttl_s > 0 and time.time() - path.stat().st_mtime < ttl_s:
            return json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return None


def store(provider: str, url: str, params: dict[str, Any], doc: Any) -> None:
    """Keep ``doc`` (a provider's JSON body; no headers, so no token) for later identical requests."""
    path = _cache_path(provider, url, params)
    try:
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(doc))
        tmp.replace(path)
    except OSError:
        pass  # a cache that cannot be written is not an error


def get_json(provider: str, url: str, *, params: dict[str, Any] | None = None, headers: dict[str, str] | None = None,
             auth: tuple[str, str] | None = None, timeout_s: float = DEFAULT_TIMEOUT_S, ttl_s: float = 0.0,
             token_hint: str = "") -> Any:
    """GET ``url`` and return its JSON body; errors are one-line :class:`WattprintError`s without secrets.

    ``ttl_s`` > 0 reads and fills the disk cache. ``token_hint`` is the hint for 401/403.
    """
    params = dict(params or {})
    if ttl_s > 0:
        hit = cached(provider, url, params, ttl_s)
        if hit is not None:
            return hit
    try:
        import httpx
    except ImportError:
        raise WattprintError(f"{provider}: the HTTP client httpx is not installed",
                             "pip install 'wattprint[live]' (or use a series file: --intensity-series FILE)") from None
    host = httpx.URL(url).host
    try:
        resp = httpx.get(url, params=params, headers=headers, auth=auth, timeout=timeout_s, follow_redirects=True)
    except httpx.TimeoutException:
        raise WattprintError(f"{provider}: no answer from {host} within {timeout_s:g} s",
                             "check the network, or use a series file / the yearly table") from None
    except httpx.HTTPError as exc:
        raise WattprintError(f"{provider}: cannot reach {host} ({type(exc).__name__})",
                             "check the network or the base URL") from None
    code = resp.status_code
    if code in (401, 403):
        raise WattprintError(f"{provider}: access refused by {host} (HTTP {code})",
                             token_hint or "check your credentials and plan")
    if code == 429:
        after = resp.headers.get("retry-after", "")
        wait = f" (retry after {after[:20]} s)" if after.strip().isdigit() else ""
        raise WattprintError(f"{provider}: rate limit reached at {host} (HTTP 429){wait}",
                             "wait and retry; answers are cached on disk, so repeated calls cost nothing")
    if code >= 400:
        raise WattprintError(f"{provider}: {host} answered HTTP {code} for {httpx.URL(url).path}",
                             "check the zone/region name and what your plan allows")
    try:
        doc = resp.json()
    except ValueError:
        raise WattprintError(f"{provider}: malformed JSON from {host}", "the service answered something else; "
                             "retry later or use a series file") from None
    if ttl_s > 0:
        store(provider, url, params, doc)
    return doc


def field(doc: Any, key: str, provider: str) -> Any:
    """``doc[key]`` or a one-line error saying the provider's answer lacked it."""
    if not isinstance(doc, dict) or key not in doc:
        raise WattprintError(f"{provider}: unexpected answer (no {key!r} field)",
                             "the provider's API may have changed; use a series file meanwhile")
    return doc[key]


def field_list(doc: Any, key: str, provider: str) -> list[Any]:
    """``doc[key]`` when it is a list (the points of an answer), else a one-line error."""
    rows = field(doc, key, provider)
    if not isinstance(rows, list):
        raise WattprintError(f"{provider}: unexpected answer ({key!r} is not a list)", "use a series file meanwhile")
    return rows
