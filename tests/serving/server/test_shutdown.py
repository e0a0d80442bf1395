"""Shutdown lets the requests in flight finish (`--shutdown-grace`), REST and gRPC alike,
and does not wait past it: `genreclf serve` exits with requests still running.

A `slow` SavedModel sleeps as many seconds as its input text says (TensorFlow's
`SleepDataset`), so a request is reliably in flight when SIGTERM arrives: it is known
to be once the server's `genreclf_serving_body_bytes_in_flight` gauge holds both
request bodies.
"""

import json
import os
import signal
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import grpc
import pytest
import requests

from genreclf.errors import ConfigError
from tests.serving.server.polling import wait_for

SLEEP = "10"  # seconds: longer than the old graces (5 s REST, 2 s gRPC)
STUCK = "120"  # seconds: far beyond the grace and the wait for the exit below
REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))


def write_slow_model(base):
    """`<base>/slow/1`: `serving_default` sleeps `float(text[0])` seconds, then answers
    `slept` (float32 `[batch]`, each text as a number)."""
    import tensorflow as tf

    @tf.function(input_signature=[tf.TensorSpec([None], tf.string)])
    def serve(text):
        micros = tf.cast(tf.strings.to_number(text[0]) * 1e6, tf.int64)
        # The SleepDataset op through public names (tf.raw_ops, to/from_variant).
        variant = tf.data.experimental.to_variant(tf.data.Dataset.from_tensors(tf.zeros([])))
        slept = tf.raw_ops.SleepDataset(
            input_dataset=variant,
            sleep_microseconds=micros,
            output_types=[tf.float32],
            output_shapes=[[]],
        )
        dataset = tf.data.experimental.from_variant(slept, tf.TensorSpec([], tf.float32))
        waited = dataset.reduce(tf.zeros([]), lambda total, value: total + value)  # 0.0
        return {"slept": tf.strings.to_number(text) + waited}

    module = tf.Module()
    module.serve = serve
    tf.saved_model.save(module, str(base / "slow" / "1"), signatures={"serving_default": serve})


def bytes_in_flight(process):
    """The server's `genreclf_serving_body_bytes_in_flight` gauge."""
    from prometheus_client.parser import text_string_to_metric_families

    url = process.rest_url + "/monitoring/prometheus/metrics"
    for family in text_string_to_metric_families(requests.get(url, timeout=30).text):
        if family.name == "genreclf_serving_body_bytes_in_flight":
            return family.samples[0].value
    return None


def slow_predict_request(seconds=SLEEP):
    import tensorflow as tf
    from tensorflow_serving.apis import predict_pb2

    request = predict_pb2.PredictRequest()
    request.model_spec.name = "slow"
    request.inputs["text"].CopyFrom(tf.make_tensor_proto([seconds], dtype=tf.string))
    return request


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def genreclf_serve(server_process, models_dir, *flags, log_path):
    """A `server_process` of `genreclf serve` itself (`python -m genreclf serve`, the
    console script's code): it leaves through the interpreter's exit, which waits for the
    threads still running, where `python -m genreclf.serving` ends in `os._exit`."""

    class GenreclfServe(server_process):
        def __init__(self):
            self.rest_port, self.grpc_port = free_port(), free_port()
            self.rest_url = f"http://127.0.0.1:{self.rest_port}"
            self.grpc_target = f"127.0.0.1:{self.grpc_port}"
            ports = ["--rest-port", str(self.rest_port), "--grpc-port", str(self.grpc_port)]
            command = [sys.executable, "-m", "genreclf", "serve", str(models_dir), *ports]
            env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2", PYTHONPATH=REPO)
            self.log_path, self._log = log_path, open(log_path, "wb")
            self.proc = subprocess.Popen(
                [*command, *flags], cwd=REPO, env=env, stdout=self._log, stderr=self._log
            )

    return GenreclfServe()


def test_requests_in_flight_get_their_answer_when_shutdown_starts(tmp_path, server_process):
    import tensorflow as tf
    from tensorflow_serving.apis import prediction_service_pb2_grpc

    write_slow_model(tmp_path / "models")
    process = server_process(
        tmp_path / "models",
        *("--poll-seconds", "0", "--shutdown-grace", "300"),
        log_path=str(tmp_path / "server.log"),
    )
    channel = None
    try:
        process.wait_ready(model="slow")
        channel = grpc.insecure_channel(process.grpc_target)
        stub = prediction_service_pb2_grpc.PredictionServiceStub(channel)
        body, message = json.dumps({"instances": [SLEEP]}).encode(), slow_predict_request()
        url = process.rest_url + "/v1/models/slow:predict"
        with ThreadPoolExecutor(2) as pool:
            rest = pool.submit(requests.post, url, data=body, timeout=600)
            rpc = pool.submit(stub.Predict, message, timeout=600)
            both = len(body) + message.ByteSize()
            assert wait_for(lambda: bytes_in_flight(process) == both), process.log()
            process.proc.send_signal(signal.SIGTERM)  # both are sleeping in the model
            answer = rest.result()
            assert answer.status_code == 200, (answer.text, process.log())
            assert answer.json() == {"predictions": [float(SLEEP)]}
            assert tf.make_ndarray(rpc.result().outputs["slept"]).tolist() == [float(SLEEP)]
        assert process.proc.wait(timeout=300) == 0, process.log()
    finally:
        if channel is not None:
            channel.close()
        process.terminate()
    log = process.log()
    assert "genreclf serve: stopped" in log
    assert "Traceback" not in log and "CancelledError" not in log, log


def test_requests_past_the_grace_are_abandoned_and_the_process_exits(tmp_path, server_process):
    from tensorflow_serving.apis import prediction_service_pb2_grpc

    write_slow_model(tmp_path / "models")
    process = genreclf_serve(
        server_process,
        tmp_path / "models",
        *("--poll-seconds", "0", "--shutdown-grace", "2"),
        log_path=str(tmp_path / "server.log"),
    )
    channel = None
    try:
        process.wait_ready(model="slow")
        channel = grpc.insecure_channel(process.grpc_target)
        stub = prediction_service_pb2_grpc.PredictionServiceStub(channel)
        body = json.dumps({"instances": [STUCK]}).encode()
        message = slow_predict_request(STUCK)
        url = process.rest_url + "/v1/models/slow:predict"
        with ThreadPoolExecutor(2) as pool:
            rest = pool.submit(requests.post, url, data=body, timeout=600)
            rpc = pool.submit(stub.Predict, message, timeout=600)
            both = len(body) + message.ByteSize()
            assert wait_for(lambda: bytes_in_flight(process) == both), process.log()
            signalled = time.monotonic()
            process.proc.send_signal(signal.SIGTERM)  # both sleep far beyond the grace
            try:
                code = process.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                pytest.fail(f"still running 60 s after SIGTERM: {process.log()}")
            exited_after = time.monotonic() - signalled
            try:  # cancelled: uvicorn's 500, or the connection closed by the exit
                assert rest.result().status_code == 500, process.log()
            except requests.ConnectionError:
                pass
            with pytest.raises(grpc.RpcError):
                rpc.result()
    finally:
        if channel is not None:
            channel.close()
        process.terminate()
    log = process.log()
    assert code == 0, log
    assert exited_after < 30, (exited_after, log)  # the grace is 2 s, the requests 120 s
    assert "2 requests still running after the 2 s grace were abandoned" in log
    assert "genreclf serve: stopped" in log


@pytest.mark.parametrize("grace", [0, -1.5, float("nan"), "30"])
def test_the_grace_must_be_a_positive_number(tmp_path, grace):
    from genreclf.serving.server.local_server import LocalServer

    with pytest.raises(ConfigError) as info:
        LocalServer(tmp_path, rest_port=0, grpc_port=0, shutdown_grace=grace)
    message = str(info.value)
    assert f"Received: shutdown_grace={grace!r}" in message
    assert "a number above 0" in message and "--shutdown-grace 30" in message
