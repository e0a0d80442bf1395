"""The `hybrid` family: a text encoder plus numeric and categorical features."""

import json

import keras
import numpy as np
import pytest
import tensorflow as tf

from genreclf.errors import ConfigError
from genreclf.models import build_model
from genreclf.models import register_family
from genreclf.models import resolve_config
from genreclf.models.hybrid import StackNumeric
from genreclf.models.hybrid import build_hybrid
from genreclf.models.hybrid import text_encoder

TINY_BILSTM = {"embedding_dim": 4, "lstm_units": 4, "max_length": 12, "max_tokens": 50}
TINY = {
    "bilstm": TINY_BILSTM,
    "ngram": {"max_tokens": 50},
    "transformer": {
        "word_dim": 8,
        "embedding_dim": 8,
        "num_heads": 2,
        "intermediate_dim": 8,
        "max_length": 8,
        "num_layers": 1,
        "max_tokens": 50,
    },
}


@pytest.fixture
def features():
    return {
        "views": np.array([12, 3400, 5.0e6, 7, 88, 1.2e4], "float32"),
        "duration": np.array([1.5, 2.0, 3.5, 4.0, 0.5, 6.0], "float32"),
        "channel_type": np.array(["news", "kids", "kids", "music", "news", "gaming"], object),
    }


def _inputs(texts, features):
    return {"text": tf.constant(texts), **{k: tf.constant(v) for k, v in features.items()}}


def test_inputs_are_text_plus_each_feature(texts, features):
    model = build_model(
        "hybrid",
        3,
        train_texts=texts,
        train_features=features,
        encoder="bilstm",
        encoder_config=TINY_BILSTM,
        hidden_dim=8,
    )
    assert sorted(t.name for t in model.inputs) == ["channel_type", "duration", "text", "views"]
    scores = np.asarray(model(_inputs(texts, features)))
    assert scores.shape == (len(texts), 3)
    np.testing.assert_allclose(scores.sum(axis=1), 1.0, atol=1e-5)


@pytest.mark.parametrize("family", sorted(TINY))
def test_text_encoder_stops_before_the_head(texts, family):
    encoder = text_encoder(family, 3, False, texts, TINY[family])
    assert "scores" not in {layer.name for layer in encoder.layers}
    representation = np.asarray(encoder({"text": tf.constant(texts)}))
    assert representation.ndim == 2 and representation.shape[0] == len(texts)


def test_numeric_features_are_normalised_with_training_statistics(texts, features):
    model = build_model(
        "hybrid",
        2,
        train_texts=texts,
        train_features=features,
        encoder="ngram",
        encoder_config=TINY["ngram"],
    )
    # views is heavy-tailed (auto log scale), duration is not.
    assert model.get_layer("numeric_features").log_scale == [False, True]
    normalised = keras.Model(model.input, model.get_layer("numeric_normalization").output)
    values = np.asarray(normalised(_inputs(texts, features)))
    np.testing.assert_allclose(values.mean(axis=0), 0.0, atol=1e-5)
    np.testing.assert_allclose(values.std(axis=0), 1.0, atol=1e-4)


def test_unseen_category_maps_to_out_of_vocabulary(texts, features):
    model = build_model(
        "hybrid",
        2,
        train_texts=texts,
        train_features=features,
        encoder="ngram",
        encoder_config=TINY["ngram"],
        categorical_encoding="one_hot",
        hidden_dim=0,
    )
    new = dict(features, channel_type=np.array(["never-seen"] * len(texts), object))
    scores = np.asarray(model(_inputs(texts, new)))
    assert np.isfinite(scores).all()


def test_stack_numeric_log_scales_flagged_columns():
    layer = StackNumeric(log_scale=[True, False])
    out = layer([np.array([-(np.e - 1), 0.0]), np.array([5.0, 6.0])]).numpy()
    np.testing.assert_allclose(out, [[-1.0, 5.0], [0.0, 6.0]], atol=1e-6)
    assert StackNumeric.from_config(layer.get_config()).log_scale == [True, False]


def test_bad_configurations_say_what_to_do(texts, features):
    with pytest.raises(ConfigError, match="at least one feature"):
        build_model("hybrid", 2, train_texts=texts, encoder="ngram")
    with pytest.raises(ConfigError, match="Received: encoder='hybrid'"):
        build_model("hybrid", 2, train_texts=texts, train_features=features, encoder="hybrid")
    with pytest.raises(ConfigError, match="categorical_encoding='bag'"):
        build_model(
            "hybrid", 2, train_texts=texts, train_features=features, categorical_encoding="bag"
        )
    with pytest.raises(ConfigError, match="not numeric features"):
        build_model(
            "hybrid",
            2,
            train_texts=texts,
            train_features=features,
            encoder="ngram",
            log_scale=["channel_type"],
        )


def test_an_encoder_without_one_representation_is_refused_up_front(texts, features):
    # `stack` blends several heads: its scores had no one input to stop at, and
    # Keras failed deep in `Concatenate` with mismatched shapes.
    for encoder in ("stack", "hybrid", "lstm"):
        with pytest.raises(ConfigError, match=f"Received: encoder='{encoder}'") as error:
            build_model("hybrid", 2, train_texts=texts, train_features=features, encoder=encoder)
        assert "'bilstm', 'ngram', 'transformer', 'pretrained'" in str(error.value)
    with pytest.raises(ConfigError, match="Received: encoder='stack'"):
        text_encoder("stack", 2, False, texts, {})


@pytest.fixture
def own_family():
    """Registers test families (`two_heads`: its scores add two layers'); removes them after."""
    from genreclf.models.family import FAMILIES

    def build(num_classes, multi_label=False, train_texts=None, two_heads=False):
        text = keras.Input(shape=(), dtype="string", name="text")
        hashed = keras.layers.Hashing(16, output_mode="multi_hot")(keras.layers.Reshape((1,))(text))
        x = keras.layers.Dense(4)(hashed)
        if two_heads:
            heads = [keras.layers.Dense(num_classes)(x), keras.layers.Dense(num_classes)(hashed)]
            scores = keras.layers.Add(name="scores")(heads)
        else:
            scores = keras.layers.Dense(num_classes, activation="softmax", name="scores")(x)
        return keras.Model({"text": text}, scores)

    register_family("test_bag", defaults={"two_heads": False})(build)
    yield "test_bag"
    del FAMILIES["test_bag"]


def test_a_family_registered_outside_genreclf_is_an_encoder_if_it_has_one_representation(
    texts, features, own_family
):
    model = build_model(
        "hybrid", 2, train_texts=texts, train_features=features, encoder=own_family, hidden_dim=0
    )
    assert model.output_shape == (None, 2)
    with pytest.raises(ConfigError, match=f"several tensors.*Received: encoder='{own_family}'"):
        build_model(
            "hybrid",
            2,
            train_texts=texts,
            train_features=features,
            encoder=own_family,
            encoder_config={"two_heads": True},
        )


@pytest.mark.parametrize("log_scale", ["views", ("views",), ["views"]])
def test_log_scale_takes_a_column_or_a_list_and_survives_config_json(texts, features, log_scale):
    config = {"encoder": "ngram", "encoder_config": TINY["ngram"], "log_scale": log_scale}
    config = json.loads(json.dumps(resolve_config("hybrid", config)))  # as config.json keeps it
    model = build_model("hybrid", 2, train_texts=texts, train_features=features, **config)
    assert model.get_layer("numeric_features").log_scale == [False, True]  # duration, views


@pytest.mark.parametrize("log_scale", [True, ["views", 3], {"views": True}])
def test_log_scale_of_another_kind_is_a_config_error(texts, features, log_scale):
    # True was a TypeError; a dict was read as its keys.
    with pytest.raises(ConfigError, match="log_scale must be 'auto', a column name or a list"):
        build_model("hybrid", 2, train_texts=texts, train_features=features, log_scale=log_scale)
    with pytest.raises(ConfigError, match="Received: log_scale="):
        build_hybrid(2, train_texts=texts, train_features=features, log_scale=log_scale)


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_a_non_finite_training_value_is_refused_rather_than_nan_scores(texts, features, bad):
    views = features["views"].copy()
    views[2] = bad
    with pytest.raises(ConfigError, match="'views'.*Received: views with 1 NaN or infinite"):
        build_model(
            "hybrid",
            2,
            train_texts=texts,
            train_features=dict(features, views=views),
            encoder="ngram",
            encoder_config=TINY["ngram"],
        )


@pytest.mark.parametrize("family", ["bilstm", "transformer"])
def test_save_and_reload_gives_identical_scores(texts, features, tmp_path, family):
    model = build_model(
        "hybrid",
        3,
        train_texts=texts,
        train_features=features,
        encoder=family,
        encoder_config=TINY[family],
        hidden_dim=8,
    )
    inputs = _inputs(texts, features)
    before = np.asarray(model.predict(inputs, verbose=0))
    model.save(tmp_path / "model.keras")
    restored = keras.saving.load_model(tmp_path / "model.keras")
    np.testing.assert_allclose(np.asarray(restored.predict(inputs, verbose=0)), before, atol=1e-6)


def test_pretrained_encoder_with_its_own_config(texts, features, tmp_path):
    from genreclf.models.pretrained.testing import write_tiny_hf_bert

    preset = write_tiny_hf_bert(tmp_path / "tiny")
    model = build_model(
        "hybrid",
        2,
        train_texts=texts,
        train_features=features,
        encoder="pretrained",
        mode="lora",
        max_length=16,
        encoder_config={"preset": str(preset), "lora_rank": 2},
    )
    trainable = [w.path for w in model.trainable_weights]
    assert any("lora_kernel" in p for p in trainable)
    assert not any(p.startswith("token_embedding/") for p in trainable)
    assert (
        model.get_layer("pretrained_encoder").get_layer("bert_preprocessor").sequence_length == 16
    )
    model.save(tmp_path / "model.keras")
    restored = keras.saving.load_model(tmp_path / "model.keras")
    assert len(restored.trainable_weights) == len(trainable)  # not all of the encoder
    # Keras loads LoRA factors as zeros, where neither gets a gradient: they learn again.
    restored.compile(optimizer=keras.optimizers.Adam(1e-2), loss="sparse_categorical_crossentropy")
    restored.fit(_inputs(texts, features), np.array([0, 1, 0, 1, 0, 1]), epochs=1, verbose=0)
    assert any(np.any(np.array(w)) for w in restored.weights if w.path.endswith("lora_kernel_b"))


@pytest.mark.parametrize("none", [None, []])
def test_log_scale_none_or_empty_scales_no_column(texts, features, none):
    # None is what configs written before the check hold for "no column"
    config = {"encoder": "ngram", "encoder_config": TINY["ngram"], "log_scale": none}
    model = build_model("hybrid", 2, train_texts=texts, train_features=features, **config)
    assert model.get_layer("numeric_features").log_scale == [False, False]
