"""CI runs every test: skips fail under CI=true, and ``install.sh --test`` installs what the browser tests need."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

SKIPPING = '''
import pytest

def test_skips():
    pytest.skip("no chromedriver")

@pytest.mark.ci_may_skip("checks the no-GPU path")
def test_allowed_skip():
    pytest.skip("a GPU is present")

def test_runs():
    assert True
'''


def _pytest(folder: Path, ci: str | None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    if ci is not None:
        env["CI"] = ci
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(folder)],
                          cwd=folder, env=env, capture_output=True, text=True, timeout=120)


def test_a_skip_fails_under_ci_unless_marked(tmp_path):
    shutil.copy(ROOT / "tests" / "conftest.py", tmp_path / "conftest.py")
    (tmp_path / "pytest.ini").write_text("[pytest]\nmarkers =\n    ci_may_skip(reason): allowed\n")
    (tmp_path / "test_s.py").write_text(SKIPPING)
    local = _pytest(tmp_path, None)
    assert local.returncode == 0, local.stdout
    assert "1 passed, 2 skipped" in local.stdout
    ci = _pytest(tmp_path, "true")
    assert ci.returncode == 1, ci.stdout
    assert "1 failed, 1 passed, 1 skipped" in ci.stdout and "skipped under CI=true" in ci.stdout


def _fake_bin(folder: Path, name: str, body: str) -> None:
    p = folder / name
    p.write_text("#!/bin/bash\n" + body + "\n")
    p.chmod(0o755)


def test_install_test_installs_the_driver_when_only_chromium_is_there(tmp_path):
    """A machine with chromium but no chromedriver: install.sh --test asks apt-get for both."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("bash", "dirname", "id", "cat"):  # only what install.sh needs; no real chromedriver on PATH
        os.symlink(shutil.which(tool), bin_dir / tool)
    log = tmp_path / "apt.log"
    _fake_bin(bin_dir, "apt-get", f'echo "apt-get $*" >> {log}')
    _fake_bin(bin_dir, "chromium", "exit 0")
    _fake_bin(bin_dir, "fakepython", 'case "$*" in *--version*) echo "wattprint 0";; esac; exit 0')
    env = {"PATH": str(bin_dir), "PYTHON": "fakepython", "HOME": str(tmp_path)}
    out = subprocess.run(["bash", str(ROOT / "install.sh"), "--test"], env=env, capture_output=True, text=True,
                         timeout=60)
    assert out.returncode == 0, out.stderr
    calls = log.read_text()
    assert "install" in calls and "chromium-driver" in calls, calls
    # with both present nothing is installed
    log.unlink()
    _fake_bin(bin_dir, "chromedriver", "exit 0")
    out = subprocess.run(["bash", str(ROOT / "install.sh"), "--test"], env=env, capture_output=True, text=True,
                         timeout=60)
    assert out.returncode == 0, out.stderr
    assert not log.exists()
