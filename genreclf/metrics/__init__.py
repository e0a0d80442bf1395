"""Evaluation: streaming Keras metrics, per-class reports and threshold tuning.

Streaming metrics (Keras logs them as `macro_f1`, `val_macro_f1`, ...):
`MacroF1`, `MicroF1`, `WeightedF1`, `MacroPrecision`, `MacroRecall`.
Reports: `classification_report`, `write_report`, `compare_reports`,
`format_summary`. Is one model's lead real: `paired_bootstrap`. Multi-label
thresholds: `tune_thresholds`.
"""

from genreclf.metrics.class_counts import ClassCountsMetric
from genreclf.metrics.compare import compare_reports
from genreclf.metrics.confusion_plot import plot_confusion
from genreclf.metrics.f1 import MacroF1
from genreclf.metrics.f1 import MicroF1
from genreclf.metrics.f1 import WeightedF1
from genreclf.metrics.paired_bootstrap import paired_bootstrap
from genreclf.metrics.precision_recall import MacroPrecision
from genreclf.metrics.precision_recall import MacroRecall
from genreclf.metrics.report import classification_report
from genreclf.metrics.report import format_summary
from genreclf.metrics.report_files import render_markdown
from genreclf.metrics.report_files import write_report
from genreclf.metrics.thresholds import tune_thresholds

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
