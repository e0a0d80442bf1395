"""The shared REST JSON pieces: parsing errors that say where, float32 digits, b64."""

import json

import numpy as np
import pytest

from genreclf.serving.server.json_values import b64_decode
from genreclf.serving.server.json_values import describe
from genreclf.serving.server.json_values import json_ready
from genreclf.serving.server.json_values import parse_json
from genreclf.serving.server.json_values import short_floats
from genreclf.serving.server.json_values import signature_name_of
from genreclf.serving.server.status import ServingStatusError


def test_float32_outputs_print_with_float32_digits():
    values = np.array([0.5, 3.0, 0.1, 1e-05, 1 / 3, np.nan, np.inf], np.float32)
    assert short_floats(values).tolist()[:5] == [0.5, 3.0, 0.1, 1e-05, 0.33333334]
    assert json.dumps(short_floats(values).tolist()[5:]) == "[NaN, Infinity]"


def test_json_ready_strings_and_b64():
    strings = np.array([[b"caf\xc3\xa9", b"b"]], object)
    assert json_ready(strings) == [["café", "b"]]
    assert json_ready(np.array([b"\x00\x01"], object), as_b64=True) == [{"b64": "AAE="}]


@pytest.mark.parametrize(
    "body,words",
    [
        (b"", ["empty"]),
        (b"   ", ["empty"]),
        (b"instances = [1]", ["Expecting value", "offset 0"]),
        (b'{"instances": [1 2]}', ["Expecting ',' delimiter", "offset 17"]),
        (b'{"a": 1} x', ["Extra data", "offset 9"]),
        (b'{"a": "\xff"}', ["UTF-8", "offset 7"]),
        (b'{"a": "\\ud800"}', ["surrogate"]),
        (b"[" * 5000 + b"]" * 5000, ["nested too deeply"]),
        (b'{"a": ' + b"9" * 5000 + b"}", ["too many digits"]),
        (b"[1, 2]", ["JSON object", "[1, 2]"]),
    ],
)
def test_parse_errors_name_the_problem(body, words):
    with pytest.raises(ServingStatusError) as info:
        parse_json(body)
    assert info.value.code == "INVALID_ARGUMENT"
    for word in words:
        assert word in info.value.message


def test_parse_accepts_nan_and_valid_surrogate_pairs():
    assert np.isnan(parse_json(b'{"x": NaN}')["x"])
    assert parse_json(b'{"x": "\\ud83d\\ude00"}')["x"] == "\U0001f600"


def test_signature_name_b64_and_describe():
    assert signature_name_of({}) == ""
    with pytest.raises(ServingStatusError, match="'signature_name' to be a string"):
        signature_name_of({"signature_name": 1})
    assert b64_decode({"b64": "YQ=="}) == b"a"
    with pytest.raises(ServingStatusError, match="base64"):
        b64_decode({"b64": "%%%"})
    assert describe("x" * 500).endswith("...") and len(describe("x" * 500)) < 110
