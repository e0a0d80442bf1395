"""`classification_report`: every evaluation number of a model, as one JSON-ready dict."""

import math

import numpy as np

from genreclf.errors import ConfigError
from genreclf.metrics import scores as scores_lib

REPORT_KEYS = (
    "num_examples",
    "multi_label",
    "accuracy",
    "macro_f1",
    "micro_f1",
    "weighted_f1",
    "macro_precision",
    "macro_recall",
    "rare_classes",
    "rare_macro_f1",
    "per_class",
    "labels",
)
AVERAGE_KEYS = ("macro_f1", "micro_f1", "weighted_f1", "macro_precision", "macro_recall")


def _labels_and_mode(vocabulary, multi_label, y_true):
    if hasattr(vocabulary, "labels"):
        labels = [str(label) for label in vocabulary.labels]
        if multi_label is None:
            multi_label = getattr(vocabulary, "multi_label", None)
    else:
        labels = [str(label) for label in vocabulary]
    if multi_label is None:
        multi_label = bool(y_true.size) and not np.all(y_true.sum(axis=1) == 1)
    return labels, bool(multi_label)


def _check_arrays(y_true, scores, labels):
    y_true = np.asarray(y_true, dtype="float64")
    scores = np.asarray(scores, dtype="float64")
    num_classes = len(labels)
    for name, array in (("y_true", y_true), ("scores", scores)):
        if array.ndim != 2 or array.shape[1] != num_classes:
            raise ConfigError(
                f"Expected `{name}` of shape [num_examples, {num_classes}] (one "
                f"column per label of the vocabulary). Received: "
                f"{name}.shape={array.shape}."
            )
    if y_true.shape[0] != scores.shape[0] or y_true.shape[0] == 0:
        raise ConfigError(
            "Expected targets and scores for the same, non-zero number of "
            f"examples. Received: y_true.shape={y_true.shape}, "
            f"scores.shape={scores.shape}."
        )
    if not np.all(np.isfinite(scores)):
        raise ConfigError(
            "Expected finite scores. Received: scores with NaN or infinite "
            "values. Check the model's outputs (a diverged training run?)."
        )
    return (y_true >= 0.5).astype("int64"), scores


def _thresholds(thresholds, multi_label, num_classes):
    if not multi_label:
        if thresholds is not None:
            raise ConfigError(
                "Thresholds only apply to multi-label tasks; single-label "
                f"predictions take the arg-max. Received: thresholds={thresholds!r}. "
                "Pass thresholds=None."
            )
        return None
    if thresholds is None:
        return np.full(num_classes, 0.5)
    values = np.asarray(thresholds, dtype="float64")
    if values.ndim == 0:
        values = np.full(num_classes, float(values))
    if values.shape != (num_classes,):
        raise ConfigError(
            f"Expected one threshold or {num_classes} (one per class). "
            f"Received: thresholds.shape={values.shape}."
        )
    return values


def _rare_classes(labels, support, rare_classes, rare_fraction):
    """The rare classes' names, rarest first, among the classes with rows (`support > 0`).

    A class without a row in `y_true` has no F1 to speak of (scikit-learn
    reports it with support 0 and warns): as the rarest class it averaged 0
    into the rare-class F1. It is left out here, named names included, and
    listed in the report's `classes_without_rows` instead.
    """
    index = {label: k for k, label in enumerate(labels)}
    present = [k for k in range(len(labels)) if support[k] > 0]
    if rare_classes is None:
        if not 0.0 <= rare_fraction <= 1.0:
            raise ConfigError(
                "Expected `rare_fraction` in [0, 1] (the share of classes, "
                f"lowest support first, to single out). Received: "
                f"rare_fraction={rare_fraction!r}."
            )
        count = int(math.ceil(rare_fraction * len(present) - 1e-9))
        picked = sorted(present, key=lambda k: (support[k], k))[:count]
    else:
        if isinstance(rare_classes, str):
            rare_classes = [rare_classes]
        unknown = [name for name in rare_classes if name not in index]
        if unknown:
            raise ConfigError(
                f"Rare classes must be labels of the vocabulary. Received "
                f"unknown names: {unknown}. Expected names among {labels}."
            )
        named = {index[name] for name in rare_classes} & set(present)
        picked = sorted(named, key=lambda k: (support[k], k))
    return [labels[k] for k in picked]


def classification_report(
    y_true,
    scores,
    vocabulary,
    thresholds=None,
    rare_classes=None,
    rare_fraction=0.25,
    multi_label=None,
):
    """Scores a model's predictions per class and overall, singling out rare classes.

    Single-label predictions are the arg-max class; multi-label predictions
    are the classes whose score reaches their threshold. Precision, recall and
    F1 follow scikit-learn with `zero_division=0`, averaged over all classes.

    Args:
        y_true: one-hot or multi-hot targets `float32 [n, K]`
            (`LabelVocabulary.encode`).
        scores: the model's scores `[n, K]`.
        vocabulary: a `LabelVocabulary` (or the list of class names, in column
            order).
        thresholds: multi-label only: a float or one float per class (e.g.
            from `tune_thresholds`); defaults to 0.5 for every class.
        rare_classes: class names to single out as rare. By default, the
            `rare_fraction` of the classes with rows in `y_true`, lowest
            support first. Pass the rarest classes of the *training* data to
            follow them. Classes without a row in `y_true` are never rare
            (their F1 would count as 0): they are `classes_without_rows`.
        rare_fraction: the share of the classes with rows singled out when
            `rare_classes` is None (rounded up; 0.25 is the lowest quartile).
        multi_label: overrides the vocabulary's (or, for a plain list of
            names, the targets') single/multi-label mode.

    Returns:
        A JSON-ready dict: `num_examples`, `multi_label`, `accuracy` (subset
        accuracy for multi-label), `macro_f1`, `micro_f1`, `weighted_f1`,
        `macro_precision`, `macro_recall`, `rare_classes` (rarest first),
        `rare_macro_f1` (None without rare classes), `classes_without_rows`
        (only when some class has no row in `y_true`), `per_class` (label →
        `precision`, `recall`, `f1`, `support`, and `threshold` for
        multi-label), `confusion` (single-label: rows true, columns
        predicted) and `labels`.

    Example:

    >>> report = classification_report(
    ...     [[1, 0], [0, 1], [0, 1]], [[0.9, 0.1], [0.8, 0.2], [0.3, 0.7]],
    ...     ["comedy", "drama"])
    >>> report["accuracy"], report["rare_classes"], report["confusion"]
    (0.6666666666666666, ['comedy'], [[1, 0], [1, 1]])
    >>> report["per_class"]["drama"]
    {'precision': 1.0, 'recall': 0.5, 'f1': 0.6666666666666666, 'support': 2}
    >>> report = classification_report(
    ...     [[0, 1, 0], [0, 1, 0]], [[0.1, 0.8, 0.1]] * 2, ["comedy", "drama", "war"])
    >>> report["rare_classes"], report["classes_without_rows"]
    (['drama'], ['comedy', 'war'])
    """
    y_true = np.asarray(y_true, dtype="float64")
    labels, multi_label = _labels_and_mode(vocabulary, multi_label, y_true)
    targets, scores = _check_arrays(y_true, scores, labels)
    if not multi_label and not np.all(targets.sum(axis=1) == 1):
        bad = int(np.flatnonzero(targets.sum(axis=1) != 1)[0])
        raise ConfigError(
            "A single-label report needs exactly one label per row. Received: "
            f"row {bad} with {int(targets[bad].sum())} labels. Pass "
            "multi_label=True for multi-label targets."
        )
    cut = _thresholds(thresholds, multi_label, len(labels))
    predictions = scores_lib.binarize(scores, multi_label, cut if multi_label else 0.5)
    tp, fp, fn = scores_lib.class_counts(targets, predictions)
    per_class = scores_lib.per_class_scores(tp, fp, fn)
    averages = scores_lib.averaged_scores(tp, fp, fn)
    support = per_class["support"]
    rare = _rare_classes(labels, support, rare_classes, rare_fraction)
    index = {label: k for k, label in enumerate(labels)}

    report = {
        "num_examples": int(targets.shape[0]),
        "multi_label": multi_label,
        "accuracy": float(np.mean(np.all(targets == predictions, axis=1))),
    }
    report.update(averages)
    report["rare_classes"] = rare
    report["rare_macro_f1"] = (
        float(np.mean([per_class["f1"][index[name]] for name in rare])) if rare else None
    )
    absent = [label for k, label in enumerate(labels) if support[k] == 0]
    if absent:  # macro-F1 counts them as 0; they are not among the rare classes
        report["classes_without_rows"] = absent
    report["per_class"] = {}
    for k, label in enumerate(labels):
        entry = {
            "precision": float(per_class["precision"][k]),
            "recall": float(per_class["recall"][k]),
            "f1": float(per_class["f1"][k]),
            "support": int(support[k]),
        }
        if multi_label:
            entry["threshold"] = float(cut[k])
        report["per_class"][label] = entry
    if not multi_label:
        confusion = np.zeros((len(labels), len(labels)), dtype="int64")
        np.add.at(confusion, (targets.argmax(axis=1), predictions.argmax(axis=1)), 1)
        report["confusion"] = confusion.tolist()
    report["labels"] = labels
    return report


def format_summary(report, max_classes=5):
    """A compact text table of a report, for the terminal.

    Args:
        report: a dict from `classification_report` (or a `metrics.json`).
        max_classes: how many rare, weakest and row-less classes to name.

    Returns:
        A multi-line string.

    Example:

    >>> report = classification_report(
    ...     [[1, 0], [0, 1]], [[0.9, 0.1], [0.2, 0.8]], ["comedy", "drama"])
    >>> print(format_summary(report).splitlines()[0])
    2 examples, single-label, 2 classes
    """
    mode = "multi-label" if report["multi_label"] else "single-label"
    lines = [f"{report['num_examples']} examples, {mode}, {len(report['labels'])} classes"]
    if report.get("evaluated_on"):  # a run's own metrics: which rows scored them
        lines.append(f"  {'scored on':<16} {report['evaluated_on']}")
    accuracy_name = "subset_accuracy" if report["multi_label"] else "accuracy"
    rows = [(accuracy_name, report["accuracy"])]
    rows += [(key, report[key]) for key in AVERAGE_KEYS]
    for name, value in rows:
        lines.append(f"  {name:<16} {value:.4f}")
    rare = report.get("rare_classes") or []
    if rare:
        shown = ", ".join(rare[:max_classes]) + (", ..." if len(rare) > max_classes else "")
        lines.append(
            f"  {'rare_macro_f1':<16} {report['rare_macro_f1']:.4f}  ({len(rare)} rare: {shown})"
        )
    absent = report.get("classes_without_rows") or []
    if absent:
        shown = ", ".join(absent[:max_classes]) + (", ..." if len(absent) > max_classes else "")
        name = "no positives" if report["multi_label"] else "without rows"
        lines.append(f"  {name:<16} {shown}  (macro-F1 counts each as 0)")
    summary = (report.get("cross_validation") or {}).get("summary") or {}
    if "macro_f1" in summary:
        stats = summary["macro_f1"]
        k = report["cross_validation"].get("k", "?")
        lines.append(f"  {'cv_macro_f1':<16} {stats['mean']:.4f} ± {stats['std']:.4f}  ({k} folds)")
    calibration = report.get("calibration") or {}
    if calibration.get("ece_after") is not None:
        lines.append(
            f"  {'ece':<16} {calibration['ece_before']:.4f} → {calibration['ece_after']:.4f}  "
            f"({calibration['method']} calibration)"
        )
    abstention = report.get("abstention")
    if abstention:  # an --abstain run: the lines above score every row's top class
        precision = abstention["precision"]  # None when no row is answered
        at = "" if precision is None else f" at precision {precision:.4f}"
        lines.append(
            f"  {'abstention':<16} answers {abstention['coverage']:.1%} of rows{at} (accuracy "
            f"{abstention['accuracy']:.4f}, '{abstention['unknown']}' counted wrong); the lines "
            "above: each row's top class"
        )
    per_class = report["per_class"]
    scored = [name for name in per_class if name not in absent]  # F1 of rows there are
    weakest = sorted(scored, key=lambda name: (per_class[name]["f1"], name))[:max_classes]
    lines.append(
        f"  {'weakest':<16} " + ", ".join(f"{name} {per_class[name]['f1']:.2f}" for name in weakest)
    )
    return "\n".join(lines)
