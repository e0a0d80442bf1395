"""`:regress` and `PredictionService/Regress` for a SavedModel with a regression signature."""

import json

import grpc
import pytest
import requests
from tensorflow_serving.apis import prediction_service_pb2_grpc
from tensorflow_serving.apis import regression_pb2

from genreclf.serving.testing import write_tiny_regression_model


@pytest.fixture(scope="module")
def regression_server(tmp_path_factory, server_process):
    base = tmp_path_factory.mktemp("regression_models")
    write_tiny_regression_model(str(base), "rating", 2)
    log = tmp_path_factory.mktemp("regression_logs") / "server.log"
    process = server_process(base, "--poll-seconds", "0", log_path=str(log))
    try:
        yield process.wait_ready(model="rating")
    finally:
        process.terminate()


def test_rest_regress_answers_results(regression_server):
    body = {"examples": [{"text": "one two three"}, {"text": "four"}]}
    response = requests.post(
        regression_server.rest_url + "/v1/models/rating:regress", data=json.dumps(body), timeout=30
    )
    assert response.status_code == 200, response.text
    assert response.json() == {"results": [6.0, 2.0]}


def test_rest_regress_with_context(regression_server):
    body = {"context": {"text": "a b"}, "examples": [{}]}
    response = requests.post(
        regression_server.rest_url + "/v1/models/rating/versions/2:regress",
        data=json.dumps(body),
        timeout=30,
    )
    assert response.status_code == 200, response.text
    assert response.json() == {"results": [4.0]}


def test_grpc_regress(regression_server):
    channel = grpc.insecure_channel(regression_server.grpc_target)
    stub = prediction_service_pb2_grpc.PredictionServiceStub(channel)
    request = regression_pb2.RegressionRequest()
    request.model_spec.name = "rating"
    for text in (b"a b c", b""):
        example = request.input.example_list.examples.add()
        example.features.feature["text"].bytes_list.value.append(text)
    response = stub.Regress(request, timeout=30)
    assert [r.value for r in response.result.regressions] == [6.0, 0.0]
    assert response.model_spec.name == "rating" and response.model_spec.version.value == 2
    channel.close()


def test_predict_on_a_regression_model_still_works(regression_server):
    """:classify refuses a regression signature, as TF Serving does."""
    response = requests.post(
        regression_server.rest_url + "/v1/models/rating:classify",
        data=json.dumps({"examples": [{"text": "a"}]}),
        timeout=30,
    )
    assert response.status_code == 400
    assert response.json()["error"].startswith(
        'Expected classification signature outputs to contain at least one of "classes" or '
        '"scores". Signature was: '
    )
