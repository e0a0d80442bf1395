"""TF Serving's REST bodies: JSON requests to arrays and `tf.train.Example`s, answers to JSON.

predict: `{"instances": [...]}` (row form: a value, or an object of named values,
per instance) or `{"inputs": ...}` (columnar: a value or an object of named
values) → `{"predictions": [...]}` or `{"outputs": ...}`; classify / regress:
`{"examples": [{feature: value(s)}, ...]}` and an optional `"context"` →
`{"results": ...}`. Strings may be `{"b64": "..."}` (that one key, decoded as
TF Serving's `absl::Base64Unescape` does: whitespace skipped, padding optional,
`.` as padding); outputs named `*_bytes` are written so. Bodies are read by
`json_bytes.parse` as TF Serving's rapidjson reads them (bytes that are not UTF-8 kept in
strings as they were sent, held as `errors="surrogateescape"` escapes until a string
becomes a tensor's or a feature's bytes); answers are written by
`json.dumps` (float32 values as Python floats; `NaN`, `Infinity`; an output string
that is not UTF-8 with U+FFFD where its bad bytes were). Anything unexpected is a 400
naming the key or input, what was expected and what was received; an input's rank is
checked before numpy builds its array, and each value must have the input's type (no
coercion of `1.5` to an integer or of a number to a string). Keys of a columnar `inputs`
object that the signature does not have are ignored, as TF Serving ignores them.
"""

import base64
import binascii
import json

import numpy as np
from tensorflow.core.example import example_pb2

from genreclf.serving.server.json_bytes import describe
from genreclf.serving.server.servable import check_shape
from genreclf.serving.server.status import NOT_UTF8
from genreclf.serving.server.status import invalid_argument

_BASE64_SPACE = b" \t\n\v\f\r"  # absl::ascii_isspace, skipped anywhere in base64
_BASE64_PADDING = b"=."  # absl accepts '.' as a padding character too
_FEATURE_KINDS = {bool: "int64_list", int: "int64_list", float: "float_list"}
_FLOAT32_MAX = float(np.finfo(np.float32).max)
_STRING_WRITERS = {  # by whether the output's name ends in _bytes
    True: lambda value: {"b64": base64.b64encode(value).decode("ascii")},
    False: lambda value: value.decode("utf-8", "replace"),
}


def base64_unescape(text):
    """`text` decoded as TF Serving's `absl::Base64Unescape` decodes it, or None where it
    refuses it: the standard alphabet, whitespace skipped anywhere, then no padding or
    exactly the padding the length needs, of '=' or '.'.

    Example:

    >>> base64_unescape("bG92ZQ"), base64_unescape("bG92\\nZQ.."), base64_unescape("bG92ZQ=")
    (b'love', b'love', None)
    """
    if not isinstance(text, str) or not text.isascii():
        return None
    data = text.encode("ascii").translate(None, _BASE64_SPACE)
    body = data.rstrip(_BASE64_PADDING)
    padding, needed = len(data) - len(body), -len(body) % 4  # needed 3: a length absl refuses
    if padding not in (0, needed):
        return None
    try:
        return base64.b64decode(body + b"=" * needed, validate=True)
    except binascii.Error:  # a character out of the alphabet, or a length of 4n + 1
        return None


def is_b64(value):
    """Whether `value` is a `{"b64": "..."}` object as TF Serving reads one: that one key,
    a string."""
    return isinstance(value, dict) and len(value) == 1 and isinstance(value.get("b64"), str)


def signature_name(doc):
    """The request's optional `signature_name` ('' if absent)."""
    name = doc.get("signature_name", "")
    if not isinstance(name, str):
        raise invalid_argument(f"Expected 'signature_name' a string. Received: {describe(name)}.")
    return name


def _bytes(value, what):
    if isinstance(value, str):  # the bytes sent, those that are not UTF-8 included
        return value.encode("utf-8", "surrogateescape")
    if isinstance(value, dict) and not is_b64(value):
        raise invalid_argument(
            f'Expected a string or {{"b64": "<base64>"}} (an object of that one key, a '
            f"string) for {what}. Received: {describe(value)}."
        )
    if not isinstance(value, dict):
        raise invalid_argument(
            f"Expected values of type string for {what}. Received: {describe(value)}."
        )
    decoded = base64_unescape(value["b64"])
    if decoded is None:
        raise invalid_argument(
            f"Unable to base64 decode {describe(value)} for {what}. Expected the standard "
            "base64 alphabet (A-Z, a-z, 0-9, '+', '/') and at most the padding it needs."
        )
    return decoded


def _array(value, name, spec, signature_name):
    shape, level = [], value
    while isinstance(level, list):  # the shape implied by the first element of each level
        shape.append(len(level))
        level = level[0] if level else None
    check_shape(name, shape, spec.shape, signature_name)
    try:
        cells = np.array(value, dtype=object)
    except ValueError:  # ragged in a way numpy refuses
        cells = np.empty(0)
    if list(cells.shape) != shape:
        raise invalid_argument(
            f"Expected input '{name}' as a rectangular array of shape {shape}. "
            f"Received: {describe(value)}."
        )
    flat, dtype = cells.reshape(-1), spec.dtype
    if dtype.name == "string":
        return np.array([_bytes(v, f"input '{name}'") for v in flat], object).reshape(shape)
    if not (dtype.is_bool or dtype.is_integer or dtype.is_floating):
        raise invalid_argument(f"Input '{name}' has dtype {dtype.name}, which JSON cannot carry.")
    kinds = (bool,) if dtype.is_bool else (int,) if dtype.is_integer else (int, float)
    wrong = [v for v in flat if not isinstance(v, kinds) or isinstance(v, bool) != dtype.is_bool]
    if wrong:
        raise invalid_argument(
            f"Expected values of type {dtype.name} for input '{name}'. Received: {describe(wrong[0])}."
        )
    try:
        with np.errstate(over="raise"):  # 1e300 for a float32: an error, not inf
            wide = np.asarray(
                flat.tolist(), np.float64 if dtype.is_floating else dtype.as_numpy_dtype
            )
            return wide.astype(dtype.as_numpy_dtype).reshape(shape)
    except (OverflowError, FloatingPointError):
        raise invalid_argument(
            f"A value of input '{name}' is out of the range of {dtype.name}. "
            f"Received: {describe(value)}."
        ) from None


def predict_inputs(doc, specs, signature_name=""):
    """`(arrays, "row" or "columnar")`: a predict request's inputs as numpy arrays (`specs`:
    the signature's inputs, name → `tf.TensorSpec`).

    Example:

    >>> import tensorflow as tf
    >>> specs = {"text": tf.TensorSpec([None], tf.string)}
    >>> arrays, form = predict_inputs({"instances": ["a", {"b64": "Yg=="}]}, specs)
    >>> form, arrays["text"].tolist()
    ('row', [b'a', b'b'])
    """
    names = sorted(specs)
    if ("instances" in doc) == ("inputs" in doc):
        raise invalid_argument(
            "Expected exactly one of the keys 'instances' (row form) or 'inputs' (columnar "
            f"form). Received: keys={sorted(doc)}."
        )
    row = "instances" in doc
    value = doc["instances" if row else "inputs"]
    if row and (not isinstance(value, list) or not value):
        raise invalid_argument(
            "Expected 'instances' a non-empty list (at least one instance). Received: "
            f"{describe(value)}."
        )
    first = value[0] if row else value
    if not isinstance(first, dict) or is_b64(first):  # the one input, unnamed
        if len(names) != 1:
            raise invalid_argument(
                f"The signature has several inputs ({names}): send each "
                f"{'instance' if row else 'of inputs'} as an object of named values."
            )
        columns = {names[0]: value}
    elif row:
        for index, named in enumerate(value):
            if not isinstance(named, dict) or is_b64(named) or sorted(named) != names:
                raise invalid_argument(
                    f"Expected each object of named inputs to have the keys {names}. "
                    f"Received: instance {index} = {describe(named)}."
                )
        columns = {name: [named[name] for named in value] for name in names}
    else:  # TF Serving reads the signature's keys of a columnar object, ignores the others
        missing = [name for name in names if name not in value]
        if missing:
            raise invalid_argument(
                f"Expected 'inputs' to have the keys {names} (the signature's inputs; other "
                f"keys are ignored). Missing: {missing}. Received: 'inputs' = {describe(value)}."
            )
        columns = value
    arrays = {name: _array(columns[name], name, specs[name], signature_name) for name in names}
    return arrays, "row" if row else "columnar"


def predict_response(outputs, form):
    """The JSON answer to a predict request in `form` ("row" or "columnar").

    Example:

    >>> import numpy as np
    >>> predict_response({"y": np.array([2.5, 3.0], np.float32)}, "row")
    '{"predictions": [2.5, 3.0]}'
    """
    names, values = sorted(outputs), {}
    for name in names:
        array = np.asarray(outputs[name])
        if array.dtype.kind in "OSU":
            array = np.frompyfunc(_STRING_WRITERS[name.endswith("_bytes")], 1, 1)(array)
        values[name] = array.tolist()
    if form == "columnar":
        body = {"outputs": values if len(names) > 1 else values[names[0]]}
    elif len(names) == 1:
        body = {"predictions": values[names[0]]}
    else:
        batch = {np.ndim(outputs[name]) and len(outputs[name]) for name in names}
        if len(batch) != 1 or 0 in batch:
            raise invalid_argument(
                f"Outputs {names} have no common batch size, so they cannot be written "
                'in row form. Send the request in columnar form ({"inputs": ...}).'
            )
        body = {"predictions": [{n: values[n][i] for n in names} for i in range(batch.pop())]}
    try:
        return json.dumps(body, ensure_ascii=False)
    except TypeError as err:  # an output dtype JSON cannot carry (complex, ...)
        raise invalid_argument(f"Failed to write the outputs as JSON: {err}") from None


def _example(value, where):
    """`value`, `where` (`example 3`, `'context'`) of the request, as a `tf.train.Example`."""
    if not isinstance(value, dict):
        raise invalid_argument(
            f"Expected {where} as a JSON object of features. Received: {describe(value)}."
        )
    example = example_pb2.Example()
    for name, content in value.items():
        if NOT_UTF8.search(name):
            raise invalid_argument(
                f"Expected feature names in UTF-8: a tf.train.Example's feature names are "
                f"proto3 strings, which cannot hold other bytes. Received: feature "
                f"{describe(name)}."
            )
        values = content if isinstance(content, list) else [content]
        kinds = {_FEATURE_KINDS.get(type(v), "bytes_list") for v in values}
        if len(kinds) > 1:
            raise invalid_argument(
                f"Expected feature '{name}' to hold strings, integers or floats, one kind "
                f"only. Received: {describe(content)}."
            )
        feature = example.features.feature[name]  # [] is a feature without values
        if any(v is None or isinstance(v, list) for v in values):  # "of type string" was said
            raise invalid_argument(
                f"Expected feature '{name}' of {where} to hold strings, numbers or "
                f'{{"b64": "..."}} (one value or a flat list). Received: {describe(content)}.'
            )
        if kinds == {"bytes_list"}:
            values = [_bytes(v, f"feature '{name}'") for v in values]
        if kinds == {"float_list"} and not all(abs(v) <= _FLOAT32_MAX for v in values):
            # a float_list holds float32: 1e300 became inf, and the scores NaN, with a 200
            raise invalid_argument(
                f"Expected feature '{name}' of {where} to hold finite numbers within the "
                f"range of float32 (a float_list). Received: {describe(content)}."
            )
        try:
            for kind in kinds:
                getattr(feature, kind).value.extend(map(int, values) if "int" in kind else values)
        except (ValueError, TypeError, OverflowError):
            raise invalid_argument(
                f"A value of feature '{name}' is out of range. Received: {describe(content)}."
            ) from None
    return example


def examples(doc, method="classify"):
    """`(examples, context)`: a classify or regress request's `tf.train.Example`s (strings
    become a `bytes_list`, integers and booleans an `int64_list`, floats a `float_list`).

    Example:

    >>> examples_, context = examples({"examples": [{"text": "a spy"}]})
    >>> examples_[0].features.feature["text"].bytes_list.value[0], context
    (b'a spy', None)
    """
    items = doc.get("examples")
    if not isinstance(items, list) or not items:
        raise invalid_argument(
            f"Expected 'examples' to be a non-empty list when the method is {method}. "
            f'Received: examples={describe(items)}. Send {{"examples": [{{"text": "..."}}]}}.'
        )
    context = _example(doc["context"], "'context'") if "context" in doc else None
    return [_example(item, f"example {i}") for i, item in enumerate(items)], context


def classify_response(results):
    """`{"results": [[[label, score], ...], ...]}`, one list of pairs per example."""
    return json.dumps({"results": [[list(pair) for pair in row] for row in results]})
