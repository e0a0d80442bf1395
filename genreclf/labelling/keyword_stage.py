"""`KeywordStage`: the cascade's first stage — count each genre's keywords in the text.

Keywords match whole words or phrases, after NFKC normalisation and case
folding of both text and keyword. A genre's score is its share of the
keyword hits, smoothed by `prior` pseudo-hits of no genre (single-label:
`hits_g / (sum of hits + prior)`; multi-label, where genres do not compete:
`hits_g / (hits_g + prior)`): one hit alone scores 0.5, three hits of one
genre and none of another 0.75.
"""

import re

import numpy as np

from genreclf.labelling.decision import decide
from genreclf.labelling.genre_spec import normalize
from genreclf.labelling.thresholds import DEFAULT_THRESHOLDS


class KeywordStage:
    """Scores texts by their genre keywords.

    Args:
        genres: the `Genre`s (those without keywords never score).
        threshold: the confidence a decision needs (see
            `genreclf.labelling.thresholds.DEFAULT_THRESHOLDS` for how the
            default was chosen).
        multi_label: choose every genre above the threshold.
        prior: pseudo-hits of no genre that smooth the shares.

    Example:

    >>> from genreclf.labelling.genre_spec import Genre
    >>> stage = KeywordStage([Genre("horror", keywords=["ghost", "haunted house"]),
    ...                       Genre("comedy", keywords=["chefs"])], threshold=0.6)
    >>> d = stage.decide(["A GHOST walks the haunted  house."])[0]
    >>> d.labels, round(d.confidence, 3), d.claimed
    (['horror'], 0.667, True)
    """

    name = "keywords"

    def __init__(self, genres, threshold=None, multi_label=False, prior=1.0):
        self.genres = list(genres)
        self.names = [g.name for g in self.genres]
        self.threshold = float(DEFAULT_THRESHOLDS["keywords"] if threshold is None else threshold)
        self.multi_label = bool(multi_label)
        self.prior = float(prior)
        self._patterns = []
        for genre in self.genres:
            words = sorted(set(genre.keywords), key=len, reverse=True)
            if words:
                alternatives = "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in words)
                self._patterns.append(re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)"))
            else:
                self._patterns.append(None)

    @property
    def available(self):
        """Whether any genre has keywords."""
        return any(p is not None for p in self._patterns)

    def hits(self, texts):
        """Distinct keywords of each genre found in each text, `int [n, K]`."""
        counts = np.zeros((len(texts), len(self.genres)), dtype="int64")
        for i, text in enumerate(texts):
            text = normalize(text)
            for j, pattern in enumerate(self._patterns):
                if pattern is not None:
                    counts[i, j] = len({" ".join(m.split()) for m in pattern.findall(text)})
        return counts

    def scores(self, texts):
        """Per-genre scores `float [n, K]` in [0, 1]."""
        hits = self.hits(texts).astype("float64")
        if self.multi_label:
            return hits / (hits + self.prior)
        return hits / (hits.sum(axis=1, keepdims=True) + self.prior)

    def decide(self, texts, scores=None):
        """One `Decision` per text."""
        scores = self.scores(texts) if scores is None else scores
        return decide(scores, self.names, self.threshold, self.multi_label)
