"""Evaluation: streaming Keras metrics, per-class reports and threshold tuning.

Streaming metrics (Keras logs them as `macro_f1`, `val_macro_f1`, ...):
`MacroF1`, `MicroF1`, `WeightedF1`, `MacroPrecision`, `MacroRecall`.
Reports: `classification_report`, `write_report`, `compare_reports`,
`format_summary`. Is one model's lead real: `paired_bootstrap`. Multi-label
thresholds: `tune_thresholds`.
"""

from genreclf.lazy_api import lazy_api
from genreclf.metrics.compare import compare_reports
from genreclf.metrics.confusion_plot import plot_confusion
from genreclf.metrics.paired_bootstrap import paired_bootstrap
from genreclf.metrics.report import classification_report
from genreclf.metrics.report import format_summary
from genreclf.metrics.report_files import render_markdown
from genreclf.metrics.report_files import write_report
from genreclf.metrics.thresholds import tune_thresholds

# The streaming metrics are Keras classes: imported on first use, so that
# reports and summaries (and the CLI's checks of its input) do not wait for
# TensorFlow to load.
_KERAS_METRICS = {
    "ClassCountsMetric": "genreclf.metrics.class_counts",
    "MacroF1": "genreclf.metrics.f1",
    "MicroF1": "genreclf.metrics.f1",
    "WeightedF1": "genreclf.metrics.f1",
    "MacroPrecision": "genreclf.metrics.precision_recall",
    "MacroRecall": "genreclf.metrics.precision_recall",
}


__getattr__, __dir__ = lazy_api(__name__, _KERAS_METRICS, globals())


__all__ = [
    "ClassCountsMetric",
    "MacroF1",
    "MacroPrecision",
    "MacroRecall",
    "MicroF1",
    "WeightedF1",
    "classification_report",
    "compare_reports",
    "format_summary",
    "paired_bootstrap",
    "plot_confusion",
    "render_markdown",
    "tune_thresholds",
    "write_report",
]
