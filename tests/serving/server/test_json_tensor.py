"""Predict request/response JSON: row and columnar forms, b64, shapes, TF Serving's errors."""

import numpy as np
import pytest

from genreclf.serving.server.json_tensor import predict_inputs
from genreclf.serving.server.json_tensor import predict_response
from genreclf.serving.server.status import ServingStatusError

TEXT = {"text": "DT_STRING"}
HYBRID = {"text": "DT_STRING", "year": "DT_FLOAT"}


def error(doc, dtypes):
    with pytest.raises(ServingStatusError) as info:
        predict_inputs(doc, dtypes)
    return info.value.message


def test_row_and_columnar_and_b64():
    arrays, fmt = predict_inputs({"instances": ["a", {"b64": "Yg=="}]}, TEXT)
    assert fmt == "row" and arrays["text"].tolist() == [b"a", b"b"]
    arrays, fmt = predict_inputs({"inputs": {"text": ["a"]}}, TEXT)
    assert fmt == "columnar" and arrays["text"].tolist() == [b"a"]
    arrays, _ = predict_inputs({"instances": [{"text": "a", "year": 1999}]}, HYBRID)
    assert arrays["year"].dtype == np.float32 and arrays["year"].tolist() == [1999.0]


def test_errors_match_tf_serving():
    assert error({"instances": ["a"]}, HYBRID) == (
        "instances is a plain list, but expecting list of objects as multiple input tensors "
        "required as per tensorinfo_map"
    )
    assert error({"instances": [[1.5]]}, TEXT) == (
        "Failed to process element: 0 of 'instances' list. Error: INVALID_ARGUMENT: "
        "JSON Value: 1.5 Type: Number is not of expected type: string"
    )
    assert error({"instances": [{"text": "a"}]}, HYBRID) == (
        'Failed to process element: 0 of \'instances\' list. JSON object: {\n    "text": "a"\n} '
        "keys must be equal to: text,year"
    )
    assert error({"instances": [{"text": "a", "year": 1e300}]}, HYBRID) == (
        "Failed to process element: 0 key: year of 'instances' list. Error: INVALID_ARGUMENT: "
        "Cannot convert JSON value: 1e+300 to float without loss of precision."
    )
    assert error({"instances": [{"b64": "%%%"}]}, TEXT) == (
        "Failed to process element: 0 of 'instances' list. Error: INVALID_ARGUMENT: "
        "Unable to base64 decode"
    )
    assert (
        error({"instances": []}, TEXT)
        == "JSON Value: {\n    \"instances\": []\n} No values in 'instances' array"
    )
    assert error({"inputs": [["a"], "b"]}, TEXT) == (
        'JSON Value: "b" found at incorrect level: 2 in the JSON DOM. Expected at level: 2'
    )  # sic, level + 1
    assert error({"instances": ["a"], "inputs": ["a"]}, TEXT).endswith(
        "Not formatted correctly expecting only one of 'inputs' or 'instances' keys to exist "
    )


def test_responses_row_columnar_and_bytes_outputs():
    outputs = {
        "scores": np.array([[0.5, 0.25]], np.float32),
        "top_labels": np.array([[b"drama", b"comedy"]], object),
    }
    dtypes = {"scores": "DT_FLOAT", "top_labels": "DT_STRING"}
    assert predict_response(outputs, dtypes, "row") == (
        '{"predictions": [{"scores": [0.5, 0.25], "top_labels": ["drama", "comedy"]}]}'
    )
    assert predict_response(outputs, dtypes, "columnar") == (
        '{"outputs": {"scores": [[0.5, 0.25]], "top_labels": [["drama", "comedy"]]}}'
    )
    raw = {"image_bytes": np.array([b"\x00\x01"], object)}
    assert predict_response(raw, {"image_bytes": "DT_STRING"}, "row") == (
        '{"predictions": [{"b64": "AAE="}]}'
    )
