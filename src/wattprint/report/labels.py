"""Energy labels: one self-contained SVG card per (task, model).

Shows model, task, Wh per 1,000 inferences with its 95% interval, 1-5 stars,
hardware, date, and whether the figure is measured or (partly) estimated.
Every string is XML-escaped.
"""

from __future__ import annotations

from html import escape

from wattprint.analysis.leaderboard import Entry
from wattprint.report.fmt import interval, params, pct, sig
from wattprint.results.schema import MEASURED_SHARE_MIN

__all__ = ["STAR_COLORS", "energy_label_svg"]

#: fill colour per star count (None: not rated)
STAR_COLORS = {5: "#1a9850", 4: "#66bd63", 3: "#d9b310", 2: "#f46d43", 1: "#d73027", None: "#8a94a6"}


def _clip(s: str, n: int) -> str:
    return s if len(s) <= n else s[: n - 1] + "\u2026"


def _star_path(cx: float, cy: float, r: float) -> str:
    import math

    pts = []
    for i in range(10):
        rad = r if i % 2 == 0 else r * 0.45
        a = -math.pi / 2 + i * math.pi / 5
        pts.append(f"{cx + rad * math.cos(a):.1f},{cy + rad * math.sin(a):.1f}")
    return "M" + " L".join(pts) + " Z"


def energy_label_svg(e: Entry, width: int = 260) -> str:
    """The label of one leaderboard entry as an inline ``<svg>`` string (escaped)."""
    color = STAR_COLORS.get(e.stars, STAR_COLORS[None])
    h = 330
    measured = e.measured_share >= MEASURED_SHARE_MIN
    status = "MEASURED" if measured else f"ESTIMATED {pct(1 - e.measured_share)}"
    status_color = "#1a9850" if measured else "#b35806"
    lo, hi = e.wh_per_1k_ci95
    stars = []
    for i in range(5):
        filled = e.stars is not None and i < e.stars
        stars.append(
            f'<path d="{_star_path(30 + i * 30, 196, 11)}" fill="{color if filled else "#e3e7ee"}" '
            f'stroke="{color if filled else "#c5ccd8"}" stroke-width="1"/>'
        )
    star_text = f"{e.stars} / 5 in {e.group}" if e.stars is not None else f"not rated (one model in {e.group})"
    title = f"{e.model} - {e.task}: {sig(e.wh_per_1k)} Wh per 1,000 inferences"
    t = escape
    dot = " \u00b7 "
    sub = t(_clip(e.task, 28)) + (dot + t(params(e.parameters)) + " params" if e.parameters else "")
    ci_line = "95% CI " + t(interval(lo, hi))
    if e.g_co2e_per_1k is not None:
        ci_line += dot + t(sig(e.g_co2e_per_1k)) + " g CO2e"
    date_line = f"Date: {t(e.date)}{dot}{e.runs} run{'s' if e.runs != 1 else ''}{dot}{t(e.origin)}"
    lines = [
        f'<svg class="label" xmlns="http://www.w3.org/2000/svg" width="{width}" height="{h}" '
        f'viewBox="0 0 {width} {h}" role="img" aria-label="{t(title)}">',
        f"<title>{t(title)}</title>",
        f'<rect x="0.5" y="0.5" width="{width - 1}" height="{h - 1}" rx="10" fill="#fff" stroke="#c5ccd8"/>',
        f'<rect x="0.5" y="0.5" width="{width - 1}" height="44" rx="10" fill="{color}"/>',
        f'<rect x="0.5" y="30" width="{width - 1}" height="15" fill="{color}"/>',
        '<text x="14" y="28" font-size="15" font-weight="700" fill="#fff" letter-spacing="1.5">ENERGY LABEL</text>',
        f'<text x="{width - 14}" y="28" font-size="11" fill="#fff" text-anchor="end">wattprint</text>',
        f'<text x="14" y="68" font-size="14" font-weight="700" fill="#1d2433">{t(_clip(e.model, 30))}</text>',
        f'<text x="14" y="86" font-size="11.5" fill="#5b6577">{sub}</text>',
        f'<text x="14" y="132" font-size="34" font-weight="800" fill="#1d2433">{t(sig(e.wh_per_1k))}</text>',
        '<text x="14" y="150" font-size="11.5" fill="#5b6577">Wh per 1,000 inferences</text>',
        f'<text x="14" y="166" font-size="10.5" fill="#8a94a6">{ci_line}</text>',
        *stars,
        f'<text x="14" y="226" font-size="10.5" fill="#5b6577">{t(_clip(star_text, 42))}</text>',
        f'<line x1="14" y1="240" x2="{width - 14}" y2="240" stroke="#e3e7ee"/>',
        f'<text x="14" y="258" font-size="10.5" fill="#5b6577">Hardware: {t(_clip(e.hardware, 34))}</text>',
        f'<text x="14" y="274" font-size="10.5" fill="#5b6577">{date_line}</text>',
        f'<rect x="14" y="288" width="{width - 28}" height="26" rx="5" fill="{status_color}" fill-opacity="0.12" '
        f'stroke="{status_color}"/>',
        f'<text x="{width / 2}" y="305" font-size="11" font-weight="700" fill="{status_color}" '
        f'text-anchor="middle">{t(status)}</text>',
        "</svg>",
    ]
    return "\n".join(lines)
