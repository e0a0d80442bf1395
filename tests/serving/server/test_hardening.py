"""No request may crash or balloon the local server (issue 11, serving items 1-3).

Each hostile request goes to a real server process over real sockets; after it
the server must still answer a normal request.
"""

import json
import os
import time

import grpc
import pytest
import requests
import tensorflow as tf
from tensorflow.core.example import example_pb2
from tensorflow.core.framework import tensor_pb2
from tensorflow.core.framework import tensor_shape_pb2
from tensorflow.core.framework import types_pb2
from tensorflow_serving.apis import classification_pb2
from tensorflow_serving.apis import get_model_status_pb2
from tensorflow_serving.apis import model_service_pb2_grpc
from tensorflow_serving.apis import predict_pb2
from tensorflow_serving.apis import prediction_service_pb2_grpc

PREDICT = "/v1/models/genre:predict"


def post(server, path, body):
    data = body if isinstance(body, (bytes, str)) else json.dumps(body)
    response = requests.post(server.rest_url + path, data=data, timeout=60)
    return response.status_code, response.content


def assert_alive(server):
    code, body = post(server, PREDICT, {"instances": ["a haunted house"]})
    assert code == 200, body
    assert len(json.loads(body)["predictions"]) == 1


def nested(depth, leaf='"a"'):
    return "[" * depth + leaf + "]" * depth


@pytest.fixture(scope="module")
def stub(server):
    channel = grpc.insecure_channel(server.grpc_target)
    grpc.channel_ready_future(channel).result(timeout=30)
    yield prediction_service_pb2_grpc.PredictionServiceStub(channel)
    channel.close()


@pytest.mark.parametrize("depth", [2, 32, 33, 64, 65, 500, 989])
@pytest.mark.parametrize("form", ["row", "columnar"])
def test_deep_nesting_is_a_400_naming_the_rank(server, depth, form):
    inner = nested(depth)
    key = "instances" if form == "row" else "inputs"
    code, body = post(server, PREDICT, '{"%s": %s}' % (key, inner))
    assert code == 400, body[:300]
    message = json.loads(body)["error"]
    if depth < 900:
        assert "'text'" in message and "rank 1" in message and f"rank={depth}" in message
    else:  # deeper than Python's JSON parser goes
        assert "nested too deeply" in message
    assert len(body) < 4096
    assert_alive(server)


def string_tensor(dims, values=(b"a",)):
    proto = tensor_pb2.TensorProto(dtype=types_pb2.DT_STRING)
    proto.tensor_shape.CopyFrom(
        tensor_shape_pb2.TensorShapeProto(
            dim=[tensor_shape_pb2.TensorShapeProto.Dim(size=d) for d in dims]
        )
    )
    proto.string_val.extend(values)
    return proto


def predict_request(proto, name="genre"):
    request = predict_pb2.PredictRequest()
    request.model_spec.name = name
    request.inputs["text"].CopyFrom(proto)
    return request


@pytest.mark.parametrize(
    "dims, values, expected",
    [
        ([1] * 33, [b"a"], "rank=33"),
        ([1] * 2, [b"a"], "rank=2"),
        ([2000], [b"a"], "2000 elements"),
        ([2**62], [b"a"], "elements"),
        ([-5], [b"a"], "negative"),
        ([3], [b"a"] * 4, "3 elements"),
    ],
)
def test_grpc_shape_must_match_signature_and_values(server, stub, dims, values, expected):
    with pytest.raises(grpc.RpcError) as err:
        stub.Predict(predict_request(string_tensor(dims, values)), timeout=30)
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT, err.value.details()
    assert expected in err.value.details()
    assert "'text'" in err.value.details()
    assert_alive(server)


def test_grpc_float_tensor_content_size_is_checked(server, stub):
    request = predict_pb2.PredictRequest()
    request.model_spec.name = "hybrid"
    request.inputs["text"].CopyFrom(tf.make_tensor_proto(["a", "b"], dtype=tf.string))
    year = tensor_pb2.TensorProto(dtype=types_pb2.DT_FLOAT, tensor_content=b"\0" * 4)
    year.tensor_shape.dim.add(size=1000)
    request.inputs["year"].CopyFrom(year)
    with pytest.raises(grpc.RpcError) as err:
        stub.Predict(request, timeout=30)
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "'year'" in err.value.details()


def hybrid_request(**year_values):
    """A Predict request to `hybrid` of one text, its float32 `year` values in the given
    `*_val` fields (e.g. `double_val=[1990.0]`)."""
    request = predict_pb2.PredictRequest()
    request.model_spec.name = "hybrid"
    request.inputs["text"].CopyFrom(tf.make_tensor_proto(["a ghost"], dtype=tf.string))
    year = tensor_pb2.TensorProto(dtype=types_pb2.DT_FLOAT)
    year.tensor_shape.dim.add(size=1)
    for field, values in year_values.items():
        getattr(year, field).extend(values)
    request.inputs["year"].CopyFrom(year)
    return request


@pytest.mark.parametrize(
    "year_values, received",
    [
        ({"double_val": [1990.0]}, "1 value in double_val"),
        ({"int64_val": [1990]}, "1 value in int64_val"),
        ({"float_val": [1990.0], "int_val": [1, 2]}, "2 values in int_val"),
    ],
)
def test_grpc_values_in_another_dtypes_field_are_refused(server, stub, year_values, received):
    # tf.make_ndarray reads only float_val of a DT_FLOAT tensor: the model would get 0.0.
    with pytest.raises(grpc.RpcError) as err:
        stub.Predict(hybrid_request(**year_values), timeout=30)
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT, err.value.details()
    assert err.value.details().startswith(
        f"Expected input 'year' (float32) values in float_val. Received: {received}. "
        "Send them in float_val"
    ), err.value.details()
    answer = stub.Predict(hybrid_request(float_val=[1990.0]), timeout=30)
    zero = stub.Predict(hybrid_request(float_val=[0.0]), timeout=30)
    assert answer.outputs["scores"].float_val != zero.outputs["scores"].float_val


@pytest.mark.parametrize(
    "body",
    [
        '{"instances": [%s]}' % ("9" * 5000),
        '{"instances": ["\\ud800"]}',
        '{"inputs": {"text": ["ok", "\\udfff x"]}}',
        '{"instances": [{"text": "a", "\\ud800": 1}]}',
        '{"signature_name": "\\ud800", "instances": ["a"]}',
        '{"instances": [1e999999]}',
        '{"instances": ["a"], "x": %s}' % nested(2000, "1"),
    ],
)
def test_client_errors_are_4xx(server, body):
    code, content = post(server, PREDICT, body.encode("utf-8"))
    assert 400 <= code < 500, content[:300]
    json.loads(content)  # a JSON error body, even for surrogates
    assert_alive(server)


@pytest.mark.parametrize(
    "path, body",
    [
        (
            "/v1/models/genre:classify",
            '{"signature_name": "classify", "examples": [{"text": "\\ud800"}]}',
        ),
        (
            "/v1/models/genre:classify",
            '{"signature_name": "classify", "examples": [{"\\ud800": "a"}]}',
        ),
        (
            "/v1/models/genre:classify",
            '{"signature_name": "classify", "examples": [{"text": %s}]}' % ("7" * 5000),
        ),
    ],
)
def test_classify_client_errors_are_4xx(server, path, body):
    code, content = post(server, path, body.encode("utf-8"))
    assert 400 <= code < 500, content[:300]
    assert_alive(server)


def test_error_bodies_are_capped(server):
    padding = ["x" * 50] * 100  # 5 KB the server would echo back
    body = json.dumps({"padding": padding, "instances": "not a list"})
    code, content = post(server, PREDICT, body)
    assert code == 400
    assert len(content) < 2048
    deep = '{"padding": %s, "instances": 1}' % nested(900, "1")
    code, content = post(server, PREDICT, deep)
    assert code == 400 and len(content) < 2048


def test_no_host_paths_in_errors_or_status(start_server, tmp_path):
    from genreclf.serving.testing import write_tiny_model

    base = tmp_path / "models"
    write_tiny_model(str(base), "genre", 1)
    broken = base / "genre" / "2"
    broken.mkdir()
    (broken / "saved_model.pb").write_bytes(b"not a saved model")
    server = start_server(base, "--poll-seconds", "0")
    response = requests.get(server.rest_url + "/v1/models/genre", timeout=30)
    assert response.status_code == 200
    assert str(tmp_path) not in response.text
    assert "FAILED" in response.text or "END" in response.text
    channel = grpc.insecure_channel(server.grpc_target)
    status = model_service_pb2_grpc.ModelServiceStub(channel).GetModelStatus(
        get_model_status_pb2.GetModelStatusRequest(model_spec={"name": "genre"}), timeout=30
    )
    assert str(tmp_path) not in str(status)
    assert os.sep + "tmp" not in str(status)
    channel.close()


def test_classify_grpc_surrogate_free(server):
    """Classify over gRPC takes bytes; odd bytes still give an answer or INVALID_ARGUMENT."""
    channel = grpc.insecure_channel(server.grpc_target)
    stub = prediction_service_pb2_grpc.PredictionServiceStub(channel)
    request = classification_pb2.ClassificationRequest()
    request.model_spec.name = "genre"
    request.model_spec.signature_name = "classify"
    example = request.input.example_list.examples.add()
    example.features.feature["text"].bytes_list.value.append(b"\xff\xfe caf\xe9")
    response = stub.Classify(request, timeout=30)
    assert len(response.result.classifications) == 1
    channel.close()


CLASSIFY = "/v1/models/genre:classify"


def classify_request(examples, context=None):
    """A gRPC `ClassificationRequest` for `genre`'s classify signature."""
    request = classification_pb2.ClassificationRequest()
    request.model_spec.name = "genre"
    request.model_spec.signature_name = "classify"
    if context is None:
        request.input.example_list.examples.extend(examples)
    else:
        request.input.example_list_with_context.context.CopyFrom(context)
        request.input.example_list_with_context.examples.extend(examples)
    return request


def test_a_context_times_many_examples_is_refused_before_it_is_copied(server, stub):
    # 40,000 integers of context (78 KB of JSON, under the 100 KB body limit) before each
    # of 300 examples: 12 MB of serialized examples, over the 8 MiB of text allowed.
    context = {"text": "a haunted house", "n": [1] * 40_000}
    doc = {"signature_name": "classify", "context": context, "examples": [{"m": 1}] * 300}
    body = json.dumps(doc, separators=(",", ":"))
    start = time.monotonic()
    code, answer = post(server, CLASSIFY, body)
    assert code == 400, answer[:300]
    message = json.loads(answer)["error"]
    assert "Received: examples=300, context_bytes>=" in message
    assert "smaller context" in message and "--max-text-bytes" in message
    proto = example_pb2.Example()
    proto.features.feature["n"].int64_list.value.extend([1] * 40_000)
    with pytest.raises(grpc.RpcError) as err:
        stub.Classify(classify_request([example_pb2.Example()] * 300, proto), timeout=30)
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    received = f"Received: examples=300, context_bytes={proto.ByteSize()}, example_bytes=0."
    assert received in err.value.details()
    assert time.monotonic() - start < 10
    assert_alive(server)


def test_a_context_within_the_limit_is_still_classified(server, stub):
    body = {
        "signature_name": "classify",
        "context": {"text": "a haunted house"},
        "examples": [{"m": 1}, {"m": 2}],
    }
    code, answer = post(server, CLASSIFY, json.dumps(body))
    assert code == 200, answer[:300]
    results = json.loads(answer)["results"]
    assert len(results) == 2 and results[0] == results[1]


@pytest.mark.parametrize("protocol", ["rest", "grpc"])
def test_each_example_counts_toward_max_texts_before_any_is_built(server, stub, protocol):
    # 10,001 examples without a string (80 KB of JSON): over the 10,000 texts allowed.
    if protocol == "rest":
        body = '{"signature_name": "classify", "examples": [%s]}' % ",".join(['{"m":1}'] * 10_001)
        code, answer = post(server, CLASSIFY, body)
        assert code == 400, answer[:300]
        message = json.loads(answer)["error"]
    else:
        with pytest.raises(grpc.RpcError) as err:
            stub.Classify(classify_request([example_pb2.Example()] * 10_001), timeout=30)
        assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        message = err.value.details()
    assert "Received: examples=10001" in message
    assert "limit of 10000 texts" in message and "--max-texts" in message
    assert_alive(server)


@pytest.mark.parametrize("protocol", ["rest", "grpc"])
def test_examples_that_do_not_fit_the_signature_get_a_clear_400(server, stub, protocol):
    # An integer text: TensorFlow's ParseExample answered "Graph execution error: ...
    # Detected at node ParseExample/ParseExampleV2 ... [Op:__inference_signature_wrapper_...]".
    if protocol == "rest":
        body = {"signature_name": "classify", "examples": [{"text": "a ghost"}, {"text": 5}]}
        code, answer = post(server, CLASSIFY, body)
        assert code == 400, answer[:300]
        message = json.loads(answer)["error"]
    else:
        good, bad = example_pb2.Example(), example_pb2.Example()
        good.features.feature["text"].bytes_list.value.append(b"a ghost")
        bad.features.feature["text"].int64_list.value.append(5)
        with pytest.raises(grpc.RpcError) as err:
            stub.Classify(classify_request([good, bad]), timeout=30)
        assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        message = err.value.details()
    assert message == (
        "Expected feature 'text' of example 1 to hold 1 string value (a bytes_list), as "
        "signature 'classify' parses it. Received: text=[5] (1 int64_list value). Send each "
        'example as {"text": "..."}.'
    )
    hybrid = {"signature_name": "classify", "examples": [{"text": "a ghost", "year": "1994"}]}
    code, answer = post(server, "/v1/models/hybrid:classify", hybrid)
    message = json.loads(answer)["error"]
    assert code == 400 and 'Received: year=["1994"] (1 bytes_list value).' in message
    assert 'Send each example as {"text": "...", "year": 0.0}.' in message
    assert_alive(server)


@pytest.mark.parametrize(
    "path, body",
    [
        (PREDICT, {"instances": []}),
        (PREDICT, {"inputs": []}),  # was a 200 with empty outputs
        (PREDICT, {"inputs": {"text": []}}),
        ("/v1/models/hybrid:predict", {"inputs": {"text": [], "year": []}}),
    ],
)
def test_an_empty_batch_is_a_400_in_either_form(server, path, body):
    code, answer = post(server, path, body)
    assert code == 400, answer[:300]
    assert "at least one instance" in json.loads(answer)["error"]


def test_an_empty_batch_is_invalid_argument_over_grpc(server, stub):
    request = predict_pb2.PredictRequest()
    request.model_spec.name = "genre"
    request.inputs["text"].dtype = types_pb2.DT_STRING
    request.inputs["text"].tensor_shape.dim.add(size=0)
    with pytest.raises(grpc.RpcError) as err:
        stub.Predict(request, timeout=30)
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert err.value.details().startswith("Expected at least one instance: input 'text'")
    assert "Received: shape=[0]" in err.value.details()
    assert_alive(server)


@pytest.mark.parametrize("protocol", ["rest", "grpc"])
def test_a_classify_input_that_is_not_utf8_is_a_400_quoting_its_bytes(server, stub, protocol):
    # TensorFlow could not decode its own error, which quoted the bytes: the client got
    # "'utf-8' codec can't decode byte 0xff in position 92: invalid start byte".
    value = b"\xff\xfe garbage"
    if protocol == "rest":
        body = {"signature_name": "classify", "instances": [{"b64": "//4gZ2FyYmFnZQ=="}]}
        code, answer = post(server, PREDICT, body)
        assert code == 400, answer[:300]
        message = json.loads(answer)["error"]
    else:
        request = predict_pb2.PredictRequest()
        request.model_spec.name = "genre"
        request.model_spec.signature_name = "classify"
        request.inputs["inputs"].CopyFrom(string_tensor([1], [value]))
        with pytest.raises(grpc.RpcError) as err:
            stub.Predict(request, timeout=30)
        assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        message = err.value.details()
    assert message == "Could not parse example input, value: '\\xff\\xfe garbage'"
    assert_alive(server)
