import numpy as np

from genreclf.models.pooling import MaskedGlobalMaxPooling1D


def test_ignores_masked_steps_and_empty_sequences():
    x = np.array([[[1.0], [-5.0], [9.0]], [[3.0], [4.0], [5.0]]], dtype="float32")
    mask = np.array([[True, True, False], [False, False, False]])
    out = np.asarray(MaskedGlobalMaxPooling1D()(x, mask=mask))
    assert out.tolist() == [[1.0], [0.0]]


def test_config_round_trip():
    layer = MaskedGlobalMaxPooling1D(name="pool")
    clone = MaskedGlobalMaxPooling1D.from_config(layer.get_config())
    assert clone.name == "pool"
