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


def test_new_families_plug_in():
    @register_family("test_mean_bag", defaults={"width": 2})
    def build(num_classes, multi_label=False, train_texts=None, width=2):
        text = keras.Input(shape=(), dtype="string", name="text")
        hashed = keras.layers.Hashing(16, output_mode="multi_hot")(keras.layers.Reshape((1,))(text))
        x = keras.layers.Dense(width)(hashed)
        return keras.Model({"text": text}, keras.layers.Dense(num_classes, activation="softmax")(x))

    model = build_model("test_mean_bag", 3, width=5)
    assert model.output_shape == (None, 3)
