"""Analysis of stored runs: pure functions over ``list[RunResult]``, no I/O.

Energy is in Wh per 1,000 inferences, emissions in g CO2e per 1,000 inferences.
"""

from wattprint.analysis.audit import audit_summary
from wattprint.analysis.carbon import carbon_factor, recompute_carbon
from wattprint.analysis.compare import Comparison, compare_runs
from wattprint.analysis.fits import Fit, energy_vs_output_length, energy_vs_parameters, linear_fit, loglog_fit
from wattprint.analysis.leaderboard import Entry, leaderboard
from wattprint.analysis.multipurpose import DEFAULT_FAMILIES, Ratio, is_multi_purpose, multi_vs_specific
from wattprint.analysis.stars import size_class, star_ratings
from wattprint.analysis.stats import GroupStats, Stats, by_dataset, by_model, by_task, describe, group_stats
from wattprint.analysis.welch import welch_t_test

__all__ = [
    "audit_summary",
    "Comparison",
    "DEFAULT_FAMILIES",
    "Entry",
    "Fit",
    "GroupStats",
    "Ratio",
    "Stats",
    "by_dataset",
    "by_model",
    "by_task",
    "carbon_factor",
    "compare_runs",
    "describe",
    "energy_vs_output_length",
    "energy_vs_parameters",
    "group_stats",
    "is_multi_purpose",
    "leaderboard",
    "linear_fit",
    "loglog_fit",
    "multi_vs_specific",
    "recompute_carbon",
    "size_class",
    "star_ratings",
    "welch_t_test",
]
