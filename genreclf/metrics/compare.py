"""`compare_reports`: two evaluation reports side by side, as markdown."""

from genreclf.metrics.report_files import _check_report
from genreclf.metrics.report_files import _md_cell

_OVERALL = (
    ("accuracy", "accuracy"),
    ("macro_f1", "macro F1"),
    ("micro_f1", "micro F1"),
    ("weighted_f1", "weighted F1"),
    ("macro_precision", "macro precision"),
    ("macro_recall", "macro recall"),
    ("rare_macro_f1", "rare-class macro F1"),
)
_MISSING = "—"


def _value(value):
    return _MISSING if value is None else f"{value:.4f}"


def _delta(a, b):
    return _MISSING if a is None or b is None else f"{b - a:+.4f}"


def _ordered_classes(report_a, report_b):
    rare = []
    for name in report_a["rare_classes"] + report_b["rare_classes"]:
        if name not in rare:
            rare.append(name)
    rest = []
    for name in report_a["labels"] + report_b["labels"]:
        if name not in rare and name not in rest:
            rest.append(name)

    def support(name):
        entry = report_a["per_class"].get(name) or report_b["per_class"][name]
        return entry["support"]

    rest.sort(key=lambda name: -support(name))
    return rare, rest


def compare_reports(report_a, report_b, name_a="A", name_b="B", intervals=None):
    """Compares two reports (two models, or a model before and after a change).

    Args:
        report_a: a dict from `classification_report` (or a `metrics.json`).
        report_b: another one, ideally on the same data.
        name_a: the column title of `report_a`.
        name_b: the column title of `report_b`.
        intervals: optional `genreclf.metrics.paired_bootstrap` results on
            the same rows: a section says which deltas the rows can tell
            from 0.

    Returns:
        Markdown: the overall metrics side by side with their deltas (B − A),
        the deltas' bootstrap intervals when given, then the per-class F1 side
        by side, rare classes (of either report)
        first, then the others by support.

    Example:

    >>> from genreclf.metrics.report import classification_report
    >>> y = [[1, 0], [0, 1]]
    >>> a = classification_report(y, [[0.9, 0.1], [0.6, 0.4]], ["comedy", "drama"])
    >>> b = classification_report(y, [[0.9, 0.1], [0.2, 0.8]], ["comedy", "drama"])
    >>> print(compare_reports(a, b, "old", "new").splitlines()[5])
    | macro F1 | 0.3333 | 1.0000 | +0.6667 |
    """
    _check_report(report_a)
    _check_report(report_b)
    a, b = _md_cell(name_a), _md_cell(name_b)
    lines = [f"## {a} vs {b}", ""]
    if report_a["num_examples"] != report_b["num_examples"]:
        lines += [
            f"Note: the reports cover different data ({report_a['num_examples']} vs "
            f"{report_b['num_examples']} examples); deltas compare unlike things.",
            "",
        ]
    if set(report_a["rare_classes"]) != set(report_b["rare_classes"]):
        lines += [
            "Note: the reports' rare classes differ ("
            + (", ".join(_md_cell(n) for n in report_a["rare_classes"]) or "none")
            + " vs "
            + (", ".join(_md_cell(n) for n in report_b["rare_classes"]) or "none")
            + "): the rare-class macro F1 delta compares unlike sets of classes.",
            "",
        ]
    lines += [f"| metric | {a} | {b} | Δ ({b} − {a}) |", "|---|---:|---:|---:|"]
    for key, title in _OVERALL:
        value_a, value_b = report_a.get(key), report_b.get(key)
        lines.append(
            f"| {title} | {_value(value_a)} | {_value(value_b)} | {_delta(value_a, value_b)} |"
        )
    lines.append(f"| examples | {report_a['num_examples']} | {report_b['num_examples']} | |")

    if intervals:
        lines += _interval_lines(intervals, report_a["num_examples"], a, b)
    rare, rest = _ordered_classes(report_a, report_b)
    lines += [
        "",
        "### Per-class F1",
        "",
        f"| class | rare | support | {a} | {b} | Δ |",
        "|---|:-:|---:|---:|---:|---:|",
    ]
    for name in rare + rest:
        entry_a = report_a["per_class"].get(name)
        entry_b = report_b["per_class"].get(name)
        f1_a = entry_a["f1"] if entry_a else None
        f1_b = entry_b["f1"] if entry_b else None
        support = str((entry_a or entry_b)["support"])
        if entry_a and entry_b and entry_a["support"] != entry_b["support"]:
            support = f"{entry_a['support']} / {entry_b['support']}"
        lines.append(
            f"| {_md_cell(name)} | {'rare' if name in rare else ''} | {support} "
            f"| {_value(f1_a)} | {_value(f1_b)} | {_delta(f1_a, f1_b)} |"
        )
    return "\n".join(lines) + "\n"


def _interval_lines(intervals, rows, a, b):
    titles = dict(_OVERALL)
    level = f"{100 * next(iter(intervals.values()))['confidence']:g}%"
    lines = [
        "",
        "### Is the difference real?",
        "",
        f"Paired bootstrap over the same {rows} rows: the {level} interval of {b} − {a}.",
        "",
        f"| metric | Δ ({b} − {a}) | {level} interval | reading |",
        "|---|---:|---|---|",
    ]
    for key, entry in intervals.items():
        low, high = entry["low"], entry["high"]
        if low > 0:
            reading = f"{b} is better"
        elif high < 0:
            reading = f"{a} is better"
        else:
            reading = "the rows do not tell them apart"
        lines.append(
            f"| {titles.get(key, key)} | {entry['difference']:+.4f} "
            f"| {low:+.4f} to {high:+.4f} | {reading} |"
        )
    return lines
