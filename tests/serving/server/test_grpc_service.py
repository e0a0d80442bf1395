"""TF Serving's gRPC API on the local server, with the raw tensorflow_serving stubs.

The same checks as the REST tests, over `PredictionService` and `ModelService`:
outputs equal the SavedModel called in-process, status and metadata protos,
and TF Serving's status codes (INVALID_ARGUMENT, NOT_FOUND, FAILED_PRECONDITION)
with messages that name the problem.
"""

import os

import grpc
import numpy as np
import pytest
import requests
import tensorflow as tf
from tensorflow_serving.apis import classification_pb2
from tensorflow_serving.apis import get_model_metadata_pb2
from tensorflow_serving.apis import get_model_status_pb2
from tensorflow_serving.apis import inference_pb2
from tensorflow_serving.apis import model_service_pb2_grpc
from tensorflow_serving.apis import predict_pb2
from tensorflow_serving.apis import prediction_service_pb2_grpc

TEXTS = ["A haunted house and a ghost.", "Love and a wedding in space!"]


@pytest.fixture(scope="module")
def stubs(server):
    channel = grpc.insecure_channel(server.grpc_target)
    grpc.channel_ready_future(channel).result(timeout=30)
    yield (
        prediction_service_pb2_grpc.PredictionServiceStub(channel),
        model_service_pb2_grpc.ModelServiceStub(channel),
    )
    channel.close()


def predict_request(name="genre", texts=TEXTS, version=None, label=None, signature=""):
    request = predict_pb2.PredictRequest()
    request.model_spec.name = name
    request.model_spec.signature_name = signature
    if version is not None:
        request.model_spec.version.value = version
    if label is not None:
        request.model_spec.version_label = label
    request.inputs["text"].CopyFrom(tf.make_tensor_proto(texts, dtype=tf.string))
    return request


def test_predict_matches_in_process(stubs, reference):
    prediction, _ = stubs
    response = prediction.Predict(predict_request(), timeout=30)
    expected = reference("genre", 2).signatures["serving_default"](text=tf.constant(TEXTS))
    assert sorted(response.outputs) == ["scores", "top_labels", "top_scores"]
    for name, value in expected.items():
        got = tf.make_ndarray(response.outputs[name])
        np.testing.assert_array_equal(got, value.numpy())
    # TF Serving writes typed value fields (AsProtoField), not tensor_content.
    assert len(response.outputs["scores"].float_val) == 12
    assert response.model_spec.name == "genre"
    assert response.model_spec.version.value == 2
    assert response.model_spec.signature_name == "serving_default"


def test_predict_by_label_output_filter(stubs, reference):
    prediction, _ = stubs
    request = predict_request(label="stable")
    request.output_filter.append("top_labels")
    response = prediction.Predict(request, timeout=30)
    assert list(response.outputs) == ["top_labels"]
    expected = reference("genre", 1).signatures["serving_default"](text=tf.constant(TEXTS))
    np.testing.assert_array_equal(
        tf.make_ndarray(response.outputs["top_labels"]), expected["top_labels"].numpy()
    )
    assert response.model_spec.version.value == 1


def test_classify(stubs, reference):
    prediction, _ = stubs
    request = classification_pb2.ClassificationRequest()
    request.model_spec.name = "genre"
    request.model_spec.signature_name = "classify"
    for text in TEXTS:
        example = request.input.example_list.examples.add()
        example.features.feature["text"].bytes_list.value.append(text.encode())
    response = prediction.Classify(request, timeout=30)
    scores = reference("genre", 2).signatures["serving_default"](text=tf.constant(TEXTS))["scores"]
    got = [[(c.label, c.score) for c in row.classes] for row in response.result.classifications]
    labels = ["action", "comedy", "drama", "horror", "romance", "sci-fi"]
    assert got == [list(zip(labels, np.float32(row).tolist())) for row in scores.numpy()]
    assert response.model_spec.version.value == 2


def test_status_and_metadata(stubs, models_dir):
    from tensorflow.core.protobuf import saved_model_pb2

    prediction, models = stubs
    request = get_model_status_pb2.GetModelStatusRequest()
    request.model_spec.name = "genre"
    status = models.GetModelStatus(request, timeout=30)
    assert [(s.version, s.state, s.status.error_code) for s in status.model_version_status] == [
        (2, get_model_status_pb2.ModelVersionStatus.AVAILABLE, 0),
        (1, get_model_status_pb2.ModelVersionStatus.AVAILABLE, 0),
    ]
    request = get_model_metadata_pb2.GetModelMetadataRequest(metadata_field=["signature_def"])
    request.model_spec.name = "genre"
    request.model_spec.version.value = 1
    metadata = prediction.GetModelMetadata(request, timeout=30)
    signatures = get_model_metadata_pb2.SignatureDefMap()
    assert metadata.metadata["signature_def"].Unpack(signatures)
    saved = saved_model_pb2.SavedModel.FromString(
        (models_dir / "genre" / "1" / "saved_model.pb").read_bytes()
    )
    assert dict(signatures.signature_def) == dict(saved.meta_graphs[0].signature_def)
    assert (metadata.model_spec.name, metadata.model_spec.version.value) == ("genre", 1)


def _code(call, request):
    with pytest.raises(grpc.RpcError) as info:
        call(request, timeout=30)
    return info.value.code(), info.value.details()


def test_errors_have_tf_serving_codes_and_say_what_is_wrong(stubs):
    prediction, models = stubs

    def check(call, request, code, *words):
        got, details = _code(call, request)
        assert got == code, details
        for word in words:
            assert word in details, details

    check(prediction.Predict, predict_request(name="nope"), grpc.StatusCode.NOT_FOUND, "nope")
    check(prediction.Predict, predict_request(version=7), grpc.StatusCode.NOT_FOUND, "genre, 7")
    check(
        prediction.Predict,
        predict_request(label="beta"),
        grpc.StatusCode.INVALID_ARGUMENT,
        "label: beta",
    )
    check(
        prediction.Predict,
        predict_request(signature="nope"),
        grpc.StatusCode.FAILED_PRECONDITION,
        '"nope" not found',
    )
    wrong_name = predict_request()
    wrong_name.inputs["txt"].CopyFrom(wrong_name.inputs.pop("text"))
    check(prediction.Predict, wrong_name, grpc.StatusCode.INVALID_ARGUMENT, "txt", "text")
    wrong_dtype = predict_request()
    wrong_dtype.inputs["text"].CopyFrom(tf.make_tensor_proto([1.0, 2.0], dtype=tf.float32))
    check(
        prediction.Predict,
        wrong_dtype,
        grpc.StatusCode.INVALID_ARGUMENT,
        "'text'",
        "dtype string",
        "dtype=float32",
    )
    status_request = get_model_status_pb2.GetModelStatusRequest()
    status_request.model_spec.name = "nope"
    check(models.GetModelStatus, status_request, grpc.StatusCode.NOT_FOUND, "model nope")
    no_name = get_model_status_pb2.GetModelStatusRequest()
    check(models.GetModelStatus, no_name, grpc.StatusCode.INVALID_ARGUMENT, "Missing ModelSpec")
    multi = inference_pb2.MultiInferenceRequest()
    check(prediction.MultiInference, multi, grpc.StatusCode.UNIMPLEMENTED, "Classify or Regress")
    classify = classification_pb2.ClassificationRequest()
    classify.model_spec.name = "genre"
    classify.input.example_list.examples.add().features.feature["text"].bytes_list.value.append(
        b"x"
    )
    check(prediction.Classify, classify, grpc.StatusCode.INVALID_ARGUMENT, "classify")
    metadata = get_model_metadata_pb2.GetModelMetadataRequest(metadata_field=["nope"])
    metadata.model_spec.name = "genre"
    check(prediction.GetModelMetadata, metadata, grpc.StatusCode.INVALID_ARGUMENT, "nope")
    # ... and the server keeps serving.
    assert prediction.Predict(predict_request(), timeout=30).outputs["scores"].float_val


def test_oversize_message_is_resource_exhausted(stubs):
    prediction, _ = stubs
    code, _ = _code(prediction.Predict, predict_request(texts=["word " * 30000]))
    assert code == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert prediction.Predict(predict_request(), timeout=30).outputs["scores"].float_val


def test_regress_needs_a_regression_signature(stubs):
    from tensorflow_serving.apis import regression_pb2

    prediction, _ = stubs
    request = regression_pb2.RegressionRequest()
    request.model_spec.name = "genre"
    assert _code(prediction.Regress, request)[0] == grpc.StatusCode.INVALID_ARGUMENT
    request.input.example_list.examples.add().features.feature["text"].bytes_list.value.append(b"a")
    code, details = _code(prediction.Regress, request)
    assert code == grpc.StatusCode.INVALID_ARGUMENT
    assert details.startswith("Expected one output Tensor."), details  # TF Serving's check


def _grpc_errors(server, api, code):
    """The server's `request_errors_total` of gRPC `api` requests answered `code`."""
    from prometheus_client.parser import text_string_to_metric_families

    scrape = requests.get(server.rest_url + "/monitoring/prometheus/metrics", timeout=30).text
    wanted = {"api": api, "protocol": "grpc", "code": code}.items()
    return sum(
        sample.value
        for family in text_string_to_metric_families(scrape)
        for sample in family.samples
        if sample.name == "genreclf_serving_request_errors_total"
        and sample.labels.items() >= wanted
    )


@pytest.mark.parametrize(
    "path, api, request_type",
    [
        ("PredictionService/Predict", "predict", "PredictRequest"),
        ("PredictionService/Classify", "classify", "ClassificationRequest"),
        ("ModelService/GetModelStatus", "status", "GetModelStatusRequest"),
    ],
)
def test_an_undecodable_message_is_invalid_argument_without_a_traceback(
    server, path, api, request_type
):
    before, log_size = (
        _grpc_errors(server, api, "INVALID_ARGUMENT"),
        os.path.getsize(server.log_path),
    )
    channel = grpc.insecure_channel(server.grpc_target)
    call = channel.unary_unary(f"/tensorflow.serving.{path}")  # raw bytes, no serializer
    with pytest.raises(grpc.RpcError) as info:
        call(b"\xff\xff garbage", timeout=30)
    channel.close()
    assert info.value.code() == grpc.StatusCode.INVALID_ARGUMENT, info.value.details()
    details = info.value.details()
    assert f"is not a valid tensorflow.serving.{request_type}" in details, details
    assert "Received: 10 bytes" in details and "\n" not in details
    assert _grpc_errors(server, api, "INVALID_ARGUMENT") == before + 1
    with open(server.log_path, "rb") as handle:
        handle.seek(log_size)
        logged = handle.read().decode("utf-8", "replace")
    assert "Traceback" not in logged and "deserializ" not in logged, logged
    assert len(logged.splitlines()) <= 1, logged


def test_reload_config_is_unimplemented_without_a_traceback(server):
    log_size = os.path.getsize(server.log_path)
    channel = grpc.insecure_channel(server.grpc_target)
    call = channel.unary_unary("/tensorflow.serving.ModelService/HandleReloadConfigRequest")
    with pytest.raises(grpc.RpcError) as info:
        call(b"", timeout=30)
    channel.close()
    assert info.value.code() == grpc.StatusCode.UNIMPLEMENTED
    assert "polls the base path" in info.value.details()
    with open(server.log_path, "rb") as handle:
        handle.seek(log_size)
        assert b"Traceback" not in handle.read()


def test_every_method_of_both_services_is_registered_with_its_own_raw_handler():
    from genreclf.serving.server.grpc_service import Services
    from genreclf.serving.server.grpc_service import add_services
    from genreclf.serving.server.limits import Limits

    class Recorder:  # the part of a grpc server `add_services` calls
        def __init__(self):
            self.handlers = []

        def add_generic_rpc_handlers(self, handlers):
            self.handlers.extend(handlers)

    class Details(grpc.HandlerCallDetails):
        def __init__(self, method):
            self.method, self.invocation_metadata = method, ()

    recorder = Recorder()
    add_services(Services(None, Limits(), None), recorder)
    for service, servicer in (
        ("PredictionService", prediction_service_pb2_grpc.PredictionServiceServicer),
        ("ModelService", model_service_pb2_grpc.ModelServiceServicer),
    ):
        for name in [name for name in vars(servicer) if not name.startswith("_")]:
            path = f"/tensorflow.serving.{service}/{name}"
            found = [h.service(Details(path)) for h in recorder.handlers]
            (handler,) = [h for h in found if h is not None]
            assert handler.request_deserializer is None, path  # handlers decode the bytes
            assert handler.unary_unary.__func__ is vars(Services)[name], path  # not the stub's
