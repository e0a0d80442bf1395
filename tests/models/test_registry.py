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


@pytest.fixture
def families():
    """The registry's families; whatever a test registers or replaces is undone after."""
    from genreclf.models.family import FAMILIES

    available_families()  # the built-in ones are registered before the test
    saved = dict(FAMILIES)
    yield FAMILIES
    FAMILIES.clear()
    FAMILIES.update(saved)


def _bag(text, width):
    hashed = keras.layers.Hashing(16, output_mode="multi_hot")(keras.layers.Reshape((1,))(text))
    return keras.layers.Dense(width, activation="softmax")(hashed)


def test_a_builder_scoring_another_number_of_classes_is_refused_naming_it(families):
    # Keras failed at fit time, on the loss's shapes.
    @register_family("test_three_scores")
    def build_three(num_classes, multi_label=False):
        text = keras.Input(shape=(), dtype="string", name="text")
        return keras.Model({"text": text}, _bag(text, 3))

    assert build_model("test_three_scores", 3).output_shape == (None, 3)
    with pytest.raises(ConfigError, match=r"Received: output_shape=\(None, 3\)") as error:
        build_model("test_three_scores", 2)
    message = str(error.value)
    assert "Model family 'test_three_scores'" in message
    assert "build_three" in message and "num_classes=2" in message
    assert "classification_head(x, num_classes, multi_label)" in message


@pytest.mark.parametrize(
    "name, dtype, received",
    [("words", "string", "{'words': 'string'}"), ("text", "float32", "{'text': 'float32'}")],
)
def test_a_builder_without_a_string_input_named_text_is_refused(families, name, dtype, received):
    # genreclf feeds {"text": ...}: Keras failed at fit time on a missing key.
    @register_family("test_misnamed")
    def build_misnamed(num_classes, multi_label=False):
        given = keras.Input(shape=(), dtype=dtype, name=name)
        if dtype == "string":
            scores = _bag(given, num_classes)
        else:
            scores = keras.layers.Dense(num_classes)(keras.layers.Reshape((1,))(given))
        return keras.Model({name: given}, scores)

    with pytest.raises(ConfigError, match=f"Received: inputs={received}") as error:
        build_model("test_misnamed", 2)
    assert "build_misnamed" in str(error.value)
    assert 'keras.Input(shape=(), dtype="string", name="text")' in str(error.value)


@pytest.mark.parametrize(
    "returned, received",
    [(lambda model: None, "None"), (lambda model: (model, "vocabulary"), "a tuple of 2 items")],
)
def test_a_builder_returning_no_model_is_refused(families, returned, received):
    @register_family("test_no_model")
    def build_nothing(num_classes, multi_label=False):
        text = keras.Input(shape=(), dtype="string", name="text")
        return returned(keras.Model({"text": text}, _bag(text, num_classes)))

    with pytest.raises(ConfigError, match=f"Received: model={received}") as error:
        build_model("test_no_model", 2)
    assert "build_nothing returns to be a keras.Model" in str(error.value)


def test_a_subclassed_model_is_refused_as_not_functional(families):
    class Scores(keras.Model):
        def call(self, inputs):
            return inputs

    @register_family("test_subclassed")
    def build_subclassed(num_classes, multi_label=False):
        return Scores()

    with pytest.raises(ConfigError, match="functional keras.Model.*no defined inputs"):
        build_model("test_subclassed", 2)


def _toy_builder():
    def build(num_classes, multi_label=False):
        text = keras.Input(shape=(), dtype="string", name="text")
        return keras.Model({"text": text}, _bag(text, num_classes))

    return build


def build_other(num_classes, multi_label=False):
    text = keras.Input(shape=(), dtype="string", name="text")
    return keras.Model({"text": text}, _bag(text, num_classes))


def test_a_registered_name_is_refused_unless_replaced(families):
    builtin = families["ngram"].builder
    with pytest.raises(ConfigError, match=r"'ngram' is already registered by ") as error:
        register_family("ngram")(build_other)
    assert "genreclf.models.ngram.build_ngram" in str(error.value)
    assert "replace=True" in str(error.value)
    assert families["ngram"].builder is builtin

    register_family("ngram", replace=True)(build_other)
    assert families["ngram"].builder is build_other

    register_family("test_toy")(_toy_builder())
    with pytest.raises(
        ConfigError, match=r"Received: name='test_toy' \(builder \S*\.build_other\)"
    ):
        register_family("test_toy")(build_other)


def test_the_same_builder_defined_again_replaces_its_own_family(families):
    # A module reloaded, a notebook cell or a test run again: a new function
    # object of the same module and qualified name.
    first, again = _toy_builder(), _toy_builder()
    assert first is not again
    register_family("test_toy", defaults={"width": 1})(first)
    register_family("test_toy")(first)
    register_family("test_toy")(again)
    assert families["test_toy"].builder is again
    assert build_model("test_toy", 2).output_shape == (None, 2)
