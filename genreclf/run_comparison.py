"""Comparing two runs class by class (`evaluate(..., compare=...)`, `--compare`).

`check_shared_classes` refuses two runs with no class in common before any
scoring; `paired_intervals` pairs their predictions on one labelled file and
`on_shared_rows` on the rows both held out, each giving paired bootstrap
intervals of the difference (`genreclf.metrics.paired_bootstrap`).
"""

import numpy as np

from genreclf.data.inputs import short_repr
from genreclf.errors import ConfigError


def check_shared_classes(run, other):
    """Refuses to compare two runs that score no class in common: nothing would pair.

    Example:

    >>> import pathlib
    >>> from genreclf.data import LabelVocabulary
    >>> class Scored:  # what is read of a run here: its folder and classes
    ...     def __init__(self, path, labels):
    ...         self.path, self.labels = pathlib.Path(path), labels
    ...         self.vocabulary = LabelVocabulary(labels)
    >>> check_shared_classes(Scored("a", ["drama", "horror"]), Scored("b", ["horror"]))
    >>> check_shared_classes(Scored("older", ["3.0", "4.0"]), Scored("b", ["3", "4"]))
    >>> try:
    ...     check_shared_classes(Scored("genres", ["drama"]), Scored("stars", ["1", "2"]))
    ... except ConfigError as error:
    ...     print(str(error).split(". ")[0])
    Expected two runs that score at least one class in common
    """
    # through the vocabularies: an older run's '3.0' is today's '3'
    if any(label in other.vocabulary for label in run.labels) or any(
        label in run.vocabulary for label in other.labels
    ):
        return
    run_classes, other_classes = (
        f"{len(r.labels)} classes {short_repr(list(r.labels))}" for r in (run, other)
    )
    raise ConfigError(
        "Expected two runs that score at least one class in common. Received: "
        f"{str(run.path)!r} with {run_classes} and {str(other.path)!r} with "
        f"{other_classes}. Their reports share no class to set side by side: compare runs "
        "trained on the same label column."
    )


def paired_intervals(first, second, report):
    """Paired bootstrap intervals of B − A, or None when the two scored different things.

    `first` and `second` are `(run, dataset, targets, predictions)`. Both runs
    read the same file, but each with its own options: `--skip-bad-rows`
    drops each run's unknown labels, and a single-label and a multi-label run
    can read different label columns. Intervals need the same rows, labels,
    mode and targets; B's columns are put in A's label order. The rare
    classes are A's `report`'s (the same rows give both reports the same).
    """
    if unpaired_reason(first, second) is not None:
        return None
    (run, _, targets, predicted), (other, _, _, other_predicted) = first, second
    columns = [list(other.labels).index(label) for label in run.labels]
    return _bootstrap(targets, predicted, other_predicted[:, columns], run, report)


def unpaired_reason(first, second):
    """Why `paired_intervals` gives none for `first` and `second`, in a sentence; else None.

    Example:

    >>> from types import SimpleNamespace as Scored
    >>> rows = Scored(texts=["A heist."])
    >>> a = Scored(labels=["crime", "drama"], multi_label=False, path=Scored(name="a"))
    >>> b = Scored(labels=["crime"], multi_label=False, path=Scored(name="b"))
    >>> unpaired_reason((a, rows, None, None), (b, rows, None, None))
    "the two runs score other classes (only a: ['drama']); paired intervals need the same classes."
    """
    (run, data, targets, _), (other, other_data, other_targets, _) = first, second
    if run.multi_label != other.multi_label:
        return "one run is single-label and the other multi-label."
    if set(run.labels) != set(other.labels):
        only = [
            f"only {a.path.name}: {short_repr(sorted(set(a.labels) - set(b.labels)))}"
            for a, b in ((run, other), (other, run))
            if set(a.labels) - set(b.labels)
        ]
        return (
            f"the two runs score other classes ({'; '.join(only)}); paired intervals need the "
            "same classes."
        )
    if list(data.texts) != list(other_data.texts):
        return (
            f"the two runs scored other texts ({len(data.texts)} and {len(other_data.texts)} "
            "rows: rows --skip-bad-rows dropped for one run only, or other text columns in "
            "their training)."
        )
    columns = [list(other.labels).index(label) for label in run.labels]
    if not np.array_equal(targets, other_targets[:, columns]):
        return (
            "the two runs read other labels for the same rows (other label columns or "
            "separators in their training)."
        )
    return None


def _bootstrap(targets, predicted, other_predicted, run, report):
    from genreclf.metrics.paired_bootstrap import paired_bootstrap

    metrics = ["macro_f1", "micro_f1" if run.multi_label else "accuracy"]
    rare = [list(run.labels).index(label) for label in report.get("rare_classes") or ()]
    if rare:
        metrics.append("rare_macro_f1")
    return paired_bootstrap(targets, predicted, other_predicted, metrics, rare_classes=rare or None)


def on_shared_rows(run, other):
    """`(report, other_report, intervals, rows_name)` on the rows both runs scored held out.

    Or a sentence saying why there are none: the runs have other labels,
    one takes numeric features or abstains, or they share no held-out rows
    (`genreclf.held_out.held_out_scores` finds none).
    """
    from genreclf.evaluation import report_and_predictions
    from genreclf.held_out import held_out_scores
    from genreclf.metrics import classification_report

    if run.vocabulary != other.vocabulary:
        if set(run.labels) == set(other.labels) and run.multi_label == other.multi_label:
            return (
                "the two runs score their classes in another order (a genreclf before "
                "2026-12-06 ordered ratings as text); retrain the older run to pair them."
            )
        return "the two runs have other labels (or one is multi-label)."
    for member in (run, other):
        if member.feature_names() or member.cascade is not None:
            kind = "abstains (--abstain)" if member.cascade is not None else "takes features"
            return (
                f"{member.path.name} {kind}; held-out rows are paired only between text-only "
                "runs without --abstain."
            )
    try:
        held = held_out_scores([run, other], None, run.vocabulary)
    except ConfigError:
        return (
            "they share no held-out rows (neither one validation split nor out-of-fold "
            "scores of the same file)."
        )
    (mine, predicted), (theirs, other_predicted) = (
        report_and_predictions(member, held.targets, scores, classification_report)
        for member, scores in zip((run, other), held.member_scores)
    )
    intervals = _bootstrap(held.targets, predicted, other_predicted, run, mine)
    return mine, theirs, intervals, held.rows_name
