"""TF Serving's REST predict format: request bodies to arrays, arrays to response bodies.

* Requests in row form (`{"instances": [...]}`: one value, or one object of
  named values, per instance) or columnar form (`{"inputs": ...}`: one value
  or an object of named values), `{"b64": "..."}` for binary strings.
* Responses `{"predictions": [...]}` (one object per instance when the
  signature has several outputs) or `{"outputs": ...}`; outputs named
  `*_bytes` are written as `{"b64": ...}`.

Each input's rank is checked against the signature (`limits.check_shape`)
before numpy builds an array of it, and every value must have the input's type
(no silent coercion of `1.5` to an integer or of a number to a string).
"""

import json

import numpy as np
import tensorflow as tf

from genreclf.serving.server.json_values import b64_decode
from genreclf.serving.server.json_values import describe
from genreclf.serving.server.json_values import is_b64
from genreclf.serving.server.json_values import json_ready
from genreclf.serving.server.limits import check_shape
from genreclf.serving.server.status import invalid_argument


def _dense_shape(value):
    """The shape implied by the first element of each level."""
    shape = []
    while isinstance(value, list):
        shape.append(len(value))
        if not value:
            break
        value = value[0]
    return shape


def _type_error(name, dtype, value):
    return invalid_argument(
        f"Expected values of type {dtype.name} for input '{name}'. Received: {describe(value)}."
    )


def _string(value, name):
    if isinstance(value, str):
        return value.encode("utf-8")
    if is_b64(value):
        return b64_decode(value)
    raise _type_error(name, tf.string, value)


def _array(value, name, spec, signature_name):
    """One input's JSON value as a numpy array of its `tf.TensorSpec`, checked first."""
    shape = _dense_shape(value)
    check_shape(name, shape, spec.shape, signature_name)
    try:
        cells = np.array(value, dtype=object)
    except ValueError:
        cells = None
    if cells is None or list(cells.shape) != shape:
        raise invalid_argument(
            f"Expected input '{name}' as a rectangular array of shape {shape} (every list at "
            f"one level of the same length). Received: {describe(value)}."
        )
    flat, dtype = cells.reshape(-1), spec.dtype
    if dtype == tf.string:
        out = np.empty(flat.size, dtype=object)
        out[:] = [_string(v, name) for v in flat]
        return out.reshape(shape)
    if dtype.is_bool or dtype.is_integer or dtype.is_floating:
        allowed = (bool,) if dtype.is_bool else (int,) if dtype.is_integer else (int, float)
    else:
        raise invalid_argument(f"Input '{name}' has dtype {dtype.name}, which JSON cannot carry.")
    for v in flat:
        if not isinstance(v, allowed) or (isinstance(v, bool) and not dtype.is_bool):
            raise _type_error(name, dtype, v)
    try:
        if dtype.is_floating:
            wide = np.asarray(flat.tolist(), dtype=np.float64)
            if np.any(np.abs(wide[np.isfinite(wide)]) > dtype.max):
                raise OverflowError
        return np.asarray(flat.tolist(), dtype=dtype.as_numpy_dtype).reshape(shape)
    except OverflowError:
        raise invalid_argument(
            f"A value of input '{name}' is out of the range of {dtype.name}. "
            f"Received: {describe(value)}."
        ) from None


def predict_inputs(doc, specs, signature_name=""):
    """The input arrays of a predict request.

    Args:
        doc: the parsed request body.
        specs: the signature's inputs, name → `tf.TensorSpec`.
        signature_name: the signature named in the request (for messages).

    Returns:
        `(arrays, format)`: name → numpy array (strings as `bytes` objects), and
        `"row"` or `"columnar"`.

    Example:

    >>> specs = {"text": tf.TensorSpec([None], tf.string)}
    >>> arrays, fmt = predict_inputs({"instances": ["a", "b"]}, specs)
    >>> fmt, arrays["text"].tolist()
    ('row', [b'a', b'b'])
    """
    names = sorted(specs)
    if not names:
        raise invalid_argument(f"Signature '{signature_name or 'serving_default'}' has no inputs.")
    if ("instances" in doc) == ("inputs" in doc):
        raise invalid_argument(
            "Expected exactly one of the keys 'instances' (row form) or 'inputs' (columnar "
            f"form). Received: keys={sorted(doc)}."
        )
    fmt = "row" if "instances" in doc else "columnar"
    value = doc["instances"] if fmt == "row" else doc["inputs"]
    if fmt == "row" and (not isinstance(value, list) or not value):
        raise invalid_argument(
            f"Expected 'instances' to be a non-empty list. Received: {describe(value)}."
        )
    named = value[0] if fmt == "row" else value
    if isinstance(named, dict) and not is_b64(named):
        if fmt == "row":
            for index, instance in enumerate(value):
                if not isinstance(instance, dict) or sorted(instance) != names:
                    raise invalid_argument(
                        f"Expected every instance to be an object with the keys {names}. "
                        f"Received: instance {index} = {describe(instance)}."
                    )
            columns = {name: [instance[name] for instance in value] for name in names}
        elif sorted(value) != names:
            raise invalid_argument(
                f"Expected 'inputs' to have the keys {names}. Received: keys={sorted(value)}."
            )
        else:
            columns = value
    elif len(names) > 1:
        raise invalid_argument(
            f"The signature has several inputs ({names}): send each "
            f"{'instance' if fmt == 'row' else 'of inputs'} as an object of named values."
        )
    else:
        columns = {names[0]: value}
    arrays = {name: _array(columns[name], name, specs[name], signature_name) for name in names}
    return arrays, fmt


def predict_response(outputs, fmt, b64_names=()):
    """The response body of a predict call.

    Args:
        outputs: output name → numpy array (batch first).
        fmt: `"row"` or `"columnar"`, as the request was.
        b64_names: string outputs to write as `{"b64": ...}` (TF Serving: `*_bytes`).

    Returns:
        The JSON text.

    Example:

    >>> import numpy as np
    >>> predict_response({"y": np.array([2.5, 3.0], np.float32)}, "row")
    '{"predictions": [2.5, 3.0]}'
    """
    names = sorted(outputs)
    try:
        values = {name: json_ready(outputs[name], name in b64_names) for name in names}
        if fmt == "columnar":
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
            rows = range(batch.pop())
            body = {"predictions": [{name: values[name][i] for name in names} for i in rows]}
        return json.dumps(body, ensure_ascii=False)
    except TypeError as err:  # an output dtype JSON cannot carry (complex, ...)
        raise invalid_argument(f"Failed to write the outputs as JSON: {err}") from None
