"""`TextDataset`: texts, their labels, optional features, ids and provenance."""

import collections
import dataclasses
import hashlib

import numpy as np

from genreclf.data.dataset_columns import label_column
from genreclf.data.dataset_columns import label_names
from genreclf.data.dataset_columns import text_column
from genreclf.data.dataset_rows import dataset_row
from genreclf.data.dataset_rows import row_positions
from genreclf.data.feature_values import check_finite_features
from genreclf.data.inputs import aligned_texts
from genreclf.data.inputs import bad_text_error
from genreclf.data.inputs import index_note
from genreclf.data.inputs import is_text
from genreclf.data.inputs import row_indices
from genreclf.data.inputs import short_repr
from genreclf.data.label_checks import joined_labels
from genreclf.data.labels import LabelVocabulary
from genreclf.data.labels import label_order
from genreclf.errors import ConfigError


@dataclasses.dataclass(repr=False)
class TextDataset:
    """An in-memory labelled text corpus.

    Every row has a text and a list of labels (one label for single-label
    tasks). Optional per-row columns: `ids`, `lines` (the line or row each
    example came from, for error messages), `sources` (`"real"` or
    `"synthetic"`), and `features` (numeric or categorical columns by name).
    `path` is the file the rows were read from; `source_name` names rows
    that came from no file (`"DataFrame"`: `load_dataset` of a pandas
    DataFrame) in error messages.

    The arguments are checked once, here: `texts` is one non-blank `str` per
    row (a list, a Series or a 1-D array: not one string, nor a DataFrame),
    `labels` one label name (or integer id), or list of them, per row, and a
    single-label dataset has exactly one label per row. `subset` and
    `concat` take rows that passed these checks and do not check them again.
    A text that is not a `str` with some words is a `TextError`, worded as
    `Run.predict` words it (`genreclf.data.inputs.bad_text_error`): a
    `DataError` naming `texts[i]` and, when the dataset knows them, its file
    and line; a `ConfigError` too, as this check raised before. Other bad
    arguments are a `ConfigError`.

    Example:

    >>> ds = TextDataset(["a heist", "a ghost"], [["crime"], ["horror"]])
    >>> len(ds), ds.label_counts()
    (2, {'crime': 1, 'horror': 1})
    >>> ds
    TextDataset(2 rows, 2 labels, single-label)
    >>> TextDataset(["a heist", "  "], ["crime", "horror"], lines=[2, 3], path="m.csv")
    Traceback (most recent call last):
    ...
    genreclf.errors.TextError: m.csv:3: texts[1]: expected a synopsis with some words. ...
    """

    texts: list
    labels: list
    multi_label: bool = False
    ids: list = None
    lines: list = None
    sources: list = None
    features: dict = None
    path: str = None
    read_options: dict = None
    source_name: str = None

    def __post_init__(self):
        given = aligned_texts(self.texts, self.labels)  # a Series' index names rows in errors
        self.texts = text_column(self.texts)
        n = len(self.texts)
        labels = label_column(self.labels)
        if len(labels) != n:
            raise ConfigError(
                f"texts and labels must have the same length. Received: "
                f"len(texts)={n}, len(labels)={len(labels)}."
            )
        self.labels = [label_names(i, label) for i, label in enumerate(labels)]
        for name in ("ids", "lines", "sources"):
            column = getattr(self, name)
            if column is not None:
                if len(column) != n:
                    raise ConfigError(
                        f"`{name}` must have one entry per text. Received: "
                        f"len({name})={len(column)}, len(texts)={n}."
                    )
                setattr(self, name, list(column))
        if self.multi_label:
            self._check_no_joined_labels(labels)
        if self.features:
            for name, column in self.features.items():
                aligned_texts(given, column, f"features[{name!r}]")
                if len(column) != n:
                    raise ConfigError(
                        f"Feature `{name}` must have one value per text. "
                        f"Received: {len(column)} values for {n} texts."
                    )
            self.features = {k: np.asarray(v) for k, v in self.features.items()}
            check_finite_features(self.features, self._where)
        self._check_texts(given)
        if not self.multi_label:
            self._check_one_label_per_row()

    @classmethod
    def _checked(cls, **columns):
        """A dataset of rows that passed `__post_init__`'s checks, not checked again."""
        dataset = cls.__new__(cls)
        for field in dataclasses.fields(cls):
            setattr(dataset, field.name, columns.get(field.name, field.default))
        return dataset

    def _where(self, i):
        """` (m.csv:5)`: where row `i` came from, when the dataset knows; else `""`."""
        line = None if self.lines is None else self.lines[i]
        if line is None:
            return ""
        return f" ({self.origin}:{line})" if self.origin else f" (line {line})"

    def _check_texts(self, given=()):
        """Raises a `TextError` for the first text that is not a `str` with some words.

        `given`: the texts as passed, whose Series index names a row without a line.
        """
        bad = (i for i, text in enumerate(self.texts) if not is_text(text))  # no copies
        i = next(bad, None)
        if i is None:
            return
        line = None if self.lines is None else self.lines[i]
        raise bad_text_error(
            i,
            self.texts[i],
            "making a TextDataset",
            note="" if line is not None else index_note(given, i),
            path=self.origin if line is not None else None,
            line=line,
        )

    def _check_no_joined_labels(self, given):
        """Refuses multi-label rows given as strings that join several labels (`"a|b"`).

        A multi-label row takes a list of labels; a string is one label, so
        `"action|comedy"` would be a class of its own (dozens of them, one per
        combination). `given`: the label column as passed.
        """
        strings = {i: row for i, row in enumerate(given) if isinstance(row, str)}
        if not strings:
            return
        found = joined_labels({name for row in self.labels for name in row})
        if found is None:
            return
        sep, joined = found
        joined_set = set(joined)
        i = next((i for i, row in strings.items() if row in joined_set), None)
        if i is None:
            return
        raise ConfigError(
            "A multi-label row takes a list of labels: a string is one label. Received: "
            f"labels[{i}]={short_repr(strings[i])}{self._where(i)}, a str, and "
            f"{len(joined)} of the labels hold {sep!r} as if several labels were joined "
            f"by it. Pass each row as a list: labels=[cell.split({sep!r}) for cell in "
            f"labels] (for a DataFrame, genreclf.load_dataset(frame, text=..., label=..., "
            f"sep={sep!r}) splits them); if {sep!r} is part of the class names, pass "
            "each as a one-label list: [[cell] for cell in labels]."
        )

    def _check_one_label_per_row(self):
        for i, row in enumerate(self.labels):
            if len(row) != 1:
                raise ConfigError(
                    "A single-label dataset needs exactly one label per row. Received: "
                    f"labels[{i}]={short_repr(row)}{self._where(i)}. "
                    + (
                        "If rows may carry several labels, pass multi_label=True."
                        if row
                        else "Drop the row or label it."
                    )
                )

    @property
    def origin(self):
        """What error messages name the rows' origin by: `path`, else `source_name` (or None).

        Example:

        >>> TextDataset(["a heist"], ["crime"], source_name="DataFrame").origin
        'DataFrame'
        """
        return self.path if self.path is not None else self.source_name

    def __repr__(self):
        n_labels = len({label for row in self.labels for label in row})
        parts = [
            _count(len(self), "row"),
            _count(n_labels, "label"),
            "multi-label" if self.multi_label else "single-label",
        ]
        if self.features:
            parts.append(f"features={sorted(self.features)!r}")
        if self.path is not None:
            parts.append(f"path={str(self.path)!r}")
        elif self.source_name is not None:
            parts.append(f"from a {self.source_name}")
        return f"TextDataset({', '.join(parts)})"

    def __len__(self):
        return len(self.texts)

    def __getitem__(self, key):
        """Rows by position, as `subset` takes them (`iloc`, not a column name).

        `data[:100]`, `data[mask]` (a boolean mask, one value per row: a
        list, array or pandas Series), `data[[3, 7]]` (row numbers) give a
        new `TextDataset`; `data[i]` gives row `i`, an `Example` (`text`,
        `labels`, `line`, `id`, `source`, `features`), as iterating does.

        Raises:
            ConfigError: a column name (`data["overview"]`: the columns are
                attributes, `data.texts`), or a key that is no row position.
            IndexError: a row number out of range.

        Example:

        >>> ds = TextDataset(["a heist", "a ghost", "a storm"], ["crime", "horror", "drama"])
        >>> ds[:2].texts, ds[[2, 0]].texts, ds[np.array([False, True, False])].texts
        (['a heist', 'a ghost'], ['a storm', 'a heist'], ['a ghost'])
        >>> ds[-1].text, ds[-1].labels
        ('a storm', ['drama'])
        >>> [row.labels[0] for row in ds]
        ['crime', 'horror', 'drama']
        >>> ds["text"]
        Traceback (most recent call last):
        ...
        genreclf.errors.ConfigError: A TextDataset takes rows by position, not a column name. ...
        """
        rows = row_positions(self, key)
        return self.subset(rows) if isinstance(rows, list) else dataset_row(self, rows)

    def __iter__(self):
        """The rows, in order, each an `Example`: as `data[i]` gives them, and as
        `genreclf.data.streaming.iter_rows` streams a file's."""
        return (dataset_row(self, i) for i in range(len(self)))

    def vocabulary(self):
        """The `LabelVocabulary` of the labels present in this dataset."""
        return LabelVocabulary.from_rows(self.labels, multi_label=self.multi_label)

    def label_counts(self):
        """Number of rows carrying each label, in `label_order` (ratings by value)."""
        counts = collections.Counter(l for row in self.labels for l in row)
        return {label: counts[label] for label in label_order(counts)}

    def targets(self, vocabulary):
        """`float32 [n, K]` one-/multi-hot targets under `vocabulary`."""
        field = (self.read_options or {}).get("label") or "label"
        return vocabulary.encode(self.labels, path=self.origin, lines=self.lines, field=field)

    def is_synthetic(self):
        """Boolean mask of rows whose source is `"synthetic"`."""
        if self.sources is None:
            return np.zeros(len(self), dtype=bool)
        return np.array([s == "synthetic" for s in self.sources], dtype=bool)

    def subset(self, indices):
        """A new dataset with the rows at `indices`, in that order (or where a mask is True)."""
        indices = row_indices(indices, len(self))

        def pick(column):
            return None if column is None else [column[i] for i in indices]

        features = {k: v[indices] for k, v in (self.features or {}).items()} or None
        return self._checked(
            texts=pick(self.texts),
            labels=[list(row) for row in pick(self.labels)],
            multi_label=self.multi_label,
            ids=pick(self.ids),
            lines=pick(self.lines),
            sources=pick(self.sources),
            features=features,
            path=self.path,
            read_options=self.read_options,
            source_name=self.source_name,
        )

    def concat(self, other):
        """Rows of `self` followed by rows of `other` (same task and features)."""
        if other.multi_label != self.multi_label:
            raise ConfigError(
                "Cannot concatenate a single-label and a multi-label dataset. "
                f"Received: multi_label={self.multi_label} and {other.multi_label}."
            )
        mine = set(self.features or {})
        theirs = set(other.features or {})
        if mine != theirs:
            raise ConfigError(
                "Cannot concatenate datasets with different feature columns. "
                f"Received: {sorted(mine)} and {sorted(theirs)}."
            )

        def join(a, b, n_a, n_b, fill):
            if a is None and b is None:
                return None
            a = a if a is not None else [fill(i) for i in range(n_a)]
            b = b if b is not None else [fill(i) for i in range(n_b)]
            return list(a) + list(b)

        n_a, n_b = len(self), len(other)
        features = None
        if mine:
            features = {k: np.concatenate([self.features[k], other.features[k]]) for k in mine}
        return self._checked(
            texts=list(self.texts) + list(other.texts),
            labels=[list(row) for row in self.labels] + [list(row) for row in other.labels],
            multi_label=self.multi_label,
            ids=join(self.ids, other.ids, n_a, n_b, lambda i: str(i)),
            lines=join(self.lines, other.lines, n_a, n_b, lambda i: None),
            sources=join(self.sources, other.sources, n_a, n_b, lambda i: "real"),
            features=features,
            path=self.path,
            read_options=self.read_options,
            source_name=self.source_name,
        )

    def fingerprint(self):
        """A SHA-256 of the texts and labels, order included."""
        digest = hashlib.sha256()
        for text, labels in zip(self.texts, self.labels):
            digest.update(_row_bytes(text, labels))
        return digest.hexdigest()

    def row_digests(self):
        """One SHA-256 per row, of its text and labels: `bytes` array `[n]` (dtype `S32`).

        Two files' rows match when their digests do, whatever their order:
        `genreclf.ensemble` finds a member's out-of-fold score of a held-out
        row this way.

        Example:

        >>> ds = TextDataset(["a heist", "a ghost"], [["crime"], ["horror"]])
        >>> digests = ds.row_digests()
        >>> digests.dtype, bool(digests[0] == ds.subset([0]).row_digests()[0])
        (dtype('S32'), True)
        """
        digests = [
            hashlib.sha256(_row_bytes(t, ls)).digest() for t, ls in zip(self.texts, self.labels)
        ]
        return np.array(digests, dtype="S32").reshape(len(digests))


def _row_bytes(text, labels):
    return text.encode("utf-8") + b"\x1f" + "|".join(labels).encode("utf-8") + b"\x1e"


def _count(n, what):
    return f"{n:,} {what}" + ("" if n == 1 else "s")
