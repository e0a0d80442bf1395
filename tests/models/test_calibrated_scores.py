"""`CalibratedScores`: config round trip, `.keras` save/load, NumPy parity, exact thresholds."""

import keras
import numpy as np
import pytest

from genreclf.errors import ConfigError
from genreclf.models.calibrated_scores import CalibratedScores
from genreclf.models.calibrated_scores import find_calibration
from genreclf.models.calibrated_scores import with_calibration

PLATT = {"method": "platt", "slopes": [0.5, 2.0, 1.3], "intercepts": [-1.0, 0.4, 0.0]}
TEMPERATURE = {"method": "temperature", "temperature": 1.7}


def _probabilities(multi_label, n=50, k=3, seed=0):
    rng = np.random.default_rng(seed)
    logits = rng.normal(scale=3.0, size=(n, k))
    if multi_label:
        return (1 / (1 + np.exp(-logits))).astype("float32")
    exp = np.exp(logits - logits.max(axis=1, keepdims=True))
    return (exp / exp.sum(axis=1, keepdims=True)).astype("float32")


@pytest.mark.parametrize("config", [PLATT, TEMPERATURE, {"method": "identity"}])
def test_get_config_round_trip_gives_the_same_map(config):
    layer = CalibratedScores(**config, name="calibration")
    clone = CalibratedScores.from_config(layer.get_config())
    assert clone.get_config() == layer.get_config()
    scores = _probabilities(config["method"] == "platt")
    np.testing.assert_allclose(np.asarray(clone(scores)), np.asarray(layer(scores)), atol=0)


@pytest.mark.parametrize("config", [PLATT, TEMPERATURE])
def test_numpy_apply_matches_the_graph(config):
    layer = CalibratedScores(**config)
    scores = _probabilities(config["method"] == "platt")
    np.testing.assert_allclose(layer.apply(scores), np.asarray(layer(scores)), atol=2e-6)


def test_temperature_keeps_the_arg_max_and_rows_sum_to_one():
    scores = _probabilities(multi_label=False)
    out = np.asarray(CalibratedScores("temperature", temperature=3.0)(scores))
    np.testing.assert_array_equal(out.argmax(axis=1), scores.argmax(axis=1))
    np.testing.assert_allclose(out.sum(axis=1), 1.0, atol=1e-6)
    assert out.max() < scores.max()  # T > 1 softens


def test_saved_model_keeps_calibration(tmp_path):
    from genreclf.custom_objects import register

    register()
    text = keras.Input(shape=(), dtype="string", name="text")
    vectorizer = keras.layers.TextVectorization(max_tokens=20, output_mode="multi_hot")
    vectorizer.adapt(["a ghost house", "a bank heist", "love in paris"])
    scores = keras.layers.Dense(3, activation="sigmoid")(vectorizer(text))
    model = with_calibration(keras.Model(text, scores, name="tiny"), CalibratedScores(**PLATT))
    model.save(tmp_path / "model.keras")
    loaded = keras.saving.load_model(tmp_path / "model.keras", compile=False)
    texts = np.array(["a ghost in paris", "heist"], dtype=object)
    np.testing.assert_allclose(loaded.predict(texts, verbose=0), model.predict(texts, verbose=0))
    assert find_calibration(loaded).get_config()["slopes"] == PLATT["slopes"]
    assert loaded.name == "tiny"


def test_find_calibration_ignores_calibrated_members():
    x = keras.Input(shape=(2,))
    member = keras.Model(x, CalibratedScores("temperature", temperature=2.0)(x))
    outer_input = keras.Input(shape=(2,))
    assert find_calibration(keras.Model(outer_input, member(outer_input))) is None
    assert find_calibration(keras.Model(x, keras.layers.Softmax()(x))) is None
    assert find_calibration(member).temperature == 2.0


def test_mapped_thresholds_keep_every_decision():
    layer = CalibratedScores(**PLATT)
    raw = _probabilities(multi_label=True, n=4000, seed=1)
    calibrated = np.asarray(layer(raw))
    # Thresholds equal to held-out scores (tuned thresholds often are) in the range
    # tuning picks from, and ordinary ones.
    candidates = [np.where((row >= 0.02) & (row <= 0.95), row, 0.5) for row in raw[::97]]
    for thresholds in [*candidates, np.array([0.3, 0.5, 0.8], dtype="float32")]:
        mapped = layer.map_thresholds(thresholds)
        np.testing.assert_array_equal(raw >= thresholds, calibrated >= mapped)
        # And in NumPy, as a run's report scores its held-out rows (a float64 map there
        # moved a raw score at its threshold below it: the report and the model disagreed).
        np.testing.assert_array_equal(raw >= thresholds, layer.apply(raw) >= mapped)


def test_bad_arguments_are_clear_errors():
    with pytest.raises(ConfigError, match="Received: method='isotonic'"):
        CalibratedScores("isotonic")
    with pytest.raises(ConfigError, match="temperature must be positive"):
        CalibratedScores("temperature", temperature=0.0)
    with pytest.raises(ConfigError, match="slopes must be positive"):
        CalibratedScores("platt", slopes=[1.0, -0.5], intercepts=[0.0, 0.0])
    with pytest.raises(ConfigError, match="one slope and one intercept per class"):
        CalibratedScores("platt", slopes=[1.0], intercepts=None)
    with pytest.raises(ConfigError, match="no thresholds to map"):
        CalibratedScores(**TEMPERATURE).map_thresholds([0.5, 0.5])


def test_export_verifies_with_calibration(tmp_path):
    """TF Serving's op set runs the map; the SavedModel returns calibrated scores."""
    import tensorflow as tf

    from genreclf.data.labels import LabelVocabulary
    from genreclf.export.exporter import export_model

    text = keras.Input(shape=(), dtype="string", name="text")
    vectorizer = keras.layers.TextVectorization(max_tokens=20, output_mode="multi_hot")
    vectorizer.adapt(["a ghost house", "a bank heist", "love in paris"])
    scores = keras.layers.Dense(3, activation="sigmoid")(vectorizer(text))
    raw_model = keras.Model(text, scores)
    layer = CalibratedScores(**PLATT, name="calibration")
    model = with_calibration(raw_model, layer)
    vocabulary = LabelVocabulary(["horror", "crime", "romance"], multi_label=True)
    thresholds = layer.map_thresholds([0.4, 0.5, 0.6])
    path, report = export_model(
        model, vocabulary, tmp_path, "genre", thresholds=thresholds, return_report=True
    )
    assert report.ok, report.summary()
    texts = ["a ghost house in paris", "a bank heist", "love"]
    served = tf.saved_model.load(str(path)).signatures["serving_default"](text=tf.constant(texts))
    expected = layer.apply(raw_model.predict(np.array(texts, dtype=object), verbose=0))
    np.testing.assert_allclose(served["scores"].numpy(), expected, atol=1e-6)
