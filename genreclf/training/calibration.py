"""`fit_calibration`: temperature or per-class Platt scaling fitted on held-out scores.

Run after a model is fitted, on scores of rows it did not train on: the
validation split for Keras-trained families, the out-of-fold scores for
families that fit themselves (`ngram`, `stack`). The result is a
`genreclf.models.calibrated_scores.CalibratedScores` layer that the trainer
appends to the model's score output, so every consumer of the model (the
`.keras` file, `predict`, `evaluate`, the SavedModel) gets calibrated scores.

* Single-label: temperature scaling (Guo et al., 2017): one `T` minimising the
  negative log-likelihood of `softmax(log(p) / T)`, by
  `scipy.optimize.minimize_scalar` over `log T`.
* Multi-label: Platt scaling per class: scikit-learn's `LogisticRegression` on
  the class's logit `log(p / (1 - p))`. A class whose held-out rows are all
  positive or all negative, or whose fitted slope is not positive, keeps the
  identity map, so every class's map stays strictly increasing and the
  thresholds chosen on raw scores re-express exactly
  (`CalibratedScores.map_thresholds`).
"""

import numpy as np

from genreclf.errors import ConfigError

AUTO = "auto"
NONE = "none"
CHOICES = (AUTO, NONE)
# The Platt regression's inverse L2 penalty on the slope (scikit-learn's
# default): it keeps the slope finite on separable held-out scores.
PLATT_C = 1.0
TEMPERATURE_BOUNDS = (0.05, 20.0)
LAYER_NAME = "calibration"
CALIBRATION_FILE = "calibration.json"


def check_choice(calibration):
    """Raises `ConfigError` unless `calibration` is "auto" or "none"; returns it.

    Example:

    >>> check_choice("auto")
    'auto'
    """
    if calibration not in CHOICES:
        raise ConfigError(
            f"Unknown calibration. Expected one of {list(CHOICES)} (auto: temperature scaling "
            f"for single-label runs, per-class Platt scaling for multi-label ones). Received: "
            f"calibration={calibration!r}."
        )
    return calibration


def _log_scores(scores):
    from genreclf.models.calibrated_scores import EPSILON

    return np.log(np.clip(np.asarray(scores, dtype="float64"), EPSILON, 1.0))


def temperature_nll(scores, targets, temperature):
    """Mean negative log-likelihood of `softmax(log(scores) / temperature)`.

    Example:

    >>> round(temperature_nll([[0.5, 0.5]], [[1, 0]], 1.0), 4)
    0.6931
    """
    from scipy.special import log_softmax

    log_p = log_softmax(_log_scores(scores) / temperature, axis=1)
    true = np.asarray(targets).argmax(axis=1)
    return float(-np.mean(log_p[np.arange(len(true)), true]))


def fit_temperature(scores, targets):
    """The temperature `T` minimising held-out NLL (single-label scores).

    Args:
        scores: softmax scores `[n, K]`.
        targets: one-hot targets `[n, K]`.

    Returns:
        `T` as a float (> 1 softens over-confident scores).

    Example:

    >>> rng = np.random.default_rng(0)
    >>> true = rng.integers(0, 2, 400)
    >>> right = rng.random(400) < 0.7  # 70% right, always 99% sure
    >>> top = np.where(right, true, 1 - true)
    >>> scores = np.where(np.eye(2)[top] > 0, 0.99, 0.01)
    >>> fit_temperature(scores, np.eye(2)[true]) > 2
    True
    """
    from scipy.optimize import minimize_scalar

    low, high = np.log(TEMPERATURE_BOUNDS)
    result = minimize_scalar(
        lambda log_t: temperature_nll(scores, targets, float(np.exp(log_t))),
        bounds=(low, high),
        method="bounded",
    )
    return float(np.exp(result.x))


def fit_platt(scores, targets, c=PLATT_C):
    """Per-class Platt slopes and intercepts on the logit of `scores` (multi-label).

    Args:
        scores: sigmoid scores `[n, K]`.
        targets: multi-hot targets `[n, K]`.
        c: inverse L2 penalty of each class's logistic regression.

    Returns:
        `(slopes, intercepts)`, float lists of length K; a class without
        both outcomes held out, or with a non-positive fitted slope, gets
        `(1.0, 0.0)` (the identity).

    Example:

    >>> rng = np.random.default_rng(0)
    >>> y = rng.random((500, 1)) < 0.3
    >>> scores = np.where(y, 0.9, 0.6)  # positives and negatives both look likely
    >>> slopes, intercepts = fit_platt(scores, y)
    >>> slopes[0] > 0 and intercepts[0] < 0
    True
    """
    from sklearn.linear_model import LogisticRegression

    from genreclf.models.calibrated_scores import EPSILON

    clipped = np.clip(np.asarray(scores, dtype="float64"), EPSILON, 1.0 - 2.0**-24)
    logits = np.log(clipped) - np.log1p(-clipped)
    positives = np.asarray(targets) >= 0.5
    slopes, intercepts = [], []
    for k in range(logits.shape[1]):
        y = positives[:, k]
        slope, intercept = 1.0, 0.0
        if y.any() and not y.all():
            model = LogisticRegression(C=c, max_iter=1000)
            model.fit(logits[:, k : k + 1], y)
            if model.coef_[0, 0] > 0:
                slope, intercept = float(model.coef_[0, 0]), float(model.intercept_[0])
        slopes.append(slope)
        intercepts.append(intercept)
    return slopes, intercepts


def fit_calibration(scores, targets, multi_label, calibration=AUTO):
    """The calibration layer fitted on held-out `scores`, or None for `"none"`.

    Args:
        scores: held-out probability scores `[n, K]` (never rows the model
            was fitted on).
        targets: their targets `[n, K]`.
        multi_label: Platt per class (True) or temperature scaling (False).
        calibration: `"auto"` or `"none"`.

    Returns:
        A `CalibratedScores` layer named `"calibration"`, or None.

    Example:

    >>> layer = fit_calibration([[0.9, 0.1], [0.2, 0.8]], [[1, 0], [0, 1]], multi_label=False)
    >>> layer.method
    'temperature'
    """
    from genreclf.models.calibrated_scores import CalibratedScores

    if check_choice(calibration) == NONE:
        return None
    scores = np.asarray(scores, dtype="float64")
    targets = np.asarray(targets, dtype="float64")
    if scores.shape != targets.shape or scores.ndim != 2 or not len(scores):
        raise ConfigError(
            "Calibration needs held-out scores and targets of the same, non-empty shape. "
            f"Received: scores.shape={scores.shape}, targets.shape={targets.shape}."
        )
    if multi_label:
        slopes, intercepts = fit_platt(scores, targets)
        return CalibratedScores("platt", slopes=slopes, intercepts=intercepts, name=LAYER_NAME)
    temperature = fit_temperature(scores, targets)
    return CalibratedScores("temperature", temperature=temperature, name=LAYER_NAME)


def describe(layer, fitted_on):
    """The run's `calibration.json`: the method, its parameters and the rows it was fitted on.

    Example:

    >>> from genreclf.models.calibrated_scores import CalibratedScores
    >>> describe(CalibratedScores("temperature", temperature=1.5), "the validation split")
    {'method': 'temperature', 'temperature': 1.5, 'fitted_on': 'the validation split'}
    """
    if layer is None:
        return {"method": NONE}
    info = {"method": layer.method}
    if layer.method == "temperature":
        info["temperature"] = layer.temperature
    elif layer.method == "platt":
        info["slopes"] = layer.slopes
        info["intercepts"] = layer.intercepts
    info["fitted_on"] = fitted_on
    return info
