"""Prefill and decode energy from several windows: a linear least-squares fit.

    window J = base W x window s + J per input token x input tokens + J per output token x output tokens

One row per steady-state window (every level, repeat and input/output mix). With one mix the token
counts move together and the per-token terms are not identifiable: run at least two mixes (e.g. a
long prompt with a short answer and the reverse). Ordinary least squares (``numpy.linalg.lstsq``),
95% intervals from the coefficients' standard errors and the t distribution (``scipy.stats``).
"""

from __future__ import annotations

from collections.abc import Sequence

from wattprint.errors import WattprintError
from wattprint.results.serving import EnergyFit, FitTerm, LevelRepeat


def fit_energy(rows: Sequence[tuple[float, float, float, float]]) -> EnergyFit:
    """Fit ``(window_s, input_tokens, output_tokens, joules)`` rows; needs 4+ rows and independent columns."""
    import numpy as np
    from scipy import stats

    if len(rows) < 4:
        raise WattprintError(f"the prefill/decode fit needs at least 4 windows, got {len(rows)}",
                             hint="run more levels or repeats, with at least two input/output mixes")
    a = np.asarray(rows, dtype=float)
    x, y = a[:, :3], a[:, 3]
    if np.linalg.matrix_rank(x) < 3:
        raise WattprintError("the prefill/decode fit cannot separate input from output tokens",
                             hint="run at least two input/output mixes, e.g. --mix 512:32 --mix 32:256")
    coef, _, _, _ = np.linalg.lstsq(x, y, rcond=None)
    resid = y - x @ coef
    dof = len(y) - 3
    sigma2 = float(resid @ resid) / dof if dof > 0 else 0.0
    cov = sigma2 * np.linalg.inv(x.T @ x)
    se = np.sqrt(np.clip(np.diag(cov), 0.0, None))
    t = float(stats.t.ppf(0.975, dof)) if dof > 0 else float("nan")
    ss_tot = float(((y - y.mean()) ** 2).sum())
    r2 = 1.0 - float(resid @ resid) / ss_tot if ss_tot > 0 else 1.0
    terms = [FitTerm(value=float(c), low=float(c - t * s), high=float(c + t * s))
             for c, s in zip(coef, se, strict=True)]
    warning = ""
    if any(t.high < 0 for t in terms):
        warning = ("a coefficient is negative beyond its interval: energy here is not linear in time and tokens "
                   "(e.g. a saturated server whose throughput is flat, or a CPU-time estimate that tracks time); "
                   "do not read the terms as costs")
    elif any(t.value < 0 < t.high for t in terms[1:]):  # printed bare, '-3.34 J per 1,000 output tokens' read as a cost
        names = [n for n, t in zip(("input", "output"), terms[1:], strict=True) if t.value < 0 < t.high]
        warning = (f"the J per {' and per '.join(names)} token term is negative but its 95% interval includes 0: "
                   "not distinguishable from zero at these loads (more windows, or mixes further apart, narrow it)")
    return EnergyFit(base_power_w=terms[0], j_per_input_token=terms[1], j_per_output_token=terms[2],
                     windows=len(y), r2=r2, warning=warning)


def fit_rows(repeats: Sequence[LevelRepeat]) -> list[tuple[float, float, float, float]]:
    """The fit's rows from stored windows: (window s, input tokens, output tokens, whole J)."""
    return [(r.window_s, float(r.input_tokens), r.output_tokens, r.energy.total_joules)
            for r in repeats if r.window_s > 0]
