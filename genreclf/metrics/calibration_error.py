"""`expected_calibration_error` (ECE) and the reliability bins it is computed from.

Definition used throughout genreclf (report, benchmarks):

* The predictions are binned into `bins` (default 15) equal-width bins of
  confidence over [0, 1], exactly as scikit-learn's
  `sklearn.calibration.calibration_curve(strategy="uniform")` bins them (a
  value on an edge goes to the lower bin); the per-bin mean confidence and
  observed frequency come from `calibration_curve` itself.
* Single-label: one prediction per example, its confidence is the top score
  and its outcome whether the arg-max class is the true class.
* Multi-label: one prediction per (example, class) pair, its confidence is
  that class's score and its outcome whether the example carries the class.
* `ECE = sum over bins of (n_bin / N) * |frequency_bin - confidence_bin|`.

scikit-learn draws the curve but has no ECE and no per-bin counts, so the
weighted sum and the counts (the same `searchsorted` binning) are written
here; they are three lines.
"""

import numpy as np

from genreclf.errors import ConfigError

NUM_BINS = 15


def _predictions(y_true, scores, multi_label):
    y_true = np.asarray(y_true, dtype="float64")
    scores = np.asarray(scores, dtype="float64")
    if scores.ndim != 2 or y_true.shape != scores.shape or scores.shape[0] == 0:
        raise ConfigError(
            "Expected targets and scores of the same, non-empty shape [num_examples, "
            f"num_classes]. Received: y_true.shape={y_true.shape}, scores.shape={scores.shape}."
        )
    if not np.all(np.isfinite(scores)):
        raise ConfigError(
            "Expected finite scores. Received: scores with NaN or infinite values. "
            "Check the model's outputs."
        )
    scores = np.clip(scores, 0.0, 1.0)
    positives = y_true >= 0.5
    if multi_label:
        return scores.ravel(), positives.ravel()
    top = scores.argmax(axis=1)
    return scores[np.arange(len(scores)), top], positives[np.arange(len(scores)), top]


def reliability_bins(y_true, scores, multi_label, bins=NUM_BINS):
    """The reliability diagram's bins and the ECE of `scores`.

    Args:
        y_true: one-hot or multi-hot targets `[n, K]`.
        scores: probability scores `[n, K]`.
        multi_label: pool (example, class) pairs (True) or take each
            example's top class (False).
        bins: the number of equal-width confidence bins.

    Returns:
        A JSON-ready dict: `ece`, `bins`, `num_predictions`, and for the
        non-empty bins in order `confidence` (mean score), `frequency`
        (share of correct / positive outcomes) and `count`.

    Example:

    >>> table = reliability_bins([[1, 0], [0, 1]], [[0.9, 0.1], [0.6, 0.4]], multi_label=False)
    >>> table["confidence"], table["frequency"], table["count"], round(table["ece"], 3)
    ([0.6, 0.9], [0.0, 1.0], [1, 1], 0.35)
    """
    from sklearn.calibration import calibration_curve

    if int(bins) < 1:
        raise ConfigError(f"Expected at least one bin. Received: bins={bins!r}.")
    confidence, outcome = _predictions(y_true, scores, multi_label)
    frequency, mean_confidence = calibration_curve(
        outcome.astype("int64"), confidence, n_bins=int(bins), strategy="uniform", pos_label=1
    )
    edges = np.linspace(0.0, 1.0, int(bins) + 1)
    counts = np.bincount(np.searchsorted(edges[1:-1], confidence), minlength=int(bins))
    counts = counts[counts > 0]
    ece = float(np.sum(counts / counts.sum() * np.abs(frequency - mean_confidence)))
    return {
        "ece": ece,
        "bins": int(bins),
        "num_predictions": int(counts.sum()),
        "confidence": [float(c) for c in mean_confidence],
        "frequency": [float(f) for f in frequency],
        "count": [int(c) for c in counts],
    }


def expected_calibration_error(y_true, scores, multi_label, bins=NUM_BINS):
    """The expected calibration error (see the module docstring for the definition).

    Example:

    >>> ece = expected_calibration_error([[1, 0], [0, 1]], [[0.9, 0.1], [0.6, 0.4]], False)
    >>> round(ece, 3)
    0.35
    """
    return reliability_bins(y_true, scores, multi_label, bins)["ece"]
