"""``--json`` output: ``json_text`` gives ``json.dumps(indent=2, default=str)``'s text byte for byte."""

from __future__ import annotations

import json
import random
from datetime import date

from wattprint.cli import common
from wattprint.cli.common import json_text


def _ids(n: int, seed: int) -> list[str]:
    """Run-id-like strings, some with what JSON escapes (quotes, backslashes, control and non-ASCII characters)."""
    rng = random.Random(seed)
    odd = ['"', "\\", "\n", "\t", "\x00", "\x1f", "é", "\u2028", "😀", "/", "<", "&"]
    return [f"{rng.getrandbits(64):016x}" + (rng.choice(odd) if rng.random() < 0.2 else "") for _ in range(n)]


def test_json_text_is_json_dumps_indent_2_byte_for_byte() -> None:
    n = common._LONG_LIST
    long_ids, short_ids = _ids(n + 7, 1), _ids(n - 1, 2)
    report_like = {
        "runs": 3, "units": {"energy": "Wh"}, "failed": 0, "empty": [], "none": None, "flag": True,
        "leaderboard": [{"task": "t", "run_ids": long_ids, "ci": (1.5, 2.5), "components": {"cpu": 0.1}},
                        {"task": "u", "run_ids": short_ids, "datasets": []},
                        {"task": "v", "run_ids": _ids(n, 3)}],
        "nested": [[long_ids], {"deeper": {"ids": long_ids}}, (long_ids, 1)],
        "mixed": [*long_ids, 1],  # not only strings: encoded as before
        "odd keys": {1: long_ids, 2.5: "x"},
        "when": date(2024, 5, 1),  # default=str
    }
    plain = [f"{i:032x}-~ !" for i in range(n + 3)]  # nothing to escape: written as they are
    edges = [plain[:-1] + [last] for last in ("\x7f", "\x1f", "é", '"', "\\")]  # one string to escape in each
    for doc in (report_like, long_ids, short_ids, {"only": long_ids}, [], {}, "text", 1.25, {"ids": plain}, *edges):
        assert json_text(doc) == json.dumps(doc, indent=2, default=str)

