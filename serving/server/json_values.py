"""Low-level pieces of TF Serving's REST JSON format: parsing, values, messages.

Shared by `serving.server.json_tensor` (predict) and `serving.server.json_examples`
(classify, regress). Names in comments refer to `tensorflow_serving/util/json_tensor.cc`.
The protocol is TF Serving's (keys, shapes, status codes, the `error` key); the
texts are Python's: parse errors are the `json` module's, numbers are written
by `json.dumps` (float32 values with float32's shortest digits).
"""

import base64
import binascii
import json
import math
import re

import numpy as np

from genreclf.serving.server.status import invalid_argument
from genreclf.serving.server.status import public_message

DTYPE_STRINGS = {
    "DT_FLOAT": "float",
    "DT_DOUBLE": "double",
    "DT_INT32": "int32",
    "DT_INT16": "int16",
    "DT_INT8": "int8",
    "DT_UINT8": "uint8",
    "DT_STRING": "string",
    "DT_INT64": "int64",
    "DT_BOOL": "bool",
    "DT_UINT32": "uint32",
    "DT_UINT64": "uint64",
    "DT_HALF": "half",
}

INT_RANGES = {
    "DT_INT32": (-(2**31), 2**31 - 1),
    "DT_INT16": (-(2**31), 2**31 - 1),  # rapidjson IsInt(): any int32
    "DT_INT8": (-(2**31), 2**31 - 1),
    "DT_UINT8": (-(2**31), 2**31 - 1),
    "DT_INT64": (-(2**63), 2**63 - 1),
    "DT_UINT32": (0, 2**32 - 1),
    "DT_UINT64": (0, 2**64 - 1),
}


def type_name(value):
    """JsonTypeString(): the rapidjson type name of a parsed JSON value."""
    if value is None:
        return "Null"
    if value is True:
        return "True"
    if value is False:
        return "False"
    if isinstance(value, dict):
        return "Object"
    if isinstance(value, list):
        return "Array"
    if isinstance(value, str):
        return "String"
    return "Number"


def short_floats(array):
    """A float array as Python floats that print with the fewest digits of their dtype.

    float32 values print as float32 (`0.1`, not `0.10000000149011612`); NaN and
    infinities stay (`json.dumps` writes `NaN`, `Infinity`, as TF Serving does).

    Example:

    >>> import numpy as np
    >>> short_floats(np.array([0.1, 2.5, np.nan], np.float32)).tolist()
    [0.1, 2.5, nan]
    """
    array = np.asarray(array)
    if array.dtype == np.float64:
        return array
    return array.astype(str).astype(np.float64)


_decode = np.frompyfunc(
    lambda v: v.decode("utf-8", "replace") if isinstance(v, bytes) else str(v), 1, 1
)
_b64 = np.frompyfunc(lambda v: {"b64": base64.b64encode(v).decode("ascii")}, 1, 1)


def json_ready(array, dtype, as_bytes=False):
    """A tensor as nested Python lists for `json.dumps` (strings decoded, or b64 objects).

    Example:

    >>> import numpy as np
    >>> json_ready(np.array([[b"a", b"b"]], object), "DT_STRING")
    [['a', 'b']]
    """
    array = np.asarray(array)
    if dtype == "DT_STRING":
        result = (_b64 if as_bytes else _decode)(array)
        return result.tolist() if isinstance(result, np.ndarray) else result
    if dtype in ("DT_FLOAT", "DT_HALF", "DT_DOUBLE"):
        return short_floats(array).tolist()
    if dtype == "DT_BOOL" or dtype in INT_RANGES:
        return array.tolist()
    raise invalid_argument(
        "Failed to write JSON value for tensor type: ", DTYPE_STRINGS.get(dtype, dtype)
    )


def json_value_to_string(value, limit=200):
    """JsonValueToString(): a JSON value as errors quote it, at most `limit` characters.

    Small values are pretty-printed as TF Serving prints them; larger ones are
    written compactly and cut, so an error never echoes a whole document.

    Example:

    >>> json_value_to_string([1, "a"])
    '[\\n    1,\\n    "a"\\n]'
    >>> json_value_to_string(list(range(100)), limit=20)
    '[0, 1, 2, 3, 4, 5, 6...'
    """
    try:
        compact = json.dumps(value, ensure_ascii=False)
    except (RecursionError, ValueError):
        return "<a value nested too deeply to print>"
    if len(compact) > limit:
        return compact[:limit] + "..."
    pretty = json.dumps(value, indent=4, ensure_ascii=False)
    return pretty if len(pretty) <= 4 * limit else compact


def parse_json(body):
    """ParseJson(): parses a request body into a JSON object.

    Args:
        body: the raw request body (bytes or str).

    Returns:
        The parsed object (a dict).

    Raises:
        ServingStatusError: INVALID_ARGUMENT with TF Serving's message
            (`JSON Parse error: ... at offset: N`, `... Is not object`).

    Example:

    >>> parse_json(b'{"instances": ["a"]}')
    {'instances': ['a']}
    """
    if isinstance(body, bytes):
        try:
            body = body.decode("utf-8")
        except UnicodeDecodeError as err:
            raise invalid_argument(
                "JSON Parse error: Invalid encoding in string. at offset: ", err.start
            ) from None
    if not body:
        raise invalid_argument("JSON Parse error: The document is empty")
    try:
        doc = json.loads(body)
    except json.JSONDecodeError as err:
        raise invalid_argument("JSON Parse error: ", err.msg, " at offset: ", err.pos) from None
    except RecursionError:
        raise invalid_argument(
            "JSON Parse error: the document is nested too deeply. Send arrays nested "
            "only as deep as the signature's input rank."
        ) from None
    except ValueError:  # an integer of more than sys.get_int_max_str_digits() digits
        raise invalid_argument(
            "JSON Parse error: a number has too many digits to be a tensor value. Send "
            "numbers that fit the input's dtype."
        ) from None
    if _ESCAPED_SURROGATE.search(body):
        _reject_lone_surrogates(doc)
    if not isinstance(doc, dict):
        raise invalid_argument("JSON Value: ", json_value_to_string(doc), " Is not object")
    return doc


_ESCAPED_SURROGATE = re.compile(r"\\u[dD][89a-fA-F]")
_SURROGATE = re.compile("[\ud800-\udfff]")


def _reject_lone_surrogates(doc):
    """Raises INVALID_ARGUMENT if a string (or key) holds a lone UTF-16 surrogate."""
    stack = [doc]
    while stack:
        value = stack.pop()
        if isinstance(value, str):
            texts = (value,)
        elif isinstance(value, dict):
            texts = value.keys()
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)
            continue
        else:
            continue
        for text in texts:
            if _SURROGATE.search(text):
                raise invalid_argument(
                    "JSON Parse error: Invalid encoding in string: a lone UTF-16 surrogate "
                    "escape (such as \\ud800) is not a character. Send valid UTF-8 text."
                )


def signature_name_of(doc):
    """FillSignature(): the optional `signature_name` of a request ('' if absent).

    Example:

    >>> signature_name_of({"signature_name": "classify"})
    'classify'
    """
    if "signature_name" not in doc:
        return ""
    name = doc["signature_name"]
    if not isinstance(name, str):
        raise invalid_argument(
            "JSON Value: ",
            json_value_to_string(doc),
            " not formatted correctly. 'signature_name' key must be a string value.",
        )
    return name


def type_error(value, dtype):
    return invalid_argument(
        "JSON Value: ",
        json_value_to_string(value),
        " Type: ",
        type_name(value),
        " is not of expected type: ",
        DTYPE_STRINGS.get(dtype, dtype),
    )


def is_lossless(value, digits, max_value):
    if isinstance(value, int):
        return abs(value) <= 2**digits - 1
    if not math.isfinite(value):
        return True
    return -max_value <= value <= max_value


def decode_b64_object(value):
    if not (isinstance(value, dict) and len(value) == 1 and isinstance(value.get("b64"), str)):
        raise invalid_argument(
            "JSON Value: ",
            json_value_to_string(value),
            " not formatted correctly for base64 data",
        )
    try:
        return base64.b64decode(value["b64"], validate=True)
    except (binascii.Error, ValueError):
        raise invalid_argument("Unable to base64 decode") from None


def is_b64_object(value):
    return isinstance(value, dict) and len(value) == 1 and isinstance(value.get("b64"), str)


def error_response(message):
    """MakeJsonFromStatus(): `{"error": "<message>"}` (ASCII, bounded, no host paths).

    Example:

    >>> error_response("Missing 'inputs' or 'instances' key")
    '{"error": "Missing \\'inputs\\' or \\'instances\\' key"}'
    """
    return json.dumps({"error": public_message(message)})
