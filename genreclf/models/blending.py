"""Blending score heads: `WeightedScores` in the graph, `choose_blend` out of fold.

`stack` blends its heads and `genreclf ensemble` its member runs with one
`WeightedScores` layer. `stack`'s weights are chosen on out-of-fold scores
over a grid of the simplex: for a few heads an exhaustive 0.1-step grid (66
candidates for three) is cheap and, unlike a fitted meta-learner, cannot put
a negative weight on a head. `blend_candidates` scores every weight vector,
`best_blend` picks the best macro-F1 above a micro-F1 floor, and
`choose_blend` does both.
"""

import keras
import numpy as np

BLEND_STEP = 0.1


@keras.saving.register_keras_serializable(package="genreclf")
class WeightedScores(keras.layers.Layer):
    """`sum_i weights[i] * inputs[i]` for score tensors of the same shape.

    The weights are a (non-trainable) variable, so fitted values are saved
    with the model's weights.

    Args:
        weights: one weight per input (they should sum to 1).
        **kwargs: `keras.layers.Layer` arguments.

    Example:

    >>> import numpy as np
    >>> WeightedScores([0.25, 0.75])([np.ones((1, 2)), np.zeros((1, 2))]).numpy().tolist()
    [[0.25, 0.25]]
    """

    def __init__(self, weights=(0.5, 0.5), **kwargs):
        super().__init__(**kwargs)
        self.initial_weights = [float(w) for w in weights]
        self.mix = self.add_weight(
            name="mix",
            shape=(len(self.initial_weights),),
            initializer=keras.initializers.Constant(self.initial_weights),
            trainable=False,
        )

    def call(self, inputs):
        if not isinstance(inputs, (list, tuple)) or len(inputs) != len(self.initial_weights):
            from genreclf.errors import ConfigError

            count = len(inputs) if isinstance(inputs, (list, tuple)) else "one tensor"
            raise ConfigError(
                f"Expected a list of {len(self.initial_weights)} score tensors, one per "
                f"weight. Received: len(inputs)={count}, weights={self.initial_weights}. "
                "Pass one weight per input."
            )
        return sum(self.mix[i] * x for i, x in enumerate(inputs))

    def compute_output_shape(self, input_shape):
        return input_shape[0]

    def get_config(self):
        return {**super().get_config(), "weights": self.initial_weights}


def simplex_grid(heads, step=BLEND_STEP):
    """Every weight vector of `heads` entries, multiples of `step`, summing to 1.

    Example:

    >>> simplex_grid(2, step=0.5)
    [(0.0, 1.0), (0.5, 0.5), (1.0, 0.0)]
    """
    units = round(1.0 / step)
    grid = [()]
    for _ in range(heads - 1):
        grid = [g + (i,) for g in grid for i in range(units + 1 - sum(g))]
    return [tuple(round(i * step, 10) for i in (*g, units - sum(g))) for g in grid]


def blend_candidates(heads, targets, multi_label, grid=None):
    """Every weight vector of `grid`, scored on the heads' blend.

    Args:
        heads: out-of-fold scores `[n, K]` of each head.
        targets: `[n, K]` targets.
        multi_label: thresholds tuned (shrunk) per weight vector, else arg-max.
        grid: candidate weight vectors (default: `simplex_grid`).

    Returns:
        A list of dicts: `weights`, `thresholds` (None for single-label),
        `macro_f1` and `micro_f1` (accuracy for single-label).

    Example:

    >>> targets = np.eye(2)[[0, 1, 0, 1]]
    >>> good, noise = targets * 0.8 + 0.1, np.full((4, 2), 0.5)
    >>> [round(c["micro_f1"], 2) for c in blend_candidates([good, noise], targets, False)][-2:]
    [1.0, 1.0]
    """
    from genreclf.metrics.thresholds import tune_thresholds_shrunk
    from genreclf.training.linear_heads import macro_f1
    from genreclf.training.linear_heads import micro_f1

    grid = simplex_grid(len(heads)) if grid is None else grid
    candidates = []
    for weights in grid:
        blended = sum(w * h for w, h in zip(weights, heads))
        thresholds = tune_thresholds_shrunk(targets, blended) if multi_label else None
        candidates.append(
            {
                "weights": tuple(weights),
                "thresholds": thresholds,
                "macro_f1": float(macro_f1(targets, blended, multi_label, thresholds)),
                "micro_f1": float(micro_f1(targets, blended, multi_label, thresholds)),
            }
        )
    return candidates


def best_blend(candidates, micro_floor=None):
    """The candidate with the best macro-F1 among those whose micro-F1 reaches `micro_floor`.

    When none reaches it, the floor is dropped. Ties go to the weight vector
    nearest equal weights, then to the earlier candidate.

    Example:

    >>> candidates = [{"weights": (1.0, 0.0), "macro_f1": 0.5, "micro_f1": 0.7},
    ...               {"weights": (0.5, 0.5), "macro_f1": 0.6, "micro_f1": 0.6}]
    >>> best_blend(candidates)["weights"], best_blend(candidates, micro_floor=0.7)["weights"]
    ((0.5, 0.5), (1.0, 0.0))
    """
    kept = [c for c in candidates if micro_floor is None or c["micro_f1"] >= micro_floor - 1e-9]
    best = None
    for candidate in kept or candidates:
        equal = np.full(len(candidate["weights"]), 1.0 / len(candidate["weights"]))
        distance = np.linalg.norm(np.subtract(candidate["weights"], equal))
        if (
            best is None
            or candidate["macro_f1"] > best[0]["macro_f1"] + 1e-9
            or (abs(candidate["macro_f1"] - best[0]["macro_f1"]) <= 1e-9 and distance < best[1])
        ):
            best = (candidate, distance)
    return best[0]


def choose_blend(heads, targets, multi_label, grid=None, micro_floor=None):
    """The weights of the heads (and thresholds) maximizing macro-F1 of their blend.

    Args:
        heads: out-of-fold scores `[n, K]` of each head.
        targets: `[n, K]` targets.
        multi_label: thresholds tuned (shrunk) per weight, else arg-max.
        grid: candidate weight vectors (default: `simplex_grid`); ties go to
            the vector nearest equal weights.
        micro_floor: the lowest micro-F1 (accuracy for single-label) a blend
            may have, or None; `best_blend`.

    Returns:
        `(weights, thresholds, macro_f1)`; thresholds is None for single-label.

    Example:

    >>> targets = np.eye(2)[[0, 1, 0, 1]]
    >>> good, noise = targets * 0.8 + 0.1, np.full((4, 2), 0.5)
    >>> choose_blend([good, noise], targets, multi_label=False)[0][0] > 0
    True
    """
    best = best_blend(blend_candidates(heads, targets, multi_label, grid), micro_floor)
    return best["weights"], best["thresholds"], best["macro_f1"]
