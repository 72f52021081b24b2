"""A component whose counter could not be read at a window's edges: estimated, never labelled measured.

A counter meter (RAPL) keeps the last good value when a read fails. Inside a window that is
harmless: the counter keeps counting and the next good read catches up. At a window's edge it
is not: a failed *closing* read misses the energy since the last good read, a failed *opening*
read adds the energy before the window, a counter left unread longer than it can take to
wrap may have lost whole ranges, and an interval dropped as a glitch (an implausible jump)
inside the window leaves its energy out. The meter says so in its :class:`~wattprint.energy.types.Reading`
(a :class:`~wattprint.energy.types.CounterFault` per such component); :func:`unread_reason` judges
a window from its two readings and :func:`estimate_unread` gives the figure that then replaces
the counter's: a model (method ``model``), with the reason in its note, like a component
the meter could not read at all when it opened.

The estimate is the counter's own mean power times the window's duration (J = W x s): over
the part of the window its good reads cover when there is one and no wrap may be missing, else
over every good read since the meter opened; never less than what the counter did count inside
the window when that is a lower bound. It needs no read beyond the window's two.
"""

from __future__ import annotations

from wattprint.energy.types import ComponentEnergy, CounterFault, Method, Provenance

#: Relative uncertainty of a mean-power extrapolation: the unread stretch may have drawn half or
#: double the power of the stretch that was read.
EXTRAPOLATION_UNCERTAINTY = (-0.5, 1.0)
#: A covered stretch shorter than this (s) is no basis for a mean power (clock noise).
MIN_COVERED_S = 1e-3


def _new_gaps(start: CounterFault | None, end: CounterFault | None) -> bool:
    return end is not None and end.gaps > (start.gaps if start is not None else 0)


def _new_drops(start: CounterFault | None, end: CounterFault | None) -> bool:
    return end is not None and end.dropped > (start.dropped if start is not None else 0)


def unread_reason(start: CounterFault | None, end: CounterFault | None) -> str:
    """Why a window's counter difference for one component is not a measurement ("" when it is).

    ``start``/``end``: the component's faults in the window's opening and closing readings (None: read fine).
    A read that failed only in the middle of the window is no reason: the closing read caught up.
    """
    reasons = []
    if start is not None and start.stale:
        reasons.append(f"its counter could not be read when the window opened ({start.stale})")
    if end is not None and end.stale:
        reasons.append(f"its counter could not be read when the window closed ({end.stale})")
    if _new_gaps(start, end):
        assert end is not None
        reasons.append(end.gap_note)
    if _new_drops(start, end):
        assert end is not None
        reasons.append(end.dropped_note)
    return "; ".join(reasons)


def estimate_unread(
    component: str,
    counted_j: float,
    duration_s: float,
    start: CounterFault | None,
    end: CounterFault | None,
    counter: Provenance,
    reason: str,
) -> ComponentEnergy:
    """The estimated energy (J) of ``component`` over a window of ``duration_s`` (s) whose counter
    difference ``counted_j`` (J) is not a measurement for ``reason``; ``counter`` is the provenance a
    good window would carry. Labelled ``model``: never counted as measured."""
    stale0 = start.stale_s if start is not None else 0.0
    stale1 = end.stale_s if end is not None else 0.0
    covered_s = duration_s + stale0 - stale1  # from the opening figure's read to the closing figure's
    mean_since_open = next((f.mean_power_w for f in (end, start) if f is not None and f.mean_power_w is not None),
                           None)
    low, high = EXTRAPOLATION_UNCERTAINTY
    if covered_s >= MIN_COVERED_S and not _new_gaps(start, end) and not _new_drops(start, end):
        power_w = counted_j / covered_s
        joules = power_w * duration_s
        how = (f"the counter's mean power over the {covered_s:.3g} s its good reads cover ({power_w:.3g} W) "
               f"x the window's {duration_s:.3g} s")
    elif mean_since_open is not None:
        joules = mean_since_open * duration_s
        how = (f"the counter's mean power since the meter opened ({mean_since_open:.3g} W) "
               f"x the window's {duration_s:.3g} s")
    else:
        joules, low = counted_j, 0.0
        how = "the counter's difference, a lower bound (no good read to take a mean power from)"
    if not (start is not None and start.stale) and not _new_gaps(start, end) and joules < counted_j:
        joules = counted_j  # what the counter did count inside the window is a lower bound
        how += f", raised to the {counted_j:.3g} J the counter counted inside the window"
    return ComponentEnergy(
        component=component,
        joules=max(0.0, joules),
        provenance=Provenance(
            source=counter.source,
            method=Method.MODEL,
            sampling_period_s=None,
            uncertainty_low=low,
            uncertainty_high=high,
            note=f"NOT MEASURED in this window: {reason}; estimated as {how}; counter: {counter.note}",
        ),
    )
