"""Importers: other tools' logs into wattprint :class:`~wattprint.results.schema.RunResult`."""

from wattprint.results.importers.codecarbon import (
    ImportOutcome,
    ImportStream,
    import_codecarbon,
    infer_labels,
    stream_codecarbon,
)

__all__ = ["ImportOutcome", "ImportStream", "import_codecarbon", "infer_labels", "stream_codecarbon"]
