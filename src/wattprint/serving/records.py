"""What the load generator records: one :class:`RequestRecord` per request, one :class:`LevelLoad` per level.

Times are ``time.perf_counter()`` seconds (s) of the generator's process; token counts come from the
server's ``usage`` when it sends one (``tokens_from_usage``), else from the streamed chunks.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class RequestRecord:
    """One request: when it was sent, when its chunks arrived, what it produced (s, tokens)."""

    start: float
    end: float = 0.0
    ok: bool = False
    status: int | None = None
    error: str = ""
    first_token: float | None = None
    chunk_times: list[float] = field(default_factory=list)
    input_tokens: int = 0
    output_tokens: int = 0
    tokens_from_usage: bool = False

    @property
    def ttft_s(self) -> float | None:
        """Time to first token (s): from sending to the first content chunk."""
        return None if self.first_token is None else self.first_token - self.start

    @property
    def e2e_s(self) -> float:
        """End-to-end latency (s)."""
        return self.end - self.start

    @property
    def tokens_per_chunk(self) -> float:
        """Output tokens carried by one streamed chunk on average (1.0 when the server streams per token)."""
        n = len(self.chunk_times)
        return self.output_tokens / n if n and self.output_tokens else 1.0

    @property
    def tpot_s(self) -> float | None:
        """Time per output token after the first (s): (last chunk - first chunk) / (output tokens - 1).
        Robust to chunks read in bursts, which shrink single gaps but not their sum."""
        if self.first_token is None or self.output_tokens < 2 or not self.chunk_times:
            return None
        return (self.chunk_times[-1] - self.first_token) / (self.output_tokens - 1)

    def itl_samples(self) -> list[float]:
        """Inter-token latencies (s): gaps between content chunks, divided by tokens per chunk."""
        per = self.tokens_per_chunk
        t = self.chunk_times
        return [(b - a) / per for a, b in zip(t, t[1:], strict=False)]


@dataclass
class LevelLoad:
    """Everything the generator saw at one load level (one repeat), before energy is joined in.

    ``window_start``/``window_end`` bound the steady-state window (perf_counter s): it opens when
    the ramp-up requests have completed and closes when the generator stops issuing. ``failed``
    holds why the level was abandoned (a dead server, the level's time cap before the window opened).
    """

    kind: str  # "concurrency" | "rate"
    value: float
    issue_start: float
    window_start: float | None = None
    window_end: float | None = None
    drain_end: float = 0.0
    records: list[RequestRecord] = field(default_factory=list)
    failed: str = ""
    short: str = ""  # set when the window ended at the time cap before its minimums were met
    generator_cpu_s: float = 0.0  # CPU seconds of the generator's own process during the window
