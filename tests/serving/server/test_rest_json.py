"""REST bodies: predict row/columnar/b64 forms, shapes, types, classify examples, answers
(floats equal at float32, NaN/Infinity as TF Serving); parsing: test_json_bytes.py."""

import json

import numpy as np
import pytest
import tensorflow as tf

from genreclf.serving.server.json_bytes import describe
from genreclf.serving.server.json_bytes import parse
from genreclf.serving.server.rest_json import base64_unescape
from genreclf.serving.server.rest_json import classify_response
from genreclf.serving.server.rest_json import examples
from genreclf.serving.server.rest_json import predict_inputs
from genreclf.serving.server.rest_json import predict_response
from genreclf.serving.server.rest_json import signature_name
from tests.serving.server.conftest import error

TEXT = {"text": tf.TensorSpec([None], tf.string)}
HYBRID = {**TEXT, "year": tf.TensorSpec([None], tf.float32)}


def spec(dtype, shape=None):
    return {"x": tf.TensorSpec(shape, dtype)}


def test_bytes_that_are_not_utf8_reach_tensors_and_features_as_sent():
    # rapidjson (no kParseValidateEncodingFlag) copies a string's bytes as they are.
    sent = [b"a\xff", b"caf\xe9", b"\xe2\x82", b"\xed\xa0\x80", b"\xc0\xaf"]
    body = b'{"instances": ["' + b'", "'.join(sent) + b'"], "x": ["\\ud83d\\ude00"]}'
    doc = parse(body)
    assert doc["instances"][0] == "a\udcff" and doc["x"] == ["\U0001f600"]
    assert predict_inputs(doc, TEXT)[0]["text"].tolist() == sent
    columnar = parse(b'{"inputs": {"text": ["\xff"], "\xfe": 1}}')  # other keys ignored
    assert predict_inputs(columnar, TEXT)[0]["text"].tolist() == [b"\xff"]
    doc = parse(b'{"examples": [{"text": ["\xff", "b"]}], "context": {"c": "\xfe"}}')
    items, context = examples(doc)
    assert list(items[0].features.feature["text"].bytes_list.value) == [b"\xff", b"b"]
    assert list(context.features.feature["c"].bytes_list.value) == [b"\xfe"]
    # What such bytes cannot be: base64, a feature name (a proto3 string), an input name.
    message = error(predict_inputs, parse(b'{"instances": [{"b64": "YQ\xff"}]}'), TEXT)
    assert 'Unable to base64 decode {"b64": "YQ\\xff"}' in message, message
    message = error(examples, parse(b'{"examples": [{"te\xffxt": "a"}]}'))
    assert message.startswith("Expected feature names in UTF-8") and '"te\\xffxt"' in message
    message = error(predict_inputs, parse(b'{"instances": [{"te\xffxt": "a"}]}'), TEXT)
    assert '{"te\\xffxt": "a"}' in message, message


def test_signature_name_and_describe():
    assert signature_name({}) == "" and signature_name({"signature_name": "c"}) == "c"
    assert "'signature_name'" in error(signature_name, {"signature_name": 1})
    assert describe("x" * 500).endswith("...") and len(describe("x" * 500)) < 110


def test_row_and_columnar_and_b64():
    arrays, form = predict_inputs({"instances": ["a", {"b64": "Yg=="}]}, TEXT)
    assert form == "row" and arrays["text"].tolist() == [b"a", b"b"]
    arrays, form = predict_inputs({"inputs": {"text": ["a"]}}, TEXT)
    assert form == "columnar" and arrays["text"].tolist() == [b"a"]
    arrays, _ = predict_inputs({"inputs": ["a"]}, TEXT)
    assert arrays["text"].tolist() == [b"a"]
    arrays, _ = predict_inputs({"instances": [{"text": "a", "year": 1999}]}, HYBRID)
    assert arrays["year"].dtype == np.float32 and arrays["year"].tolist() == [1999.0]
    arrays, _ = predict_inputs({"instances": [[1, 2], [3, 4]]}, spec(tf.int64, [None, 2]))
    assert arrays["x"].dtype == np.int64 and arrays["x"].shape == (2, 2)


@pytest.mark.parametrize(
    "doc,specs,words",
    [
        ({"instances": ["a"]}, HYBRID, ["several inputs", "text", "year"]),
        ({"instances": [[1.5]]}, TEXT, ["'text'", "rank 1", "rank=2"]),
        ({"inputs": [[1, 2, 3]]}, spec(tf.int32, [None, 2]), ["dimension 1", "to be 2"]),
        ({"inputs": [[[[1]]]]}, spec(tf.int32, [None]), ["rank 1", "rank=4"]),
        ({"instances": [1, 2]}, TEXT, ["type string", "'text'", "Received: 1"]),
        ({"instances": [{"text": "a"}]}, HYBRID, ["keys ['text', 'year']", '{"text": "a"}']),
        ({"instances": [{"txt": "a"}]}, TEXT, ["keys ['text']", "txt"]),
        ({"inputs": {"txt": ["a"]}}, TEXT, ["keys ['text']", "txt"]),
        ({"instances": [{"text": "a", "year": 1e300}]}, HYBRID, ["'year'", "range of float"]),
        ({"instances": [{"text": "a", "year": "x"}]}, HYBRID, ["type float", "'year'"]),
        ({"instances": [{"b64": "%%%"}]}, TEXT, ["base64"]),
        ({"instances": []}, TEXT, ["non-empty list"]),
        ({"instances": "a"}, TEXT, ["non-empty list", '"a"']),
        ({"instances": ["a"], "inputs": ["a"]}, TEXT, ["exactly one of", "instances", "inputs"]),
        ({"text": ["a"]}, TEXT, ["exactly one of", "keys=['text']"]),
        ({"inputs": [1.5]}, spec(tf.int32), ["type int32"]),
        ({"inputs": [True]}, spec(tf.float32), ["type float"]),
        ({"inputs": [2**40]}, spec(tf.int32), ["range of int32"]),
        ({"inputs": [-1]}, spec(tf.uint8), ["range of uint8"]),
        ({"inputs": [[1, 2], [3]]}, spec(tf.int32), ["rectangular"]),
        ({"inputs": [1]}, spec(tf.complex64), ["JSON cannot carry"]),
    ],
)
def test_predict_errors_name_the_input_and_the_problem(doc, specs, words):
    message = error(predict_inputs, doc, specs, "serving_default")
    for word in words:
        assert word in message, message


def test_open_rank_inputs_accept_up_to_32_dimensions():
    arrays, _ = predict_inputs({"inputs": [[[[1]]]]}, spec(tf.int32))
    assert arrays["x"].shape == (1, 1, 1, 1)
    deep = json.loads("[" * 33 + "1" + "]" * 33)
    assert "rank at most 32" in error(predict_inputs, {"inputs": deep}, spec(tf.int32))


def test_predict_responses_row_columnar_bytes_and_floats():
    outputs = {
        "scores": np.array([[0.5, 0.25]], np.float32),
        "top_labels": np.array([[b"drama", b"caf\xc3\xa9"]], object),
    }
    assert json.loads(predict_response(outputs, "row")) == {
        "predictions": [{"scores": [0.5, 0.25], "top_labels": ["drama", "café"]}]
    }
    assert json.loads(predict_response(outputs, "columnar")) == {
        "outputs": {"scores": [[0.5, 0.25]], "top_labels": [["drama", "café"]]}
    }
    raw = {"image_bytes": np.array([b"\x00\x01"], object)}
    assert json.loads(predict_response(raw, "row")) == {"predictions": [{"b64": "AAE="}]}
    # A string output that is not UTF-8: U+FFFD for its bad bytes, so the answer stays JSON
    # (TF Serving writes the bytes as they are); a *_bytes output keeps them, in base64.
    bad = {"echo": np.array([b"a\xff"], object), "echo_bytes": np.array([b"a\xff"], object)}
    assert json.loads(predict_response(bad, "columnar").encode("utf-8")) == {
        "outputs": {"echo": ["a\ufffd"], "echo_bytes": [{"b64": "Yf8="}]}
    }
    values = np.array([0.1, 1 / 3, 1e-5, np.nan, np.inf], np.float32)
    text = predict_response({"y": values}, "row")
    assert text.endswith("NaN, Infinity]}")  # JSON extensions TF Serving writes too
    written = np.array(json.loads(text)["predictions"], np.float32)
    np.testing.assert_array_equal(written, values)
    uneven = {"a": np.zeros(2, np.float32), "b": np.zeros(3, np.float32)}
    assert "common batch size" in error(predict_response, uneven, "row")


def test_examples_and_context():
    items, context = examples(
        {
            "context": {"lang": "en"},
            "examples": [
                {"text": "a spy", "year": 1999, "rating": 7.5, "tags": ["a", "b"], "b": True}
            ],
        }
    )
    feature = items[0].features.feature
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
def test_example_errors_name_the_problem(doc, words):
    message = error(examples, doc)
    for word in words:
        assert word in message, message


def test_classify_results_key():
    assert json.loads(classify_response([[("drama", 0.75), ("comedy", 1.0)]])) == {
        "results": [[["drama", 0.75], ["comedy", 1.0]]]
    }


@pytest.mark.parametrize(
    "text, expected",
    [  # absl::Base64Unescape, which TF Serving uses: whitespace, optional or '.' padding
        ("bG92ZQ==", b"love"),
        ("bG92ZQ", b"love"),
        ("bG92ZQ..", b"love"),
        ("bG92ZQ=.", b"love"),
        ("bG9\n2Z Q=\t=\r\n", b"love"),
        ("", b""),
        ("YWJj", b"abc"),
        ("bG92ZQ=", None),  # one pad character where two are needed
        ("YWJj=", None),  # padding where none is needed
        ("bG92Z", None),  # 4n + 1 digits
        ("bG9=2ZQ==", None),  # data after padding
        ("bG92ZQ-_", None),  # the web-safe alphabet
        ("bG92\x00ZQ==", None),
        ("bG92ZQé", None),
    ],
)
def test_base64_unescape_is_absls(text, expected):
    assert base64_unescape(text) == expected


def test_columnar_keys_out_of_the_signature_are_ignored_and_b64_has_one_key():
    arrays, form = predict_inputs({"inputs": {"text": ["a"], "extra": [[1]]}}, TEXT)
    assert form == "columnar" and list(arrays) == ["text"] and arrays["text"].tolist() == [b"a"]
    arrays, _ = predict_inputs({"inputs": {"text": ["a"], "year": [1], "x": "y"}}, HYBRID)
    assert sorted(arrays) == ["text", "year"]
    assert "Missing: ['year']" in error(predict_inputs, {"inputs": {"text": ["a"]}}, HYBRID)
    row = {"instances": [{"text": "a", "extra": 1}]}
    assert "keys ['text']" in error(predict_inputs, row, TEXT)
    two_keys = {"instances": ["a", {"b64": "YQ==", "x": 1}]}
    assert '{"b64": "<base64>"}' in error(predict_inputs, two_keys, TEXT)
    assert '{"b64": "<base64>"}' in error(examples, {"examples": [{"t": {"b64": 1}}]})


@pytest.mark.parametrize(
    "doc, message",
    [
        # Was "Expected an example as a JSON object. Received: 5.", naming no context.
        (
            {"examples": [{"text": "a"}], "context": 5},
            "Expected 'context' as a JSON object of features. Received: 5.",
        ),
        (
            {"examples": [{"text": "a"}, "b"]},
            'Expected example 1 as a JSON object of features. Received: "b".',
        ),
        # Were "Expected values of type string for feature 'year'", of a float feature.
        (
            {"examples": [{"text": "a", "year": None}]},
            "Expected feature 'year' of example 0 to hold strings, numbers or "
            '{"b64": "..."} (one value or a flat list). Received: null.',
        ),
        (
            {"examples": [{"text": "a"}], "context": {"year": [[1994.0]]}},
            "Expected feature 'year' of 'context' to hold strings, numbers or "
            '{"b64": "..."} (one value or a flat list). Received: [[1994.0]].',
        ),
    ],
)
def test_an_example_or_context_of_the_wrong_shape_is_named(doc, message):
    assert error(examples, doc) == message


@pytest.mark.parametrize("value", [1e300, [1994.0, -1e39], float("inf"), float("nan")])
def test_a_float_feature_beyond_float32_is_refused_not_scored_nan(value):
    # A float_list holds float32: 1e300 became inf, and the scores NaN, with a 200.
    doc = {"examples": [{"text": "a", "year": value}]}
    assert error(examples, doc).startswith(
        "Expected feature 'year' of example 0 to hold finite numbers within the range of "
        "float32 (a float_list). Received: "
    )
    assert examples({"examples": [{"text": "a", "year": 3.4e38}]})[0]
