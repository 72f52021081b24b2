"""Rebuild ``wattprint/data/grid_intensity.json`` from public data files (maintainers only).

Nothing here runs at import of :mod:`wattprint.carbon`; the package reads the
committed JSON. This module records *how* that JSON was made, so an update is a
re-run with newer inputs, not a hand edit. See ``docs/carbon.md``.

Inputs (all public, read as data, no code copied):

* ``--codecarbon DIR``: an unpacked CodeCarbon wheel (MIT), e.g. from
  ``pip download codecarbon==3.3.2 --no-deps``; we read
  ``codecarbon/data/private_infra/global_energy_mix.json`` (Our World in Data /
  Ember country intensities) and ``.../2023/usa_emissions.json`` (EPA eGRID2023
  state rates, lbs/MWh).
* ``--iso JSON``: ISO 3166-1 country list (``iso3166-1.json`` from Debian
  iso-codes, as shipped in the pycountry wheel): alpha-2, alpha-3 and names.
* ``--gcp CSV``: ``data/yearly/<year>.csv`` of GoogleCloudPlatform/region-carbon-info.

Usage::

    python -m wattprint.carbon.build_data --codecarbon X --iso iso3166-1.json \\
        --gcp 2025.csv --gcp-year 2025 --out src/wattprint/data/grid_intensity.json
"""

from __future__ import annotations

import argparse
import csv
import json
from datetime import date
from pathlib import Path
from typing import Any

#: grams per pound (exact, international avoirdupois pound); lbs/MWh * this = g/kWh
G_PER_LB = 453.59237

US_STATES = {
    "AL": "Alabama", "AK": "Alaska", "AZ": "Arizona", "AR": "Arkansas", "CA": "California",
    "CO": "Colorado", "CT": "Connecticut", "DE": "Delaware", "DC": "District of Columbia",
    "FL": "Florida", "GA": "Georgia", "HI": "Hawaii", "ID": "Idaho", "IL": "Illinois",
    "IN": "Indiana", "IA": "Iowa", "KS": "Kansas", "KY": "Kentucky", "LA": "Louisiana",
    "ME": "Maine", "MD": "Maryland", "MA": "Massachusetts", "MI": "Michigan", "MN": "Minnesota",
    "MS": "Mississippi", "MO": "Missouri", "MT": "Montana", "NE": "Nebraska", "NV": "Nevada",
    "NH": "New Hampshire", "NJ": "New Jersey", "NM": "New Mexico", "NY": "New York",
    "NC": "North Carolina", "ND": "North Dakota", "OH": "Ohio", "OK": "Oklahoma", "OR": "Oregon",
    "PA": "Pennsylvania", "RI": "Rhode Island", "SC": "South Carolina", "SD": "South Dakota",
    "TN": "Tennessee", "TX": "Texas", "UT": "Utah", "VT": "Vermont", "VA": "Virginia",
    "WA": "Washington", "WV": "West Virginia", "WI": "Wisconsin", "WY": "Wyoming",
}  # fmt: skip

# AWS and Azure publish no per-region grid factor. Their regions' locations are
# public (provider region pages); each maps to the grid of that location, whose
# value (and source, year, scope) is then copied from the country/state entry.
AWS_LOCATIONS = {
    "us-east-1": ("US-VA", "N. Virginia"), "us-east-2": ("US-OH", "Ohio"),
    "us-west-1": ("US-CA", "N. California"), "us-west-2": ("US-OR", "Oregon"),
    "ca-central-1": ("CA", "Canada (Central)"), "ca-west-1": ("CA", "Calgary"),
    "sa-east-1": ("BR", "Sao Paulo"), "mx-central-1": ("MX", "Mexico (Central)"),
    "eu-west-1": ("IE", "Ireland"), "eu-west-2": ("GB", "London"), "eu-west-3": ("FR", "Paris"),
    "eu-central-1": ("DE", "Frankfurt"), "eu-central-2": ("CH", "Zurich"),
    "eu-north-1": ("SE", "Stockholm"), "eu-south-1": ("IT", "Milan"), "eu-south-2": ("ES", "Spain"),
    "ap-northeast-1": ("JP", "Tokyo"), "ap-northeast-2": ("KR", "Seoul"), "ap-northeast-3": ("JP", "Osaka"),
    "ap-southeast-1": ("SG", "Singapore"), "ap-southeast-2": ("AU", "Sydney"),
    "ap-southeast-3": ("ID", "Jakarta"), "ap-southeast-4": ("AU", "Melbourne"),
    "ap-southeast-5": ("MY", "Malaysia"), "ap-southeast-7": ("TH", "Thailand"),
    "ap-south-1": ("IN", "Mumbai"), "ap-south-2": ("IN", "Hyderabad"), "ap-east-1": ("HK", "Hong Kong"),
    "me-south-1": ("BH", "Bahrain"), "me-central-1": ("AE", "UAE"), "il-central-1": ("IL", "Tel Aviv"),
    "af-south-1": ("ZA", "Cape Town"), "cn-north-1": ("CN", "Beijing"), "cn-northwest-1": ("CN", "Ningxia"),
}  # fmt: skip
AZURE_LOCATIONS = {
    "eastus": ("US-VA", "Virginia"), "eastus2": ("US-VA", "Virginia"), "centralus": ("US-IA", "Iowa"),
    "northcentralus": ("US-IL", "Illinois"), "southcentralus": ("US-TX", "Texas"),
    "westcentralus": ("US-WY", "Wyoming"), "westus": ("US-CA", "California"),
    "westus2": ("US-WA", "Washington"), "westus3": ("US-AZ", "Arizona"),
    "canadacentral": ("CA", "Toronto"), "canadaeast": ("CA", "Quebec City"), "brazilsouth": ("BR", "Sao Paulo"),
    "mexicocentral": ("MX", "Queretaro"), "northeurope": ("IE", "Ireland"), "westeurope": ("NL", "Netherlands"),
    "uksouth": ("GB", "London"), "ukwest": ("GB", "Cardiff"), "francecentral": ("FR", "Paris"),
    "germanywestcentral": ("DE", "Frankfurt"), "swedencentral": ("SE", "Gavle"),
    "switzerlandnorth": ("CH", "Zurich"), "norwayeast": ("NO", "Oslo"), "italynorth": ("IT", "Milan"),
    "polandcentral": ("PL", "Warsaw"), "spaincentral": ("ES", "Madrid"), "eastasia": ("HK", "Hong Kong"),
    "southeastasia": ("SG", "Singapore"), "japaneast": ("JP", "Tokyo"), "japanwest": ("JP", "Osaka"),
    "koreacentral": ("KR", "Seoul"), "centralindia": ("IN", "Pune"), "southindia": ("IN", "Chennai"),
    "westindia": ("IN", "Mumbai"), "australiaeast": ("AU", "New South Wales"),
    "australiasoutheast": ("AU", "Victoria"), "southafricanorth": ("ZA", "Johannesburg"),
    "uaenorth": ("AE", "Dubai"), "qatarcentral": ("QA", "Doha"), "israelcentral": ("IL", "Israel"),
}  # fmt: skip

#: common non-ISO codes for countries (ISO 3166 reserves UK for GB)
EXTRA_ALIASES = {"GB": ["UK"]}

SOURCES: list[dict[str, Any]] = [
    {
        "id": "iea-2019",
        "title": "IEA, Global Energy & CO2 Status Report 2019: world average CO2 intensity of power generation",
        "url": "https://www.iea.org/reports/global-energy-co2-status-report-2019/emissions",
        "scope": "direct",
        "via": "mlco2/codecarbon v3.3.2, codecarbon/data/private_infra/carbon_intensity_per_source.json "
        "('world_average': 475, CodeCarbon's own fallback)",
        "licence": "figure cited from IEA; CodeCarbon file MIT",
    },
    {
        "id": "owid-ember",
        "title": "Our World in Data, carbon intensity of electricity generation (carbon_intensity_elec), "
        "built from Ember Yearly Electricity Data and the Energy Institute Statistical Review",
        "url": "https://ourworldindata.org/grapher/carbon-intensity-electricity",
        "scope": "life-cycle",
        "via": "mlco2/codecarbon v3.3.2, codecarbon/data/private_infra/global_energy_mix.json ('carbon_intensity', "
        "'year' per country)",
        "licence": "OWID/Ember data CC BY 4.0; CodeCarbon file MIT",
        "note": "Ember's factors are life-cycle (IPCC AR5 medians, upstream included) and describe the domestic "
        "production mix, imports excluded.",
    },
    {
        "id": "egrid2023",
        "title": "US EPA eGRID2023, state annual CO2-equivalent total output emission rate (field STC2ERTA)",
        "url": "https://www.epa.gov/egrid/download-data",
        "scope": "direct",
        "via": "mlco2/codecarbon v3.3.2, codecarbon/data/private_infra/2023/usa_emissions.json (lbs/MWh; "
        f"converted here with {G_PER_LB} g/lb)",
        "licence": "US government work (public domain); CodeCarbon file MIT",
        "note": "Generation-based (in-state plants), combustion emissions only.",
    },
    {
        "id": "gcp-region-carbon",
        "title": "Google Cloud, carbon-free energy and grid carbon intensity per Cloud region",
        "url": "https://cloud.google.com/sustainability/region-carbon",
        "scope": "direct",
        "via": "GoogleCloudPlatform/region-carbon-info, data/yearly/<year>.csv, column "
        "'Grid carbon intensity (gCO2eq / kWh)'",
        "licence": "published by Google; the stored repository copy names no licence file",
        "note": "'average operational gross emissions per unit of energy from the grid' (Google's definition): "
        "location-based, not market-based, no Google CFE credit.",
    },
    {
        "id": "codecarbon-2.3.1-oregon",
        "title": "CodeCarbon 2.3.1 'oregon' factor: 305.891 lbs/MWh = 138.75 g/kWh, the value in every log row "
        "of Luccioni, Jernite, Strubell (FAccT 2024)",
        "url": "https://github.com/mlco2/codecarbon/blob/v2.3.1/codecarbon/data/private_infra/2016/usa_emissions.json",
        "scope": "direct",
        "via": "codecarbon 2.3.1 wheel, codecarbon/data/private_infra/2016/usa_emissions.json (MIT)",
        "licence": "MIT (CodeCarbon)",
        "note": "eGRID-era state rate CodeCarbon filed under 2016; kept so imported study logs can be checked. "
        "The paper's text says 297.6 g/kWh; its logs and gram figures use 138.75.",
    },
    {
        "id": "provider-location",
        "title": "Cloud region location (provider region documentation) mapped to that location's grid entry",
        "url": "https://docs.aws.amazon.com/global-infrastructure/latest/regions/aws-regions.html ; "
        "https://learn.microsoft.com/azure/reliability/regions-list",
        "scope": "as the mapped entry",
        "via": "wattprint.carbon.build_data AWS_LOCATIONS / AZURE_LOCATIONS",
        "licence": "facts (locations)",
        "note": "AWS and Azure publish no per-region grid factor. The value is the mapped country or state "
        "entry, copied with its own source, year and scope; a country average can hide a cleaner or dirtier "
        "local grid (e.g. Quebec vs Canada).",
    },
]


def _round(x: float) -> float:
    return round(float(x), 2)


def build(codecarbon: Path, iso: Path, gcp: Path, gcp_year: int) -> dict[str, Any]:
    """Return the grid-intensity document (all values g CO2e/kWh)."""
    cc = codecarbon / "codecarbon" / "data" / "private_infra"
    mix = json.loads((cc / "global_energy_mix.json").read_text())
    usa = json.loads((cc / "2023" / "usa_emissions.json").read_text())
    countries = json.loads(iso.read_text())["3166-1"]

    regions: dict[str, dict[str, Any]] = {}
    regions["WORLD"] = {
        "name": "World average (IEA 2019, CodeCarbon's default)",
        "kind": "world",
        "g_per_kwh": 475.0,
        "year": 2019,
        "scope": "direct",
        "source": "iea-2019",
        "aliases": ["GLOBAL", "WORLD-AVERAGE"],
    }
    unsourced: list[dict[str, str]] = []
    for c in sorted(countries, key=lambda c: c["alpha_2"]):
        a2, a3 = c["alpha_2"], c["alpha_3"]
        name = c.get("common_name") or c["name"]
        row = mix.get(a3)
        if row is None or row.get("carbon_intensity") is None:
            unsourced.append({"code": a2, "alpha3": a3, "name": name})
            continue
        regions[a2] = {
            "name": name,
            "kind": "country",
            "g_per_kwh": _round(row["carbon_intensity"]),
            "year": int(row["year"]),
            "scope": "life-cycle",
            "source": "owid-ember",
            "aliases": sorted({a3, *([c["name"]] if c["name"] != name else []), *EXTRA_ALIASES.get(a2, [])}),
        }

    egrid_year = int(usa["_source"]["year"])
    for key, row in usa.items():
        if key.startswith("_"):
            continue
        code = row["regionCode"].upper()
        g = _round(row["emissions"] * G_PER_LB / 1000.0)
        if code == "USA":
            regions["US-EGRID"] = {
                "name": "United States, eGRID national average",
                "kind": "grid",
                "g_per_kwh": g,
                "year": egrid_year,
                "scope": "direct",
                "source": "egrid2023",
                "aliases": [],
            }
            continue
        regions[f"US-{code}"] = {
            "name": f"{US_STATES[code]}, United States",
            "kind": "us-state",
            "g_per_kwh": g,
            "year": egrid_year,
            "scope": "direct",
            "source": "egrid2023",
            "aliases": [US_STATES[code]],
        }

    regions["codecarbon:oregon"] = {
        "name": "CodeCarbon 2.3.1 'oregon' (the Power Hungry Processing study's factor, AWS us-west-2)",
        "kind": "study",
        "g_per_kwh": _round(305.891 * G_PER_LB / 1000.0),
        "year": 2016,
        "scope": "direct",
        "source": "codecarbon-2.3.1-oregon",
        "aliases": ["study:power-hungry-processing"],
    }

    with gcp.open(newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            val = row["Grid carbon intensity (gCO2eq / kWh)"].strip()
            if not val:
                continue
            loc = row["Location"].strip()
            regions[f"gcp:{row['Google Cloud Region'].strip()}"] = {
                "name": f"Google Cloud {row['Google Cloud Region'].strip()}" + (f" ({loc})" if loc != "N/A" else ""),
                "kind": "cloud",
                "g_per_kwh": _round(float(val)),
                "year": gcp_year,
                "scope": "direct",
                "source": "gcp-region-carbon",
                "aliases": [],
            }

    for provider, table in (("aws", AWS_LOCATIONS), ("azure", AZURE_LOCATIONS)):
        label = {"aws": "AWS", "azure": "Azure"}[provider]
        for region, (loc, place) in table.items():
            base = regions.get(loc)
            if base is None:  # no sourced grid value for that location: leave the region out
                continue
            entry = {
                "name": f"{label} {region} ({place}) -> grid of {base['name']}",
                "kind": "cloud",
                "g_per_kwh": base["g_per_kwh"],
                "year": base["year"],
                "scope": base["scope"],
                "source": base["source"],
                "mapped_to": loc,
                "aliases": [],
            }
            if provider == "aws" and region == "us-west-2":
                entry["note"] = "The study (Luccioni et al. 2024) used 138.75 g/kWh here: see codecarbon:oregon."
            regions[f"{provider}:{region}"] = entry

    return {
        "version": f"{date.today().year}.1",
        "unit": "g CO2e/kWh",
        "built": date.today().isoformat(),
        "default": "WORLD",
        "sources": SOURCES,
        "regions": regions,
        "countries_without_data": unsourced,
    }


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--codecarbon", type=Path, required=True)
    p.add_argument("--iso", type=Path, required=True)
    p.add_argument("--gcp", type=Path, required=True)
    p.add_argument("--gcp-year", type=int, required=True)
    p.add_argument("--version", default=None)
    p.add_argument("--out", type=Path, required=True)
    a = p.parse_args(argv)
    doc = build(a.codecarbon, a.iso, a.gcp, a.gcp_year)
    if a.version:
        doc["version"] = a.version
    a.out.write_text(json.dumps(doc, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {a.out}: {len(doc['regions'])} regions, {len(doc['countries_without_data'])} countries unsourced")


if __name__ == "__main__":
    main()
