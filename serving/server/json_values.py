"""Low-level pieces of TF Serving's REST JSON format: parsing, values, messages.

Shared by `serving.server.json_tensor` (predict) and `serving.server.json_examples`
(classify). Names in comments refer to `tensorflow_serving/util/json_tensor.cc`.
"""

import base64
import binascii
import json
import math
import re

import numpy as np

from genreclf.serving.server.status import invalid_argument
from genreclf.serving.server.status import public_message

_encode_string = json.encoder.encode_basestring  # ensure_ascii=False, C-accelerated


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

# rapidjson's GetParseError_En() texts for the errors Python's parser reports.
_PARSE_ERRORS = (
    ("Expecting value", "Invalid value."),
    ("Expecting property name enclosed in double quotes", "Missing a name for object member."),
    ("Expecting ':' delimiter", "Missing a colon after a name of object member."),
    ("Extra data", "The document root must not be followed by other values."),
    ("Unterminated string", "Missing a closing quotation mark in string."),
    ("Invalid \\escape", "Invalid escape character in string."),
    ("Invalid \\uXXXX escape", "Incorrect hex digit after \\u escape in string."),
    ("Invalid control character", "Invalid encoding in string."),
)


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


def format_decimal(value, double=False):
    """Formats a float the way TF Serving's `WriteDecimal` does.

    Args:
        value: the number.
        double: True for DT_DOUBLE (round-trip checked at 17 digits), False for
            DT_FLOAT (9 digits).

    Returns:
        The JSON number text.

    Example:

    >>> [format_decimal(v) for v in (0.5, 3.0, 0.1, 1e-05, float("nan"))]
    ['0.5', '3.0', '0.1', '1e-05', 'NaN']
    """
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "-Infinity" if value < 0 else "Infinity"
    cast = float if double else np.float32
    value = cast(value)
    text = "%.6g" % value
    if cast(float(text)) != value:
        text = "%.*g" % (17 if double else 9, value)
    if "." not in text and "e" not in text:
        text += ".0"
    return text


def format_decimals(values, double=False):
    """`format_decimal` over a whole array at once (same text, much faster).

    Example:

    >>> import numpy as np
    >>> format_decimals(np.array([0.5, 3.0, 0.1, np.nan], np.float32))
    ['0.5', '3.0', '0.1', 'NaN']
    """
    values = np.asarray(values, dtype=np.float64 if double else np.float32).reshape(-1)
    floats = values.tolist()
    texts = ["%.6g" % v for v in floats]
    finite = np.isfinite(values)
    with np.errstate(all="ignore"):
        back = np.array(texts, dtype=np.float64)
        if not double:
            back = back.astype(np.float32)
    digits = 17 if double else 9
    for index in np.nonzero(finite & (back != values))[0]:
        texts[index] = "%.*g" % (digits, floats[index])
    for index, text in enumerate(texts):
        if not finite[index]:
            value = floats[index]
            texts[index] = "NaN" if value != value else ("-Infinity" if value < 0 else "Infinity")
        elif "." not in text and "e" not in text:
            texts[index] = text + ".0"
    return texts


def leaf_texts(array, dtype, as_bytes):
    """The JSON text of every element of `array` (flattened), as TF Serving writes it.

    Example:

    >>> import numpy as np
    >>> leaf_texts(np.array([[1, 2]], np.int64), "DT_INT64", as_bytes=False)
    ['1', '2']
    """
    flat = np.asarray(array).reshape(-1)
    if dtype in ("DT_FLOAT", "DT_HALF"):
        return format_decimals(flat)
    if dtype == "DT_DOUBLE":
        return format_decimals(flat, double=True)
    if dtype == "DT_STRING":
        if as_bytes:
            return ['{"b64": "%s"}' % base64.b64encode(v).decode("ascii") for v in flat]
        return [
            _encode_string(v.decode("utf-8", errors="replace") if isinstance(v, bytes) else str(v))
            for v in flat
        ]
    if dtype == "DT_BOOL":
        return ["true" if v else "false" for v in flat]
    if dtype in INT_RANGES:
        return [str(int(v)) for v in flat.tolist()]
    raise invalid_argument(
        "Failed to write JSON value for tensor type: ", DTYPE_STRINGS.get(dtype, dtype)
    )


def nest_texts(texts, shape):
    """AddTensorValues(): nested lists of element texts; a scalar is written bare.

    Example:

    >>> nest_texts(["1", "2", "3", "4"], [2, 2])
    '[[1, 2], [3, 4]]'
    """
    if not shape:
        return texts[0]
    if len(shape) == 1:
        return "[" + ", ".join(texts) + "]"
    step = len(texts) // shape[0] if shape[0] else 0
    return "[" + ", ".join(
        nest_texts(texts[i * step:(i + 1) * step], shape[1:]) for i in range(shape[0])
    ) + "]"


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
    if isinstance(value, float):
        return format_decimal(value, double=True)
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
        raise invalid_argument(
            "JSON Parse error: ", _rapidjson_message(err), " at offset: ", err.pos
        ) from None
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


def _rapidjson_message(err):
    if err.msg == "Expecting ',' delimiter":
        # rapidjson names the container it was in.
        before = err.doc[: err.pos].rstrip()
        depth = []
        in_string = False
        escaped = False
        for ch in before:
            if in_string:
                if escaped:
                    escaped = False
                elif ch == "\\":
                    escaped = True
                elif ch == '"':
                    in_string = False
            elif ch == '"':
                in_string = True
            elif ch in "[{":
                depth.append(ch)
            elif ch in "]}" and depth:
                depth.pop()
        if depth and depth[-1] == "[":
            return "Missing a comma or ']' after an array element."
        return "Missing a comma or '}' after an object member."
    for prefix, message in _PARSE_ERRORS:
        if err.msg.startswith(prefix):
            return message
    return "Invalid value."


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
    if not (
        isinstance(value, dict)
        and len(value) == 1
        and isinstance(value.get("b64"), str)
    ):
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
