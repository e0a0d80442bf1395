"""Classify request/response JSON: examples to tf.Example, `{"results": ...}`."""

import pytest

from genreclf.serving.server.json_examples import classify_examples
from genreclf.serving.server.json_examples import classify_response
from genreclf.serving.server.json_examples import regress_response
from genreclf.serving.server.status import ServingStatusError


def test_examples_and_context():
    examples, context = classify_examples(
        {
            "context": {"lang": "en"},
            "examples": [
                {"text": "a spy", "year": 1999, "rating": 7.5, "tags": ["a", "b"], "b": True}
            ],
        }
    )
    feature = examples[0].features.feature
    assert list(feature["text"].bytes_list.value) == [b"a spy"]
    assert list(feature["year"].int64_list.value) == [1999]
    assert list(feature["b"].int64_list.value) == [1]
    assert list(feature["rating"].float_list.value) == [7.5]
    assert list(feature["tags"].bytes_list.value) == [b"a", b"b"]
    assert list(context.features.feature["lang"].bytes_list.value) == [b"en"]


@pytest.mark.parametrize(
    "doc,words",
    [
        ({"examples": []}, ["non-empty list", "classify"]),
        ({}, ["'examples'", "classify"]),
        ({"examples": ["x"]}, ["JSON object", '"x"']),
        ({"examples": [{"x": None}]}, ["feature 'x'", "null"]),
        ({"examples": [{"x": ["a", 1]}]}, ["feature 'x'", "one kind"]),
        ({"examples": [{"x": 2**64}]}, ["feature 'x'", "range"]),
        ({"examples": [{"x": {"b64": "%"}}]}, ["base64"]),
    ],
)
def test_errors_name_the_problem(doc, words):
    with pytest.raises(ServingStatusError) as info:
        classify_examples(doc)
    assert info.value.code == "INVALID_ARGUMENT"
    for word in words:
        assert word in info.value.message, info.value.message


def test_results_key_and_numbers():
    assert classify_response([[("drama", 0.75), ("comedy", 1.0)]]) == (
        '{"results": [[["drama", 0.75], ["comedy", 1.0]]]}'
    )
    assert regress_response([0.1, 2.0]) == '{"results": [0.1, 2.0]}'
