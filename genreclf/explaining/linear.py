"""Exact attributions of a linear head on bag-of-n-gram features.

For `scores = activation(x @ W + b)` the logit of class k is
`b_k + sum_g x_g W_gk`: the contribution of n-gram g is `x_g W_gk` (its
TF-IDF value times its weight), exactly, and they sum with the bias to the
logit (`linear_contributions`).

A blend of towers (`stack`, ensembles) mixes *scores*, so the contributions
are also carried into score units (`score_contributions`): integrated
gradients of the score along the straight path from the empty text (`x = 0`,
logits `b`) to `x`. Because the logits are linear in `x`, the path integral
reduces to the mean Jacobian of the activation along the logit path:
`A_gk = sum_j x_g W_gj * mean_t dp_k/dz_j(b + t (z - b))`, computed in NumPy
for the few classes explained; the `A_gk` sum to `p_k(x) - p_k(b)` up to the
quadrature error (midpoint rule, `steps` points).
"""

import numpy as np


def linear_contributions(x, kernel, bias):
    """Per-column contributions to every logit, and the logits.

    Args:
        x: the feature vector `[F]`.
        kernel: `[F, K]`.
        bias: `[K]`.

    Returns:
        `(columns, contributions [n, K], logits [K])`: `columns` are the
        nonzero entries of `x`; `contributions.sum(0) + bias == logits`.

    Example:

    >>> columns, c, z = linear_contributions(np.array([0.0, 2.0]), np.eye(2), np.zeros(2))
    >>> columns.tolist(), c.tolist(), z.tolist()
    ([1], [[0.0, 2.0]], [0.0, 2.0])
    """
    x = np.asarray(x, dtype="float64")
    kernel = np.asarray(kernel, dtype="float64")
    columns = np.flatnonzero(x)
    contributions = x[columns, None] * kernel[columns]
    logits = contributions.sum(axis=0) + np.asarray(bias, dtype="float64")
    return columns, contributions, logits


def activate(logits, activation):
    """`softmax` or `sigmoid` of `[..., K]` logits (float64)."""
    logits = np.asarray(logits, dtype="float64")
    if activation == "sigmoid":
        return 1.0 / (1.0 + np.exp(-logits))
    if activation == "softmax":
        shifted = np.exp(logits - logits.max(axis=-1, keepdims=True))
        return shifted / shifted.sum(axis=-1, keepdims=True)
    if activation == "linear":
        return logits
    raise ValueError(
        f"Expected a 'softmax', 'sigmoid' or 'linear' head. Received: activation={activation!r}."
    )


def score_contributions(contributions, bias, activation, classes, steps=256):
    """Carries logit contributions `[n, K]` into score units for `classes`.

    Returns:
        `(attributions [n, len(classes)], baseline_scores [len(classes)])`.

    Example:

    >>> c = np.array([[1.0, 0.0], [1.0, 0.0]])
    >>> a, base = score_contributions(c, np.zeros(2), "sigmoid", [0])
    >>> round(float(a.sum() + base[0]), 4), round(float(1 / (1 + np.exp(-2.0))), 4)
    (0.8808, 0.8808)
    """
    bias = np.asarray(bias, dtype="float64")
    delta = contributions.sum(axis=0)
    t = (np.arange(steps) + 0.5) / steps
    p = activate(bias[None, :] + t[:, None] * delta[None, :], activation)  # [S, K]
    classes = list(classes)
    if activation == "softmax":
        # dp_k/dz_j = p_k (δ_kj - p_j)
        jac = p[:, classes, None] * (np.eye(len(bias))[classes][None] - p[:, None, :])
        mean_jac = jac.mean(axis=0)  # [C, K]
    elif activation == "sigmoid":
        mean_jac = np.zeros((len(classes), len(bias)))
        for row, k in enumerate(classes):
            mean_jac[row, k] = np.mean(p[:, k] * (1.0 - p[:, k]))
    else:
        mean_jac = np.eye(len(bias))[classes]
    baseline = activate(bias, activation)[classes]
    return contributions @ mean_jac.T, baseline
