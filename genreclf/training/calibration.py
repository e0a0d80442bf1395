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
* Multi-label: Platt scaling per class: a logistic regression of the class's
  outcome on its logit `log(p / (1 - p))`, `sigmoid(a * logit + b)`, with a
  Gaussian prior on the slope centred on the identity's: `a ~ N(1, 1 /
  PLATT_SLOPE_PRECISION)`, the intercept unpenalised. The information the
  held-out rows hold about the slope grows with the rarer outcome's count, so
  a class with a handful of positives keeps a slope near 1 (its scores still
  rank and spread) and still learns its shift, where scikit-learn's default
  penalty (towards slope 0) made it a near-constant map: slope 0.07 from 4
  positives among 70 rows. The fit is written here (scipy's L-BFGS on the
  penalised log-likelihood): scikit-learn's `LogisticRegression` has no prior
  mean or offset to centre the penalty on slope 1. A class whose held-out
  rows are all positive or all negative, or whose fitted slope is not
  positive, keeps the identity map, so every class's map stays strictly
  increasing and the thresholds chosen on raw scores re-express exactly (`CalibratedScores.map_thresholds`);
  `calibration.json` names those classes and why, and the classes fitted on
  fewer than `FEW_OUTCOMES` of one outcome (`describe`).
"""

import numpy as np

from genreclf.errors import ConfigError

AUTO = "auto"
NONE = "none"
CHOICES = (AUTO, NONE)
# The precision (1 / variance) of the Platt slope's Gaussian prior, centred on 1
# (the identity): a priori the slope lies within 1 ± 1.15 (2 sd). It also keeps
# the slope finite on separable held-out scores. Against scikit-learn's default
# (C=1: precision 1 around slope 0) on tmdb_genres held-out TF-IDF scores,
# calibrated on 70 or 300 rows, it lowered Brier and log-loss both overall and
# on the five rarest genres (bench/RESULTS.md, "Calibration").
PLATT_SLOPE_PRECISION = 3.0
# A class fitted with fewer of its rarer outcome than this is named in
# calibration.json: its slope is mostly the prior's (10 events per variable,
# Peduzzi et al., 1996).
FEW_OUTCOMES = 10
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


def _platt_one(logit, positive, precision):
    """`(slope, intercept)` maximising the log-likelihood plus the slope's log-prior, or
    `(None, why)` when the optimiser fails."""
    from scipy.optimize import minimize

    y = positive.astype("float64")

    def loss_and_grad(params):
        slope, intercept = params
        z = slope * logit + intercept
        loss = np.sum(np.logaddexp(0.0, z) - y * z) + 0.5 * precision * (slope - 1.0) ** 2
        residual = 0.5 * (1.0 + np.tanh(0.5 * z)) - y  # sigmoid(z) - y, without overflow
        return loss, np.array([residual @ logit + precision * (slope - 1.0), residual.sum()])

    result = minimize(loss_and_grad, [1.0, 0.0], jac=True, method="L-BFGS-B")
    if not result.success or not np.all(np.isfinite(result.x)):
        return None, f"the fit did not converge ({result.message})"
    return float(result.x[0]), float(result.x[1])


def platt_classes(scores, targets, precision=PLATT_SLOPE_PRECISION):
    """Each class's Platt fit: its map, its held-out outcome counts, and why it kept the identity.

    Args:
        scores: sigmoid scores `[n, K]`.
        targets: multi-hot targets `[n, K]`.
        precision: the precision of the slope's Gaussian prior around 1.

    Returns:
        A list of K dicts: `slope`, `intercept`, `positives`, `negatives`
        and `identity` (None, or why the class kept the identity map).

    Example:

    >>> fits = platt_classes([[0.9, 0.2], [0.8, 0.7], [0.3, 0.4]], [[1, 0], [1, 1], [1, 0]])
    >>> fits[0]["identity"]
    'no negative among the 3 held-out rows'
    >>> fits[1]["slope"] > 0 and fits[1]["identity"] is None
    True
    """
    from genreclf.models.calibrated_scores import EPSILON

    clipped = np.clip(np.asarray(scores, dtype="float64"), EPSILON, 1.0 - 2.0**-24)
    logits = np.log(clipped) - np.log1p(-clipped)
    positives = np.asarray(targets) >= 0.5
    fits = []
    for k in range(logits.shape[1]):
        y = positives[:, k]
        fit = {"slope": 1.0, "intercept": 0.0, "positives": int(y.sum())}
        fit["negatives"] = len(y) - fit["positives"]
        fit["identity"] = None
        if not y.any() or y.all():
            outcome = "positive" if not y.any() else "negative"
            fit["identity"] = f"no {outcome} among the {len(y)} held-out rows"
        else:
            slope, intercept = _platt_one(logits[:, k], y, precision)
            if slope is None:
                fit["identity"] = intercept
            elif slope > 0:
                fit["slope"], fit["intercept"] = slope, intercept
            else:
                fit["identity"] = (
                    f"its fitted slope {slope:.3g} is not positive (higher scores were not "
                    "more often positive on the held-out rows)"
                )
        fits.append(fit)
    return fits


def fit_platt(scores, targets, precision=PLATT_SLOPE_PRECISION):
    """Per-class Platt slopes and intercepts on the logit of `scores` (multi-label).

    Args:
        scores: sigmoid scores `[n, K]`.
        targets: multi-hot targets `[n, K]`.
        precision: the precision of the slope's Gaussian prior around 1.

    Returns:
        `(slopes, intercepts)`, float lists of length K; a class without
        both outcomes held out, or with a non-positive fitted slope, gets
        `(1.0, 0.0)` (the identity); `platt_classes` says which and why.

    Example:

    >>> rng = np.random.default_rng(0)
    >>> y = rng.random((500, 1)) < 0.3
    >>> scores = np.where(y, 0.9, 0.6)  # positives and negatives both look likely
    >>> slopes, intercepts = fit_platt(scores, y)
    >>> slopes[0] > 0 and intercepts[0] < 0
    True
    """
    fits = platt_classes(scores, targets, precision)
    return [f["slope"] for f in fits], [f["intercept"] for f in fits]


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
        fits = platt_classes(scores, targets)
        layer = CalibratedScores(
            "platt",
            slopes=[f["slope"] for f in fits],
            intercepts=[f["intercept"] for f in fits],
            name=LAYER_NAME,
        )
        layer.platt_classes = fits  # for `describe`; not part of the saved layer
        return layer
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
        info.update(_platt_notes(getattr(layer, "platt_classes", None)))
    info["fitted_on"] = fitted_on
    return info


def _platt_notes(fits):
    """calibration.json's words on the Platt fit: the prior and the classes to read with care.

    Classes are indices into the run's labels, like `slopes`.

    Example:

    >>> fits = [{"slope": 1.0, "intercept": 0.0, "positives": 0, "negatives": 70,
    ...          "identity": "no positive among the 70 held-out rows"},
    ...         {"slope": 1.1, "intercept": -1.3, "positives": 4, "negatives": 66,
    ...          "identity": None}]
    >>> notes = _platt_notes(fits)
    >>> notes["identity_classes"], notes["few_outcome_classes"]
    ([{'class': 0, 'why': 'no positive among the 70 held-out rows'}], [{'class': 1, 'positives': 4, 'negatives': 66}])
    """
    if fits is None:  # a layer not fitted here (loaded from a saved model)
        return {}
    few = [
        {"class": k, "positives": f["positives"], "negatives": f["negatives"]}
        for k, f in enumerate(fits)
        if f["identity"] is None and min(f["positives"], f["negatives"]) < FEW_OUTCOMES
    ]
    return {
        "slope_prior": f"normal around 1 (the identity), precision {PLATT_SLOPE_PRECISION:g}",
        "identity_classes": [
            {"class": k, "why": f["identity"]} for k, f in enumerate(fits) if f["identity"]
        ],
        # Fitted on fewer than FEW_OUTCOMES of one outcome: their slope is
        # mostly the prior's (near 1), their intercept the few rows' shift.
        "few_outcome_classes": few,
    }
