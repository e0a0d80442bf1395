"""Tiny models and exports shared by the export tests."""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from genreclf.data.labels import LabelVocabulary  # noqa: E402

TEXTS = [
    "a detective hunts a killer in the rain",
    "a ghost haunts an old house at night",
    "two friends fall in love in paris",
    "a crew of thieves plans a bank heist",
    "a killer stalks teenagers at a summer camp",
    "a lonely baker finds love again",
]
SINGLE = LabelVocabulary(["crime", "horror", "romance"], multi_label=False)
MULTI = LabelVocabulary(["crime", "horror", "romance", "thriller"], multi_label=True)


def tiny_text_model(num_classes, multi_label, seed=0, features=()):
    """TextVectorization → Embedding → mean pooling → Dense (+ numeric features)."""
    keras.utils.set_random_seed(seed)
    vectorizer = keras.layers.TextVectorization(max_tokens=40, output_sequence_length=6)
    vectorizer.adapt(TEXTS)
    text = keras.Input(shape=(), dtype="string", name="text")
    x = keras.layers.Embedding(40, 4)(vectorizer(text))
    x = keras.layers.GlobalAveragePooling1D()(x)
    inputs = {"text": text}
    for name in features:
        inputs[name] = keras.Input(shape=(1,), dtype="float32", name=name)
        x = keras.layers.Concatenate()([x, inputs[name]])
    activation = "sigmoid" if multi_label else "softmax"
    scores = keras.layers.Dense(num_classes, activation=activation)(x)
    return keras.Model(inputs if features else text, scores)


@pytest.fixture(scope="session")
def single_model():
    return tiny_text_model(3, multi_label=False)


@pytest.fixture(scope="session")
def multi_model():
    return tiny_text_model(4, multi_label=True, seed=1)


@pytest.fixture(scope="session")
def multi_thresholds():
    return np.array([0.5, 0.45, 0.55, 0.5], dtype="float32")


@pytest.fixture(scope="session")
def single_export(single_model, tmp_path_factory):
    """The single-label model exported once, verification included."""
    from genreclf.export.exporter import export_model

    base = tmp_path_factory.mktemp("single")
    path, report = export_model(single_model, SINGLE, base, "genre", return_report=True)
    return path, report


@pytest.fixture(scope="session")
def multi_export(multi_model, multi_thresholds, tmp_path_factory):
    """The multi-label model exported once, without verification (fast)."""
    from genreclf.export.exporter import export_model

    base = tmp_path_factory.mktemp("multi")
    return export_model(
        multi_model,
        MULTI,
        base,
        "genre",
        thresholds=multi_thresholds,
        top_k=2,
        verify=False,
    )


@pytest.fixture(scope="session")
def texts():
    return list(TEXTS)


@pytest.fixture(scope="session")
def single_vocab():
    return SINGLE


@pytest.fixture(scope="session")
def multi_vocab():
    return MULTI


@pytest.fixture(scope="session")
def make_model():
    """The tiny model builder: `make_model(num_classes, multi_label, seed, features)`."""
    return tiny_text_model
