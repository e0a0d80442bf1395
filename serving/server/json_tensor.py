"""TF Serving's REST JSON format: request bodies to arrays, arrays to response bodies.

A port of the parts of `tensorflow_serving/util/json_tensor.cc` the local
server needs, with the same rules and error messages:

* predict requests in row form (`{"instances": [...]}`) and columnar form
  (`{"inputs": ...}`), `{"b64": "..."}` for binary strings, optional
  `"signature_name"`;
* responses `{"predictions": [...]}` (a list of objects when the signature has
  several outputs) or `{"outputs": ...}`; output names ending in `_bytes` are
  written as `{"b64": ...}`;
* numbers written by `json.dumps` (float32 outputs with float32's shortest
  digits; `NaN` and `Infinity` as TF Serving writes them).

Classify requests and results live in `serving.server.json_examples`.
"""

import json

import numpy as np

from genreclf.serving.server.json_values import DTYPE_STRINGS
from genreclf.serving.server.json_values import INT_RANGES
from genreclf.serving.server.json_values import decode_b64_object
from genreclf.serving.server.json_values import is_b64_object
from genreclf.serving.server.json_values import is_lossless
from genreclf.serving.server.json_values import json_ready
from genreclf.serving.server.json_values import json_value_to_string
from genreclf.serving.server.json_values import type_error
from genreclf.serving.server.limits import check_shape
from genreclf.serving.server.status import ServingStatusError
from genreclf.serving.server.status import invalid_argument

_NUMPY_DTYPES = {
    "DT_FLOAT": np.float32,
    "DT_DOUBLE": np.float64,
    "DT_INT32": np.int32,
    "DT_INT16": np.int16,
    "DT_INT8": np.int8,
    "DT_UINT8": np.uint8,
    "DT_STRING": object,
    "DT_INT64": np.int64,
    "DT_BOOL": np.bool_,
    "DT_UINT32": np.uint32,
    "DT_UINT64": np.uint64,
}


def _leaf(value, dtype):
    """AddValueToTensor(): one JSON leaf as a value of `dtype`."""
    if isinstance(value, dict):
        if dtype == "DT_STRING":
            return decode_b64_object(value)
        raise type_error(value, dtype)
    is_number = isinstance(value, (int, float)) and not isinstance(value, bool)
    if dtype in ("DT_FLOAT", "DT_DOUBLE"):
        if not is_number:
            raise type_error(value, dtype)
        single = dtype == "DT_FLOAT"
        digits, max_value = (24, 3.4028234663852886e38) if single else (53, 1.7976931348623157e308)
        if not is_lossless(value, digits, max_value):
            raise invalid_argument(
                "Cannot convert JSON value: ",
                json_value_to_string(value),
                " to ",
                "float" if single else "double",
                " without loss of precision.",
            )
        return value
    if dtype == "DT_STRING":
        if not isinstance(value, str):
            raise type_error(value, dtype)
        return value.encode("utf-8")
    if dtype == "DT_BOOL":
        if not isinstance(value, bool):
            raise type_error(value, dtype)
        return value
    if dtype in INT_RANGES:
        low, high = INT_RANGES[dtype]
        if not (isinstance(value, int) and not isinstance(value, bool) and low <= value <= high):
            raise type_error(value, dtype)
        return value
    raise ServingStatusError(
        "UNIMPLEMENTED",
        f"Conversion of JSON Value: {json_value_to_string(value)} to type: "
        f"{DTYPE_STRINGS.get(dtype, dtype)}",
    )


def _dense_shape(value):
    """GetDenseTensorShape(): the shape implied by the first element of each level."""
    shape = []
    while isinstance(value, list):
        shape.append(len(value))
        if not value:
            break
        value = value[0]
    return shape


def _fill(value, level, dtype, shape, out):
    """FillTensorProto(): appends the leaves of `value` to `out`, checking the shape."""
    rank = len(shape)
    if not isinstance(value, list):
        if level != rank:
            raise invalid_argument(
                "JSON Value: ",
                json_value_to_string(value),
                " found at incorrect level: ",
                level + 1,
                " in the JSON DOM. Expected at level: ",
                rank,
            )
        out.append(_leaf(value, dtype))
        return
    if level >= rank:
        raise invalid_argument(
            "Encountered list at unexpected level: ", level, " expected < ", rank
        )
    if len(value) != shape[level]:
        raise invalid_argument(
            "Encountered list at unexpected size: ",
            len(value),
            " at level: ",
            level,
            " expected size: ",
            shape[level],
        )
    for item in value:
        _fill(item, level + 1, dtype, shape, out)


def _to_array(values, shape, dtype):
    np_dtype = _NUMPY_DTYPES.get(dtype, object)
    if np_dtype is object:
        array = np.empty(len(values), dtype=object)
        array[:] = values
        return array.reshape(shape)
    return np.asarray(values, dtype=np_dtype).reshape(shape)


def _is_element_object(value):
    return isinstance(value, dict) and not is_b64_object(value)


def _status_string(err):
    return f"{err.code}: {err.message}"


def _instances_to_arrays(instances, input_dtypes, input_shapes, signature_name):
    """FillTensorMapFromInstancesList()."""
    if not isinstance(instances[0], dict) and len(input_dtypes) > 1:
        raise invalid_argument(
            "instances is a plain list, but expecting list of objects as multiple "
            "input tensors required as per tensorinfo_map"
        )
    objects = _is_element_object(instances[0])
    names = sorted(input_dtypes)
    values = {}
    shapes = {}
    sizes = {}

    def add(item, name, index, key=None):
        if name not in input_dtypes:
            raise invalid_argument("JSON object: does not have named input: ", name)
        shape = _dense_shape(item)
        check_shape(name, shape, input_shapes.get(name), signature_name, row=True)
        out = []
        _fill(item, 0, input_dtypes[name], shape, out)
        if name not in sizes:
            sizes[name] = len(out)
            shapes[name] = shape
        elif sizes[name] != len(out):
            raise invalid_argument("Expecting tensor size: ", sizes[name], " but got: ", len(out))
        elif shapes[name] != shape:
            raise invalid_argument(
                "Expecting shape [",
                ",".join(str(d) for d in shapes[name]),
                "] but got: [",
                ",".join(str(d) for d in shape),
                "]",
            )
        values.setdefault(name, []).extend(out)

    for index, element in enumerate(instances):
        if objects:
            if not _is_element_object(element):
                raise invalid_argument(
                    "Expecting object but got list at item ", index, " of input list"
                )
            for key, item in element.items():
                try:
                    add(item, key, index)
                except ServingStatusError as err:
                    raise invalid_argument(
                        "Failed to process element: ",
                        index,
                        " key: ",
                        key,
                        " of 'instances' list. Error: ",
                        _status_string(err),
                    ) from None
            if set(element) != set(names):
                raise invalid_argument(
                    "Failed to process element: ",
                    index,
                    " of 'instances' list. JSON object: ",
                    json_value_to_string(element),
                    " keys must be equal to: ",
                    ",".join(names),
                )
        else:
            if _is_element_object(element):
                raise invalid_argument(
                    "Expecting value/list but got object at item ", index, " of input list"
                )
            try:
                add(element, names[0], index)
            except ServingStatusError as err:
                raise invalid_argument(
                    "Failed to process element: ",
                    index,
                    " of 'instances' list. Error: ",
                    _status_string(err),
                ) from None
    count = len(instances)
    return {
        name: _to_array(values[name], [count] + shapes[name], input_dtypes[name]) for name in values
    }


def _column_to_array(value, dtype, name, input_shapes, signature_name):
    shape = _dense_shape(value)
    check_shape(name, shape, input_shapes.get(name), signature_name)
    out = []
    _fill(value, 0, dtype, shape, out)
    return _to_array(out, shape, dtype)


def _inputs_to_arrays(inputs, input_dtypes, input_shapes, signature_name):
    """FillTensorMapFromInputsMap()."""
    if not isinstance(inputs, dict) or is_b64_object(inputs):
        if len(input_dtypes) > 1:
            raise invalid_argument(
                "inputs is a plain value/list, but expecting an object as multiple "
                "input tensors required as per tensorinfo_map"
            )
        (name,) = input_dtypes
        return {
            name: _column_to_array(inputs, input_dtypes[name], name, input_shapes, signature_name)
        }
    arrays = {}
    for name in sorted(input_dtypes):
        if name not in inputs:
            raise invalid_argument("Missing named input: ", name, " in 'inputs' object.")
        arrays[name] = _column_to_array(
            inputs[name], input_dtypes[name], name, input_shapes, signature_name
        )
    return arrays


def predict_inputs(doc, input_dtypes, signature_name="", input_shapes=None):
    """FillPredictRequestFromJson(): the input arrays of a predict request.

    Each input's rank and fixed dimensions are checked against `input_shapes`
    before any array is built.

    Args:
        doc: the parsed request body.
        input_dtypes: the signature's inputs, name → TF dtype name (`"DT_STRING"`).
        signature_name: the signature named in the request (for messages).
        input_shapes: the signature's inputs, name → shape (`[-1]`) or None
            (any rank); None skips the check.

    Returns:
        `(arrays, format)`: name → numpy array (strings as `bytes` objects), and
        `"row"` or `"columnar"`.

    Example:

    >>> arrays, fmt = predict_inputs({"instances": ["a", "b"]}, {"text": "DT_STRING"})
    >>> fmt, arrays["text"].tolist()
    ('row', [b'a', b'b'])
    """
    if not input_dtypes:
        raise invalid_argument(
            "Failed to get input map for signature: ", signature_name or "DEFAULT"
        )
    shapes = input_shapes or {}
    has_instances = "instances" in doc
    has_inputs = "inputs" in doc
    if has_instances and has_inputs:
        raise invalid_argument(
            "JSON Value: ",
            json_value_to_string(doc),
            " Not formatted correctly expecting only one of 'inputs' or 'instances' keys to exist ",
        )
    if has_instances:
        instances = doc["instances"]
        if not isinstance(instances, list):
            raise invalid_argument(
                "JSON Value: ",
                json_value_to_string(doc),
                " Excepting 'instances' to be an list/array",
            )
        if not instances:
            raise invalid_argument(
                "JSON Value: ", json_value_to_string(doc), " No values in 'instances' array"
            )
        return _instances_to_arrays(instances, input_dtypes, shapes, signature_name), "row"
    if has_inputs:
        return _inputs_to_arrays(doc["inputs"], input_dtypes, shapes, signature_name), "columnar"
    raise invalid_argument("Missing 'inputs' or 'instances' key")


def _is_bytes_output(name, dtype):
    return dtype == "DT_STRING" and name.endswith("_bytes")


def predict_response(outputs, output_dtypes, fmt):
    """MakeJsonFromTensors(): the response body of a predict call.

    Args:
        outputs: output name → numpy array (batch first).
        output_dtypes: output name → TF dtype name.
        fmt: `"row"` or `"columnar"`, as the request was.

    Returns:
        The JSON text.

    Example:

    >>> import numpy as np
    >>> predict_response({"y": np.array([2.5, 3.0], np.float32)}, {"y": "DT_FLOAT"}, "row")
    '{"predictions": [2.5, 3.0]}'
    """
    if not outputs:
        raise invalid_argument("Cannot convert empty tensor map to JSON")
    if fmt not in ("row", "columnar"):
        raise invalid_argument("Invalid request format")
    names = sorted(outputs)
    if fmt == "row":
        batch = None
        for name in names:
            array = outputs[name]
            if array.ndim == 0:
                raise invalid_argument("Tensor name: ", name, " has no shape information ")
            if batch is not None and array.shape[0] != batch:
                raise invalid_argument(
                    "Tensor name: ",
                    name,
                    " has inconsistent batch size: ",
                    array.shape[0],
                    " expecting: ",
                    batch,
                )
            batch = array.shape[0]
    values = {
        name: json_ready(
            outputs[name], output_dtypes[name], _is_bytes_output(name, output_dtypes[name])
        )
        for name in names
    }
    if fmt == "columnar":
        body = {"outputs": values if len(names) > 1 else values[names[0]]}
    elif len(names) > 1:
        body = {"predictions": [{name: values[name][i] for name in names} for i in range(batch)]}
    else:
        body = {"predictions": values[names[0]]}
    return json.dumps(body, ensure_ascii=False)
