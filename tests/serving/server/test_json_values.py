"""TF Serving's JSON value rules: number formatting, parse errors, messages."""

import pytest

from genreclf.serving.server.json_values import format_decimal
from genreclf.serving.server.json_values import json_value_to_string
from genreclf.serving.server.json_values import parse_json
from genreclf.serving.server.json_values import signature_name_of
from genreclf.serving.server.status import ServingStatusError


@pytest.mark.parametrize("value,text", [
    (0.5, "0.5"), (3.0, "3.0"), (0.1, "0.1"), (1e-05, "1e-05"), (9000000.0, "9e+06"),
    (0.123456791, "0.123456791"), (-2.0, "-2.0"), (float("nan"), "NaN"),
    (float("inf"), "Infinity"), (float("-inf"), "-Infinity"), (1 / 3, "0.333333343"),
])
def test_format_decimal_like_tf_serving_write_decimal(value, text):
    assert format_decimal(value) == text


def test_format_decimal_double_uses_17_digits_when_needed():
    assert format_decimal(1 / 3, double=True) == "0.33333333333333331"
    assert format_decimal(2.5, double=True) == "2.5"


@pytest.mark.parametrize("body,message", [
    (b"", "JSON Parse error: The document is empty"),
    (b"instances = [1]", "JSON Parse error: Invalid value. at offset: 0"),
    (b'{"instances": [1 2]}', "JSON Parse error: Missing a comma or ']' after an array element. at offset: 17"),
    (b'{"a": 1 "b": 2}', "JSON Parse error: Missing a comma or '}' after an object member. at offset: 8"),
    (b'{"a" 1}', "JSON Parse error: Missing a colon after a name of object member. at offset: 5"),
    (b'{"a": 1} x', "JSON Parse error: The document root must not be followed by other values. at offset: 9"),
    (b'[1, 2]', "JSON Value: [\n    1,\n    2\n] Is not object"),
])
def test_parse_errors_use_rapidjson_texts(body, message):
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
