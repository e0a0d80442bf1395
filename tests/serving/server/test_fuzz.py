"""A property-based fuzzer against a real server process (issue 11, serving item 6).

Random JSON (and hostile bodies: deep nesting, huge numbers, lone surrogates,
random bytes) over REST and random `TensorProto`s over gRPC. Every request must
be answered with 200 or a 4xx / a client-error gRPC code within the deadline,
and the server must answer a normal request afterwards. The suite runs a few
hundred derandomized cases; `bench/fuzz_serving.py` runs many more.
"""

import grpc
import pytest
import requests

hypothesis = pytest.importorskip("hypothesis")

from hypothesis import HealthCheck  # noqa: E402
from hypothesis import given  # noqa: E402
from hypothesis import settings  # noqa: E402
from tensorflow_serving.apis import prediction_service_pb2_grpc  # noqa: E402

from genreclf.serving import fuzz  # noqa: E402
from genreclf.serving.testing import write_tiny_model  # noqa: E402

SUITE = settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
    print_blob=True,
)


@pytest.fixture(scope="module")
def fuzz_server(tmp_path_factory, server_process):
    base = tmp_path_factory.mktemp("models")
    write_tiny_model(str(base), "genre", 1)
    write_tiny_model(str(base), "genre", 2)
    write_tiny_model(str(base), "hybrid", 1, hybrid=True)
    log = tmp_path_factory.mktemp("logs") / "server.log"
    process = server_process(
        base,
        "--poll-seconds",
        "0",
        "--label",
        "genre:stable=1",
        "--max-body-bytes",
        "200000",
        log_path=str(log),
    )
    try:
        yield process.wait_ready()
    finally:
        process.terminate()


def test_rest_fuzz(fuzz_server):
    session = requests.Session()

    @SUITE
    @given(fuzz.rest_requests())
    def run(request):
        assert fuzz_server.proc.poll() is None, fuzz_server.log()
        fuzz.check_rest(fuzz_server.rest_url, request, session)

    run()
    fuzz.normal_rest_request(fuzz_server.rest_url)


def test_grpc_fuzz(fuzz_server):
    channel = grpc.insecure_channel(fuzz_server.grpc_target)
    stub = prediction_service_pb2_grpc.PredictionServiceStub(channel)

    @SUITE
    @given(fuzz.predict_requests())
    def run(request):
        assert fuzz_server.proc.poll() is None, fuzz_server.log()
        fuzz.check_grpc(stub, request)

    run()
    channel.close()
    fuzz.normal_rest_request(fuzz_server.rest_url)
