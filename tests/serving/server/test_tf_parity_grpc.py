"""Where the local server's gRPC API answers as TF Serving's source decides (tensorflow/serving
2.20), with the raw tensorflow_serving stubs.

Each case names the part of TF Serving it follows: classifier.cc and regressor.cc (the
signature's shape checked, not its method_name, by default; the signature looked up
before the examples), ServerCore and the gRPC services (ModelSpec checks, response
model_spec, output_filter, metadata_field). The REST side: test_tf_parity_rest.py; the
shared server and cases: conftest.py. Real server processes, real sockets on 127.0.0.1.
"""

import grpc
import pytest
import tensorflow as tf
from tensorflow_serving.apis import classification_pb2
from tensorflow_serving.apis import get_model_metadata_pb2
from tensorflow_serving.apis import get_model_status_pb2
from tensorflow_serving.apis import model_service_pb2_grpc
from tensorflow_serving.apis import predict_pb2
from tensorflow_serving.apis import prediction_service_pb2_grpc
from tensorflow_serving.apis import regression_pb2

from tests.serving.server.conftest import SIGNATURE_MISFITS


@pytest.fixture(scope="module")
def odd_stub(odd_server):
    channel = grpc.insecure_channel(odd_server.grpc_target)
    yield prediction_service_pb2_grpc.PredictionServiceStub(channel)
    channel.close()


@pytest.fixture(scope="module")
def stubs(server):
    channel = grpc.insecure_channel(server.grpc_target)
    yield (
        prediction_service_pb2_grpc.PredictionServiceStub(channel),
        model_service_pb2_grpc.ModelServiceStub(channel),
    )
    channel.close()


def grpc_error(call, message):
    """`(code, details)` of a gRPC call that fails."""
    with pytest.raises(grpc.RpcError) as info:
        call(message, timeout=60)
    return info.value.code(), info.value.details()


def examples_request(kind, name, signature="", texts=("a ghost",)):
    """A ClassificationRequest or RegressionRequest (`kind`) of one example per text."""
    message = {"classify": classification_pb2.ClassificationRequest, "regress": None}.get(kind)
    message = (message or regression_pb2.RegressionRequest)()
    message.model_spec.name = name
    message.model_spec.signature_name = signature
    for text in texts:
        example = message.input.example_list.examples.add()
        example.features.feature["text"].bytes_list.value.append(text.encode())
    return message


# 1. Classify / Regress: the signature's shape is checked, not its method_name.


def test_a_classify_or_regress_signature_of_any_method_name_is_served(odd_stub):
    response = odd_stub.Classify(examples_request("classify", "genre", "classify"), timeout=60)
    assert len(response.result.classifications[0].classes) == 6
    response = odd_stub.Regress(examples_request("regress", "rating", texts=["a b"]), timeout=60)
    assert [r.value for r in response.result.regressions] == [2.0]


@pytest.mark.parametrize("kind, signature, message", SIGNATURE_MISFITS)
def test_a_signature_that_does_not_fit_gets_tf_servings_message(odd_stub, kind, signature, message):
    call = odd_stub.Classify if kind == "classify" else odd_stub.Regress
    code, details = grpc_error(call, examples_request(kind, "odd", signature))
    assert code == grpc.StatusCode.INVALID_ARGUMENT and details.startswith(message), details


# 3. and 10. gRPC Classify / Regress: an unknown signature, and the signature answered.


def test_grpc_classify_and_regress_name_an_unknown_signature_as_tf_serving(stubs):
    prediction, _ = stubs
    for call, kind in ((prediction.Classify, "classify"), (prediction.Regress, "regress")):
        code, details = grpc_error(call, examples_request(kind, "genre", "nope"))
        assert code == grpc.StatusCode.INVALID_ARGUMENT, details
        assert details.startswith("No signature was found with the name: nope"), details


def test_grpc_classify_and_regress_answer_serving_default_for_an_empty_signature_name(odd_stub):
    response = odd_stub.Classify(examples_request("classify", "odd"), timeout=60)
    assert response.model_spec.signature_name == "serving_default"
    assert [c.label for c in response.result.classifications[0].classes] == ["x", "x"]
    response = odd_stub.Regress(examples_request("regress", "rating"), timeout=60)
    assert response.model_spec.signature_name == "serving_default"
    assert (response.model_spec.name, response.model_spec.version.value) == ("rating", 1)


def test_grpc_examples_are_checked_after_the_signature(stubs):
    prediction, _ = stubs
    empty = examples_request("classify", "genre", "classify", texts=())
    code, details = grpc_error(prediction.Classify, empty)
    assert code == grpc.StatusCode.INVALID_ARGUMENT and details.startswith("Input is empty.")
    empty.model_spec.signature_name = "nope"  # TF Serving looks at the signature first
    assert grpc_error(prediction.Classify, empty)[1].startswith("No signature was found")


# 9. and 11. gRPC: ModelSpec checks, output_filter duplicates, metadata_field duplicates.


def test_grpc_model_spec_missing_or_without_a_name(stubs):
    prediction, models = stubs
    text = tf.make_tensor_proto(["a"])
    missing = [
        (prediction.Predict, predict_pb2.PredictRequest(inputs={"text": text})),
        (prediction.Classify, classification_pb2.ClassificationRequest()),
        (prediction.Regress, regression_pb2.RegressionRequest()),
        (
            prediction.GetModelMetadata,
            get_model_metadata_pb2.GetModelMetadataRequest(metadata_field=["signature_def"]),
        ),
        (models.GetModelStatus, get_model_status_pb2.GetModelStatusRequest()),
    ]
    for call, message in missing:
        code, details = grpc_error(call, message)
        assert code == grpc.StatusCode.INVALID_ARGUMENT, details
        assert details.startswith("Missing ModelSpec"), details
        message.model_spec.SetInParent()  # a model_spec, without a name
        code, details = grpc_error(call, message)
        if call is models.GetModelStatus:  # TF Serving looks the name up: none found
            assert code == grpc.StatusCode.NOT_FOUND, details
            assert details == "Could not find any versions of model ", details
        else:
            assert code == grpc.StatusCode.INVALID_ARGUMENT, details
            assert details.startswith("ModelSpec has no name specified."), details
    labelled = predict_pb2.PredictRequest(inputs={"text": text})
    labelled.model_spec.version_label = "stable"  # the name is checked first
    assert grpc_error(prediction.Predict, labelled)[1].startswith("ModelSpec has no name")


def test_grpc_output_filter_duplicates_are_refused_metadata_field_duplicates_not(stubs):
    prediction, _ = stubs
    message = predict_pb2.PredictRequest(inputs={"text": tf.make_tensor_proto(["a"])})
    message.model_spec.name = "genre"
    message.output_filter.extend(["top_labels", "scores", "top_labels"])
    code, details = grpc_error(prediction.Predict, message)
    assert code == grpc.StatusCode.INVALID_ARGUMENT, details
    assert details.startswith("duplicate output tensor alias: top_labels"), details
    metadata = get_model_metadata_pb2.GetModelMetadataRequest(
        metadata_field=["signature_def", "signature_def"]
    )
    metadata.model_spec.name = "genre"
    response = prediction.GetModelMetadata(metadata, timeout=60)
    assert list(response.metadata) == ["signature_def"]
    metadata.ClearField("metadata_field")
    code, details = grpc_error(prediction.GetModelMetadata, metadata)
    assert code == grpc.StatusCode.INVALID_ARGUMENT
    assert details.startswith("GetModelMetadataRequest must specify at least one metadata_field")
    metadata.metadata_field.extend(["signature_def", "nope"])
    metadata.model_spec.name = "no_such_model"  # the fields are checked before the model
    code, details = grpc_error(prediction.GetModelMetadata, metadata)
    assert code == grpc.StatusCode.INVALID_ARGUMENT
    assert details.startswith("Metadata field nope is not supported"), details
