"""`GenreClient` against the local server, every test over REST and over gRPC."""

import json
import threading
import time
from concurrent import futures
from http.server import BaseHTTPRequestHandler
from http.server import ThreadingHTTPServer

import grpc
import numpy as np
import pytest
import requests
import tensorflow as tf

from genreclf.serving.client import GenreClient
from genreclf.serving.errors import InvalidRequestError
from genreclf.serving.errors import ModelNotFoundError
from genreclf.serving.errors import ServingError
from genreclf.serving.errors import UnavailableError
from genreclf.serving.testing import LABELS
from genreclf.serving.testing import float32_json

TEXTS = ["A haunted house and a ghost.", "Love and a wedding in space!"]
PROTOCOLS = ["rest", "grpc"]


def target(server, protocol):
    return server.rest_url if protocol == "rest" else server.grpc_target


@pytest.fixture(params=PROTOCOLS)
def protocol(request):
    return request.param


@pytest.fixture
def client(server, protocol):
    with GenreClient(target(server, protocol), timeout=30) as client:
        yield client


def expected_rows(reference, name, version, **inputs):
    function = reference(name, version).signatures["serving_default"]
    outputs = function(**{k: tf.constant(v) for k, v in inputs.items()})
    count = len(next(iter(inputs.values())))
    return float32_json([{k: v.numpy()[i] for k, v in outputs.items()} for i in range(count)])


def test_protocol_follows_the_target():
    assert GenreClient("http://localhost:8501").protocol == "rest"
    assert GenreClient("https://serving.example:443").protocol == "rest"
    assert GenreClient("localhost:8500").protocol == "grpc"
    assert GenreClient("grpc://localhost:8500").protocol == "grpc"
    assert GenreClient("localhost:8501", protocol="rest").protocol == "rest"
    with pytest.raises(ValueError, match="not both"):
        GenreClient("localhost:8500", version=1, label="stable")


def test_a_version_that_is_not_a_whole_number_is_refused():
    # int(version) in the transports asked version 1.5 for version 1, True for version 1.
    for bad in (1.5, True, "v2", 0, -1, "0"):
        with pytest.raises(ValueError, match=r"Expected version to be a whole number of at le"):
            GenreClient("localhost:8500", version=bad)
    for good in (2, "2", np.int64(2), None):
        assert GenreClient("localhost:8500", version=good).version == good
    # A whole float, as JSON or a pandas cell gives it, is that version.
    assert GenreClient("localhost:8500", version=2.0).version == 2
    assert type(GenreClient("localhost:8500", version=np.float64(3.0)).version) is int


def test_predict(client, reference):
    rows = client.predict(TEXTS)
    assert rows == expected_rows(reference, "genre", 2, text=TEXTS)
    assert sorted(rows[0]) == ["scores", "top_labels", "top_scores"]
    assert len(rows[0]["scores"]) == len(LABELS) and len(rows[0]["top_labels"]) == 3


def test_predict_is_the_same_over_both_protocols(server):
    rest = GenreClient(server.rest_url).predict(TEXTS)
    grpc_rows = GenreClient(server.grpc_target).predict(TEXTS)
    assert rest == grpc_rows


def test_version_and_label_selection(server, protocol, reference):
    address = target(server, protocol)
    v1 = expected_rows(reference, "genre", 1, text=TEXTS)
    assert GenreClient(address, version=1).predict(TEXTS) == v1
    assert GenreClient(address, label="stable").predict(TEXTS) == v1
    assert GenreClient(address, label="canary").predict(TEXTS) != v1


def test_hybrid_features(server, protocol, reference):
    client = GenreClient(target(server, protocol), model="hybrid")
    rows = client.predict(TEXTS, year=[1975.0, 2021.5])
    assert rows == expected_rows(
        reference, "hybrid", 1, text=TEXTS, year=np.array([1975.0, 2021.5], np.float32)
    )
    pairs = client.classify(TEXTS, year=[1975.0, 2021.5])
    assert [[s for _, s in row] for row in pairs] == [r["scores"] for r in rows]


def test_classify(client, reference):
    results = client.classify(TEXTS)
    expected = expected_rows(reference, "genre", 2, text=TEXTS)
    assert results == [list(zip(LABELS, row["scores"])) for row in expected]


def test_status_and_metadata_are_tf_serving_json(client, server):
    assert client.status() == requests.get(server.rest_url + "/v1/models/genre", timeout=30).json()
    assert (
        client.metadata()
        == requests.get(server.rest_url + "/v1/models/genre/metadata", timeout=30).json()
    )


def test_errors_are_typed_with_the_server_message(server, protocol):
    address = target(server, protocol)
    with pytest.raises(ModelNotFoundError) as info:
        GenreClient(address, model="nope").predict(TEXTS)
    assert info.value.message == "Servable not found for request: Latest(nope)"
    assert info.value.code == "NOT_FOUND"
    with pytest.raises(ModelNotFoundError, match="Specific\\(genre, 7\\)"):
        GenreClient(address, version=7).predict(TEXTS)
    with pytest.raises(ModelNotFoundError, match="Unrecognized servable version label: beta"):
        GenreClient(address, label="beta").predict(TEXTS)
    with pytest.raises(InvalidRequestError) as info:
        GenreClient(address, model="hybrid").predict(TEXTS)  # missing the year feature
    assert info.value.code == "INVALID_ARGUMENT"
    assert "year" in info.value.message  # the server's message names the missing input
    assert GenreClient(address).predict(["still serving"])  # the server keeps serving


def test_unreachable_server_raises_unavailable_after_retries(protocol):
    with __import__("socket").socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    address = f"http://127.0.0.1:{port}" if protocol == "rest" else f"127.0.0.1:{port}"
    client = GenreClient(address, retries=2, backoff=0.1, timeout=5)
    started = time.monotonic()
    with pytest.raises(UnavailableError):
        client.predict(TEXTS)
    # The transport's retry policy backed off between its attempts.
    assert time.monotonic() - started >= 0.05


class FlakyRest(BaseHTTPRequestHandler):
    """503 for the first `failures` calls, then a fixed prediction."""

    calls = 0
    failures = 2

    def do_POST(self):  # noqa: N802 - http.server API
        type(self).calls += 1
        self.rfile.read(int(self.headers["Content-Length"]))
        if type(self).calls <= type(self).failures:
            code, body = 503, {"error": "overloaded"}
        else:
            code, body = 200, {"predictions": [{"scores": [0.25, 0.75]}]}
        data = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


def flaky_grpc_server():
    from tensorflow_serving.apis import predict_pb2
    from tensorflow_serving.apis import prediction_service_pb2_grpc

    class Flaky(prediction_service_pb2_grpc.PredictionServiceServicer):
        calls = 0

        def Predict(self, request, context):  # noqa: N802 - gRPC API
            type(self).calls += 1
            if type(self).calls <= 2:
                context.abort(grpc.StatusCode.UNAVAILABLE, "overloaded")
            response = predict_pb2.PredictResponse()
            response.outputs["scores"].CopyFrom(tf.make_tensor_proto([[0.25, 0.75]], tf.float32))
            return response

    server = grpc.server(futures.ThreadPoolExecutor(2))
    prediction_service_pb2_grpc.add_PredictionServiceServicer_to_server(Flaky(), server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    return server, port, Flaky


def test_retries_with_backoff_until_the_server_answers(protocol):
    if protocol == "rest":
        FlakyRest.calls = 0
        httpd = ThreadingHTTPServer(("127.0.0.1", 0), FlakyRest)
        thread = threading.Thread(target=httpd.serve_forever, daemon=True)
        thread.start()
        address, counter = f"http://127.0.0.1:{httpd.server_address[1]}", FlakyRest
        stop = httpd.shutdown
    else:
        server, port, counter = flaky_grpc_server()
        address = f"127.0.0.1:{port}"
        stop = lambda: server.stop(0)  # noqa: E731
    try:
        rows = GenreClient(address, retries=3, backoff=0.05).predict(["x"])
        assert rows == [{"scores": [0.25, 0.75]}]
        assert counter.calls == 3
        counter.calls = -10  # always fail from now on
        with pytest.raises(UnavailableError, match="overloaded"):
            GenreClient(address, retries=1, backoff=0.01).predict(["x"])
    finally:
        stop()


def test_grpc_concurrency_refusal_is_an_overload_retried_then_unavailable():
    # grpcio answers calls beyond a server's maximum_concurrent_rpcs with
    # RESOURCE_EXHAUSTED: an overload to wait out, not a bad request.
    from tensorflow_serving.apis import predict_pb2
    from tensorflow_serving.apis import prediction_service_pb2_grpc

    release = threading.Event()

    class Busy(prediction_service_pb2_grpc.PredictionServiceServicer):
        def Predict(self, request, context):  # noqa: N802 - gRPC API
            release.wait(30)
            response = predict_pb2.PredictResponse()
            response.outputs["scores"].CopyFrom(tf.make_tensor_proto([[0.25, 0.75]], tf.float32))
            return response

    server = grpc.server(futures.ThreadPoolExecutor(4), maximum_concurrent_rpcs=1)
    prediction_service_pb2_grpc.add_PredictionServiceServicer_to_server(Busy(), server)
    address = f"127.0.0.1:{server.add_insecure_port('127.0.0.1:0')}"
    server.start()
    pool = futures.ThreadPoolExecutor(1)
    try:
        first = pool.submit(GenreClient(address, timeout=30).predict, ["x"])
        time.sleep(0.3)  # the first call holds the one slot
        threading.Timer(0.3, release.set).start()
        assert GenreClient(address, retries=4, backoff=0.1).predict(["y"]) == [
            {"scores": [0.25, 0.75]}
        ]
        assert first.result(30) == [{"scores": [0.25, 0.75]}]
        release.clear()
        blocker = pool.submit(GenreClient(address, timeout=30).predict, ["x"])
        time.sleep(0.3)
        with pytest.raises(UnavailableError) as info:
            GenreClient(address, retries=1, backoff=0.01).predict(["y"])
        assert info.value.code == "RESOURCE_EXHAUSTED"
        release.set()
        blocker.result(30)
    finally:
        release.set()
        pool.shutdown()
        server.stop(0)


def test_long_lists_are_sent_in_batches_and_joined_in_order(server, protocol):
    address = target(server, protocol)
    texts = [f"{t} {i}" for i in range(5) for t in TEXTS]
    whole = GenreClient(address).predict(texts)
    assert GenreClient(address, batch_size=3).predict(texts) == whole
    assert GenreClient(address, batch_size=3).classify(texts) == GenreClient(address).classify(
        texts
    )
    # More texts than the server takes in one request (genreclf serve: 10,000).
    many = GenreClient(address).predict(["a ghost"] * 10_001)
    assert len(many) == 10_001  # the last one alone, in a batch of 1:
    assert many[-1]["scores"] == pytest.approx(many[0]["scores"], abs=1e-6)
    with pytest.raises(ValueError, match="batch_size to be a whole number of at least 1"):
        GenreClient(address, batch_size=0)


def test_model_names_are_url_encoded(server, protocol):
    # "genre?x=1" was sent as /v1/models/genre?x=1 (a query string): a 400.
    with pytest.raises(ModelNotFoundError, match="genre\\?x=1"):
        GenreClient(target(server, protocol), model="genre?x=1").predict(TEXTS)


def test_an_answer_without_predictions_is_a_serving_error():
    class Odd(FlakyRest):
        calls, failures = 0, 0

        def do_POST(self):  # noqa: N802 - http.server API
            self.rfile.read(int(self.headers["Content-Length"]))
            data = json.dumps({"outputs": [[0.5]]}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Odd)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        with pytest.raises(ServingError, match="Expected 'predictions'.*keys=\\['outputs'\\]"):
            GenreClient(f"http://127.0.0.1:{httpd.server_address[1]}").predict(["x"])
    finally:
        httpd.shutdown()


def test_a_single_string_is_refused_with_the_fix(client):
    with pytest.raises(TypeError, match="wrap it in a list"):
        client.predict("A detective hunts a killer.")


def test_a_text_that_is_not_a_string_is_refused_over_both_protocols(client, server, protocol):
    # gRPC used to send str(None) and str(5), and score "None" and "5".
    for bad in (None, 5):
        with pytest.raises(InvalidRequestError) as info:
            client.predict(["A heist.", bad])
        assert info.value.code == "INVALID_ARGUMENT"
        with pytest.raises(InvalidRequestError):
            client.classify([bad])
    with pytest.raises(InvalidRequestError, match="year"):
        GenreClient(target(server, protocol), model="hybrid").predict(TEXTS, year=[1975.0, None])
    assert client.predict(["still serving"])


def test_errors_are_serving_errors():
    assert issubclass(ModelNotFoundError, ServingError)
    assert issubclass(UnavailableError, ServingError)


class SlowRest(BaseHTTPRequestHandler):
    """Answers after 1 s (the client gives up before)."""

    calls = 0

    def do_POST(self):  # noqa: N802 - http.server API
        type(self).calls += 1
        time.sleep(1.0)
        try:
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"{}")
        except OSError:  # the client hung up
            pass

    def log_message(self, *args):
        pass


def test_timeout_is_deadline_exceeded_and_not_retried(protocol):
    if protocol == "rest":
        SlowRest.calls = 0
        httpd = ThreadingHTTPServer(("127.0.0.1", 0), SlowRest)
        threading.Thread(target=httpd.serve_forever, daemon=True).start()
        address, stop, counter = (
            f"http://127.0.0.1:{httpd.server_address[1]}",
            httpd.shutdown,
            SlowRest,
        )
    else:
        from tensorflow_serving.apis import prediction_service_pb2_grpc

        class Slow(prediction_service_pb2_grpc.PredictionServiceServicer):
            calls = 0

            def Predict(self, request, context):  # noqa: N802 - gRPC API
                type(self).calls += 1
                time.sleep(1.0)
                context.abort(grpc.StatusCode.INTERNAL, "too late")

        server = grpc.server(futures.ThreadPoolExecutor(2))
        prediction_service_pb2_grpc.add_PredictionServiceServicer_to_server(Slow(), server)
        address = f"127.0.0.1:{server.add_insecure_port('127.0.0.1:0')}"
        server.start()
        stop, counter = (lambda: server.stop(0)), Slow
    try:
        with pytest.raises(ServingError) as info:
            GenreClient(address, timeout=0.3, retries=3, backoff=0.01).predict(["x"])
        assert info.value.code == "DEADLINE_EXCEEDED"
        assert counter.calls == 1
    finally:
        stop()


def test_rest_to_the_grpc_port_says_which_port_to_use(server):
    # It was "('Connection aborted.', BadStatusLine('\\x00\\x00\\x18...'))" alone.
    with GenreClient("http://" + server.grpc_target, retries=0, timeout=10) as client:
        with pytest.raises(UnavailableError, match=r"did not answer HTTP/1\.x, as a gRPC port"):
            client.predict(TEXTS)
