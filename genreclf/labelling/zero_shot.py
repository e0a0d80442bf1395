"""`ZeroShotStage`: the cascade's second stage — embedding similarity to each genre.

Each genre gets a prototype vector: the normalised mean of the MiniLM
vectors of its description and, when it has keywords, of the phrase
"A film about k1, k2, ...". A text's scores are a softmax over its cosine
similarities with the prototypes, at `temperature` (cosine similarities of
sentence vectors sit in a narrow band, so the softmax sharpens them); in
multi-label mode the same shares are compared with the threshold genre by
genre. Offline: the encoder is the installed MiniLM preset, and text vectors
go through the shared embedding cache (`TextEmbedder`). A softmax over one
genre is 1.0 for every text, so the stage takes two genres or more
(`check_genre_count`).
"""

import numpy as np

from genreclf.errors import ConfigError
from genreclf.labelling.decision import decide
from genreclf.labelling.text_embedder import TextEmbedder
from genreclf.labelling.thresholds import DEFAULT_THRESHOLDS


def check_genre_count(names, fix=None, source=None):
    """Raises `ConfigError` unless there are two genres or more to compare a text with.

    The scores are a softmax over the genres: with one genre, every text
    would get it at confidence 1.0, whatever it says.

    Args:
        names: the genre names.
        fix: how to fix it (default: add genres, or leave the stage out).
        source: the file the genres were read from, if any.

    Example:

    >>> check_genre_count(["horror", "comedy"])
    >>> check_genre_count(["action"])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    genreclf.errors.ConfigError: The zero-shot stage needs at least two genres: ...
    """
    if len(names) >= 2:
        return
    fix = fix or (
        "Add genres, or leave the zero-shot stage out: e.g. stages=('keywords',) "
        "(`--stages keywords`)."
    )
    raise ConfigError(
        "The zero-shot stage needs at least two genres: its scores are a softmax over the "
        "genres, so with one it would label every row with it at confidence 1.0. Received: "
        f"genres={list(names)}{'' if source is None else f' in {source}'}. {fix}"
    )


def one_genre_fix(path, genre, others):
    """How to label with one genre: more genres, or the other stages.

    Args:
        path: the genres file, or None for genres given in memory.
        genre: the one genre's name.
        others: the cascade's other stages that would run, in order.

    Example:

    >>> print(one_genre_fix("g.yaml", "action", []))
    ... # doctest: +NORMALIZE_WHITESPACE
    Add genres to g.yaml, or give 'action' keywords there and run only the keyword stage:
    stages=('keywords',) (`--stages keywords`).
    >>> print(one_genre_fix(None, "action", ["keywords", "llm"]))
    ... # doctest: +NORMALIZE_WHITESPACE
    Add genres to genres=, or leave the zero-shot stage out:
    stages=('keywords', 'llm') (`--stages keywords,llm`).
    """
    where = path or "genres="
    if not others:
        others, instead = ["keywords"], f"give {genre!r} keywords there and run only"
        instead += " the keyword stage"
    elif others == ["keywords"]:
        instead = "run only the keyword stage"
    else:
        instead = "leave the zero-shot stage out"
    return (
        f"Add genres to {where}, or {instead}: stages={tuple(others)!r} "
        f"(`--stages {','.join(others)}`)."
    )


class ZeroShotStage:
    """Scores texts by cosine similarity with genre descriptions and keywords.

    Args:
        genres: the `Genre`s, two or more.
        threshold: the confidence a decision needs (default:
            `genreclf.labelling.thresholds.DEFAULT_THRESHOLDS`).
        multi_label: choose every genre above the threshold.
        temperature: softmax temperature over cosine similarities.
        embedder: a `TextEmbedder` (default: MiniLM, 256-piece windows × 4).
        max_keywords: keywords of a genre used in its prototype.

    Example:

    >>> from genreclf.labelling.genre_spec import Genre
    >>> stage = ZeroShotStage([Genre("horror", "A frightening film of ghosts."),
    ...                        Genre("romance", "Two people fall in love.")])
    >>> stage.decide(["A haunted house terrifies a family."])[0].labels  # doctest: +SKIP
    ['horror']
    """

    name = "zero_shot"

    def __init__(
        self,
        genres,
        threshold=None,
        multi_label=False,
        temperature=0.02,
        embedder=None,
        max_keywords=12,
    ):
        self.genres = list(genres)
        self.names = [g.name for g in self.genres]
        check_genre_count(self.names)
        self.threshold = float(DEFAULT_THRESHOLDS["zero_shot"] if threshold is None else threshold)
        self.multi_label = bool(multi_label)
        self.temperature = float(temperature)
        self.embedder = embedder or TextEmbedder()
        self.max_keywords = int(max_keywords)
        self._prototypes = None

    available = True

    def prototypes(self):
        """Genre vectors `float [K, dim]`, unit length."""
        if self._prototypes is None:
            descriptions = self.embedder([g.prototype_text() for g in self.genres])
            vectors = []
            for genre, description in zip(self.genres, descriptions):
                parts = [description]
                if genre.keywords:
                    words = ", ".join(genre.keywords[: self.max_keywords])
                    parts.append(self.embedder([f"A film about {words}."])[0])
                mean = np.mean(parts, axis=0)
                vectors.append(mean / max(np.linalg.norm(mean), 1e-12))
            self._prototypes = np.asarray(vectors, dtype="float32")
        return self._prototypes

    def similarities(self, texts):
        """Cosine similarities `float [n, K]`."""
        return self.embedder(list(texts)) @ self.prototypes().T

    def scores(self, texts):
        """Per-genre scores `float [n, K]`: a softmax of the similarities."""
        logits = self.similarities(texts) / self.temperature
        logits = logits - logits.max(axis=1, keepdims=True)
        e = np.exp(logits)
        return e / e.sum(axis=1, keepdims=True)

    def decide(self, texts, scores=None):
        """One `Decision` per text."""
        scores = self.scores(texts) if scores is None else scores
        return decide(scores, self.names, self.threshold, self.multi_label)
