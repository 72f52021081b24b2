"""``wattprint meters`` / ``doctor`` / ``track`` through the real entry point (in-process and subprocess)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from fakes_energy import FakePowercap
from wattprint.cli.main import main


@pytest.fixture(autouse=True)
def no_hardware(monkeypatch, tmp_path):
    monkeypatch.setenv("WATTPRINT_POWERCAP_ROOT", str(tmp_path / "no-powercap"))
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "")
    monkeypatch.setenv("COLUMNS", "200")


def last_json(text: str) -> dict:
    return json.loads(text[text.index("{") :])


def test_meters_json_says_estimating_and_why(capfd):
    assert main(["meters", "--json"]) == 0
    data = json.loads(capfd.readouterr().out)
    rows = {r["name"]: r for r in data["meters"]}
    assert rows["rapl"]["available"] is False and "modprobe" in rows["rapl"]["fix"]
    assert rows["estimate"]["available"] is True
    assert data["auto"]["meters"] == ["estimate"] and data["auto"]["all_measured"] is False
    assert data["verdict"].startswith("ESTIMATED")
    assert data["auto"]["components"]["cpu"]["method"] == "model"


def test_doctor_table_output(capfd):
    assert main(["doctor"]) == 0
    out = capfd.readouterr().out
    assert "unavailable" in out and "ESTIMATED (model, not measured): cpu, ram" in out
    assert "fix:" in out


def test_meters_with_a_readable_fake_powercap(capfd, monkeypatch, tmp_path):
    pc = FakePowercap(tmp_path / "pc").server(sockets=1, dram=True)
    monkeypatch.setenv("WATTPRINT_POWERCAP_ROOT", str(pc.root))
    assert main(["meters", "--json"]) == 0
    data = json.loads(capfd.readouterr().out)
    assert data["auto"]["meters"] == ["rapl"]
    assert data["auto"]["all_measured"] is True
    assert data["verdict"].startswith("every component is MEASURED")


def test_track_json_counts_the_child_cpu_time(capfd):
    code = "import time\nt=time.process_time()\nwhile time.process_time()-t<0.3: pass"
    rc = main(["track", "--json", "--", sys.executable, "-c", code])
    assert rc == 0
    data = last_json(capfd.readouterr().out)
    assert data["exit_code"] == 0
    assert set(data["joules"]) == {"cpu", "ram"}
    assert data["total_joules"] == pytest.approx(sum(data["joules"].values()))
    assert data["provenance"]["cpu"]["method"] == "model"
    w = float(data["provenance"]["cpu"]["note"].split(" x ")[1].split(" W")[0])
    assert data["joules"]["cpu"] >= 0.3 * w * 0.99  # the child's 0.3 CPU-s at the table's W per logical CPU
    assert data["estimated_joules"] == pytest.approx(data["total_joules"])
    assert data["duration_s"] > 0.3


def test_track_returns_the_command_exit_code(capfd):
    assert main(["track", "--", sys.executable, "-c", "import sys; sys.exit(7)"]) == 7
    err = capfd.readouterr().err
    assert "exit code 7" in err and "ESTIMATED" in err


def test_track_without_double_dash(capfd):
    assert main(["track", sys.executable, "-c", "print('hi')"]) == 0
    out, err = capfd.readouterr()
    assert out.strip() == "hi"  # the command keeps stdout; the summary is on stderr
    assert "total" in err


def test_track_json_out_keeps_stdout_the_commands(capfd, tmp_path):
    out_file = tmp_path / "track.json"
    assert main(["track", "--json-out", str(out_file), "--", sys.executable, "-c", "print('{child}')"]) == 0
    out, err = capfd.readouterr()
    assert out == "{child}\n"  # nothing of wattprint's on stdout, the command's own '{' not mixed with JSON
    assert "total" in err
    data = json.loads(out_file.read_text())
    assert data["exit_code"] == 0 and data["total_joules"] > 0 and data["estimated_joules"] == data["total_joules"]
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]  # written through a temporary file


def test_track_json_out_bad_path_fails_before_the_command_runs(capfd, tmp_path):
    marker = tmp_path / "ran"
    code = f"open({str(marker)!r}, 'w').write('x')"
    assert main(["track", "--json-out", str(tmp_path / "no" / "t.json"), "--", sys.executable, "-c", code]) == 2
    err = capfd.readouterr().err.strip().splitlines()
    assert err[0] == f"error: folder {tmp_path / 'no'} does not exist" and err[1].startswith("hint:")
    assert not marker.exists()


def test_track_missing_command_is_one_line_error(capfd):
    assert main(["track", "--", "wattprint-no-such-command-xyz"]) == 2
    err = capfd.readouterr().err.strip().splitlines()
    assert err[0] == "error: command not found: wattprint-no-such-command-xyz"
    assert err[1].startswith("hint:")


def test_track_unknown_meter(capfd):
    assert main(["track", "--meter", "bogus", "--", "true"]) == 2
    err = capfd.readouterr().err
    assert "unknown meter 'bogus'" in err and "estimate" in err


def test_track_explicit_rapl_unavailable_says_why(capfd):
    assert main(["track", "--meter", "rapl", "--", "true"]) == 2
    err = capfd.readouterr().err
    assert "no powercap tree" in err


def test_track_with_idle_baseline(capfd):
    assert main(["track", "--json", "--idle", "0.2", "--", sys.executable, "-c", "pass"]) == 0
    data = last_json(capfd.readouterr().out)
    assert set(data["idle_power_w"]) == {"cpu", "ram"}
    assert data["idle_share"] is not None and 0.0 <= data["idle_share"] <= 1.0


def test_track_with_rapl_fake_tree(capfd, monkeypatch, tmp_path):
    pc = FakePowercap(tmp_path / "pc").server(sockets=1, dram=True)
    monkeypatch.setenv("WATTPRINT_POWERCAP_ROOT", str(pc.root))
    energy = pc.zones["intel-rapl:0"] / "energy_uj"
    code = f"open({str(energy)!r}, 'w').write('{1000 + 4_000_000}')"  # the command itself advances the counter
    assert main(["track", "--json", "--meter", "rapl", "--", sys.executable, "-c", code]) == 0
    data = last_json(capfd.readouterr().out)
    assert data["joules"] == {"cpu:0": 4.0, "dram:0": 0.0}
    assert data["all_measured"] is True and data["provenance"]["cpu:0"]["method"] == "counter"


def test_track_when_the_counter_breaks_during_the_command_says_estimated(capfd, monkeypatch, tmp_path):
    pc = FakePowercap(tmp_path / "pc").server(sockets=1, dram=True)
    monkeypatch.setenv("WATTPRINT_POWERCAP_ROOT", str(pc.root))
    energy = pc.zones["intel-rapl:0"] / "energy_uj"
    code = f"open({str(energy)!r}, 'w').write('garbage')"  # unreadable when the window closes
    assert main(["track", "--json", "--meter", "rapl", "--", sys.executable, "-c", code]) == 0
    out, err = capfd.readouterr()
    data = last_json(out)
    assert data["all_measured"] is False
    assert data["provenance"]["cpu:0"]["method"] == "model"
    assert "could not be read when the window closed" in data["provenance"]["cpu:0"]["note"]
    assert data["provenance"]["dram:0"]["method"] == "counter"
    assert data["measured_joules"] == data["joules"]["dram:0"]
    assert any("cpu:0 is NOT MEASURED" in w for w in data["warnings"])


@pytest.mark.slow
def test_track_subprocess_end_to_end(tmp_path):
    env = dict(os.environ)
    code = "import sys; print('child out'); sys.exit(4)"
    p = subprocess.run(
        [sys.executable, "-m", "wattprint", "track", "--json", "--", sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert p.returncode == 4
    assert p.stdout.startswith("child out\n")
    data = last_json(p.stdout)
    assert data["exit_code"] == 4 and data["total_joules"] > 0
    assert data["command"][-1] == code
