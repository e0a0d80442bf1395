"""The pieces of TF Serving's REST JSON shared by predict and classify bodies.

The protocol is TF Serving's (keys, `{"b64": ...}` strings, `NaN`/`Infinity`,
status codes, the `error` key); the texts are Python's: a body is parsed by the
`json` module and its errors are reported with their offset, answers are
written by `json.dumps` (float32 values with float32's shortest digits).
"""

import base64
import binascii
import json
import re

import numpy as np

from genreclf.serving.server.status import invalid_argument
from genreclf.serving.server.status import public_message

_ESCAPED_SURROGATE = re.compile(r"\\u[dD][89a-fA-F]")


def parse_json(body):
    """Parses a request body into a JSON object.

    Raises:
        ServingStatusError: INVALID_ARGUMENT naming the problem (`JSON Parse
            error: ... at offset N`, nesting too deep, a lone UTF-16 surrogate,
            not an object).

    Example:

    >>> parse_json(b'{"instances": ["a"]}')
    {'instances': ['a']}
    """
    try:
        text = body.decode("utf-8") if isinstance(body, bytes) else body
    except UnicodeDecodeError as err:
        raise invalid_argument(
            f"JSON Parse error: invalid UTF-8 at offset {err.start}. Send UTF-8 JSON."
        ) from None
    if not text.strip():
        raise invalid_argument("JSON Parse error: the document is empty. Send a JSON object.")
    try:
        doc = json.loads(text)
        if _ESCAPED_SURROGATE.search(text):  # a lone surrogate cannot be encoded
            json.dumps(doc, ensure_ascii=False).encode("utf-8")
    except json.JSONDecodeError as err:
        raise invalid_argument(f"JSON Parse error: {err.msg} at offset {err.pos}.") from None
    except RecursionError:
        raise invalid_argument(
            "JSON Parse error: the document is nested too deeply. Send arrays nested "
            "only as deep as the signature's input rank."
        ) from None
    except UnicodeEncodeError:
        raise invalid_argument(
            "JSON Parse error: a string holds a lone UTF-16 surrogate escape (such as "
            "\\ud800), which is not a character. Send valid UTF-8 text."
        ) from None
    except ValueError:  # an integer of more than sys.get_int_max_str_digits() digits
        raise invalid_argument(
            "JSON Parse error: a number has too many digits to be a tensor value."
        ) from None
    if not isinstance(doc, dict):
        raise invalid_argument(
            f"Expected the body to be a JSON object. Received: {describe(doc)}. "
            'Send e.g. {"instances": ["a synopsis"]}.'
        )
    return doc


def describe(value, limit=100):
    """A JSON value as messages quote it: compact, at most `limit` characters.

    Example:

    >>> describe({"text": 1})
    '{"text": 1}'
    >>> describe(list(range(100)), limit=10)
    '[0, 1, 2, ...'
    """
    try:
        text = json.dumps(value, ensure_ascii=False)
    except (RecursionError, ValueError):
        return "<a value nested too deeply to print>"
    return text if len(text) <= limit else text[:limit] + "..."


def signature_name_of(doc):
    """The optional `signature_name` of a request ('' if absent).

    Example:

    >>> signature_name_of({"signature_name": "classify"})
    'classify'
    """
    name = doc.get("signature_name", "")
    if not isinstance(name, str):
        raise invalid_argument(
            f"Expected 'signature_name' to be a string. Received: {describe(name)}."
        )
    return name


def is_b64(value):
    """True for `{"b64": "<base64 text>"}`, TF Serving's binary string."""
    return isinstance(value, dict) and len(value) == 1 and isinstance(value.get("b64"), str)


def b64_decode(value):
    """The bytes of a `{"b64": ...}` object.

    Example:

    >>> b64_decode({"b64": "YQ=="})
    b'a'
    """
    try:
        return base64.b64decode(value["b64"], validate=True)
    except (binascii.Error, ValueError):
        raise invalid_argument(
            f"Unable to base64 decode {describe(value)}: send standard base64."
        ) from None


def short_floats(array):
    """A float array as Python floats that print with the fewest digits of their dtype.

    Example:

    >>> import numpy as np
    >>> short_floats(np.array([0.1, 2.5, np.nan], np.float32)).tolist()
    [0.1, 2.5, nan]
    """
    array = np.asarray(array)
    return array if array.dtype == np.float64 else array.astype(str).astype(np.float64)


def json_ready(array, as_b64=False):
    """An output array as nested Python values for `json.dumps`.

    Strings are decoded (or written as `{"b64": ...}` when `as_b64`), floats
    keep their dtype's shortest digits.

    Example:

    >>> import numpy as np
    >>> json_ready(np.array([[b"a", b"b"]], object))
    [['a', 'b']]
    """
    array = np.asarray(array)
    if array.dtype.kind in "OSU":
        if as_b64:
            convert = np.frompyfunc(lambda v: {"b64": base64.b64encode(v).decode("ascii")}, 1, 1)
        else:
            convert = np.frompyfunc(_text, 1, 1)
        array = np.asarray(convert(array), dtype=object)
    elif array.dtype.kind == "f":
        array = short_floats(array)
    return array.tolist()


def _text(value):
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def error_response(message):
    """`{"error": "<message>"}` (ASCII, bounded, no host paths).

    Example:

    >>> error_response("Missing 'inputs' or 'instances' key")
    '{"error": "Missing \\'inputs\\' or \\'instances\\' key"}'
    """
    return json.dumps({"error": public_message(message)})
