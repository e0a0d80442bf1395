"""`Decision` and `decide`: from one stage's per-genre scores to claimed labels or abstention.

Every stage scores each text against each genre (`float [n, K]`, in [0, 1]);
one rule turns those scores into a decision, so the stages differ only in how
they score:

- single-label: the best genre; its score is the confidence; the second best
  is the runner-up. The stage claims the row when the confidence reaches the
  stage's threshold.
- multi-label: every genre whose score reaches its label threshold (the
  stage's threshold, or a run's tuned per-genre thresholds); the confidence is
  the weakest chosen genre's score; the runner-up is the best genre not
  chosen.
- a row whose best score is 0 (no evidence at all, e.g. no keyword) is never
  claimed and names no genre. The stage claims the row when it chose at least one genre and the
  confidence reaches the stage's threshold.
"""

import dataclasses

import numpy as np


@dataclasses.dataclass
class Decision:
    """What one stage said about one row.

    Attributes:
        labels: the chosen genres (empty: the stage abstained).
        confidence: the stage's confidence in `labels` (or in its best genre
            when it abstained).
        runner_up: the best genre not chosen (None when there is none).
        runner_up_score: its score.
        claimed: whether the confidence cleared the stage's threshold.
    """

    labels: list
    confidence: float
    runner_up: str = None
    runner_up_score: float = None
    claimed: bool = False

    def to_dict(self):
        return {
            "labels": list(self.labels),
            "confidence": round(float(self.confidence), 6),
            "runner_up": self.runner_up,
            "runner_up_score": None
            if self.runner_up_score is None
            else round(float(self.runner_up_score), 6),
        }


def decide(scores, names, threshold, multi_label=False, label_thresholds=None):
    """One `Decision` per row of `scores`.

    Args:
        scores: `float [n, K]` per-genre scores in [0, 1].
        names: the K genre names.
        threshold: the stage's confidence threshold.
        multi_label: choose every genre above its label threshold.
        label_thresholds: multi-label only: per-genre thresholds `[K]` (a
            run's tuned ones); default `threshold` for every genre.

    Example:

    >>> d = decide(np.array([[0.7, 0.2, 0.1]]), ["a", "b", "c"], threshold=0.6)[0]
    >>> d.labels, d.confidence, d.runner_up, d.claimed
    (['a'], 0.7, 'b', True)
    >>> decide(np.array([[0.7, 0.5, 0.1]]), ["a", "b", "c"], 0.4, multi_label=True)[0].labels
    ['a', 'b']
    """
    scores = np.asarray(scores, dtype="float64")
    names = list(names)
    out = []
    if scores.ndim != 2 or scores.shape[1] != len(names):
        raise ValueError(f"Expected scores [n, {len(names)}]. Received shape {scores.shape}.")
    if not multi_label:
        order = np.argsort(-scores, axis=1, kind="stable")
        for row, ranks in zip(scores, order):
            best = int(ranks[0])
            second = int(ranks[1]) if len(ranks) > 1 else None
            confidence = float(row[best])
            out.append(
                Decision(
                    labels=[names[best]] if confidence > 0 else [],
                    confidence=confidence,
                    runner_up=None if second is None else names[second],
                    runner_up_score=None if second is None else float(row[second]),
                    claimed=confidence > 0 and confidence >= threshold,
                )
            )
        return out
    cut = np.full(len(names), float(threshold))
    if label_thresholds is not None:
        cut = np.asarray(label_thresholds, dtype="float64").reshape(len(names))
    for row in scores:
        chosen = np.flatnonzero((row >= cut) & (row > 0))
        chosen = chosen[np.argsort(-row[chosen], kind="stable")]
        rest = np.setdiff1d(np.arange(len(names)), chosen)
        second = int(rest[np.argmax(row[rest])]) if len(rest) else None
        if len(chosen):
            confidence = float(row[chosen].min())
            labels = [names[j] for j in chosen]
        else:
            confidence = float(row.max()) if len(row) else 0.0
            labels = []
        out.append(
            Decision(
                labels=labels,
                confidence=confidence,
                runner_up=None if second is None else names[second],
                runner_up_score=None if second is None else float(row[second]),
                claimed=bool(len(chosen)) and confidence >= threshold,
            )
        )
    return out
