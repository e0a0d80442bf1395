"""TF Serving's REST classify format: JSON examples in, `{"results": ...}` out.

A port of `FillClassificationRequestFromJson` and `MakeJsonFromClassificationResult`
from `tensorflow_serving/util/json_tensor.cc`, with the same rules and messages.
"""

import json

import numpy as np
from tensorflow.core.example import example_pb2

from genreclf.serving.server.json_values import decode_b64_object
from genreclf.serving.server.json_values import is_b64_object
from genreclf.serving.server.json_values import is_lossless
from genreclf.serving.server.json_values import json_value_to_string
from genreclf.serving.server.json_values import short_floats
from genreclf.serving.server.json_values import type_name
from genreclf.serving.server.status import invalid_argument


def _add_feature_value(value, name, feature):
    """AddValueToFeature()."""
    kind = feature.WhichOneof("kind")

    def incompatible():
        kinds = {"bytes_list": "bytes", "float_list": "float", "int64_list": "int64"}
        return invalid_argument(
            "Unexpected element type in feature: ",
            name,
            " expecting type: ",
            kinds.get(kind, "UNKNOWN"),
        )

    if value is None or isinstance(value, list):
        raise invalid_argument(
            "Feature: ", name, " has element with unexpected JSON type: ", type_name(value)
        )
    if isinstance(value, bool):
        if kind not in (None, "int64_list"):
            raise incompatible()
        feature.int64_list.value.append(1 if value else 0)
    elif isinstance(value, dict):
        if not is_b64_object(value):
            raise invalid_argument(
                "Feature: ", name, " has element with unexpected JSON type: ", type_name(value)
            )
        if kind not in (None, "bytes_list"):
            raise incompatible()
        feature.bytes_list.value.append(decode_b64_object(value))
    elif isinstance(value, str):
        if kind not in (None, "bytes_list"):
            raise incompatible()
        feature.bytes_list.value.append(value.encode("utf-8"))
    elif isinstance(value, float):
        if kind not in (None, "float_list"):
            raise incompatible()
        if not is_lossless(value, 24, 3.4028234663852886e38):
            raise invalid_argument(
                "Cannot convert JSON value: ",
                json_value_to_string(value),
                " to float without loss of precision.",
            )
        feature.float_list.value.append(value)
    else:
        if kind not in (None, "int64_list"):
            raise incompatible()
        if value >= 2**63:
            raise invalid_argument(
                "Feature: ", name, " has uint64 element. Only int64 is supported."
            )
        feature.int64_list.value.append(value)


def _example_from_json(value):
    """MakeExampleFromJsonObject()."""
    if not isinstance(value, dict):
        raise invalid_argument("Example must be JSON object but got JSON ", type_name(value))
    example = example_pb2.Example()
    for name, content in value.items():
        feature = example.features.feature[name]
        for item in content if isinstance(content, list) else [content]:
            _add_feature_value(item, name, feature)
    return example


def classify_examples(doc, method="classify"):
    """FillClassificationRequestFromJson(): the examples of a classify (or regress) request.

    Args:
        doc: the parsed request body.
        method: `"classify"` or `"regress"` (for messages).

    Returns:
        `(examples, context)`: a list of `tf.train.Example` protos and the
        context example (or None).

    Example:

    >>> examples, context = classify_examples({"examples": [{"text": "a spy"}]})
    >>> examples[0].features.feature["text"].bytes_list.value[0], context
    (b'a spy', None)
    """
    context = None
    if "context" in doc:
        context = _example_from_json(doc["context"])
    if "examples" not in doc:
        raise invalid_argument(
            "JSON Value: ",
            json_value_to_string(doc),
            f" When method is {method}, key 'examples' is expected and was not found",
        )
    examples = doc["examples"]
    if not isinstance(examples, list):
        raise invalid_argument(
            "JSON Value: ",
            json_value_to_string(doc),
            " Expecting 'examples' value to be an list/array",
        )
    if not examples:
        raise invalid_argument(
            "JSON Value: ", json_value_to_string(doc), " 'examples' value is an empty array"
        )
    return [_example_from_json(item) for item in examples], context


def classify_response(classifications):
    """MakeJsonFromClassificationResult(): `{"results": [[[label, score], ...], ...]}`.

    Args:
        classifications: one list of `(label, score)` pairs per example.

    Example:

    >>> classify_response([[("drama", 0.75), ("comedy", 0.25)]])
    '{"results": [[["drama", 0.75], ["comedy", 0.25]]]}'
    """
    if not classifications:
        raise invalid_argument("Cannot convert empty ClassificationResults to JSON")
    results = [[[label, _short(score)] for label, score in row] for row in classifications]
    return json.dumps({"results": results}, ensure_ascii=False)


def regress_response(values):
    """MakeJsonFromRegressionResult(): `{"results": [value, ...]}`.

    Example:

    >>> regress_response([0.5, 2.0])
    '{"results": [0.5, 2.0]}'
    """
    if not values:
        raise invalid_argument("Cannot convert empty RegressionResults to JSON")
    return json.dumps({"results": [_short(v) for v in values]})


def _short(score):
    return short_floats(np.array([score], np.float32)).tolist()[0]
