"""Non-finite and absurd numbers: a one-line error, or a warning naming the row, never a traceback or a silent pass."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from cli_capture import run_cli
from fakes_analysis import study_like
from wattprint.energy.idle import MAX_IDLE_S, check_idle_seconds
from wattprint.errors import WattprintError
from wattprint.results.importers import import_codecarbon
from wattprint.results.store import ResultStore

V3 = Path(__file__).parent / "fixtures" / "codecarbon" / "v3" / "emissions.csv"


def _log_with(tmp_path: Path, **changes: str) -> Path:
    """The v3 fixture with ``changes`` applied to its second data row (file line 3)."""
    rows = list(csv.DictReader(io.StringIO(V3.read_text(encoding="utf-8"))))
    rows[1].update(changes)
    out = io.StringIO()
    w = csv.DictWriter(out, fieldnames=list(rows[0]))
    w.writeheader()
    w.writerows(rows)
    path = tmp_path / "emissions.csv"
    path.write_text(out.getvalue(), encoding="utf-8")
    return path


@pytest.mark.parametrize("column", ["cpu_energy", "gpu_energy", "energy_consumed", "duration", "emissions"])
@pytest.mark.parametrize("value", ["inf", "-inf", "nan", "1e999"])
def test_a_non_finite_codecarbon_figure_is_a_one_line_error_naming_the_row(column, value, tmp_path, capsys):
    log = _log_with(tmp_path, **{column: value})
    rc, text = run_cli(["import", "codecarbon", str(log), "--db", str(tmp_path / "db.db")], capsys)
    assert rc == 2 and text.startswith("error:") and f"{log}:3" in text and repr(column) in text, text
    with ResultStore(tmp_path / "db.db") as store:
        assert store.count() == 0  # nothing imported


def test_energy_consumed_inconsistent_with_its_components_is_a_warning_naming_the_row(tmp_path, capsys):
    rows = list(csv.DictReader(io.StringIO(V3.read_text(encoding="utf-8"))))
    doubled = str(2 * float(rows[1]["energy_consumed"]))
    log = _log_with(tmp_path, energy_consumed=doubled)
    outcome = import_codecarbon([log])
    assert len(outcome.results) == 2
    assert len(outcome.warnings) == 1 and f"{log}:3" in outcome.warnings[0]
    assert "is not cpu + gpu + ram" in outcome.warnings[0]
    rc, text = run_cli(["import", "codecarbon", str(log), "--dry-run"], capsys)
    assert rc == 0 and "warning:" in text and "is not cpu + gpu + ram" in text
    assert import_codecarbon([V3]).warnings == []  # a consistent log warns about nothing


def test_an_optional_non_finite_column_is_ignored_with_a_warning(tmp_path):
    log = _log_with(tmp_path, ram_total_size="inf", cpu_power="-3")
    outcome = import_codecarbon([log])
    assert len(outcome.results) == 2
    assert sorted(w.split(": ")[1] for w in outcome.warnings) == ["column 'cpu_power' = '-3' ignored (not a finite "
                                                                 "number >= 0)", "column 'ram_total_size' = 'inf' "
                                                                 "ignored (not a finite number >= 0)"]
    assert all(r.environment.ram_gb is None or r.environment.ram_gb < 1e6 for r in outcome.results)


@pytest.mark.parametrize("value", [1e300, float("nan"), float("inf"), -1.0, MAX_IDLE_S + 1])
def test_idle_seconds_out_of_range_is_refused(value):
    with pytest.raises(WattprintError, match="must be 0 to 3600 seconds"):
        check_idle_seconds(value, "--idle")
    assert check_idle_seconds(0, "--idle") == 0.0 and check_idle_seconds(MAX_IDLE_S, "--idle") == MAX_IDLE_S


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["track", "--idle", "1e300", "--", "true"], "--idle must be 0 to 3600 seconds"),
        (["track", "--idle", "nan", "--", "true"], "--idle must be 0 to 3600 seconds"),
        (["run", "-t", "text-classification", "-m", "arch:bert-tiny", "--idle-seconds", "1e300"],
         "--idle-seconds must be 0 to 3600 seconds"),
        (["run", "-t", "text-classification", "-m", "arch:bert-tiny", "--idle-seconds", "nan"],
         "--idle-seconds must be 0 to 3600 seconds"),
        (["run", "-t", "text-classification", "-m", "arch:bert-tiny", "--timeout", "-1"],
         "--timeout must be a positive number"),
        (["run", "-t", "text-classification", "-m", "arch:bert-tiny", "--timeout", "0"],
         "--timeout must be a positive number"),
        (["run", "-t", "text-classification", "-m", "arch:bert-tiny", "--timeout", "nan"],
         "--timeout must be a positive number"),
    ],
    ids=lambda x: " ".join(x) if isinstance(x, list) else None,
)
def test_absurd_command_line_numbers_fail_before_any_work(argv, message, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("WATTPRINT_DB", raising=False)
    rc, text = run_cli(argv, capsys)
    assert rc == 2 and message in text, text
    assert not (tmp_path / "wattprint.db").exists()  # nothing ran, nothing stored


@pytest.mark.parametrize("pue", ["0", "0.5", "nan"])
def test_report_pue_out_of_range_is_an_error_not_one(pue, tmp_path, capsys):
    db = tmp_path / "runs.db"
    with ResultStore(db) as store:
        store.put_many(study_like())
    rc, text = run_cli(["report", "--db", str(db), "--pue", pue], capsys)
    assert rc == 2 and "PUE" in text and "outside 1-3" in text, text
