"""`write_report`: a report as `metrics.json`, `report.md` and `confusion.png` in a folder."""

import json
import os

import numpy as np

from genreclf.errors import ConfigError
from genreclf.metrics.calibration_report import RELIABILITY_PNG
from genreclf.metrics.calibration_report import calibration_markdown
from genreclf.metrics.calibration_report import reliability_curves
from genreclf.metrics.confusion_plot import plot_confusion
from genreclf.metrics.coverage import abstention_markdown
from genreclf.metrics.reliability_plot import plot_reliability
from genreclf.metrics.report import REPORT_KEYS

_SUMMARY_ROWS = (
    ("macro_f1", "macro F1"),
    ("micro_f1", "micro F1"),
    ("weighted_f1", "weighted F1"),
    ("macro_precision", "macro precision"),
    ("macro_recall", "macro recall"),
)


def _check_report(report):
    """Raises `ConfigError` unless `report` has every key of the report format."""
    if not isinstance(report, dict):
        raise ConfigError(
            "Expected a report dict from `classification_report`. Received: "
            f"report of type {type(report).__name__}."
        )
    missing = [key for key in REPORT_KEYS if key not in report]
    if missing:
        raise ConfigError(
            f"The report lacks keys {missing}. Expected a dict from "
            "`classification_report` (or a `metrics.json` it wrote)."
        )


def _md_cell(text):
    """Escapes a value for a markdown table cell."""
    return str(text).replace("|", "\\|").replace("\n", " ")


def _class_order(report):
    """Class names: rare classes first (rarest first), then the rest by support, descending."""
    rare = [name for name in report["rare_classes"] if name in report["per_class"]]
    rest = [name for name in report["labels"] if name not in set(rare)]
    rest.sort(key=lambda name: -report["per_class"][name]["support"])
    return rare + rest


def _summary_table(report):
    accuracy = "subset accuracy (exact match)" if report["multi_label"] else "accuracy"
    rows = [(accuracy, report["accuracy"])]
    rows += [(title, report[key]) for key, title in _SUMMARY_ROWS]
    if report["rare_macro_f1"] is not None:
        title = f"rare-class macro F1 ({len(report['rare_classes'])} classes)"
        rows.append((title, report["rare_macro_f1"]))
    lines = ["| metric | value |", "|---|---:|"]
    lines += [f"| {name} | {value:.4f} |" for name, value in rows]
    return lines


def _cross_validation_lines(report):
    """Mean ± std per metric when the report carries `cross_validation` (k-fold runs)."""
    folds = report.get("cross_validation")
    if not isinstance(folds, dict) or not folds.get("summary"):
        return []
    k = folds.get("k", len(folds.get("folds", [])))
    lines = ["", "## Cross-validation", ""]
    if "best_fold" in folds:
        best = f"folds/fold_{folds['best_fold']}"  # named as its folder is (0-based)
        lines += [f"{k} folds; the tables above are the best fold's, `{best}`.", ""]
    lines += ["| metric | mean | std |", "|---|---:|---:|"]
    for name, stats in folds["summary"].items():
        lines.append(f"| {_md_cell(name)} | {stats['mean']:.4f} | {stats['std']:.4f} |")
    return lines


def _rare_cell(name, rare, absent):
    """The per-class table's `rare` column: `rare`, `no rows` (never rare) or empty."""
    return "rare" if name in rare else "no rows" if name in absent else ""


def _per_class_table(report):
    multi_label = report["multi_label"]
    rare = set(report["rare_classes"])
    absent = set(report.get("classes_without_rows") or ())
    header = "| class | rare | support | precision | recall | F1 |"
    rule = "|---|:-:|---:|---:|---:|---:|"
    if multi_label:
        header += " threshold |"
        rule += "---:|"
    lines = [header, rule]
    for name in _class_order(report):
        entry = report["per_class"][name]
        row = (
            f"| {_md_cell(name)} | {_rare_cell(name, rare, absent)} | {entry['support']} "
            f"| {entry['precision']:.4f} | {entry['recall']:.4f} | {entry['f1']:.4f} |"
        )
        if multi_label:
            row += f" {entry['threshold']:.3f} |"
        lines.append(row)
    return lines


def _confused_pairs_table(report, limit=10):
    counts = np.asarray(report["confusion"], dtype="int64")
    labels = report["labels"]
    totals = counts.sum(axis=1)
    off_diagonal = [
        (int(counts[i, j]), i, j)
        for i in range(len(labels))
        for j in range(len(labels))
        if i != j and counts[i, j] > 0
    ]
    off_diagonal.sort(key=lambda item: (-item[0], item[1], item[2]))
    if not off_diagonal:
        return ["No confusions: every example was classified correctly."]
    lines = ["| true | predicted as | count | share of true |", "|---|---|---:|---:|"]
    for count, i, j in off_diagonal[:limit]:
        lines.append(
            f"| {_md_cell(labels[i])} | {_md_cell(labels[j])} | {count} | {count / totals[i]:.1%} |"
        )
    return lines


def render_markdown(
    report, title="Evaluation report", confusion_image=None, reliability_image=None
):
    """The markdown text of `report.md`.

    Args:
        report: a dict from `classification_report`.
        title: the top heading.
        confusion_image: a relative path of the confusion PNG to embed, if any.
        reliability_image: a relative path of the reliability diagram to embed
            (reports with a `"calibration"` entry).

    Returns:
        The markdown string.

    Example:

    >>> from genreclf.metrics.report import classification_report
    >>> report = classification_report(
    ...     [[1, 0], [0, 1]], [[0.9, 0.1], [0.2, 0.8]], ["comedy", "drama"])
    >>> render_markdown(report).splitlines()[0]
    '# Evaluation report'
    """
    _check_report(report)
    mode = "multi-label" if report["multi_label"] else "single-label"
    intro = f"{report['num_examples']} examples, {mode}, {len(report['labels'])} classes."
    if report.get("num_train") is not None:
        intro += f" Trained on {report['num_train']} rows"
        if report.get("num_synthetic"):
            intro += f" ({report['num_synthetic']} synthetic)"
        intro += "."
    lines = [
        f"# {title}",
        "",
        intro,
        "",
        *_summary_table(report),
        *_cross_validation_lines(report),
        "",
        "## Per class",
        "",
    ]
    if report["rare_classes"]:
        lines += [
            f"Rare classes first ({len(report['rare_classes'])}, rarest first: "
            + ", ".join(_md_cell(name) for name in report["rare_classes"])
            + "), then the others by support.",
            "",
        ]
    absent = report.get("classes_without_rows") or []
    if absent:
        lines += [
            f"{'No positive row' if report['multi_label'] else 'No rows'} of {len(absent)} "
            f"{'class' if len(absent) == 1 else 'classes'} ("
            + ", ".join(_md_cell(name) for name in absent)
            + "): macro-F1 counts each as 0; they are not among the rare classes.",
            "",
        ]
    lines += _per_class_table(report)
    if not report["multi_label"] and "confusion" in report:
        lines += ["", "## Most confused", "", *_confused_pairs_table(report)]
        if confusion_image:
            lines += ["", f"![Confusion matrix, rows normalized]({confusion_image})"]
    if report.get("calibration"):
        lines += calibration_markdown(report["calibration"], reliability_image)
    if report.get("abstention"):
        lines += abstention_markdown(report["abstention"])
    return "\n".join(lines) + "\n"


def write_report(report, out_dir, title="Evaluation report"):
    """Writes a report's files into `out_dir` (created if needed).

    - `metrics.json`: the report dict itself,
    - `report.md`: a summary table, the per-class table (rare classes first)
      and, for single-label, the most confused pairs,
    - `confusion.png` (single-label only): the row-normalized confusion matrix,
    - `reliability.png` (reports with a `"calibration"` entry): the reliability
      diagram before and after calibration.

    Args:
        report: a dict from `classification_report`.
        out_dir: the folder, e.g. a run folder.
        title: the heading of `report.md` and the confusion figure.

    Returns:
        A dict `{"metrics": path, "report": path[, "confusion": path][, "reliability": path]}`.

    Example:

    >>> import tempfile
    >>> from genreclf.metrics.report import classification_report
    >>> report = classification_report(
    ...     [[1, 0], [0, 1]], [[0.9, 0.1], [0.2, 0.8]], ["comedy", "drama"])
    >>> sorted(write_report(report, tempfile.mkdtemp()))
    ['confusion', 'metrics', 'report']
    """
    _check_report(report)
    out_dir = os.fspath(out_dir)
    os.makedirs(out_dir, exist_ok=True)
    paths = {
        "metrics": os.path.join(out_dir, "metrics.json"),
        "report": os.path.join(out_dir, "report.md"),
    }
    with open(paths["metrics"], "w", encoding="utf-8") as f:
        json.dump(report, f, indent=2, ensure_ascii=False, allow_nan=False)
        f.write("\n")
    image = None
    if not report["multi_label"] and "confusion" in report:
        paths["confusion"] = os.path.join(out_dir, "confusion.png")
        plot_confusion(
            report["confusion"],
            report["labels"],
            paths["confusion"],
            title=f"{title}: confusion (rows normalized)",
        )
        image = "confusion.png"
    reliability = None
    if report.get("calibration"):
        paths["reliability"] = os.path.join(out_dir, RELIABILITY_PNG)
        plot_reliability(
            reliability_curves(report["calibration"]),
            paths["reliability"],
            title=f"{title}: reliability",
        )
        reliability = RELIABILITY_PNG
    with open(paths["report"], "w", encoding="utf-8") as f:
        f.write(
            render_markdown(
                report, title=title, confusion_image=image, reliability_image=reliability
            )
        )
    return paths
