"""Predict request/response JSON: row and columnar forms, b64, shapes, types, errors."""

import json

import numpy as np
import pytest
import tensorflow as tf

from genreclf.serving.server.json_tensor import predict_inputs
from genreclf.serving.server.json_tensor import predict_response
from genreclf.serving.server.status import ServingStatusError

TEXT = {"text": tf.TensorSpec([None], tf.string)}
HYBRID = {**TEXT, "year": tf.TensorSpec([None], tf.float32)}


def spec(dtype, shape=None):
    return {"x": tf.TensorSpec(shape, dtype)}


def error(doc, specs):
    with pytest.raises(ServingStatusError) as info:
        predict_inputs(doc, specs, "serving_default")
    assert info.value.code == "INVALID_ARGUMENT"
    return info.value.message


def test_row_and_columnar_and_b64():
    arrays, fmt = predict_inputs({"instances": ["a", {"b64": "Yg=="}]}, TEXT)
    assert fmt == "row" and arrays["text"].tolist() == [b"a", b"b"]
    arrays, fmt = predict_inputs({"inputs": {"text": ["a"]}}, TEXT)
    assert fmt == "columnar" and arrays["text"].tolist() == [b"a"]
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
def test_errors_name_the_input_and_the_problem(doc, specs, words):
    message = error(doc, specs)
    for word in words:
        assert word in message, message


def test_responses_row_columnar_and_bytes_outputs():
    outputs = {
        "scores": np.array([[0.5, 0.25]], np.float32),
        "top_labels": np.array([[b"drama", b"comedy"]], object),
    }
    assert predict_response(outputs, "row") == (
        '{"predictions": [{"scores": [0.5, 0.25], "top_labels": ["drama", "comedy"]}]}'
    )
    assert predict_response(outputs, "columnar") == (
        '{"outputs": {"scores": [[0.5, 0.25]], "top_labels": [["drama", "comedy"]]}}'
    )
    raw = {"image_bytes": np.array([b"\x00\x01"], object)}
    assert predict_response(raw, "row", {"image_bytes"}) == '{"predictions": [{"b64": "AAE="}]}'
    uneven = {"a": np.zeros(2, np.float32), "b": np.zeros(3, np.float32)}
    with pytest.raises(ServingStatusError, match="common batch size"):
        predict_response(uneven, "row")


def test_open_rank_inputs_accept_up_to_32_dimensions():
    arrays, _ = predict_inputs({"inputs": [[[[1]]]]}, spec(tf.int32))
    assert arrays["x"].shape == (1, 1, 1, 1)
    deep = json.loads("[" * 33 + "1" + "]" * 33)
    assert "rank at most 32" in error({"inputs": deep}, spec(tf.int32))
