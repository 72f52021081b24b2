"""Absurd sizes are refused up front, with the limit in the message (issue #12 item 7)."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from wattprint.cli.main import main
from wattprint.errors import WattprintError
from wattprint.results.schema import MAX_N, MAX_REPEATS
from wattprint.sweep import expand, parse_sweep
from wattprint.sweep import spec as spec_mod
from wattprint.sweep.spec import count_runs
from wattprint.sweep.yamlmarks import MAX_SWEEP_BYTES, MAX_YAML_NODES, SweepFileError, load_yaml_with_lines


def _bomb(levels: int = 9, width: int = 9) -> str:
    """The "billion laughs" in YAML: each anchor lists the previous one ``width`` times."""
    lines = ['a0: &a0 ["lol"]']
    for i in range(1, levels + 1):
        lines.append(f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * width)}]")
    lines.append(f"models: [{{task: text-classification, id: m, datasets: [synthetic], matrix: {{seed: *a{levels}}}}}]")
    return "\n".join(lines) + "\n"


def test_yaml_alias_bomb_is_refused_fast_with_the_limit():
    t0 = time.monotonic()
    with pytest.raises(SweepFileError) as ei:
        parse_sweep(_bomb(), "bomb.yaml")
    assert time.monotonic() - t0 < 5
    assert f"more than {MAX_YAML_NODES:,} YAML values" in ei.value.message and "alias" in ei.value.message


def test_modest_aliases_still_work():
    data, _ = load_yaml_with_lines(_bomb(levels=2, width=3), "ok.yaml")
    assert data["a2"] == [[["lol"]] * 3] * 3


def test_huge_and_deeply_nested_files_are_refused(tmp_path: Path):
    with pytest.raises(SweepFileError, match=f"larger than the limit of {MAX_SWEEP_BYTES:,}"):
        parse_sweep("#" * (MAX_SWEEP_BYTES + 1))
    big = tmp_path / "big.yaml"
    big.write_text("# padding\n" * (MAX_SWEEP_BYTES // 10 + 1))
    code = main(["sweep", str(big), "--dry-run"])
    assert code == 2
    with pytest.raises(SweepFileError, match="nested too deeply"):
        parse_sweep("[" * 50_000 + "]" * 50_000)


def _values(seq) -> str:
    return ", ".join(map(str, seq))


MATRIX = f"""\
name: huge
models:
  - task: text-classification
    ids: [m0, m1]
    datasets: [synthetic]
    matrix:
      seed: [{_values(range(1000))}]
      warmup: [{_values(range(1000))}]
      batch_size: [{_values(range(1, 101))}]
"""


def test_a_matrix_of_2e8_runs_is_refused_before_expanding():
    spec, _ = parse_sweep(MATRIX)
    assert count_runs(spec) == 2 * 1000 * 1000 * 100
    t0 = time.monotonic()
    with pytest.raises(WattprintError) as ei:
        expand(spec)
    assert time.monotonic() - t0 < 2
    assert "expands to 200,000,000 runs, more than the limit of 10,000" in ei.value.message
    assert "--force" in ei.value.hint


def test_force_lifts_the_matrix_limit(tmp_path: Path, monkeypatch, capsys):
    f = tmp_path / "six.yaml"
    f.write_text("name: six\nmodels:\n  - task: text-classification\n    ids: [m0, m1, m2]\n"
                 "    datasets: [synthetic]\n    matrix: {seed: [0, 1]}\n")
    monkeypatch.setattr(spec_mod, "MAX_RUNS", 5)
    db = str(tmp_path / "w.db")
    assert main(["sweep", str(f), "--dry-run", "--json", "--db", db]) == 2
    assert "expands to 6 runs, more than the limit of 5" in capsys.readouterr().err
    assert main(["sweep", str(f), "--dry-run", "--json", "--force", "--db", db]) == 0
    assert json.loads(capsys.readouterr().out)["runs"] == 6


@pytest.mark.parametrize(("option", "value", "limit"), [("-n", "10" * 12, MAX_N), ("--repeats", "1" * 21, MAX_REPEATS)])
def test_run_sizes_beyond_the_maxima_are_refused_with_the_limit(tmp_path: Path, capsys, option, value, limit):
    code = main(["run", "-t", "text-classification", "-m", "arch:bert-tiny", option, value,
                 "--db", str(tmp_path / "w.db")])
    err = capsys.readouterr().err
    assert code == 2 and f"invalid option {option}: Input should be less than or equal to {limit}" in err
    assert not (tmp_path / "w.db").exists()  # refused before anything was opened or measured
