"""`plot_reliability`: a readable PNG, one curve per entry."""

import pytest

from genreclf.errors import ConfigError
from genreclf.metrics.calibration_error import reliability_bins
from genreclf.metrics.reliability_plot import plot_reliability


def test_before_and_after_curves_make_a_png(tmp_path):
    from matplotlib.image import imread

    before = reliability_bins([[1, 0], [0, 1]], [[0.9, 0.1], [0.6, 0.4]], multi_label=False)
    after = reliability_bins([[1, 0], [0, 1]], [[0.7, 0.3], [0.5, 0.5]], multi_label=False)
    path = plot_reliability({"before": before, "after": after}, tmp_path / "r.png")
    image = imread(path)
    assert image.ndim == 3 and min(image.shape[:2]) >= 500


def test_no_curves_is_a_clear_error(tmp_path):
    with pytest.raises(ConfigError, match="at least one curve"):
        plot_reliability({}, tmp_path / "r.png")
