"""The server-wide budget of request body bytes in flight (`--max-body-bytes-in-flight`).

A server whose budget is two bodies: two slow uploads hold it, a third request is
refused at once with 503 (gRPC: RESOURCE_EXHAUSTED), and every way a request ends
gives its bytes back. Real sockets on 127.0.0.1.
"""

import json
import socket
import threading
import time

import grpc
import pytest
import requests
import tensorflow as tf
from tensorflow_serving.apis import get_model_status_pb2
from tensorflow_serving.apis import model_service_pb2_grpc
from tensorflow_serving.apis import predict_pb2
from tensorflow_serving.apis import prediction_service_pb2_grpc

from genreclf.serving.errors import is_overload
from genreclf.serving.server.body_budget import BodyBudget

BODY = 100_000  # --max-body-bytes; the budget holds two such bodies
BUSY = "The server is receiving too much at once"


@pytest.fixture(scope="module")
def budget_server(tmp_path_factory, tiny_model_server):
    flags = ["--max-body-bytes", str(BODY), "--max-body-bytes-in-flight", str(2 * BODY)]
    with tiny_model_server(tmp_path_factory, *flags, "--body-timeout", "4") as server:
        yield server


def predict_body(size=BODY):
    """A predict body of exactly `size` bytes."""
    head, tail = b'{"instances": ["', b'"]}'
    return head + b"a" * (size - len(head) - len(tail)) + tail


def start_upload(server, body, sent=None, headers=b""):
    """A raw connection that has sent the head and `sent` bytes of `body` (all but one)."""
    sock = socket.create_connection(("127.0.0.1", server.rest_port), timeout=10)
    sock.sendall(
        b"POST /v1/models/genre:predict HTTP/1.1\r\nHost: x\r\n"
        b"Content-Type: application/json\r\n" + headers + b"\r\n"
    )
    sock.sendall(body[: len(body) - 1 if sent is None else sent])
    return sock


def content_length_head(body):
    return b"Content-Length: %d\r\n" % len(body)


def read_response(sock):
    """`(status, headers, json_body)` of one HTTP/1.1 response on `sock`."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        assert chunk, f"connection closed after {data!r}"
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.lower().split(": ", 1) for line in lines[1:])
    while len(rest) < int(headers["content-length"]):
        rest += sock.recv(65536)
    return int(lines[0].split()[1]), headers, json.loads(rest)


def in_flight(server):
    """The server's `genreclf_serving_body_bytes_in_flight` gauge."""
    scrape = requests.get(server.rest_url + "/monitoring/prometheus/metrics", timeout=30).text
    line = next(x for x in scrape.splitlines() if x.startswith("genreclf_serving_body_bytes_in"))
    return int(float(line.split()[-1]))


def wait_in_flight(server, expected, timeout=10.0):
    deadline = time.monotonic() + timeout
    while in_flight(server) != expected and time.monotonic() < deadline:
        time.sleep(0.05)
    assert in_flight(server) == expected


def hold_the_budget(server):
    """Two uploads that each withhold their last byte, holding 2 × (BODY - 1) bytes."""
    body = predict_body()
    uploads = [start_upload(server, body, headers=content_length_head(body)) for _ in range(2)]
    wait_in_flight(server, 2 * (BODY - 1))
    return uploads


def finish_uploads(uploads):
    for sock in uploads:
        sock.sendall(b"}")  # the last byte of `predict_body()`
    codes = [read_response(sock)[0] for sock in uploads]
    for sock in uploads:
        sock.close()
    return codes


def test_a_hold_gives_back_what_it_took_on_every_exit():
    budget = BodyBudget(limit=100)
    with budget.hold() as held:
        assert held.take(60) and not held.take(41) and held.take(40)
        assert budget.held == 100 and not budget.fits(1)
    assert budget.held == 0
    with pytest.raises(RuntimeError):
        with budget.hold() as held:
            held.take(70)
            raise RuntimeError("a failing request")
    assert budget.held == 0 and budget.fits(100)
    message = budget.busy_message(101)
    assert message.startswith(BUSY) and "--max-body-bytes-in-flight" in message


def test_a_body_over_the_budget_gets_503_at_once_and_the_budget_recovers(budget_server):
    uploads = hold_the_budget(budget_server)
    body = predict_body()
    third = start_upload(budget_server, body, sent=0, headers=content_length_head(body))
    start = time.monotonic()
    code, headers, answer = read_response(third)  # before a byte of its body was sent
    assert time.monotonic() - start < 2.0
    assert code == 503 and headers["retry-after"] == "1"
    assert list(answer) == ["error"] and answer["error"].startswith(BUSY)
    assert "--max-body-bytes-in-flight" in answer["error"]
    assert f"limit of {2 * BODY} bytes" in answer["error"]
    third.close()
    # A small request does not fit either: the budget is bytes, not requests.
    small = requests.post(
        budget_server.rest_url + "/v1/models/genre:predict", json={"instances": ["abc"]}, timeout=30
    )
    assert small.status_code == 503 and small.headers["retry-after"] == "1"
    status = requests.get(budget_server.rest_url + "/v1/models/genre", timeout=30)
    assert status.status_code == 200  # no body, nothing to hold
    assert finish_uploads(uploads) == [200, 200]
    wait_in_flight(budget_server, 0)
    again = requests.post(
        budget_server.rest_url + "/v1/models/genre:predict", data=body, timeout=30
    )
    assert again.status_code == 200, again.text


def test_a_chunked_body_is_refused_once_its_bytes_go_over(budget_server):
    uploads = hold_the_budget(budget_server)
    chunk = b"%x\r\n%s\r\n" % (1000, b"a" * 1000)  # no Content-Length: counted as it comes
    sock = start_upload(
        budget_server, chunk, sent=len(chunk), headers=b"Transfer-Encoding: chunked\r\n"
    )
    code, _, answer = read_response(sock)
    assert code == 503 and answer["error"].startswith(BUSY), answer
    assert "body_bytes>=" in answer["error"]
    sock.close()
    assert finish_uploads(uploads) == [200, 200]
    wait_in_flight(budget_server, 0)


def test_every_way_a_request_ends_gives_its_bytes_back(budget_server):
    url = budget_server.rest_url + "/v1/models/genre:predict"
    body = predict_body()
    gone = start_upload(budget_server, body, headers=content_length_head(body))
    wait_in_flight(budget_server, BODY - 1)
    gone.close()  # disconnect mid-body: 499
    wait_in_flight(budget_server, 0)
    slow = start_upload(budget_server, body, headers=content_length_head(body))
    assert read_response(slow)[0] == 408  # after --body-timeout 4
    slow.close()
    wait_in_flight(budget_server, 0)
    bad = body[:-3] + b"!]}"  # the whole body, then a 400
    assert requests.post(url, data=bad, timeout=30).status_code == 400
    assert requests.post(url, data=body + b" ", timeout=30).status_code == 413
    explained = requests.post(budget_server.rest_url + "/web/explain/genre", data=bad, timeout=30)
    assert 400 <= explained.status_code < 500
    wait_in_flight(budget_server, 0)
    # Both halves of the budget are free again.
    assert finish_uploads(hold_the_budget(budget_server)) == [200, 200]


def test_grpc_requests_share_the_budget(budget_server):
    channel = grpc.insecure_channel(budget_server.grpc_target)
    stub = prediction_service_pb2_grpc.PredictionServiceStub(channel)
    request = predict_pb2.PredictRequest()
    request.model_spec.name = "genre"
    request.inputs["text"].CopyFrom(tf.make_tensor_proto(["a ghost"], dtype=tf.string))
    uploads = hold_the_budget(budget_server)
    with pytest.raises(grpc.RpcError) as err:
        stub.Predict(request, timeout=30)
    assert err.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert err.value.details().startswith(BUSY), err.value.details()
    assert is_overload("RESOURCE_EXHAUSTED", err.value.details())  # GenreClient retries it
    status = get_model_status_pb2.GetModelStatusRequest()
    status.model_spec.name = "genre"
    models = model_service_pb2_grpc.ModelServiceStub(channel)
    assert models.GetModelStatus(status, timeout=30).model_version_status  # as bodiless REST
    assert finish_uploads(uploads) == [200, 200]
    wait_in_flight(budget_server, 0)
    assert stub.Predict(request, timeout=30).outputs["scores"].float_val

    # Many gRPC calls at once hold and give back their bytes too.
    def call():
        stub.Predict(request, timeout=30)

    threads = [threading.Thread(target=call) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wait_in_flight(budget_server, 0)
    channel.close()
