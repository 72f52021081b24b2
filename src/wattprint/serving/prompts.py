"""Prompts for the load generator: synthetic ones of a set length in tokens, or a JSONL/CSV file.

Synthetic prompts are random words (seeded, different per request, so a server's prefix cache does
not turn prefill into a lookup). Their length in tokens is set through a words-per-token ratio that
:func:`calibrate` reads from the server's own ``usage`` on a probe request; the tokens each request
really had are always read back from ``usage`` and counted, never assumed.
"""

from __future__ import annotations

import csv
import json
import random
from dataclasses import dataclass
from pathlib import Path

from wattprint.errors import WattprintError

_WORDS = (
    "time year people way day man thing woman life child world school state family student group country "
    "problem hand part place case week company system program question work government number night point "
    "home water room mother area money story fact month lot right study book eye job word business issue side "
    "kind head house service friend father power hour game line end member law car city community name "
    "president team minute idea kid body information back parent face others level office door health person "
    "art war history party result change morning reason research girl guy moment air teacher force education"
).split()

#: Largest prompt length accepted (tokens): beyond this a typo is more likely than a real request.
MAX_INPUT_TOKENS = 1_000_000


@dataclass(frozen=True)
class Prompt:
    """One request's input: text (or chat messages) and the output length asked for (tokens)."""

    text: str
    max_tokens: int
    messages: tuple[tuple[str, str], ...] | None = None


class PromptSource:
    """Hands out prompts in turn: synthetic ones of ``input_tokens`` tokens, or those of a file."""

    def __init__(self, prompts: list[Prompt] | None = None, *, input_tokens: int = 0, output_tokens: int = 16,
                 seed: int = 0, words_per_token: float = 0.75) -> None:
        self._fixed = prompts
        self.input_tokens = input_tokens
        self.output_tokens = output_tokens
        self.words_per_token = words_per_token
        self._rng = random.Random(seed)
        self._i = 0

    @property
    def synthetic(self) -> bool:
        return self._fixed is None

    def words_for(self, tokens: int) -> int:
        return max(1, round(tokens * self.words_per_token))

    def next(self) -> Prompt:
        if self._fixed is not None:
            p = self._fixed[self._i % len(self._fixed)]
            self._i += 1
            return p
        text = " ".join(self._rng.choices(_WORDS, k=self.words_for(self.input_tokens)))
        return Prompt(text, self.output_tokens)

    def describe(self) -> str:
        if self._fixed is not None:
            return f"{len(self._fixed)} prompts from a file"
        return f"synthetic, {self.input_tokens} input / {self.output_tokens} output tokens"


def synthetic_words(n: int, seed: int = 0) -> str:
    """``n`` random words (seeded): the calibration probe's prompt."""
    return " ".join(random.Random(seed).choices(_WORDS, k=n))


def _check_len(n: object, what: str) -> int:
    if not isinstance(n, int) or isinstance(n, bool) or n < 1 or n > MAX_INPUT_TOKENS:
        raise WattprintError(f"{what} must be a whole number of tokens from 1 to {MAX_INPUT_TOKENS:,}, got {n!r}",
                             hint="e.g. --input-tokens 128 --output-tokens 64")
    return n


def _row_max_tokens(row: dict, where: str, default: int) -> int:
    """A row's ``max_tokens`` (JSON number or CSV text), else ``default``; errors name the file and line."""
    value = row.get("max_tokens")
    if value is None or value == "":
        return default
    try:
        return _check_len(int(value) if isinstance(value, str) else value, "max_tokens")
    except (ValueError, WattprintError):
        raise WattprintError(f"{where}: max_tokens must be a whole number of tokens from 1 to "
                             f"{MAX_INPUT_TOKENS:,}, got {value!r}", hint="fix that line, or drop max_tokens to use "
                             "--output-tokens") from None


def _messages(value: object, where: str) -> tuple[tuple[str, str], ...]:
    """Chat ``messages``: a non-empty list of ``{"role": ..., "content": "..."}`` objects."""
    if not isinstance(value, list) or not value or not all(
            isinstance(m, dict) and isinstance(m.get("content", ""), str) for m in value):
        raise WattprintError(f"{where}: 'messages' must be a list of {{\"role\": ..., \"content\": \"...\"}} objects",
                             hint='e.g. {"messages": [{"role": "user", "content": "Hello"}]}')
    return tuple((str(m.get("role", "user")), m.get("content", "")) for m in value)


def load_prompts(path: str | Path, output_tokens: int) -> list[Prompt]:
    """Read prompts from JSONL (``{"prompt": ...}`` or ``{"messages": [...]}``, optional ``max_tokens``)
    or CSV (a ``prompt`` column, optional ``max_tokens``). Raises a one-line error for a bad file."""
    p = Path(path)
    if not p.is_file():
        raise WattprintError(f"no prompt file {p}", hint="give a .jsonl or .csv file of prompts")
    out: list[Prompt] = []
    try:
        if p.suffix.lower() == ".csv":
            with p.open(newline="", encoding="utf-8") as f:
                reader = csv.DictReader(f)
                if "prompt" not in (reader.fieldnames or []):
                    raise WattprintError(f"{p} has no 'prompt' column", hint="columns: prompt[,max_tokens]")
                for row in reader:
                    mt = _row_max_tokens(row, f"{p}:{reader.line_num}", output_tokens)
                    out.append(Prompt(row["prompt"], mt))
        else:
            for ln, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1):
                if not line.strip():
                    continue
                try:
                    row = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise WattprintError(f"{p}:{ln} is not JSON: {exc.msg}", hint="one JSON object per line") from None
                if not isinstance(row, dict) or not ("prompt" in row or "messages" in row):
                    raise WattprintError(f"{p}:{ln} has no 'prompt' or 'messages'",
                                         hint='e.g. {"prompt": "Hello", "max_tokens": 32}')
                mt = _row_max_tokens(row, f"{p}:{ln}", output_tokens)
                msgs = None
                if "messages" in row:
                    msgs = _messages(row["messages"], f"{p}:{ln}")
                elif not isinstance(row["prompt"], str):
                    raise WattprintError(f"{p}:{ln}: 'prompt' must be text, got {type(row['prompt']).__name__}",
                                         hint='e.g. {"prompt": "Hello", "max_tokens": 32}')
                out.append(Prompt(str(row.get("prompt", "")), mt, msgs))
    except UnicodeDecodeError:
        raise WattprintError(f"{p} is not UTF-8 text", hint="save the prompt file as UTF-8") from None
    except ValueError as exc:
        if isinstance(exc, WattprintError):
            raise
        raise WattprintError(f"{p}: bad max_tokens ({exc})", hint="max_tokens must be a whole number") from None
    if not out:
        raise WattprintError(f"{p} holds no prompts", hint="one prompt per line (JSONL) or row (CSV)")
    return out
