import keras
import numpy as np
import pytest

from genreclf.training.losses import WeightedBinaryCrossentropy


def test_equals_keras_bce_without_weights():
    y_true = np.array([[0.0, 1.0, 1.0], [1.0, 0.0, 0.0]])
    y_pred = np.array([[0.2, 0.7, 0.9], [0.6, 0.3, 0.1]])
    ours = float(WeightedBinaryCrossentropy()(y_true, y_pred))
    reference = float(keras.losses.BinaryCrossentropy()(y_true, y_pred))
    assert ours == pytest.approx(reference, rel=1e-5)


def test_positive_weight_scales_missed_positives():
    y_true, y_pred = np.array([[1.0, 1.0]]), np.array([[0.3, 0.3]])
    plain = float(WeightedBinaryCrossentropy()(y_true, y_pred))
    weighted = float(WeightedBinaryCrossentropy(pos_weight=[3.0, 3.0])(y_true, y_pred))
    assert weighted == pytest.approx(3 * plain, rel=1e-5)


def test_serializes():
    loss = WeightedBinaryCrossentropy(pos_weight=[1.0, 2.0], label_smoothing=0.1)
    clone = keras.saving.deserialize_keras_object(keras.saving.serialize_keras_object(loss))
    assert clone.pos_weight == [1.0, 2.0] and clone.label_smoothing == 0.1
