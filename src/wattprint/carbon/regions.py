"""Grid carbon intensity by region, read from the packaged ``data/grid_intensity.json``.

Every value is in g CO2e/kWh and carries its year, scope (direct or life-cycle) and
source id (the file's ``sources`` list says what each id is, where it came from and
under which licence). Nothing is guessed: a region without a sourced value is an
error that points to ``--intensity`` or the explicit ``WORLD`` default. There is no
IP geolocation anywhere.
"""

from __future__ import annotations

import difflib
import json
import unicodedata
from functools import lru_cache
from importlib import resources
from typing import Any

from pydantic import BaseModel

from wattprint.errors import WattprintError

DATA_FILE = "grid_intensity.json"
#: the region used when the user picks none: an explicit world average, recorded as such
DEFAULT_REGION = "WORLD"


class RegionFactor(BaseModel):
    """One sourced grid intensity."""

    key: str
    name: str
    kind: str  # world | country | us-state | grid | cloud | study
    g_per_kwh: float
    year: int
    scope: str  # direct | life-cycle
    source: str  # id into GridData.sources
    source_title: str = ""
    source_url: str = ""
    aliases: list[str] = []
    mapped_to: str | None = None
    note: str | None = None

    def citation(self) -> str:
        """``<title> (<year>, <scope>)`` plus the mapping, for CarbonInfo.source and tables."""
        text = self.source_title or self.source
        if self.mapped_to:
            text = f"location {self.mapped_to}: {text}"
        return text


def _norm(text: str) -> str:
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return " ".join(text.lower().replace("_", " ").replace("/", ":").split())


@lru_cache(maxsize=1)
def load_data() -> dict[str, Any]:
    """The raw packaged document (``version``, ``sources``, ``regions``, ``countries_without_data``)."""
    text = resources.files("wattprint").joinpath("data").joinpath(DATA_FILE).read_text(encoding="utf-8")
    return json.loads(text)


def data_version() -> str:
    """Version string of the packaged grid-intensity file."""
    return str(load_data()["version"])


@lru_cache(maxsize=1)
def _index() -> tuple[dict[str, RegionFactor], dict[str, str], dict[str, dict[str, str]]]:
    doc = load_data()
    sources = {s["id"]: s for s in doc["sources"]}
    factors: dict[str, RegionFactor] = {}
    names: dict[str, str] = {}
    for key, row in doc["regions"].items():
        src = sources.get(row["source"], {})
        rf = RegionFactor(
            key=key,
            source_title=src.get("title", ""),
            source_url=src.get("url", ""),
            **{k: v for k, v in row.items() if k in RegionFactor.model_fields},
        )
        factors[key] = rf
        for label in (key, *rf.aliases):
            names.setdefault(_norm(label), key)
    for rf in factors.values():  # plain names last, so codes win over names
        names.setdefault(_norm(rf.name), rf.key)
        if rf.kind == "country":
            names.setdefault(_norm(rf.name.split(",")[0]), rf.key)
    # unqualified cloud region names ("us-west-2", "eastus") when one provider has them
    bare: dict[str, list[str]] = {}
    for key in factors:
        if ":" in key and factors[key].kind == "cloud":
            bare.setdefault(_norm(key.split(":", 1)[1]), []).append(key)
    for label, keys in bare.items():
        if len(keys) == 1:
            names.setdefault(label, keys[0])
    unsourced = {}
    for c in doc.get("countries_without_data", []):
        for label in (c["code"], c["alpha3"], c["name"]):
            unsourced[_norm(label)] = c
    return factors, names, unsourced


def all_regions() -> list[RegionFactor]:
    """Every sourced region, in file order (WORLD, countries, US states, study, cloud)."""
    return list(_index()[0].values())


def close_matches(query: str, n: int = 5) -> list[str]:
    """Region keys that look like ``query`` (for error messages)."""
    factors, names, _ = _index()
    q = _norm(query)
    pool = [label for label in names if len(q) < 4 or len(label) >= 3]
    hits = difflib.get_close_matches(q, pool, n=n * 3, cutoff=0.6)
    hits += [label for label in names if q and len(q) >= 3 and q in label]
    out: list[str] = []
    for label in hits:
        key = names[label]
        if key not in out:
            out.append(key)
    return out[:n]


def lookup(region: str) -> RegionFactor:
    """The sourced factor for ``region`` (key, ISO alpha-2/alpha-3 code, name or cloud region).

    Raises :class:`WattprintError` listing close matches when it is unknown, or
    pointing to ``--intensity`` / ``WORLD`` when it is a country without sourced data.
    """
    factors, names, unsourced = _index()
    q = _norm(region)
    if not q:
        raise WattprintError("empty region name", "pass e.g. --region FR, --region US-CA or --region aws:us-east-1")
    key = names.get(q)
    if key is not None:
        return factors[key]
    if q in unsourced:
        c = unsourced[q]
        raise WattprintError(
            f"no sourced grid intensity for {c['name']} ({c['code']}/{c['alpha3']}) in wattprint's data "
            f"v{data_version()}",
            "pass --intensity G_PER_KWH from a source you trust, or --region WORLD for the explicit world average",
        )
    near = close_matches(region)
    hint = ("did you mean: " + ", ".join(near) + "? ") if near else ""
    raise WattprintError(
        f"unknown region {region!r}",
        hint + "list regions with `wattprint regions QUERY`, or pass --intensity G_PER_KWH",
    )


def list_regions(query: str | None = None) -> list[RegionFactor]:
    """Regions whose key, name or aliases contain ``query`` (case-insensitive); all when None.

    ``query`` may also be a kind (``country``, ``us-state``, ``cloud``) or a provider
    prefix (``aws``, ``gcp``, ``azure``).
    """
    regions = all_regions()
    if not query:
        return regions
    q = _norm(query).rstrip(":")
    prefixes = {k.split(":", 1)[0] for k in (r.key for r in regions) if ":" in k}
    if q in prefixes:  # a provider or namespace: exactly its regions
        return [rf for rf in regions if rf.key.lower().startswith(q + ":")]
    if q in {rf.kind for rf in regions}:  # a kind: exactly that kind
        return [rf for rf in regions if rf.kind == q]
    out = []
    for rf in regions:
        labels = [rf.key, rf.name, rf.kind, *rf.aliases]
        if any(q in _norm(x) for x in labels):
            out.append(rf)
    return out


def find_by_intensity(g_per_kwh: float, rel_tol: float = 1e-3) -> list[RegionFactor]:
    """Sourced regions whose value is within ``rel_tol`` of ``g_per_kwh`` (for checking imported logs).

    E.g. a CodeCarbon log with emissions / energy = 138.75 g/kWh matches ``codecarbon:oregon``.
    """
    if not g_per_kwh > 0:
        return []
    return [rf for rf in all_regions() if abs(rf.g_per_kwh - g_per_kwh) <= rel_tol * g_per_kwh]
