import pytest

from genreclf.metrics.wilson import wilson_interval


@pytest.mark.parametrize(
    "k, n, low, high",
    [
        # Newcombe (1998), Stat. Med. 17:857-872, Table I, method 3 (Wilson score):
        (81, 263, 0.2553, 0.3662),
        (15, 148, 0.0624, 0.1605),
        (0, 20, 0.0, 0.1611),
        (1, 29, 0.0061, 0.1718),
        # Wilson (1927) score intervals at 95%, as tabulated:
        (8, 10, 0.4902, 0.9433),
        (0, 10, 0.0, 0.2775),
        (10, 10, 0.7225, 1.0),
        (50, 100, 0.4038, 0.5962),
    ],
)
def test_published_values(k, n, low, high):
    assert wilson_interval(k, n) == pytest.approx((low, high), abs=6e-5)


def test_a_wider_interval_at_a_higher_confidence():
    low95, high95 = wilson_interval(30, 60)
    low99, high99 = wilson_interval(30, 60, confidence=0.99)
    assert low99 < low95 < 0.5 < high95 < high99


def test_edge_cases():
    assert wilson_interval(0, 0) == (0.0, 1.0)
    with pytest.raises(ValueError, match="Received: successes=3, trials=2"):
        wilson_interval(3, 2)
