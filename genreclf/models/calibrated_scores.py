"""`CalibratedScores`: the calibration map appended to a model's score output.

A fitted calibration (`genreclf.training.calibration`) lives in the graph, so
the `.keras` file, `genreclf predict`, `genreclf evaluate` and the exported
SavedModel all return calibrated scores from raw text. Its parameters are
plain numbers in the layer's config (no weights to fit or track).

* `"temperature"` (single-label): `softmax(log(p) / T)`, the same as dividing
  the logits by `T`; the arg-max never changes.
* `"platt"` (multi-label): per class `sigmoid(a_k * logit(p_k) + b_k)` with
  `a_k > 0`, a strictly increasing map of each class's score, so a threshold
  `t` on raw scores is the threshold `map(t)` on calibrated ones.
* `"identity"`: scores pass through.
"""

import keras
import numpy as np

METHODS = ("identity", "temperature", "platt")
# Scores are clipped into [EPSILON, 1 - 2**-24] before the log / logit: a
# float32 sigmoid saturates at exactly 1.0 and a softmax can underflow to 0.
EPSILON = 1e-12
_UPPER = 1.0 - 2.0**-24


@keras.saving.register_keras_serializable(package="genreclf")
class CalibratedScores(keras.layers.Layer):
    """Maps probability scores `[batch, K]` to calibrated ones.

    Args:
        method: `"temperature"`, `"platt"` or `"identity"`.
        temperature: `T > 0` of temperature scaling.
        slopes: Platt slopes `a_k > 0`, one per class.
        intercepts: Platt intercepts `b_k`, one per class.
        **kwargs: `keras.layers.Layer` arguments.

    Example:

    >>> layer = CalibratedScores("temperature", temperature=2.0)
    >>> np.round(layer(np.array([[0.8, 0.2]])).numpy().astype("float64"), 3).tolist()
    [[0.667, 0.333]]
    >>> layer = CalibratedScores("platt", slopes=[1.0], intercepts=[0.0])
    >>> np.round(layer(np.array([[0.8]])).numpy().astype("float64"), 3).tolist()
    [[0.8]]
    """

    def __init__(self, method="identity", temperature=1.0, slopes=None, intercepts=None, **kwargs):
        kwargs.setdefault("dtype", "float32")
        super().__init__(**kwargs)
        from genreclf.errors import ConfigError

        if method not in METHODS:
            raise ConfigError(
                f"Unknown calibration method. Expected one of {list(METHODS)}. "
                f"Received: method={method!r}."
            )
        if not float(temperature) > 0:
            raise ConfigError(
                f"The temperature must be positive. Received: temperature={temperature!r}."
            )
        if method == "platt":
            if slopes is None or intercepts is None or len(slopes) != len(intercepts):
                raise ConfigError(
                    "Platt scaling needs one slope and one intercept per class. Received: "
                    f"slopes={slopes!r}, intercepts={intercepts!r}."
                )
            if min(float(a) for a in slopes) <= 0:
                raise ConfigError(
                    "Platt slopes must be positive (a monotone map keeps every decision). "
                    f"Received: slopes={list(slopes)!r}."
                )
        self.method = method
        self.temperature = float(temperature)
        self.slopes = None if slopes is None else [float(a) for a in slopes]
        self.intercepts = None if intercepts is None else [float(b) for b in intercepts]

    def call(self, scores):
        ops = keras.ops
        if self.method == "identity":
            return ops.cast(scores, "float32")
        # float64 inside, float32 out: the graph's map then matches `apply` (and
        # `map_thresholds`) to the last float32 bit, so no decision moves.
        clipped = ops.clip(ops.cast(scores, "float64"), EPSILON, _UPPER)
        if self.method == "temperature":
            calibrated = ops.softmax(ops.log(clipped) / self.temperature, axis=-1)
        else:
            logit = ops.log(clipped) - ops.log1p(-clipped)
            slopes = ops.convert_to_tensor(np.asarray(self.slopes, dtype="float64"))
            intercepts = ops.convert_to_tensor(np.asarray(self.intercepts, dtype="float64"))
            calibrated = ops.sigmoid(logit * slopes + intercepts)
        return ops.cast(calibrated, "float32")

    def compute_output_shape(self, input_shape):
        return input_shape

    def apply(self, scores):
        """The same map in NumPy, for scores computed outside the graph.

        float64 inside and float32 out, as the graph: its decisions against
        `map_thresholds` are the served model's. (Left in float64, a raw score
        equal to its threshold, as tuned thresholds often are, could land a
        rounding step below the mapped float32 threshold, and a report would
        score a decision the served model does not make.)

        Example:

        >>> CalibratedScores("temperature", temperature=0.5).apply([[0.75, 0.25]]).round(2)
        array([[0.9, 0.1]], dtype=float32)
        """
        scores = np.asarray(scores, dtype="float64")
        if self.method == "identity":
            return scores.astype("float32")
        clipped = np.clip(scores, EPSILON, _UPPER)
        if self.method == "temperature":
            z = np.log(clipped) / self.temperature
            z -= z.max(axis=-1, keepdims=True)
            exp = np.exp(z)
            return (exp / exp.sum(axis=-1, keepdims=True)).astype("float32")
        z = np.log(clipped) - np.log1p(-clipped)
        z = z * np.asarray(self.slopes) + np.asarray(self.intercepts)
        return (1.0 / (1.0 + np.exp(-z))).astype("float32")

    def map_thresholds(self, thresholds):
        """Per-class thresholds on raw scores → the same decisions on calibrated scores.

        Only multi-label (Platt or identity) maps have per-class thresholds;
        each class's map is strictly increasing, so `raw >= t` exactly when
        `calibrated >= map(t)`; the graph computes the map in float64 and
        rounds once to float32, as this does, so a raw score equal to its
        threshold (tuned thresholds often are held-out scores) stays at it.

        Example:

        >>> layer = CalibratedScores("platt", slopes=[2.0, 1.0], intercepts=[0.0, 1.0])
        >>> layer.map_thresholds([0.5, 0.5]).astype("float64").round(3).tolist()
        [0.5, 0.731]
        """
        thresholds = np.asarray(thresholds, dtype="float64")
        if self.method == "temperature":
            from genreclf.errors import ConfigError

            raise ConfigError(
                "Temperature scaling calibrates single-label scores, whose decision is the "
                "arg-max: there are no thresholds to map. Received: thresholds="
                f"{thresholds.tolist()!r}."
            )
        return self.apply(thresholds[None, :])[0]

    def get_config(self):
        return {
            **super().get_config(),
            "method": self.method,
            "temperature": self.temperature,
            "slopes": self.slopes,
            "intercepts": self.intercepts,
        }


def find_calibration(model):
    """The model's own `CalibratedScores` layer (the last at its top level), or None.

    Layers after it pass the calibrated scores through (e.g. an abstaining
    cascade); a calibrated model nested inside (an ensemble's member) is not
    the model's calibration.

    Example:

    >>> text = keras.Input(shape=(2,))
    >>> find_calibration(keras.Model(text, CalibratedScores()(text))).method
    'identity'
    """
    layers = [layer for layer in model.layers if isinstance(layer, CalibratedScores)]
    return layers[-1] if layers else None


def with_calibration(model, layer):
    """A model computing `model`'s scores, then `layer` on them (same inputs, same name).

    A compiled `model`'s compile configuration (loss, metrics) carries over.

    Example:

    >>> x = keras.Input(shape=(2,))
    >>> model = keras.Model(x, keras.layers.Softmax()(x), name="tiny")
    >>> calibrated = with_calibration(model, CalibratedScores("temperature", temperature=2.0))
    >>> calibrated.name, find_calibration(calibrated).temperature
    ('tiny', 2.0)
    """
    calibrated = keras.Model(model.input, layer(model.output), name=model.name)
    if getattr(model, "compiled", False):  # keep the loss and metrics the run trained with
        calibrated.compile_from_config(model.get_compile_config())
    return calibrated
