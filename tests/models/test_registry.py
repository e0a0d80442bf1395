import keras
import pytest

from genreclf.errors import ConfigError
from genreclf.models import available_families
from genreclf.models import build_model
from genreclf.models import family_defaults
from genreclf.models import register_family
from genreclf.models import resolve_config


def test_builtin_families_are_registered():
    assert {"bilstm", "ngram", "transformer"} <= set(available_families())


def test_unknown_family_lists_the_choices():
    with pytest.raises(ConfigError, match=r"Received: model='cnn'"):
        build_model("cnn", 2)


def test_unknown_setting_is_rejected_with_the_accepted_ones():
    with pytest.raises(ConfigError, match="does not take \\['lstm_size'\\]") as info:
        resolve_config("bilstm", {"lstm_size": 3})
    assert "Received: lstm_size=3" in str(info.value)
    with pytest.raises(ConfigError, match="did you mean 'lstm_units' for 'lstm_unit'"):
        resolve_config("bilstm", {"lstm_unit": [8, 16]})


def test_defaults_merge_under_overrides():
    config = resolve_config("bilstm", {"lstm_units": 7})
    assert config["lstm_units"] == 7
    assert config["embedding_dim"] == family_defaults("bilstm")["embedding_dim"]


@pytest.mark.parametrize(
    "name", ["bilstm", "ngram", "transformer", "pretrained", "stack", "hybrid"]
)
def test_a_family_declares_the_defaults_its_builder_has(name):
    # A default is stated twice: in the declaration (what `build_model`,
    # `genreclf train` and the tuner use) and in the builder's signature (a
    # direct call). One changed without the other would build two models.
    import inspect

    from genreclf.models import get_family

    family = get_family(name)
    parameters = inspect.signature(family.builder).parameters
    for setting, value in family.defaults.items():
        default = parameters[setting].default
        assert default == value or (default is None and value == {}), (name, setting)


def test_new_families_plug_in():
    @register_family("test_mean_bag", defaults={"width": 2})
    def build(num_classes, multi_label=False, train_texts=None, width=2):
        text = keras.Input(shape=(), dtype="string", name="text")
        hashed = keras.layers.Hashing(16, output_mode="multi_hot")(keras.layers.Reshape((1,))(text))
        x = keras.layers.Dense(width)(hashed)
        return keras.Model({"text": text}, keras.layers.Dense(num_classes, activation="softmax")(x))

    model = build_model("test_mean_bag", 3, width=5)
    assert model.output_shape == (None, 3)


@pytest.mark.parametrize("family", ["ngram", "bilstm"])
def test_train_texts_may_be_a_batched_dataset(family):
    # As Keras' adapt() takes them: batched datasets failed (double batching, bytes arrays).
    import tensorflow as tf

    import genreclf
    from genreclf.models.registry import text_list

    texts = ["a ghost story", "a love story", "a space heist", "a haunted house"] * 3
    batched = tf.data.Dataset.from_tensor_slices(texts).batch(5)
    assert text_list(batched) == texts
    small = {"max_tokens": 50}
    if family == "bilstm":
        small.update(embedding_init="random", max_length=8, embedding_dim=4, lstm_units=4)
    model = genreclf.build_model(family, num_classes=2, train_texts=batched, **small)
    assert model({"text": tf.constant(["a ghost"])}).shape == (1, 2)
    with pytest.raises(ConfigError, match="Map it to the text column"):
        text_list(tf.data.Dataset.from_tensor_slices((texts, [0] * 12)))
