"""Prometheus metrics of the local server, scraped over a real socket (issue 13, part 5).

A server process on 127.0.0.1 with a single-label model (`genre`) and a
multi-label one (`tags`) gets known REST and gRPC requests, bad ones included;
then `/monitoring/prometheus/metrics` is scraped and parsed with
`prometheus_client.parser.text_string_to_metric_families`.
"""

import json

import grpc
import pytest
import requests
import tensorflow as tf
from prometheus_client.parser import text_string_to_metric_families
from tensorflow_serving.apis import classification_pb2
from tensorflow_serving.apis import get_model_status_pb2
from tensorflow_serving.apis import model_service_pb2_grpc
from tensorflow_serving.apis import predict_pb2
from tensorflow_serving.apis import prediction_service_pb2_grpc

from genreclf.serving.server.metrics import METRICS_PATH
from genreclf.serving.server.metrics import ServingMetrics
from genreclf.serving.testing import write_tiny_model

PREFIX = "genreclf_serving_"


@pytest.fixture(scope="module")
def scraped(tmp_path_factory, server_process):
    """Sends the module's requests once, then returns the parsed scrape."""
    base = tmp_path_factory.mktemp("models")
    write_tiny_model(str(base), "genre", 1)
    write_tiny_model(str(base), "tags", 1, multi_label=True)
    log = tmp_path_factory.mktemp("logs") / "server.log"
    server = server_process(base, "--poll-seconds", "0", log_path=str(log)).wait_ready()
    try:
        _send_requests(server)
        response = requests.get(server.rest_url + METRICS_PATH, timeout=30)
        again = requests.get(server.rest_url + METRICS_PATH, timeout=30).text
    finally:
        server.terminate()
    assert response.status_code == 200
    return response, _samples(response.text), _samples(again)


def _post(server, path, body):
    return requests.post(server.rest_url + path, data=json.dumps(body), timeout=30)


def _send_requests(server):
    ok = [
        _post(
            server, "/v1/models/genre:predict", {"instances": ["a haunted ghost", "space robot"]}
        ),
        _post(server, "/v1/models/genre/versions/1:predict", {"inputs": ["love and a wedding"]}),
        _post(
            server,
            "/v1/models/genre:classify",
            {"signature_name": "classify", "examples": [{"text": "explosion and a chase"}]},
        ),
        _post(server, "/v1/models/tags:predict", {"instances": ["haunted ghost love wedding"]}),
        requests.get(server.rest_url + "/v1/models/genre/metadata", timeout=30),
    ]
    assert [r.status_code for r in ok] == [200] * 5
    bad = [
        _post(server, "/v1/models/genre:predict", {"instances": [1]}),
        _post(server, "/v1/models/genre:predict", {"instances": [2]}),
        _post(server, "/v1/models/nope:predict", {"instances": ["a"]}),
        _post(server, "/v1/models/random-name-1:predict", {"instances": ["a"]}),
        requests.post(server.rest_url + "/v1/models/genre:predict", data=b"{", timeout=30),
        requests.get(server.rest_url + "/v1/models/genre/versions/777", timeout=30),
    ]
    assert [r.status_code for r in bad] == [400, 400, 404, 404, 400, 404]
    explain = [  # the web page's explain route (these models have no run folder: 404)
        _post(server, "/web/explain/genre", {"text": "a ghost"}),
        requests.post(server.rest_url + "/web/explain/genre", data=b"{", timeout=30),
        _post(server, "/web/explain/nope", {"text": "a ghost"}),
        _post(server, "/web/explain/genre:predict", {"text": "a ghost"}),
    ]
    assert [r.status_code for r in explain] == [404, 400, 404, 400]
    channel = grpc.insecure_channel(server.grpc_target)
    prediction = prediction_service_pb2_grpc.PredictionServiceStub(channel)
    models = model_service_pb2_grpc.ModelServiceStub(channel)
    request = predict_pb2.PredictRequest()
    request.model_spec.name = "genre"
    request.inputs["text"].CopyFrom(tf.make_tensor_proto(["funny prank", "a haunted demon"]))
    prediction.Predict(request, timeout=30)
    classify = classification_pb2.ClassificationRequest()
    classify.model_spec.name = "genre"
    classify.model_spec.signature_name = "classify"
    feature = classify.input.example_list.examples.add().features.feature["text"]
    feature.bytes_list.value.append(b"a killer ghost")
    prediction.Classify(classify, timeout=30)
    models.GetModelStatus(
        get_model_status_pb2.GetModelStatusRequest(model_spec={"name": "genre"}), timeout=30
    )
    wrong_dtype = predict_pb2.PredictRequest()
    wrong_dtype.model_spec.name = "genre"
    wrong_dtype.inputs["text"].CopyFrom(tf.make_tensor_proto([1.0], dtype=tf.float32))
    unknown = predict_pb2.PredictRequest()
    unknown.model_spec.name = "nope"
    unknown.inputs["text"].CopyFrom(tf.make_tensor_proto(["a"]))
    for bad_request, code in ((wrong_dtype, "INVALID_ARGUMENT"), (unknown, "NOT_FOUND")):
        with pytest.raises(grpc.RpcError) as info:
            prediction.Predict(bad_request, timeout=30)
        assert info.value.code().name == code
    with pytest.raises(grpc.RpcError) as info:
        models.GetModelStatus(
            get_model_status_pb2.GetModelStatusRequest(
                model_spec={"name": "genre", "version": {"value": 778}}
            ),
            timeout=30,
        )
    assert info.value.code().name == "NOT_FOUND"
    channel.close()


def _samples(text):
    """name → list of (labels dict, value) over every family of a scrape."""
    samples = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            samples.setdefault(sample.name, []).append((sample.labels, sample.value))
    return samples


def value(samples, name, **labels):
    """The value of the one sample of `name` whose labels include `labels` (0 if none)."""
    found = [v for got, v in samples.get(PREFIX + name, []) if labels.items() <= got.items()]
    assert len(found) <= 1, (name, labels, found)
    return found[0] if found else 0.0


def test_metrics_endpoint_is_prometheus_text(scraped):
    response, samples, _ = scraped
    assert response.headers["content-type"].startswith("text/plain")
    assert PREFIX + "requests_total" in samples
    assert PREFIX + "request_latency_seconds_bucket" in samples


def test_request_counts_per_model_version_api_and_protocol(scraped):
    _, samples, again = scraped
    rest = dict(model="genre", version="1", protocol="rest")
    assert value(samples, "requests_total", api="predict", **rest) == 4  # 2 ok, 2 bad
    # The body "{" is refused before the model is looked up (TF Serving's order): no version.
    assert (
        value(samples, "requests_total", api="predict", model="genre", version="", protocol="rest")
        == 1
    )
    assert value(samples, "requests_total", api="classify", **rest) == 1
    assert value(samples, "requests_total", api="metadata", **rest) == 1
    assert value(samples, "requests_total", api="status", model="genre", protocol="rest") >= 1
    assert value(samples, "requests_total", model="tags", api="predict", protocol="rest") == 1
    grpc_ = dict(model="genre", version="1", protocol="grpc")
    assert value(samples, "requests_total", api="predict", **grpc_) == 2
    assert value(samples, "requests_total", api="classify", **grpc_) == 1
    # one status request, and one for an unknown version
    assert value(samples, "requests_total", api="status", model="genre", protocol="grpc") == 2
    apis = {labels["api"] for labels, _ in samples[PREFIX + "requests_total"]}
    assert apis <= {"predict", "classify", "regress", "metadata", "status", "explain"}
    # Scraping is not a request: a second scrape counts the same.
    assert again[PREFIX + "requests_total"] == samples[PREFIX + "requests_total"]


def test_latency_histograms(scraped):
    _, samples, _ = scraped
    labels = dict(model="genre", version="1", api="predict", protocol="rest")
    count = value(samples, "request_latency_seconds_count", **labels)
    assert count == value(samples, "requests_total", **labels) == 4
    assert 0 < value(samples, "request_latency_seconds_sum", **labels) < 60
    buckets = sorted(
        (float(got["le"]), v)
        for got, v in samples[PREFIX + "request_latency_seconds_bucket"]
        if labels.items() <= got.items()
    )
    assert buckets[-1] == (float("inf"), count)
    assert [v for _, v in buckets] == sorted(v for _, v in buckets)  # cumulative


def test_error_counts_by_code(scraped):
    _, samples, _ = scraped
    rest = dict(api="predict", protocol="rest")
    assert (
        value(samples, "request_errors_total", model="genre", code="400", version="1", **rest) == 2
    )
    assert (
        value(samples, "request_errors_total", model="genre", code="400", version="", **rest) == 1
    )
    assert value(samples, "request_errors_total", model="", code="404", **rest) == 2
    grpc_ = dict(api="predict", protocol="grpc")
    assert value(samples, "request_errors_total", model="genre", code="INVALID_ARGUMENT", **grpc_)
    assert value(samples, "request_errors_total", model="", code="NOT_FOUND", **grpc_) == 1
    # Unknown model names do not become label values.
    models = {labels["model"] for labels, _ in samples[PREFIX + "requests_total"]}
    assert models == {"genre", "tags", ""}
    # Nor do unknown versions (status requests for versions 777 and 778).
    versions = {labels["version"] for labels, _ in samples[PREFIX + "requests_total"]}
    assert versions == {"1", ""}, versions
    status = dict(model="genre", version="", api="status")
    assert value(samples, "request_errors_total", code="404", protocol="rest", **status) == 1
    assert value(samples, "request_errors_total", code="NOT_FOUND", protocol="grpc", **status) == 1


def test_the_explain_route_is_counted_like_the_api(scraped):
    _, samples, _ = scraped
    explain = dict(api="explain", protocol="rest")
    assert value(samples, "requests_total", model="genre", version="1", **explain) == 1
    assert value(samples, "requests_total", model="genre", version="", **explain) == 1
    assert value(samples, "requests_total", model="", **explain) == 2  # nope, a bad path
    errors = dict(model="genre", **explain)
    assert value(samples, "request_errors_total", version="1", code="404", **errors) == 1
    assert value(samples, "request_errors_total", version="", code="400", **errors) == 1
    assert value(samples, "request_errors_total", model="", code="404", **explain) == 1
    assert value(samples, "request_errors_total", model="", code="400", **explain) == 1
    labels = dict(model="genre", version="1", **explain)
    assert value(samples, "request_latency_seconds_count", **labels) == 1
    assert 0 < value(samples, "request_latency_seconds_sum", **labels) < 60


def test_per_genre_prediction_counts(scraped):
    _, samples, _ = scraped
    genre = dict(model="genre", version="1")
    counts = {
        labels["label"]: v
        for labels, v in samples[PREFIX + "predictions_total"]
        if labels["model"] == "genre"
    }
    # REST: horror, sci-fi, romance (predict), action (classify);
    # gRPC: comedy, horror (predict), horror (classify).
    assert counts == {"horror": 3, "sci-fi": 1, "romance": 1, "action": 1, "comedy": 1}
    assert value(samples, "instances_total", api="predict", **genre) == 5
    assert value(samples, "instances_total", api="classify", **genre) == 2
    # Multi-label: every label at or above its threshold counts.
    tags = {
        labels["label"]: v
        for labels, v in samples[PREFIX + "predictions_total"]
        if labels["model"] == "tags"
    }
    assert tags == {"horror": 1, "romance": 1}
    assert value(samples, "instances_total", model="tags", api="predict") == 1


def test_each_server_has_its_own_registry():
    first, second = ServingMetrics(), ServingMetrics()
    call = first.start("rest", "predict")
    call.finish(200)
    assert first.registry.get_sample_value(
        PREFIX + "requests_total",
        {"model": "", "version": "", "api": "predict", "protocol": "rest"},
    )
    assert (
        second.registry.get_sample_value(
            PREFIX + "requests_total",
            {"model": "", "version": "", "api": "predict", "protocol": "rest"},
        )
        is None
    )
