"""Hypothesis strategies and properties for fuzzing a TF-Serving-protocol server.

The property (issue 11): every request is answered within a deadline with 200
or a 4xx (REST), or OK or a client-error status code (gRPC), and the server
still answers a normal request afterwards. `tests/serving/server/test_fuzz.py`
runs a bounded number of cases in the suite; `bench/fuzz_serving.py` runs many.

Needs `hypothesis` (in the `dev` extra).

Example:

>>> from hypothesis import given
>>> @given(rest_requests())  # doctest: +SKIP
... def test(request):
...     check_rest("http://127.0.0.1:8501", request)
"""

import json

from hypothesis import strategies as st

MODELS = ("genre", "genre", "genre", "hybrid", "nope", "")
PATHS = (
    "",
    "",
    "",
    "/versions/1",
    "/versions/2",
    "/versions/99",
    "/labels/stable",
    "/labels/x",
    "/versions/99999999999999999999",
)
VERBS = ("predict", "predict", "predict", "classify", "regress", "PREDICT", "")
# gRPC codes a request may earn; anything else (UNKNOWN, INTERNAL, UNAVAILABLE,
# DEADLINE_EXCEEDED, ...) is a server failure.
CLIENT_CODES = (
    "OK",
    "INVALID_ARGUMENT",
    "NOT_FOUND",
    "FAILED_PRECONDITION",
    "RESOURCE_EXHAUSTED",
    "OUT_OF_RANGE",
    "UNIMPLEMENTED",
)
DEADLINE_SECONDS = 30.0

_texts = st.text(st.characters(categories=["L", "N", "P", "Zs", "Cs", "Cc"]), max_size=40)
_leaves = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | _texts
    | st.builds(lambda s: {"b64": s}, st.text(max_size=12))
)
json_values = st.recursive(
    _leaves,
    lambda children: (
        st.lists(children, max_size=5)
        | st.dictionaries(
            st.sampled_from(["text", "year", "b64", "x", ""]) | _texts, children, max_size=4
        )
    ),
    max_leaves=25,
)
_documents = st.one_of(
    st.fixed_dictionaries({"instances": json_values}),
    st.fixed_dictionaries({"inputs": json_values}),
    st.fixed_dictionaries({"examples": json_values}),
    st.fixed_dictionaries(
        {"instances": json_values},
        optional={"signature_name": json_values, "inputs": json_values, "context": json_values},
    ),
    json_values,
)


def _nested(depth, leaf):
    return "[" * depth + leaf + "]" * depth


_hostile_bodies = st.one_of(
    st.builds(
        lambda d, key: '{"%s": %s}' % (key, _nested(d, '"a"')),
        st.sampled_from([2, 8, 32, 33, 34, 48, 64, 65, 100, 500, 989]) | st.integers(0, 1100),
        st.sampled_from(["instances", "inputs", "examples"]),
    ),
    st.builds(lambda n: '{"instances": [%s]}' % ("9" * n), st.integers(4000, 6000)),
    st.builds(
        lambda s: '{"instances": ["%s"]}' % s,
        st.sampled_from(["\\ud800", "\\udfff", "\\ud83d", "\\ud83d\\ude00", "\\u0000"]),
    ),
    st.binary(max_size=200),
)


_TARGETS = (
    "/v1/models/genre:predict",
    "/v1/models/genre/versions/1:predict",
    "/v1/models/hybrid:predict",
    "/v1/models/genre:classify",
    "/v1/models/genre:regress",
)


@st.composite
def rest_requests(draw):
    """`(method, path, body_bytes)` for TF Serving's REST API, valid or not.

    Half the requests go to a served model's predict/classify/regress path
    (so bodies reach the model code); the rest to any path.
    """
    if draw(st.booleans()):
        path = draw(st.sampled_from(_TARGETS))
    else:
        model = draw(st.sampled_from(MODELS))
        path = f"/v1/models/{model}{draw(st.sampled_from(PATHS))}"
        if draw(st.integers(0, 3)) == 0:
            return "GET", path + draw(st.sampled_from(["", "/metadata"])), None
        path = f"{path}:{draw(st.sampled_from(VERBS))}"
    if draw(st.booleans()):
        body = json.dumps(draw(_documents)).encode("utf-8")
    else:
        hostile = draw(_hostile_bodies)
        body = hostile if isinstance(hostile, bytes) else hostile.encode("utf-8")
    return "POST", path, body


def check_rest(base_url, request, session=None):
    """Sends one `rest_requests()` request; asserts the property. Returns the status."""
    import requests

    method, path, body = request
    http = session or requests
    response = http.request(method, base_url + path, data=body, timeout=DEADLINE_SECONDS)
    assert response.status_code == 200 or 400 <= response.status_code < 500, (
        f"HTTP {response.status_code}: {response.text[:300]} <- {method} {path} "
        f"{body[:200] if body else body!r}"
    )
    if response.status_code >= 400 and path.startswith("/v1/models/") and response.text:
        assert len(response.content) < 4096, f"HTTP {response.status_code}: error body too long"
        assert isinstance(response.json().get("error"), str), (
            f"HTTP {response.status_code}: no error"
        )
    return response.status_code


# Mostly DT_STRING (the genre models' input), then float, double, int32, int64, ...
_DTYPES = (7, 7, 7, 7, 7, 1, 2, 3, 9, 10, 0, 5, 6, 17, 19, 22, 23)


@st.composite
def tensor_protos(draw):
    """Random `TensorProto`s: odd dtypes, ranks, dimensions, value counts and contents."""
    from tensorflow.core.framework import tensor_pb2

    proto = tensor_pb2.TensorProto(dtype=draw(st.sampled_from(_DTYPES)))
    if draw(st.integers(0, 9)) == 0:
        proto.tensor_shape.unknown_rank = True
    rank = draw(st.sampled_from([0, 1, 1, 1, 2, 3, 33, 40, 64, 65]))
    small = st.sampled_from([1, 1, 1, 0, 2, 3, 4])
    big = st.sampled_from([-1, 2000, 2**31, 2**62, 2**63 - 1])
    for _ in range(rank):
        size = draw(big) if draw(st.integers(0, 7)) == 0 else draw(small)
        proto.tensor_shape.dim.add(size=size)
    kind = draw(st.sampled_from(["string", "string", "float", "int", "content", "none", "bool"]))
    if kind == "string":
        proto.string_val.extend(draw(st.lists(st.binary(max_size=30), max_size=6)))
    elif kind == "float":
        proto.float_val.extend(draw(st.lists(st.floats(width=32), max_size=6)))
    elif kind == "int":
        proto.int64_val.extend(draw(st.lists(st.integers(-(2**63), 2**63 - 1), max_size=6)))
    elif kind == "bool":
        proto.bool_val.extend(draw(st.lists(st.booleans(), max_size=6)))
    elif kind == "content":
        proto.tensor_content = draw(st.binary(max_size=64))
    return proto


@st.composite
def predict_requests(draw):
    """Random `PredictRequest`s: names, versions, signatures, aliases and tensors."""
    from tensorflow_serving.apis import predict_pb2

    request = predict_pb2.PredictRequest()
    request.model_spec.name = draw(st.sampled_from(MODELS))
    choice = draw(st.sampled_from(["none", "version", "label"]))
    if choice == "version":
        request.model_spec.version.value = draw(st.sampled_from([0, 1, 2, 99, 2**62]))
    elif choice == "label":
        request.model_spec.version_label = draw(st.sampled_from(["stable", "canary", "x"]))
    request.model_spec.signature_name = draw(
        st.sampled_from(["", "serving_default", "classify", "nope"])
    )
    aliases = draw(
        st.just(["text"])
        | st.lists(st.sampled_from(["text", "year", "inputs", "x"]), max_size=3, unique=True)
    )
    for alias in aliases:
        request.inputs[alias].CopyFrom(draw(tensor_protos()))
    request.output_filter.extend(draw(st.lists(st.sampled_from(["scores", "nope"]), max_size=2)))
    return request


def check_grpc(stub, request):
    """Sends one `predict_requests()` request to a `PredictionServiceStub`; asserts the property."""
    import grpc

    try:
        stub.Predict(request, timeout=DEADLINE_SECONDS)
        code = "OK"
    except grpc.RpcError as err:
        code = err.code().name
        assert code in CLIENT_CODES, (
            f"{code}: {(err.details() or '')[:300]} <- {str(request)[:300]}"
        )
    return code


def normal_rest_request(base_url):
    """Asserts that a plain predict request is answered with one prediction."""
    import requests

    response = requests.post(
        base_url + "/v1/models/genre:predict",
        data=json.dumps({"instances": ["a haunted house"]}),
        timeout=DEADLINE_SECONDS,
    )
    assert response.status_code == 200, response.text[:300]
    assert len(response.json()["predictions"]) == 1
