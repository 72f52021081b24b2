"""YAML loading that remembers where every value came from (file line numbers).

The sweep file is composed with ``yaml.compose`` (safe loader), so each node
keeps its start mark. :class:`LineMap` maps a path such as
``("models", 3, "task")`` to the 1-based line of that node, and turns a
pydantic error location into ``models[3].task`` plus its line.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from wattprint.errors import WattprintError

Path_ = tuple[str | int, ...]

#: Largest sweep file read (bytes): a sweep of thousands of runs is a few hundred kB.
MAX_SWEEP_BYTES = 1 << 20
#: Most YAML nodes a sweep file may expand to, aliases expanded (an alias bomb stops here).
MAX_YAML_NODES = 100_000


@dataclass
class Problem:
    """One thing wrong with a sweep file, at a line."""

    file: str
    line: int | None
    where: str
    message: str

    def __str__(self) -> str:
        loc = f"{self.file}:{self.line}" if self.line else self.file
        return f"{loc}: {self.where}: {self.message}" if self.where else f"{loc}: {self.message}"


class SweepFileError(WattprintError):
    """A sweep file that does not parse or validate; ``problems`` holds every one found."""

    def __init__(self, problems: list[Problem], hint: str = "") -> None:
        self.problems = problems
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        super().__init__(f"{problems[0]}{more}", hint or "fix the file and run again; --dry-run validates only")


@dataclass
class LineMap:
    """1-based line of each node, keyed by its path from the document root."""

    file: str
    lines: dict[Path_, int] = field(default_factory=dict)
    scalars: set[Path_] = field(default_factory=set)

    def deepest(self, loc: Sequence[str | int]) -> tuple[Path_, int | None]:
        """The longest prefix of ``loc`` that is a node of the file, and its line.

        A prefix that is a scalar ends the walk: ``task[0]`` of a task written
        as one string is reported as ``task``.
        """
        best: Path_ = ()
        line = self.lines.get(())
        cur: Path_ = ()
        for part in loc:
            cur = (*cur, part)
            if cur not in self.lines:
                break
            best, line = cur, self.lines[cur]
            if cur in self.scalars:
                break
        return best, line

    def problem(self, loc: Sequence[str | int], message: str) -> Problem:
        """A :class:`Problem` at ``loc`` (a pydantic error location or a path)."""
        loc = [p for p in loc if isinstance(p, int) or _is_path_key(p)]
        best, line = self.deepest(loc)
        shown = best if best in self.scalars else tuple(loc)
        return Problem(self.file, line, format_path(shown), message)


def _is_path_key(part: str) -> bool:
    # pydantic adds tags such as "function-after[...]" or "list[str]" for unions
    return not ("[" in part and part.endswith("]"))


def format_path(path: Sequence[str | int]) -> str:
    """``("models", 3, "task")`` -> ``models[3].task``."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def _walk(node: yaml.Node, path: Path_, lm: LineMap, problems: list[Problem], budget: list[int]) -> None:
    budget[0] -= 1
    if budget[0] < 0:
        raise SweepFileError(
            [Problem(lm.file, None, "", f"the file expands to more than {MAX_YAML_NODES:,} YAML values "
                                        "with its aliases (*name) followed: refused (a YAML alias bomb?)")],
            f"write the sweep with fewer aliases; the limit is {MAX_YAML_NODES:,} values",
        )
    lm.lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        seen: dict[Any, int] = {}
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":  # "<<: *anchor": keys come from elsewhere
                if isinstance(value_node, yaml.MappingNode):
                    _walk(value_node, path, lm, problems, budget)
                continue
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else str(key_node.start_mark)
            line = key_node.start_mark.line + 1
            if key in seen:
                problems.append(
                    Problem(lm.file, line, format_path((*path, key)), f"duplicate key (first on line {seen[key]})")
                )
            seen[key] = line
            child = (*path, key)
            lm.lines[child] = line
            _walk(value_node, child, lm, problems, budget)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _walk(item, (*path, i), lm, problems, budget)
    else:
        lm.scalars.add(path)


def load_yaml_with_lines(text: str, file: str) -> tuple[Any, LineMap]:
    """Parse ``text`` (one YAML document) into plain data and its :class:`LineMap`.

    Raises :class:`SweepFileError` for YAML syntax errors and duplicate keys.
    """
    lm = LineMap(file)
    if len(text) > MAX_SWEEP_BYTES:
        raise SweepFileError([Problem(file, None, "", f"the file is larger than the limit of {MAX_SWEEP_BYTES:,} "
                                                      "characters")], "split it into several sweep files")
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except RecursionError as exc:
        raise SweepFileError([Problem(file, None, "", "YAML nested too deeply")]) from exc
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        msg = " ".join(str(x) for x in (exc.context, exc.problem) if x) or "invalid YAML"
        raise SweepFileError([Problem(file, line, "", f"YAML syntax: {msg}")]) from exc
    except yaml.YAMLError as exc:
        raise SweepFileError([Problem(file, None, "", f"YAML syntax: {exc}")]) from exc
    if node is None:
        raise SweepFileError([Problem(file, 1, "", "the file is empty")], "see docs/sweeps.md for the format")
    problems: list[Problem] = []
    try:
        _walk(node, (), lm, problems, [MAX_YAML_NODES])
    except RecursionError as exc:
        raise SweepFileError([Problem(file, None, "", "YAML nested too deeply")]) from exc
    if problems:
        raise SweepFileError(problems)
    loader = yaml.SafeLoader("")
    try:
        data = loader.construct_document(node)
    except yaml.constructor.ConstructorError as exc:
        mark = exc.problem_mark
        raise SweepFileError([Problem(file, mark.line + 1 if mark else None, "", str(exc.problem))]) from exc
    finally:
        loader.dispose()
    return data, lm


def read_sweep_text(path: str | Path) -> str:
    """The text of a sweep file, or a one-line error for a missing/unreadable one."""
    p = Path(path)
    if not p.is_file():
        raise WattprintError(f"sweep file {p} not found", "give the path of a YAML sweep file, e.g. configs/smoke.yaml")
    try:
        size = p.stat().st_size
        if size > MAX_SWEEP_BYTES:
            raise WattprintError(f"sweep file {p} is {size:,} bytes, more than the limit of {MAX_SWEEP_BYTES:,}",
                                 "split it into several sweep files")
        return p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise WattprintError(f"cannot read sweep file {p}: {exc}", "check the file's permissions and encoding") from exc
