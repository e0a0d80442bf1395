"""`ClassifierStage`: the cascade's third stage — a trained run's scores.

The run folder (`genreclf.run.Run`) gives per-class scores: softmax
probabilities for single-label runs, sigmoid scores and tuned per-class
thresholds (`thresholds.json`) for multi-label ones. The cascade's genres are
matched to the run's labels by name; genres the run does not know score 0.
"""

import numpy as np

from genreclf.errors import ConfigError
from genreclf.labelling.decision import decide
from genreclf.labelling.thresholds import DEFAULT_THRESHOLDS


class ClassifierStage:
    """Scores texts with a trained run.

    Args:
        run: a `Run` or a run folder path.
        names: the cascade's genre names (default: the run's labels).
        threshold: the confidence a decision needs (default:
            `genreclf.labelling.thresholds.DEFAULT_THRESHOLDS`).
        multi_label: default: the run's own mode. Multi-label decisions
            choose every genre above the run's tuned threshold (0.5 without
            one), and the row's confidence is the weakest chosen score.

    Example:

    >>> stage = ClassifierStage("runs/ngram", threshold=0.7)  # doctest: +SKIP
    >>> stage.decide(["A ghost haunts a lighthouse."])[0].labels  # doctest: +SKIP
    ['horror']
    """

    name = "classifier"
    available = True

    def __init__(self, run, names=None, threshold=None, multi_label=None):
        from genreclf.run import Run

        self.run = run if isinstance(run, Run) else Run(run)
        self.names = list(names) if names is not None else list(self.run.labels)
        self.threshold = float(DEFAULT_THRESHOLDS["classifier"] if threshold is None else threshold)
        self.multi_label = self.run.multi_label if multi_label is None else bool(multi_label)
        known = set(self.run.labels)
        if not known & set(self.names):
            raise ConfigError(
                f"The run at {str(self.run.path)!r} knows none of the genres to label. "
                f"Received: run labels={list(self.run.labels)}, genres={self.names}. "
                "Use a run trained on these genres, or name its labels in --genres."
            )
        self._columns = [self.run.labels.index(n) if n in known else -1 for n in self.names]
        run_thresholds = self.run.thresholds
        self.label_thresholds = np.array(
            [
                1.01 if c < 0 else (0.5 if run_thresholds is None else float(run_thresholds[c]))
                for c in self._columns
            ]
        )

    def scores(self, texts, batch_size=256):
        """Per-genre scores `float [n, K]` (the run's, re-ordered to the cascade's genres)."""
        raw = self.run.scores(list(texts), batch_size=batch_size)
        out = np.zeros((len(texts), len(self.names)), dtype="float32")
        for j, c in enumerate(self._columns):
            if c >= 0:
                out[:, j] = raw[:, c]
        return out

    def decide(self, texts, scores=None):
        """One `Decision` per text."""
        scores = self.scores(texts) if scores is None else scores
        return decide(
            scores,
            self.names,
            self.threshold,
            self.multi_label,
            label_thresholds=self.label_thresholds if self.multi_label else None,
        )
