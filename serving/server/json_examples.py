"""TF Serving's REST classify and regress format: JSON examples in, `{"results": ...}` out.

A request is `{"examples": [{feature: value or [values]}, ...]}` with an
optional `"context"` example and `"signature_name"`; strings (or `{"b64":
...}`) become a `bytes_list`, integers and booleans an `int64_list`, other
numbers a `float_list`. Answers are `{"results": [[[label, score], ...], ...]}`
(classify) and `{"results": [value, ...]}` (regress).
"""

import json

import numpy as np
from tensorflow.core.example import example_pb2

from genreclf.serving.server.json_values import b64_decode
from genreclf.serving.server.json_values import describe
from genreclf.serving.server.json_values import is_b64
from genreclf.serving.server.json_values import short_floats
from genreclf.serving.server.status import invalid_argument


def _kind(value):
    if isinstance(value, (bool, int)):
        return "int64_list"
    if isinstance(value, float):
        return "float_list"
    if isinstance(value, str) or is_b64(value):
        return "bytes_list"
    return None


def _example_from_json(value):
    if not isinstance(value, dict):
        raise invalid_argument(
            f"Expected an example as a JSON object. Received: {describe(value)}."
        )
    example = example_pb2.Example()
    for name, content in value.items():
        values = content if isinstance(content, list) else [content]
        kinds = {_kind(item) for item in values}
        if None in kinds or len(kinds) > 1:
            raise invalid_argument(
                f"Expected feature '{name}' to hold strings, integers or floats, one kind "
                f"only. Received: {describe(content)}."
            )
        feature = example.features.feature[name]
        if not values:
            continue
        kind = kinds.pop()
        if kind == "bytes_list":
            values = [b64_decode(v) if is_b64(v) else v.encode("utf-8") for v in values]
        elif kind == "int64_list":
            values = [int(v) for v in values]  # booleans as 0 / 1
        try:
            getattr(feature, kind).value.extend(values)
        except (ValueError, TypeError, OverflowError):
            raise invalid_argument(
                f"A value of feature '{name}' is out of the range of {kind[:-5]}. "
                f"Received: {describe(content)}."
            ) from None
    return example


def classify_examples(doc, method="classify"):
    """The examples of a classify (or regress) request.

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
    examples = doc.get("examples")
    if not isinstance(examples, list) or not examples:
        raise invalid_argument(
            f"Expected 'examples' to be a non-empty list when the method is {method}. "
            f'Received: examples={describe(examples)}. Send {{"examples": [{{"text": "..."}}]}}.'
        )
    context = _example_from_json(doc["context"]) if "context" in doc else None
    return [_example_from_json(item) for item in examples], context


def classify_response(classifications):
    """`{"results": [[[label, score], ...], ...]}`, one list of pairs per example.

    Example:

    >>> classify_response([[("drama", 0.75), ("comedy", 0.25)]])
    '{"results": [[["drama", 0.75], ["comedy", 0.25]]]}'
    """
    results = [[[label, _short(score)] for label, score in row] for row in classifications]
    return json.dumps({"results": results}, ensure_ascii=False)


def regress_response(values):
    """`{"results": [value, ...]}`, one value per example.

    Example:

    >>> regress_response([0.5, 2.0])
    '{"results": [0.5, 2.0]}'
    """
    return json.dumps({"results": [_short(v) for v in values]})


def _short(score):
    return short_floats(np.array([score], np.float32)).tolist()[0]
