"""Classify request/response JSON: examples to tf.Example, `{"results": ...}`."""

import pytest

from genreclf.serving.server.json_examples import classify_examples
from genreclf.serving.server.json_examples import classify_response
from genreclf.serving.server.status import ServingStatusError


def test_examples_and_context():
    examples, context = classify_examples(
        {
            "context": {"lang": "en"},
            "examples": [{"text": "a spy", "year": 1999, "rating": 7.5, "tags": ["a", "b"]}],
        }
    )
    feature = examples[0].features.feature
    assert list(feature["text"].bytes_list.value) == [b"a spy"]
    assert list(feature["year"].int64_list.value) == [1999]
    assert list(feature["rating"].float_list.value) == [7.5]
    assert list(feature["tags"].bytes_list.value) == [b"a", b"b"]
    assert list(context.features.feature["lang"].bytes_list.value) == [b"en"]


@pytest.mark.parametrize(
    "doc,message",
    [
        (
            {"examples": []},
            "JSON Value: {\n    \"examples\": []\n} 'examples' value is an empty array",
        ),
        ({"examples": ["x"]}, "Example must be JSON object but got JSON String"),
        ({"examples": [{"x": None}]}, "Feature: x has element with unexpected JSON type: Null"),
        (
            {"examples": [{"x": ["a", 1]}]},
            "Unexpected element type in feature: x expecting type: bytes",
        ),
    ],
)
def test_errors_match_tf_serving(doc, message):
    with pytest.raises(ServingStatusError) as info:
        classify_examples(doc)
    assert info.value.message == message


def test_results_key_and_numbers():
    assert classify_response([[("drama", 0.75), ("comedy", 1.0)]]) == (
        '{"results": [[["drama", 0.75], ["comedy", 1.0]]]}'
    )
