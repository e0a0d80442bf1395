"""`TextDataset`: texts, their labels, optional features, ids and provenance."""

import collections
import dataclasses
import hashlib

import numpy as np

from genreclf.data.labels import LabelVocabulary
from genreclf.errors import ConfigError


@dataclasses.dataclass
class TextDataset:
    """An in-memory labelled text corpus.

    Every row has a text and a list of labels (one label for single-label
    tasks). Optional per-row columns: `ids`, `lines` (the line or row each
    example came from, for error messages), `sources` (`"real"` or
    `"synthetic"`), and `features` (numeric or categorical columns by name).

    Example:

    >>> ds = TextDataset(["a heist", "a ghost"], [["crime"], ["horror"]])
    >>> len(ds), ds.label_counts()
    (2, {'crime': 1, 'horror': 1})
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

    def __post_init__(self):
        n = len(self.texts)
        if len(self.labels) != n:
            raise ConfigError(
                f"texts and labels must have the same length. Received: "
                f"len(texts)={n}, len(labels)={len(self.labels)}."
            )
        self.texts = list(self.texts)
        self.labels = [_label_names(i, label) for i, label in enumerate(self.labels)]
        for name in ("ids", "lines", "sources"):
            column = getattr(self, name)
            if column is not None:
                if len(column) != n:
                    raise ConfigError(
                        f"`{name}` must have one entry per text. Received: "
                        f"len({name})={len(column)}, len(texts)={n}."
                    )
                setattr(self, name, list(column))
        if self.features:
            for name, column in self.features.items():
                if len(column) != n:
                    raise ConfigError(
                        f"Feature `{name}` must have one value per text. "
                        f"Received: {len(column)} values for {n} texts."
                    )
            self.features = {k: np.asarray(v) for k, v in self.features.items()}

    def __len__(self):
        return len(self.texts)

    def vocabulary(self):
        """The `LabelVocabulary` of the labels present in this dataset."""
        return LabelVocabulary.from_rows(self.labels, multi_label=self.multi_label)

    def label_counts(self):
        """Number of rows carrying each label, sorted by label name."""
        counts = collections.Counter(l for row in self.labels for l in row)
        return dict(sorted(counts.items()))

    def targets(self, vocabulary):
        """`float32 [n, K]` one-/multi-hot targets under `vocabulary`."""
        field = (self.read_options or {}).get("label") or "label"
        return vocabulary.encode(self.labels, path=self.path, lines=self.lines, field=field)

    def is_synthetic(self):
        """Boolean mask of rows whose source is `"synthetic"`."""
        if self.sources is None:
            return np.zeros(len(self), dtype=bool)
        return np.array([s == "synthetic" for s in self.sources], dtype=bool)

    def subset(self, indices):
        """A new dataset with the rows at `indices`, in that order."""
        indices = [int(i) for i in indices]

        def pick(column):
            return None if column is None else [column[i] for i in indices]

        features = None
        if self.features:
            features = {k: v[indices] for k, v in self.features.items()}
        return TextDataset(
            texts=pick(self.texts),
            labels=pick(self.labels),
            multi_label=self.multi_label,
            ids=pick(self.ids),
            lines=pick(self.lines),
            sources=pick(self.sources),
            features=features,
            path=self.path,
            read_options=self.read_options,
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
        return TextDataset(
            texts=self.texts + other.texts,
            labels=self.labels + other.labels,
            multi_label=self.multi_label,
            ids=join(self.ids, other.ids, n_a, n_b, lambda i: str(i)),
            lines=join(self.lines, other.lines, n_a, n_b, lambda i: None),
            sources=join(self.sources, other.sources, n_a, n_b, lambda i: "real"),
            features=features,
            path=self.path,
            read_options=self.read_options,
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


def _label_names(index, label):
    """One row's labels as a list of strings: a name or an id (`3` is `"3"`), or a
    list of them."""
    if type(label) is str:
        return [label]
    if type(label) is list and all(type(value) is str for value in label):
        return list(label)  # the common case, as read from a file
    values = [label] if isinstance(label, (str, bytes, int, np.integer)) else label
    try:
        values = list(values)
    except TypeError:
        values = [values]
    names = []
    for value in values:
        if isinstance(value, bytes):
            value = value.decode("utf-8")
        if value is None or isinstance(value, float) and value != value:
            raise ConfigError(
                f"Expected a label (a name, an integer id or a list of them) for every "
                f"text. Received: labels[{index}]={label!r}. Drop the row or label it."
            )
        names.append(str(value))
    return names
