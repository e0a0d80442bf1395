import keras
import numpy as np
import pytest
import tensorflow as tf

from genreclf.models import build_model
from genreclf.models.pooling import MaskedGlobalPooling1D


def test_max_and_mean_ignore_masked_steps_and_empty_sequences():
    x = np.array([[[1.0], [-5.0], [9.0]], [[3.0], [4.0], [5.0]]], dtype="float32")
    mask = np.array([[True, True, False], [False, False, False]])
    assert np.asarray(MaskedGlobalPooling1D("max")(x, mask=mask)).tolist() == [[1.0], [0.0]]
    assert np.asarray(MaskedGlobalPooling1D("mean")(x, mask=mask)).tolist() == [[-2.0], [0.0]]


def test_config_round_trip_and_bad_mode():
    layer = MaskedGlobalPooling1D("mean", name="pool")
    clone = MaskedGlobalPooling1D.from_config(layer.get_config())
    assert (clone.name, clone.mode) == ("pool", "mean")
    with pytest.raises(ValueError, match="Received: mode='min'"):
        MaskedGlobalPooling1D("min")


@pytest.mark.parametrize(
    "family, config",
    [
        (
            "transformer",
            dict(
                word_dim=8,
                embedding_dim=8,
                num_heads=2,
                intermediate_dim=8,
                max_length=8,
                num_layers=1,
            ),
        ),
        ("bilstm", dict(embedding_dim=4, lstm_units=4, max_length=8, pooling="mean")),
        ("bilstm", dict(embedding_dim=4, lstm_units=4, max_length=8, pooling="max")),
    ],
)
def test_empty_and_unknown_word_texts_give_finite_scores(texts, family, config):
    model = build_model(family, 3, train_texts=texts, **config)
    scores = np.asarray(model({"text": tf.constant(["", "   ", "zzzz qqqq"])}))
    assert np.isfinite(scores).all()


def test_models_saved_with_the_old_max_pooling_name_still_load():
    # Before pooling took a `mode`, bilstm saved "genreclf>MaskedGlobalMaxPooling1D" (no `mode`).
    inputs = keras.Input(shape=(3, 1))
    model = keras.Model(inputs, MaskedGlobalPooling1D("max", name="max_pool")(inputs))
    config = keras.saving.serialize_keras_object(model)
    layer = next(l for l in config["config"]["layers"] if l["config"]["name"] == "max_pool")
    layer.update(
        class_name="MaskedGlobalMaxPooling1D", registered_name="genreclf>MaskedGlobalMaxPooling1D"
    )
    del layer["config"]["mode"]
    restored = keras.saving.deserialize_keras_object(config)
    pooled = restored.get_layer("max_pool")
    assert isinstance(pooled, MaskedGlobalPooling1D) and pooled.mode == "max"
    x = np.array([[[1.0], [-5.0], [9.0]]], dtype="float32")
    assert np.asarray(restored(x)).tolist() == [[9.0]]
