"""Coverage vs precision of an abstaining one-vs-all cascade (`--abstain` runs).

`cascade_decisions` is the cascade's rule in NumPy (the graph's is
`genreclf.models.cascade.OneVsAllCascade.decide`; a test keeps them equal) and
`precision_order` ranks the classes. `abstention_section` measures the
cascade on held-out rows: coverage (the share of rows it answers rather than
calling "unknown"), precision (the share of its answers that are right) and,
along a curve of thresholds moved together by a shift, how the two trade
off, beside the plain arg-max classifier answering only its most confident
rows at the same coverage. `abstention_markdown` renders it for `report.md`.
"""

import numpy as np

UNKNOWN = "unknown"
"""The label a cascade answers when no class clears its threshold."""

SHIFTS = (-0.3, -0.2, -0.1, 0.0, 0.1, 0.2, 0.3)


def cascade_decisions(scores, order, thresholds):
    """The column the cascade picks per row, or -1 (unknown), in NumPy.

    Example:

    >>> cascade_decisions(np.array([[0.9, 0.7], [0.2, 0.3]]), [1, 0], [0.5, 0.6]).tolist()
    [1, -1]
    """
    scores = np.asarray(scores, dtype="float32")
    order = np.asarray(order, dtype="int64")
    cleared = scores[:, order] >= np.asarray(thresholds, dtype="float32")[order]
    first = cleared.argmax(axis=1)
    return np.where(cleared.any(axis=1), order[first], -1)


def precision_order(targets, scores, thresholds):
    """Columns by held-out precision at their thresholds, most precise first.

    A class that never clears its threshold has precision 0; ties keep the
    column order.

    Args:
        targets: one-hot targets `[n, K]`.
        scores: one-vs-all scores `[n, K]`.
        thresholds: per-class thresholds `[K]`.

    Returns:
        `(order, precision)`: a list of column indices and the per-class
        precision (column order).

    Example:

    >>> targets = np.array([[1, 0], [0, 1], [0, 1]])
    >>> scores = np.array([[0.9, 0.8], [0.6, 0.9], [0.1, 0.7]])
    >>> precision_order(targets, scores, [0.5, 0.5])
    ([1, 0], [0.5, 0.6666666666666666])
    """
    targets = np.asarray(targets) > 0
    chosen = np.asarray(scores) >= np.asarray(thresholds)
    predicted = chosen.sum(axis=0)
    correct = (chosen & targets).sum(axis=0)
    precision = np.where(predicted > 0, correct / np.maximum(predicted, 1), 0.0)
    order = sorted(range(len(precision)), key=lambda j: (-precision[j], j))
    return order, [float(p) for p in precision]


def _cover(targets, decisions):
    answered = decisions >= 0
    coverage = float(answered.mean()) if len(decisions) else 0.0
    right = targets[np.flatnonzero(answered), decisions[answered]] > 0
    precision = float(right.mean()) if answered.any() else None
    return coverage, precision


def argmax_precision_at(targets, scores, coverage):
    """Precision of the arg-max class on the `coverage` share of rows it is surest of.

    Example:

    >>> argmax_precision_at(np.eye(2), np.array([[0.9, 0.1], [0.6, 0.4]]), 0.5)
    1.0
    """
    keep = int(round(coverage * len(scores)))
    if keep == 0:
        return None
    surest = np.argsort(-scores.max(axis=1), kind="stable")[:keep]
    return float((targets[surest, scores[surest].argmax(axis=1)] > 0).mean())


def abstention_section(targets, scores, labels, order, thresholds, precision=None):
    """The `abstention` entry of a run's report.

    Args:
        targets: one-hot targets `[n, K]` of held-out rows.
        scores: their one-vs-all scores `[n, K]`.
        labels: the K class names.
        order: the cascade's column order.
        thresholds: per-class thresholds.
        precision: per-class held-out precision (column order), if known.

    Returns:
        A JSON-serialisable dict: `coverage`, `precision`, `accuracy`
        (unknown counted wrong), `order`, `thresholds`, `curve`.

    Example:

    >>> section = abstention_section(np.eye(2), np.array([[0.9, 0.2], [0.3, 0.4]]),
    ...                              ["comedy", "horror"], [0, 1], [0.5, 0.5])
    >>> section["coverage"], section["precision"]
    (0.5, 1.0)
    """
    targets = np.asarray(targets, dtype="float32")
    scores = np.asarray(scores, dtype="float32")
    thresholds = np.asarray(thresholds, dtype="float32")
    decisions = cascade_decisions(scores, order, thresholds)
    coverage, hit = _cover(targets, decisions)
    curve = []
    for shift in SHIFTS:
        moved = np.clip(thresholds + shift, 1e-3, 0.999)
        cov, prec = _cover(targets, cascade_decisions(scores, order, moved))
        curve.append(
            {
                "shift": shift,
                "coverage": cov,
                "precision": prec,
                "argmax_precision": argmax_precision_at(targets, scores, cov),
            }
        )
    answered = decisions >= 0
    correct = int((targets[np.flatnonzero(answered), decisions[answered]] > 0).sum())
    return {
        "unknown": UNKNOWN,
        "num_examples": int(len(scores)),
        "coverage": coverage,
        "precision": hit,
        "accuracy": correct / len(scores) if len(scores) else 0.0,
        "argmax_precision": argmax_precision_at(targets, scores, coverage),
        "order": [labels[j] for j in order],
        "class_precision": None
        if precision is None
        else {labels[j]: float(precision[j]) for j in range(len(labels))},
        "thresholds": {labels[j]: float(thresholds[j]) for j in range(len(labels))},
        "curve": curve,
    }


def _fmt(value):
    return "–" if value is None else f"{value:.3f}"


def abstention_markdown(section):
    """The report.md lines of an `abstention` entry.

    Example:

    >>> section = abstention_section(np.eye(2), np.array([[0.9, 0.2], [0.3, 0.4]]),
    ...                              ["comedy", "horror"], [0, 1], [0.5, 0.5])
    >>> abstention_markdown(section)[1]
    '## Abstention: one-vs-all cascade'
    """
    lines = [
        "",
        "## Abstention: one-vs-all cascade",
        "",
        f"Classes are tried in order of held-out precision ({', '.join(section['order'])}); "
        f"the first whose score clears its threshold is the answer, else "
        f"`{section['unknown']}`.",
        "",
        f"On {section['num_examples']} held-out rows: coverage {section['coverage']:.3f} "
        f"(rows not answered `{section['unknown']}`), precision {_fmt(section['precision'])}, "
        f"accuracy counting `{section['unknown']}` as wrong {section['accuracy']:.3f}; the "
        f"arg-max classifier on its surest rows at the same coverage: "
        f"{_fmt(section['argmax_precision'])}.",
        "",
        "| threshold shift | coverage | cascade precision | arg-max precision, same coverage |",
        "|---:|---:|---:|---:|",
    ]
    for point in section["curve"]:
        lines.append(
            f"| {point['shift']:+.1f} | {point['coverage']:.3f} | {_fmt(point['precision'])} "
            f"| {_fmt(point['argmax_precision'])} |"
        )
    return lines
