"""Importers: other tools' logs into wattprint :class:`~wattprint.results.schema.RunResult`."""

from wattprint.results.importers.codecarbon import ImportOutcome, import_codecarbon, infer_labels

__all__ = ["ImportOutcome", "import_codecarbon", "infer_labels"]
