"""The layer rule, checked statically: no module imports a layer above its own, even lazily.

energy < carbon < results; workloads knows no meters and no storage; bench joins energy, carbon,
workloads and results; serving joins energy, carbon and results (no workloads);
analysis < report read results; sweep drives bench; cli is only the face.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PKG = Path(__file__).resolve().parents[1] / "src" / "wattprint"
BASE = {"errors", "contracts", "__init__", "__main__"}

#: what each layer may import (besides itself and the base modules)
ALLOWED: dict[str, set[str]] = {
    "energy": set(),
    "carbon": {"energy"},
    "results": {"energy", "carbon"},
    "workloads": set(),
    "bench": {"energy", "carbon", "results", "workloads"},
    "analysis": {"energy", "carbon", "results"},
    "report": {"energy", "carbon", "results", "analysis"},
    "sweep": {"energy", "carbon", "results", "workloads", "bench"},
    "serving": {"energy", "carbon", "results"},
}


def _imports(path: Path) -> set[str]:
    """Top-level wattprint subpackages imported anywhere in the file, lazily or not."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
        for name in names:
            parts = name.split(".")
            if parts[0] == "wattprint" and len(parts) > 1:
                found.add(parts[1])
    return found


def test_contracts_import_nothing_but_errors():
    """The contracts module sits under every layer: it imports no layer, only ``errors``."""
    bad = []
    for path in sorted((PKG / "contracts").rglob("*.py")):
        for dep in _imports(path) - {"contracts", "errors"}:
            bad.append(f"{path.relative_to(PKG)} imports wattprint.{dep}")
    assert not bad, "\n".join(bad)


@pytest.mark.parametrize("layer", sorted(ALLOWED))
def test_no_layer_imports_one_above_it(layer):
    bad = []
    for path in sorted((PKG / layer).rglob("*.py")):
        for dep in _imports(path) - {layer} - BASE - ALLOWED[layer]:
            bad.append(f"{path.relative_to(PKG)} imports wattprint.{dep}")
    assert not bad, "\n".join(bad)


def test_importing_the_core_loads_no_heavy_library():
    """No network, no torch at import: the CLI and the lower layers stay light."""
    code = (
        "import sys, wattprint, wattprint.cli.main, wattprint.contracts, wattprint.energy, wattprint.carbon, "
        "wattprint.results, wattprint.workloads, wattprint.bench, wattprint.analysis, wattprint.report, "
        "wattprint.sweep, wattprint.serving\n"
        "heavy = ('torch', 'transformers', 'diffusers', 'datasets', 'ray', 'plotly', 'pyarrow', 'requests', "
        "'httpx', 'aiohttp')\n"
        "print(','.join(m for m in heavy if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
