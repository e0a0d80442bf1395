import numpy as np
import pytest
from matplotlib.image import imread

from genreclf.errors import ConfigError
from genreclf.metrics import plot_confusion


def test_27_classes_give_a_large_readable_png(tmp_path):
    rng = np.random.default_rng(0)
    labels = [f"genre_{k:02d}" for k in range(27)]
    confusion = rng.integers(0, 5, size=(27, 27)) + np.diag(rng.integers(10, 200, size=27))
    confusion[5] = 0  # a class without examples must not divide by zero
    path = str(tmp_path / "confusion.png")
    assert plot_confusion(confusion, labels, path) == path
    image = imread(path)
    height, width = image.shape[:2]
    assert height >= 1300 and width >= 1400  # ~0.5 inch per class at 100 dpi
    assert image[..., :3].std() > 0.05  # not a blank canvas


def test_shape_mismatch_raises(tmp_path):
    with pytest.raises(ConfigError, match="confusion.shape"):
        plot_confusion([[1, 2], [3, 4]], ["a", "b", "c"], str(tmp_path / "c.png"))
