"""Rows whose labels a trained model does not know (evaluation data)."""

import logging

from genreclf.data.labels import decimal_whole_note
from genreclf.data.records import row_error
from genreclf.data.skip_log import MAX_LOGGED_SKIPS
from genreclf.errors import DataError

logger = logging.getLogger("genreclf.data")


def drop_unknown_labels(dataset, vocabulary, skip_bad_rows=True, field="label"):
    """Removes (counts and logs) rows carrying a label unseen at training time.

    A model can only be scored on the classes it was trained on. With
    `skip_bad_rows=False` the first such row raises a `DataError` naming
    file, line and field instead; either way nothing is dropped silently.

    Args:
        dataset: a `TextDataset` (e.g. a test file).
        vocabulary: the `LabelVocabulary` the model was trained with.
        skip_bad_rows: skip such rows (counted in `result.skipped` under
            `"unknown_label"`, logged on `genreclf.data`) instead of raising.
        field: the label column name for messages.

    Returns:
        The dataset without those rows (the same rows in the same order when
        every label is known).

    Raises:
        DataError: a row's label is unknown and `skip_bad_rows` is False, or
            every row's is: nothing would be left to score.

    Example:

    >>> from genreclf.data import LabelVocabulary, TextDataset
    >>> ds = TextDataset(["a", "b"], [["drama"], ["news"]])
    >>> kept = drop_unknown_labels(ds, LabelVocabulary(["drama"]))
    >>> kept.texts, kept.skipped
    (['a'], {'unknown_label': 1})
    """
    keep = []
    dropped = 0
    for i, labels in enumerate(dataset.labels):
        unknown = [label for label in labels if label not in vocabulary]
        if not unknown:
            keep.append(i)
            continue
        at = f" (row {i})" if dataset.lines is None else ""  # no lines: the row's index
        error = row_error(
            "unknown_label",
            f"unknown label {unknown[0]!r}{at}: it was not seen at training time. "
            f"Expected one of {vocabulary.labels}."
            f"{decimal_whole_note(unknown[0], vocabulary.labels)}",
            fix="relabel it with one of those",
            path=dataset.origin,
            line=None if dataset.lines is None else dataset.lines[i],
            field=field,
        )
        if not skip_bad_rows:
            raise error
        dropped += 1
        if dropped <= MAX_LOGGED_SKIPS:
            logger.warning("Skipped a bad row: %s", error.skipped_message)  # advice moot
    if dropped and not keep:
        raise _none_known(dataset, vocabulary, field)
    result = dataset.subset(keep)
    skipped = dict(getattr(dataset, "skipped", None) or {})
    if dropped:
        skipped["unknown_label"] = skipped.get("unknown_label", 0) + dropped
        logger.warning(
            "Skipped %d row(s) of %s with labels unseen at training time.",
            dropped,
            dataset.origin or "the dataset",
        )
    result.skipped = dict(sorted(skipped.items()))
    return result


def _none_known(dataset, vocabulary, field):
    """The error for data whose every row has a label the model never saw."""
    found = sorted({label for labels in dataset.labels for label in labels})
    shown = ", ".join(repr(label) for label in found[:8]) + (", ..." if len(found) > 8 else "")
    return DataError(
        f"None of the {len(dataset):,} rows has only labels the model was trained on, so "
        f"none is left to score. Expected labels among {vocabulary.labels}. Received: "
        f"labels {shown}.{decimal_whole_note(found[0], vocabulary.labels)} Pass data of the "
        "model's classes, or check the label column (--label) and --sep.",
        path=dataset.origin,
        field=field,
    )
