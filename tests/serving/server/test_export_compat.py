"""The local server serves what `export.export_model` writes (single-label, multi-label, hybrid)."""

import json

import keras
import numpy as np
import pytest
import requests
import tensorflow as tf

from genreclf.data.labels import LabelVocabulary
from genreclf.serving.client import GenreClient
from genreclf.serving.testing import float32_json

TEXTS = [
    "a detective hunts a killer in the rain",
    "a ghost haunts an old house at night",
    "two friends fall in love in paris",
    "a crew of thieves plans a bank heist",
]

pytestmark = pytest.mark.large


def tiny_model(num_classes, multi_label, features=()):
    keras.utils.set_random_seed(0)
    vectorizer = keras.layers.TextVectorization(max_tokens=40, output_sequence_length=6)
    vectorizer.adapt(TEXTS)
    text = keras.Input(shape=(), dtype="string", name="text")
    x = keras.layers.GlobalAveragePooling1D()(keras.layers.Embedding(40, 4)(vectorizer(text)))
    inputs = {"text": text}
    for name in features:
        inputs[name] = keras.Input(shape=(1,), dtype="float32", name=name)
        x = keras.layers.Concatenate()([x, inputs[name]])
    scores = keras.layers.Dense(num_classes, activation="sigmoid" if multi_label else "softmax")(x)
    return keras.Model(inputs if features else text, scores)


@pytest.fixture(scope="module")
def exported(tmp_path_factory, server_process):
    export = pytest.importorskip("genreclf.export")
    base = tmp_path_factory.mktemp("exported")
    single = LabelVocabulary(["crime", "horror", "romance"], multi_label=False)
    multi = LabelVocabulary(["crime", "horror", "romance", "thriller"], multi_label=True)
    export.export_model(tiny_model(3, False), single, str(base), "genre", verify=False)
    export.export_model(
        tiny_model(4, True),
        multi,
        str(base),
        "genre_multilabel",
        verify=False,
        thresholds=np.array([0.5, 0.45, 0.55, 0.5], np.float32),
    )
    export.export_model(
        tiny_model(3, False, features=("year",)), single, str(base), "genre_hybrid", verify=False
    )
    log = tmp_path_factory.mktemp("exported_logs") / "server.log"
    process = server_process(base, log_path=str(log)).wait_ready()
    yield base, process
    process.terminate()


def in_process(base, name, **inputs):
    function = tf.saved_model.load(str(base / name / "1")).signatures["serving_default"]
    outputs = function(**{k: tf.constant(v) for k, v in inputs.items()})
    count = len(next(iter(inputs.values())))
    return float32_json([{k: v.numpy()[i] for k, v in outputs.items()} for i in range(count)])


@pytest.mark.parametrize("protocol", ["rest", "grpc"])
def test_single_and_multi_label_exports(exported, protocol):
    base, process = exported
    target = process.rest_url if protocol == "rest" else process.grpc_target
    single = GenreClient(target, model="genre").predict(TEXTS)
    assert single == in_process(base, "genre", text=TEXTS)
    multi = GenreClient(target, model="genre_multilabel").predict(TEXTS)
    assert multi == in_process(base, "genre_multilabel", text=TEXTS)
    assert "labels" in multi[0]
    pairs = GenreClient(target, model="genre").classify(TEXTS[:1])[0]
    assert [label for label, _ in pairs] == ["crime", "horror", "romance"]
    assert [score for _, score in pairs] == single[0]["scores"]


def test_hybrid_export_over_rest_with_named_inputs(exported):
    base, process = exported
    body = {
        "instances": [{"text": TEXTS[0], "year": [1994.0]}, {"text": TEXTS[1], "year": [2003.0]}]
    }
    answer = requests.post(
        process.rest_url + "/v1/models/genre_hybrid:predict", data=json.dumps(body), timeout=30
    )
    assert answer.status_code == 200, answer.text
    expected = in_process(
        base, "genre_hybrid", text=TEXTS[:2], year=np.array([[1994.0], [2003.0]], np.float32)
    )
    assert float32_json(answer.json()["predictions"]) == expected


def test_export_metadata_has_both_signatures(exported):
    _, process = exported
    meta = GenreClient(process.rest_url, model="genre").metadata()
    signatures = meta["metadata"]["signature_def"]["signature_def"]
    assert signatures["classify"]["method_name"] == "tensorflow/serving/classify"
    assert sorted(signatures["serving_default"]["outputs"]) == [
        "scores",
        "top_labels",
        "top_scores",
    ]
