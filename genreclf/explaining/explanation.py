"""`Explanation`: which words pushed each top label of one text, and by how much.

An explanation holds the text, its words (with character offsets, so a page
can highlight them in place) and, for each explained label, one attribution
per word. The attributions are in `units`:

* `"logit"`: exact contributions to the label's logit (linear TF-IDF
  models): `sum(attributions) + unplaced + baseline == value`, where
  `baseline` is the head's bias and `value` the logit.
* `"score"`: contributions to the label's score (integrated gradients, and
  blends such as `stack` and ensembles): `sum(attributions) + unplaced ≈
  value - baseline`, where `baseline` is the score of the baseline input.

`unplaced` is the attribution of tokens that are no word of the text
(`[CLS]`, `[SEP]`, padding, unknown pieces).

A calibrated model's shown `score` is its calibration's map of the scores
its words explain (`calibration` names it, e.g. `"temperature
calibration"`): `value` is then the score (or logit) *before* calibration,
and `explains()` says so. Calibration is a monotone map fitted after
training: explaining through it would lose the linear towers' exact
contributions, and a sharpening temperature saturates the gradients.
"""

import dataclasses
import reprlib

import numpy as np

from genreclf.data.labels import whole_number_names

UNITS = ("logit", "score")

_SHORT = reprlib.Repr()
_SHORT.maxlist = 6
TEXT_SHOWN = 40  # characters of the text a repr shows


@dataclasses.dataclass
class Word:
    """One word of a text: its characters and where they are."""

    text: str
    start: int
    end: int


@dataclasses.dataclass(repr=False)
class LabelExplanation:
    """The words behind one label.

    Attributes:
        label: the label.
        score: the model's score for it.
        value: the explained quantity (the logit, or the score).
        baseline: `value` at the baseline (the bias, or the baseline's score).
        attributions: `float [n_words]`, one per word of the text.
        unplaced: attribution of tokens that are no word of the text.
    """

    label: str
    score: float
    value: float
    baseline: float
    attributions: np.ndarray
    unplaced: float = 0.0

    def __repr__(self):
        """A one-line summary: the label, its numbers, how many attributions (not them).

        Example:

        >>> LabelExplanation("crime", 0.9, 2.0, -0.5, np.array([0.0, 0.5, 2.0]))
        LabelExplanation(label='crime', score=0.9, value=2.0, baseline=-0.5, attributions=3, unplaced=0.0)
        """
        return (
            f"LabelExplanation(label={self.label!r}, score={_number(self.score)}, "
            f"value={_number(self.value)}, baseline={_number(self.baseline)}, "
            f"attributions={np.size(self.attributions)}, unplaced={_number(self.unplaced)})"
        )

    def completeness_gap(self):
        """`value - baseline - (sum(attributions) + unplaced)`: 0 when complete."""
        return float(self.value - self.baseline - (np.sum(self.attributions) + self.unplaced))


@dataclasses.dataclass(repr=False)
class Explanation:
    """The explanation of one text's top labels.

    Attributes:
        text: the text.
        words: its `Word`s.
        labels: one `LabelExplanation` per explained label, best score first.
        units: `"logit"` or `"score"` (see the module docstring).
        method: how the attributions were computed, in words.
        parts: explanations of parts of the model (the TF-IDF tower of
            `stack`, an ensemble's members), by name.
        calibration: what maps the explained values to the shown scores, in
            words (`"temperature calibration"`; `""`: nothing, `value` is
            the score, or the logit in logit units).

    Example:

    >>> e = Explanation(
    ...     "a dark heist",
    ...     [Word("a", 0, 1), Word("dark", 2, 6), Word("heist", 7, 12)],
    ...     [LabelExplanation("crime", 0.9, 2.0, -0.5, np.array([0.0, 0.5, 2.0]))],
    ...     units="logit",
    ...     method="exact",
    ... )
    >>> e.top_words("crime", k=2)
    [('heist', 2.0), ('dark', 0.5)]
    >>> e.labels[0].completeness_gap()
    0.0
    >>> e  # a summary: `to_dict()` has every word and attribution
    Explanation(text='a dark heist', labels=['crime'], words=3, units='logit')
    """

    text: str
    words: list
    labels: list
    units: str = "score"
    method: str = ""
    parts: dict = dataclasses.field(default_factory=dict)
    calibration: str = ""
    int_classes: bool = None  # the run's classes are whole numbers (None: judge by `labels`)

    def __post_init__(self):
        if self.units not in UNITS:
            raise ValueError(f"units must be one of {UNITS}. Received: units={self.units!r}.")

    def __repr__(self):
        parts = f", parts={list(self.parts)}" if self.parts else ""
        calibration = f", calibration={self.calibration!r}" if self.calibration else ""
        return (
            f"Explanation(text={_clip(self.text)!r}, "
            f"labels={_SHORT.repr([e.label for e in self.labels])}, words={len(self.words)}, "
            f"units={self.units!r}{parts}{calibration})"
        )

    def label(self, name):
        """The `LabelExplanation` of label `name`: a class name, or an `int` class as
        `Run.predict` gives a whole-number class (ratings: `3` is `'3'`)."""
        if isinstance(name, (int, np.integer)) and not isinstance(name, (bool, np.bool_)):
            name = str(int(name))
        for entry in self.labels:
            if entry.label == name:
                return entry
        raise KeyError(
            f"{name!r} is not an explained label. Expected one of {[e.label for e in self.labels]}."
        )

    def explains(self):
        """What each label's `value` is: `"score"`, `"logit"`, or either before calibration.

        Example:

        >>> Explanation("a", [], [], calibration="temperature calibration").explains()
        'score before temperature calibration'
        """
        quantity = "logit" if self.units == "logit" else "score"
        return f"{quantity} before {self.calibration}" if self.calibration else quantity

    def adds_up_to(self):
        """`" adding up to the scores before …"` for a calibrated model's units, else `""`.

        Example:

        >>> Explanation("a", [], [], calibration="temperature calibration").adds_up_to()
        ' adding up to the scores before temperature calibration'
        """
        if not self.calibration:
            return ""
        quantity = "logits" if self.units == "logit" else "scores"
        return f" adding up to the {quantity} before {self.calibration}"

    def explained(self, entry):
        """For a calibrated model, one line: the value the words add up to beside the shown score.

        `""` when the words add up to the shown score itself (or, in logit
        units, to its logit). What no word of the text carries (`unplaced`:
        an encoder's special tokens) is its own term, so "words" is what the
        words shown add up to.

        Example:

        >>> entry = LabelExplanation("thriller", 0.965, 0.496, 0.037, np.array([0.3, 0.159]))
        >>> e = Explanation("a b", [], [entry], calibration="temperature calibration")
        >>> e.explained(entry)
        'explains score 0.496 before temperature calibration (baseline 0.037, words +0.459); shown 0.965'
        >>> entry.unplaced, entry.value = 0.02, 0.516
        >>> e.explained(entry)  # doctest: +ELLIPSIS
        '... (baseline 0.037, words +0.459, other tokens +0.020); shown 0.965'
        """
        if not self.calibration:
            return ""
        quantity, start = ("logit", "bias") if self.units == "logit" else ("score", "baseline")
        words = float(np.sum(entry.attributions))
        other = f", other tokens {entry.unplaced:+.3f}" if round(entry.unplaced, 3) else ""
        return (
            f"explains {quantity} {entry.value:.3f} before {self.calibration} ({start} "
            f"{entry.baseline:.3f}, words {words:+.3f}{other}); shown {entry.score:.3f}"
        )

    def top_words(self, label, k=5, sign=1):
        """The `k` words that pushed `label` most (`sign=-1`: that held it back most).

        `label` is a class name, or of a run of whole-number classes (ratings)
        an `int` class as `Run.predict` gives it (`3`, the class `'3'`); of
        other runs an `int` is a position in `labels`. Repeated words are
        summed; words with no push in that direction are left out.

        Example:

        >>> words = [Word("a", 0, 1), Word("dull", 2, 6), Word("heist", 7, 12)]
        >>> def rating(k, pushes):
        ...     return LabelExplanation(k, 0.5, 1.0, 0.0, np.array(pushes))
        >>> e = Explanation("a dull heist", words, [rating("3", [0, 1, 0]), rating("1", [0, 0, 2])])
        >>> e.top_words(1), e.top_words("1"), e.top_words(3)
        ([('heist', 2.0)], [('heist', 2.0)], [('dull', 1.0)])
        """
        names = [entry.label for entry in self.labels]
        ints = self.int_classes if self.int_classes is not None else whole_number_names(names)
        by_name = isinstance(label, str) or ints
        entry = self.label(label) if by_name else self.labels[label]
        totals = {}
        for word, value in zip(self.words, entry.attributions):
            key = word.text.lower()
            totals[key] = totals.get(key, 0.0) + float(value)
        ranked = sorted(
            ((w, v) for w, v in totals.items() if v * sign > 0), key=lambda item: -item[1] * sign
        )
        return ranked[:k]

    def to_dict(self):
        """A JSON-ready dict (words, and per label its attributions per word).

        Per label, `value = baseline + unplaced + sum(attributions)` (up to
        integrated gradients' quadrature error) and `score` is the shown
        score; `explains` says what `value` is (`"score before temperature
        calibration"` for a calibrated model) and `calibration` what maps it
        to `score` (None: nothing).
        """
        return {
            "text": self.text,
            "units": self.units,
            "method": self.method,
            "explains": self.explains(),  # what each label's value is
            "calibration": self.calibration or None,
            "words": [dataclasses.asdict(w) for w in self.words],
            "labels": [
                {
                    "label": e.label,
                    "score": float(e.score),
                    "value": float(e.value),
                    "baseline": float(e.baseline),
                    "unplaced": float(e.unplaced),
                    "attributions": [float(v) for v in e.attributions],
                }
                for e in self.labels
            ],
            "parts": {name: part.to_dict() for name, part in self.parts.items()},
        }


def _clip(text, width=TEXT_SHOWN):
    """`text`, or its first words up to `width` characters and "…".

    Example:

    >>> _clip("A detective hunts a killer through a rainy city.", width=20)
    'A detective hunts a…'
    """
    text = str(text)
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


def _number(value):
    """`value` rounded to 4 decimals, as a repr shows it (`2.0`, `-0.0123`)."""
    return repr(round(float(value), 4))
