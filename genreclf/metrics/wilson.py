"""`wilson_interval`: the Wilson score interval of a proportion, from SciPy.

Both audits (`genreclf augment audit`, `genreclf label audit`) report agreement
rates with it; `scipy.stats.binomtest(...).proportion_ci(method="wilson")` does
the arithmetic.
"""


def wilson_interval(successes, trials, confidence=0.95):
    """The Wilson score interval of `successes` out of `trials`.

    Args:
        successes: the number of successes `k`.
        trials: the number of trials `n`.
        confidence: the interval's confidence level.

    Returns:
        `(low, high)` as floats; `(0.0, 1.0)` when `trials == 0` (no evidence:
        any proportion).

    Example:

    >>> [round(x, 4) for x in wilson_interval(8, 10)]
    [0.4902, 0.9433]
    """
    if trials < 0 or successes < 0 or successes > trials:
        raise ValueError(
            f"Expected 0 <= successes <= trials. Received: successes={successes}, trials={trials}."
        )
    if trials == 0:
        return (0.0, 1.0)
    from scipy.stats import binomtest

    ci = binomtest(int(successes), int(trials)).proportion_ci(
        confidence_level=confidence, method="wilson"
    )
    return (float(ci.low), float(ci.high))
