"""Shared checks for model families (keras-hub's run_model_saving_test, in small)."""

import numpy as np
import pytest
import tensorflow as tf

TEXTS = [
    "a crew of thieves plans a heist on a space station",
    "a haunted house whispers to the family at night",
    "two strangers fall in love on a night train",
    "a ghost ship drifts into a quiet harbour",
    "the sheriff rides out to face the outlaw gang",
    "robots learn to dream on a distant moon",
]


@pytest.fixture
def texts():
    return list(TEXTS)


@pytest.fixture
def check_saving(tmp_path):
    """Asserts a model round-trips through `.keras` with identical scores."""
    import keras

    def check(model):
        inputs = {"text": tf.constant(TEXTS)}
        before = np.asarray(model.predict(inputs, verbose=0))
        path = tmp_path / "model.keras"
        model.save(path)
        restored = keras.saving.load_model(path)
        after = np.asarray(restored.predict(inputs, verbose=0))
        np.testing.assert_allclose(before, after, atol=1e-6)
        return restored

    return check
