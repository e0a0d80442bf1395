"""OneVsAllCascade: the abstaining decision in the graph, equal to its NumPy twin."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from genreclf.models.cascade import UNKNOWN
from genreclf.models.cascade import OneVsAllCascade
from genreclf.models.cascade import cascade_decisions
from genreclf.models.cascade import find_cascade
from genreclf.models.cascade import precision_order
from genreclf.models.cascade import with_cascade

LABELS = ["comedy", "horror", "western"]


def _model():
    x = keras.Input(shape=(3,), name="x")
    return keras.Model(x, keras.layers.Dense(3, activation="sigmoid", name="scores")(x))


def test_first_class_in_precision_order_above_its_threshold_wins():
    layer = OneVsAllCascade(LABELS, order=[2, 0, 1], thresholds=[0.5, 0.5, 0.8])
    scores = tf.constant(
        [
            [0.9, 0.9, 0.85],  # western first in order, clears 0.8
            [0.9, 0.9, 0.7],  # western below 0.8: comedy next
            [0.1, 0.6, 0.2],  # only horror clears
            [0.4, 0.49, 0.79],  # nothing clears
        ]
    )
    assert layer.decide_labels(scores) == ["western", "comedy", "horror", UNKNOWN]
    np.testing.assert_array_equal(layer(scores), scores)  # scores pass through


def test_graph_decision_equals_numpy_rule():
    rng = np.random.default_rng(0)
    scores = rng.uniform(size=(200, 3)).astype("float32")
    order, thresholds = [1, 2, 0], [0.7, 0.6, 0.8]
    layer = OneVsAllCascade(LABELS, order=order, thresholds=thresholds)
    decisions = cascade_decisions(scores, order, thresholds)
    expected = [UNKNOWN if j < 0 else LABELS[j] for j in decisions]
    assert layer.decide_labels(scores) == expected
    assert UNKNOWN in expected and len(set(expected)) == 4


def test_round_trips_through_a_keras_file(tmp_path):
    layer = OneVsAllCascade(LABELS, order=[2, 0, 1], thresholds=[0.5, 0.4, 0.3], name="cascade")
    model = with_cascade(_model(), layer)
    model.save(tmp_path / "m.keras")
    restored = keras.saving.load_model(tmp_path / "m.keras")
    cascade = find_cascade(restored)
    assert cascade.get_config() == layer.get_config()
    x = np.random.default_rng(1).normal(size=(8, 3)).astype("float32")
    np.testing.assert_allclose(restored.predict(x, verbose=0), model.predict(x, verbose=0))
    assert find_cascade(_model()) is None


def test_precision_order_ranks_classes_by_held_out_precision():
    targets = np.eye(3)[[0, 0, 1, 1, 2, 2]]
    scores = np.array(
        [
            [0.9, 0.8, 0.1],
            [0.9, 0.1, 0.1],
            [0.2, 0.9, 0.1],
            [0.1, 0.9, 0.1],
            [0.9, 0.1, 0.9],
            [0.1, 0.1, 0.2],
        ]
    )
    order, precision = precision_order(targets, scores, [0.5, 0.5, 0.5])
    assert order == [2, 0, 1]  # western 1/1, comedy 2/3, horror 2/3 (tie: column order)
    np.testing.assert_allclose(precision, [2 / 3, 2 / 3, 1.0])


def test_bad_configuration_is_a_clear_error():
    with pytest.raises(ValueError, match="permutation"):
        OneVsAllCascade(LABELS, order=[0, 0, 1], thresholds=[0.5] * 3)
    with pytest.raises(ValueError, match="is also a class name"):
        OneVsAllCascade(["unknown", "drama"], order=[0, 1], thresholds=[0.5, 0.5])
