"""Checks on a dataset's labels as a whole, beyond what any one row can show.

A label column can be wrong while every row is well formed: labels joined by
another separator than `sep` (`warn_on_unsplit_labels`), missing values
written as text such as `NaN` (`warn_on_null_labels`), one genre spelt in
several cases (`warn_on_case_variants`), labels written as a list on some rows
and as a string on the others (`warn_on_mixed_label_lists`), a single class, which no classifier
can learn from (`check_trainable`, for training rows only: evaluating on a
file of one class is legitimate), or a column of names or ids rather than
classes, nearly every row its own (`warn_on_unique_labels`, training rows), or a
few rows of labels joined by `sep` making every row multi-label (`warn_on_few_joined_rows`),
or, in a single-label `TextDataset` made in memory, labels joined into classes of their own
(`warn_on_joined_in_memory`, training rows).
"""

import collections
import logging

from genreclf.data.option_names import argument
from genreclf.data.option_names import flag
from genreclf.errors import DataError

logger = logging.getLogger("genreclf.data")

# Cells that spreadsheets, pandas and databases write for a missing value.
NULL_LIKE_LABELS = ("nan", "none", "null", "n/a", "na")


def check_trainable(dataset):
    """Refuses training rows that hold fewer than two classes to tell apart.

    A classifier trained on one class "succeeds" with every metric at 1.0
    and predicts that class for everything. The same holds for multi-label
    rows that all carry the same labels: no class is ever absent.

    Args:
        dataset: the training `TextDataset` (not evaluation data).

    Raises:
        DataError: naming the file, the label column and the one class (or
            label set).

    Example:

    >>> from genreclf.data import TextDataset
    >>> check_trainable(TextDataset(["a", "b"], [["drama"], ["crime"]]))
    >>> check_trainable(TextDataset(["a", "b"], [["drama"], ["drama"]], path="m.csv"))
    Traceback (most recent call last):
    ...
    genreclf.errors.DataError: m.csv: field 'label': a classifier needs at least two classes, ...
    """
    field = (dataset.read_options or {}).get("label") or "label"
    counts = dataset.label_counts()
    if len(counts) < 2:
        found = f"every row has the label {next(iter(counts))!r}" if counts else "no row has one"
        raise DataError(
            f"a classifier needs at least two classes, but {found}. Received: "
            f"classes={list(counts)} in {len(dataset)} rows. Check that this is the genre "
            f"column (pass {argument('label')}=, `{flag('label')}`), or add rows of other "
            "classes.",
            path=dataset.origin,
            field=field,
        )
    warn_on_unique_labels(dataset)
    warn_on_joined_in_memory(dataset)
    label_sets = {tuple(sorted(labels)) for labels in dataset.labels}
    if dataset.multi_label and len(label_sets) == 1:
        raise DataError(
            "a multi-label classifier needs rows that lack some of the classes, but "
            f"every one of the {len(dataset)} rows carries the same labels. Received: "
            f"labels={list(label_sets.pop())} on every row. Check the label column "
            f"({argument('label')}=, `{flag('label')}`) and the separator "
            f"({argument('sep')}=, `{flag('sep')}`), or add rows with other labels.",
            path=dataset.origin,
            field=field,
        )


def warn_on_null_labels(dataset):
    """Warns when labels look like missing values (`NaN`, `None`, `null`, `N/A`).

    Such cells become classes of their own. A genre could have such a name,
    so this only warns, naming the file, the label column, the values, how
    many rows hold them and the first row's line. Returns the values found.

    Example:

    >>> from genreclf.data import TextDataset
    >>> warn_on_null_labels(TextDataset(["a", "b", "c"], [["drama"], ["NaN"], ["None"]]))
    ['NaN', 'None']
    """
    lines = dataset.lines or [None] * len(dataset)
    rows = collections.Counter()
    first_line = None
    for labels, line in zip(dataset.labels, lines):
        found = [label for label in labels if label.strip().lower() in NULL_LIKE_LABELS]
        rows.update(found)
        if found and first_line is None:
            first_line = line
    if not rows:
        return []
    field = (dataset.read_options or {}).get("label") or "label"
    values = sorted(rows)
    logger.warning(
        "%s: the label column %r holds values that usually mean a missing label: %s "
        "(%d rows%s). They are read as classes of their own. If these rows have no "
        "genre, fill it in or remove the rows.",
        dataset.origin or "the data",
        field,
        {value: rows[value] for value in values},
        sum(rows.values()),
        "" if first_line is None else f", the first at line {first_line}",
    )
    return values


def warn_on_case_variants(dataset):
    """Warns when labels differ only in case or spaces (`Drama`, `drama`, `DRAMA `).

    Each spelling becomes a class of its own, and the model splits one
    genre's rows between them. The spellings could be meant (ratings `A` and
    `a`), so this only warns, naming the file, the label column and each
    group with its rows. Returns the groups found.

    Example:

    >>> from genreclf.data import TextDataset
    >>> warn_on_case_variants(TextDataset(["a", "b", "c"], [["Drama"], ["drama"], ["crime"]]))
    [['Drama', 'drama']]
    """
    rows = dataset.label_counts()
    groups = collections.defaultdict(list)
    for label in rows:
        groups[" ".join(label.split()).casefold()].append(label)
    variants = sorted(
        sorted(group)
        for key, group in groups.items()
        if len(group) > 1 and key not in NULL_LIKE_LABELS  # `warn_on_null_labels` says those
    )
    if variants:
        field = (dataset.read_options or {}).get("label") or "label"
        logger.warning(
            "%s: the label column %r spells %d label(s) in several ways that differ only in "
            "case or spaces: %s (rows of each). Each spelling is a class of its own; if they "
            "are one genre, write them one way in the file.",
            dataset.origin or "the data",
            field,
            len(variants),
            "; ".join(", ".join(f"{label!r} {rows[label]}" for label in g) for g in variants),
        )
    return variants


def warn_on_unique_labels(dataset, min_classes=50):
    """Warns when the label column looks like names or ids: nearly every row its own class.

    A title or id column passed as the label trains a classifier of as many
    classes as rows, each seen once, that cannot be right about any text it
    has not seen. Warns (it could be a large label set on few rows) when there
    are at least `min_classes` classes and more than half the rows are the
    only row of their class. Returns True when it warned.

    Example:

    >>> from genreclf.data import TextDataset
    >>> titles = TextDataset([f"plot {i}" for i in range(60)], [[f"Title {i}"] for i in range(60)])
    >>> warn_on_unique_labels(titles)
    True
    """
    counts = dataset.label_counts()
    once = sum(1 for n in counts.values() if n == 1)
    if len(counts) < min_classes or once <= len(dataset) / 2:
        return False
    field = (dataset.read_options or {}).get("label") or "label"
    logger.warning(
        "%s: the label column %r has %d classes for %d rows, and %d rows are the only "
        "row of their class: it looks like names or ids, not genres. Check that this is the "
        "genre column (%s=, `%s`).",
        dataset.origin or "the data",
        field,
        len(counts),
        len(dataset),
        once,
        argument("label"),
        flag("label"),
    )
    return True


_LIKELY_SEPARATORS = ("|", ",", ";")


def joined_labels(labels, sep=None):
    """`(separator, joined)` when `labels` look like several labels joined by a
    separator other than `sep`, else None.

    The sign: several labels hold the same character (`|`, `,` or `;`), and
    splitting on it gives back fewer distinct parts than there were labels,
    or parts that are labels on their own. `joined` lists those labels, sorted.

    Example:

    >>> joined_labels({"crime|drama", "drama|romance", "drama"})
    ('|', ['crime|drama', 'drama|romance'])
    >>> joined_labels({"crime", "drama"}) is None
    True
    """
    labels = set(labels)
    for candidate in _LIKELY_SEPARATORS:
        if candidate == sep:
            continue
        joined = sorted(label for label in labels if candidate in label)
        if len(joined) < 2:
            continue
        parts = {part.strip() for label in joined for part in label.split(candidate)}
        if parts & labels or len(parts) < len(joined):
            return candidate, joined
    return None


def warn_on_joined_in_memory(dataset):
    """Warns when a single-label `TextDataset` made in memory holds labels that look like
    several joined (`"action|comedy"`): each is a class of its own there, one per
    combination. Rows read by `load_dataset` are warned about as they are read
    (`warn_on_unsplit_labels`). Returns the separator, or None.

    Example:

    >>> from genreclf.data import TextDataset
    >>> rows = ["crime|drama", "drama|romance", "drama", "crime"]
    >>> warn_on_joined_in_memory(TextDataset(["a", "b", "c", "d"], rows))
    '|'
    """
    if dataset.multi_label or dataset.read_options is not None:
        return None
    counts = dataset.label_counts()
    found = joined_labels(counts)
    if found is None:
        return None
    sep, joined = found
    logger.warning(
        "%d of the %d classes hold %r as if several labels were joined by it (e.g. %r): in a "
        "single-label TextDataset each is a class of its own, one per combination. If rows "
        "carry several labels, pass each as a list and %s=True: "
        "TextDataset(texts, [cell.split(%r) for cell in labels], %s=True).",
        len(joined),
        len(counts),
        sep,
        joined[0],
        argument("multi_label"),
        sep,
        argument("multi_label"),
    )
    return sep


def warn_on_unsplit_labels(labels, sep, path=None):
    """Warns when labels look like several labels joined by another separator.

    A wrong `sep` (`","` for `"crime|drama"` cells) does not fail: every
    combination becomes a class of its own, and the model trains on dozens of
    them (`joined_labels` tells). Returns the separator it suggests, or None.

    Example:

    >>> warn_on_unsplit_labels({"crime|drama", "drama|romance", "drama"}, ",")
    '|'
    >>> warn_on_unsplit_labels({"crime", "drama"}, "|") is None
    True
    """
    labels = set(labels)
    found = joined_labels(labels, sep)
    if found is None:
        return None
    candidate, joined = found
    logger.warning(
        "%s: %d of %d labels contain %r (e.g. %r) but labels are %s. If a cell "
        "lists several labels, pass %s=%r (`%s '%s'`).",
        path or "the data",
        len(joined),
        len(labels),
        candidate,
        joined[0],
        f"split on {sep!r}" if sep else "not split",
        argument("sep"),
        candidate,
        flag("sep"),
        candidate,
    )
    return candidate


def warn_on_mixed_label_lists(examples, path=None):
    """Warns when some rows hold their labels as a list and the others as one string.

    One list (`"genre": ["drama"]`) among string labels makes the whole file
    multi-label when `multi_label` is detected: every model trained on it gets
    sigmoid scores and per-class thresholds. Said once, naming the first list.
    Returns how many rows hold a list (0: nothing said).

    Args:
        examples: the rows read (`genreclf.data.examples.Example`: `is_list`,
            `line`).
        path: the file, for the message.

    Example:

    >>> from genreclf.data.examples import Example
    >>> rows = [Example("A ghost.", ["horror"], 1, "m1"),
    ...         Example("A duel.", ["western"], 2, "m2", is_list=True)]
    >>> warn_on_mixed_label_lists(rows, "m.jsonl")
    1
    """
    lists = [e for e in examples if e.is_list]
    if not lists or len(lists) == len(examples):
        return 0
    logger.warning(
        "%s: %d of %d rows hold their labels as a list (first: line %s), the others as one "
        "string: every row is read as multi-label. If each row has one label, write it as "
        "a string on those rows, or pass %s=False.",
        path or "the data",
        len(lists),
        len(examples),
        lists[0].line,
        argument("multi_label"),
    )
    return len(lists)


def warn_on_few_joined_rows(examples, sep, path=None, share=0.01):
    """Warns when a few rows' labels joined by `sep` make every row multi-label.

    With `multi_label` detected, one cell `"science-fiction|thriller"` among
    single labels makes the whole dataset multi-label (sigmoid scores and
    per-class thresholds for every model trained on it). Said when such rows
    are at most `share` of the rows (a multi-label column has many more) and
    no row holds a list (`warn_on_mixed_label_lists` says that). Returns how
    many rows hold several labels (0: nothing said).

    Example:

    >>> from genreclf.data.examples import Example
    >>> rows = [Example(f"A duel {i}.", ["western"], i + 2, str(i)) for i in range(200)]
    >>> rows[5].labels = ["science-fiction", "thriller"]
    >>> warn_on_few_joined_rows(rows, "|", "m.csv")
    1
    """
    joined = [e for e in examples if len(e.labels) > 1 and not e.is_list]
    if not joined or len(joined) > share * len(examples) or any(e.is_list for e in examples):
        return 0
    logger.warning(
        "%s: only %d of %d rows %s several labels joined by %r (first: line %s, %r), and "
        "that makes every row multi-label: sigmoid scores and per-class thresholds. If each "
        "row has one label, pass %s=False (such a cell is then one label), or fix those rows.",
        path or "the data",
        len(joined),
        len(examples),
        "holds" if len(joined) == 1 else "hold",
        sep,
        joined[0].line,
        str(sep).join(joined[0].labels),
        argument("multi_label"),
    )
    return len(joined)
