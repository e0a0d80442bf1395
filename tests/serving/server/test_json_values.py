"""TF Serving's JSON value rules: number formatting, parse errors, messages."""

import json

import pytest

from genreclf.serving.server.json_values import json_value_to_string
from genreclf.serving.server.json_values import parse_json
from genreclf.serving.server.json_values import short_floats
from genreclf.serving.server.json_values import signature_name_of
from genreclf.serving.server.status import ServingStatusError


def test_float32_outputs_print_with_float32_digits():
    import numpy as np

    values = np.array([0.5, 3.0, 0.1, 1e-05, 1 / 3, np.nan, np.inf], np.float32)
    assert short_floats(values).tolist()[:5] == [0.5, 3.0, 0.1, 1e-05, 0.33333334]
    assert json.dumps(short_floats(values).tolist()[5:]) == "[NaN, Infinity]"


@pytest.mark.parametrize(
    "body,message",
    [
        (b"", "JSON Parse error: The document is empty"),
        (b"instances = [1]", "JSON Parse error: Expecting value at offset: 0"),
        (b'{"instances": [1 2]}', "JSON Parse error: Expecting ',' delimiter at offset: 17"),
        (b'{"a" 1}', "JSON Parse error: Expecting ':' delimiter at offset: 5"),
        (b'{"a": 1} x', "JSON Parse error: Extra data at offset: 9"),
        (b"[1, 2]", "JSON Value: [\n    1,\n    2\n] Is not object"),
    ],
)
def test_parse_errors_say_where(body, message):
    with pytest.raises(ServingStatusError) as info:
        parse_json(body)
    assert (info.value.code, info.value.message) == ("INVALID_ARGUMENT", message)


def test_parse_accepts_nan_like_rapidjson_flag():
    assert parse_json(b'{"x": NaN}')["x"] != parse_json(b'{"x": NaN}')["x"]


def test_signature_name_must_be_a_string():
    assert signature_name_of({}) == ""
    with pytest.raises(ServingStatusError, match="'signature_name' key must be a string value."):
        signature_name_of({"signature_name": 1})


def test_json_value_to_string_pretty_prints_like_rapidjson():
    assert json_value_to_string({"text": "x"}) == '{\n    "text": "x"\n}'
    assert json_value_to_string(1) == "1"
    assert json_value_to_string("x") == '"x"'
