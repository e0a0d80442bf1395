"""TF Serving's REST API on the local server: exact JSON answers, TF Serving's error codes.

Modelled on tensorflow_model_server_test.py / http_rest_api_handler_test.cc:
a real server process, real HTTP on 127.0.0.1, bodies compared as parsed JSON
(floats compared at float32, the precision TF Serving writes).
"""

import base64
import json

import numpy as np
import pytest
import requests
import tensorflow as tf

from genreclf.serving.server.metrics import METRICS_PATH
from genreclf.serving.testing import float32_json as f32
from tests.serving.server.conftest import send

TEXTS = ["A haunted house and a ghost.", "Love and a wedding in space!"]


def post(server, path, body, raw=False):
    data = body if raw else json.dumps(body)
    response = requests.post(server.rest_url + path, data=data, timeout=30)
    return response.status_code, response.json()


def get(server, path):
    response = requests.get(server.rest_url + path, timeout=30)
    return response.status_code, response.json()


def expected_outputs(reference, name, version, **inputs):
    function = reference(name, version).signatures["serving_default"]
    tensors = {k: tf.constant(v) for k, v in inputs.items()}
    return {k: v.numpy() for k, v in function(**tensors).items()}


def row_json(outputs):
    names = sorted(outputs)
    count = len(outputs[names[0]])
    return f32({"predictions": [{n: outputs[n][i] for n in names} for i in range(count)]})


def test_predict_row_format_exact(server, reference):
    code, body = post(server, "/v1/models/genre:predict", {"instances": TEXTS})
    assert code == 200
    assert f32(body) == row_json(expected_outputs(reference, "genre", 2, text=TEXTS))


def test_predict_columnar_format_exact(server, reference):
    code, body = post(server, "/v1/models/genre/versions/1:predict", {"inputs": {"text": TEXTS}})
    assert code == 200
    outputs = expected_outputs(reference, "genre", 1, text=TEXTS)
    assert f32(body) == f32({"outputs": outputs})
    # A plain list is the one input, as in TF Serving.
    code, plain = post(server, "/v1/models/genre/versions/1:predict", {"inputs": TEXTS})
    assert code == 200 and plain == body


def test_predict_by_label_and_version_differ(server, reference):
    _, stable = post(server, "/v1/models/genre/labels/stable:predict", {"instances": TEXTS})
    _, canary = post(server, "/v1/models/genre/labels/canary:predict", {"instances": TEXTS})
    _, latest = post(server, "/v1/models/genre:predict", {"instances": TEXTS})
    assert f32(stable) == row_json(expected_outputs(reference, "genre", 1, text=TEXTS))
    assert canary == latest and stable != latest


def test_predict_b64_and_signature_name(server, reference):
    encoded = [{"b64": base64.b64encode(t.encode()).decode()} for t in TEXTS]
    code, body = post(
        server,
        "/v1/models/genre:predict",
        {"signature_name": "serving_default", "instances": encoded},
    )
    assert code == 200
    assert f32(body) == row_json(expected_outputs(reference, "genre", 2, text=TEXTS))


def test_predict_named_inputs_hybrid(server, reference):
    instances = [{"text": TEXTS[0], "year": 1975}, {"text": TEXTS[1], "year": 2021.5}]
    code, body = post(server, "/v1/models/hybrid:predict", {"instances": instances})
    assert code == 200
    expected = expected_outputs(
        reference, "hybrid", 1, text=TEXTS, year=np.array([1975, 2021.5], np.float32)
    )
    assert f32(body) == row_json(expected)


def test_classify_results_key_exact(server, reference):
    body = {"signature_name": "classify", "examples": [{"text": t} for t in TEXTS]}
    code, answer = post(server, "/v1/models/genre:classify", body)
    assert code == 200
    scores = expected_outputs(reference, "genre", 2, text=TEXTS)["scores"]
    labels = ["action", "comedy", "drama", "horror", "romance", "sci-fi"]
    expected = {"results": [[[label, s] for label, s in zip(labels, row)] for row in scores]}
    assert f32(answer) == f32(expected)


def test_classify_default_signature_is_refused(server):
    # TF Serving checks the signature's shape, not its method_name (by default):
    # serving_default has three outputs.
    code, body = post(server, "/v1/models/genre:classify", {"examples": [{"text": "x"}]})
    assert code == 400
    assert body["error"].startswith("Expected one or two output Tensors, found 3")


def test_status_exact(server):
    ok = {"error_code": "OK", "error_message": ""}
    code, body = get(server, "/v1/models/genre")
    assert code == 200
    assert body == {
        "model_version_status": [
            {"version": "2", "state": "AVAILABLE", "status": ok},
            {"version": "1", "state": "AVAILABLE", "status": ok},
        ]
    }
    code, body = get(server, "/v1/models/genre/versions/1")
    assert (code, body) == (
        200,
        {"model_version_status": [{"version": "1", "state": "AVAILABLE", "status": ok}]},
    )


def test_metadata_exact(server, models_dir):
    from google.protobuf import json_format
    from tensorflow.core.protobuf import saved_model_pb2

    code, body = get(server, "/v1/models/genre/versions/1/metadata")
    assert code == 200
    saved = saved_model_pb2.SavedModel.FromString(
        (models_dir / "genre" / "1" / "saved_model.pb").read_bytes()
    )
    signatures = {
        key: json_format.MessageToDict(
            value, preserving_proto_field_name=True, always_print_fields_with_no_presence=True
        )
        for key, value in saved.meta_graphs[0].signature_def.items()
    }
    assert body == {
        "model_spec": {"name": "genre", "signature_name": "", "version": "1"},
        "metadata": {"signature_def": {"signature_def": signatures}},
    }
    text = body["metadata"]["signature_def"]["signature_def"]["serving_default"]["inputs"]["text"]
    assert text["dtype"] == "DT_STRING"
    assert text["tensor_shape"] == {"dim": [{"size": "-1", "name": ""}], "unknown_rank": False}
    assert signatures["classify"]["method_name"] == "tensorflow/serving/classify"


P = "/v1/models/genre:predict"
ERRORS = [
    # (method, path, body, http code, words the message must contain)
    ("POST", P, b'{"instances": [', 400, ["JSON Parse error", "offset 15"]),
    ("POST", P, b"", 400, ["JSON Parse error", "empty"]),
    ("POST", P, b"instances = [1, 2]", 400, ["JSON Parse error", "offset 0"]),
    ("POST", P, b'{"instances": [1, 2]}', 400, ["'text'", "string", "Received: 1"]),
    ("POST", P, b'{"inputs": {"txt": ["a"]}}', 400, ["'inputs'", "['text']", "txt"]),
    ("POST", P, b'{"instances": [{"txt": "a"}]}', 400, ["['text']", "txt"]),
    ("POST", P, b'{"signature_name": 100}', 400, ["'signature_name'", "string", "100"]),
    ("POST", P, b'{"text": ["a"]}', 400, ["'instances'", "'inputs'"]),
    ("POST", P, b'{"signature_name": "nope", "instances": ["a"]}', 400, ['"nope" not found']),
    ("POST", "/v1/models/nope:predict", b'{"instances": ["a"]}', 404, ["Latest(nope)"]),
    (
        "POST",
        "/v1/models/genre/versions/7:predict",
        b'{"instances": ["a"]}',
        404,
        ["Specific(genre, 7)"],
    ),
    (
        "POST",
        "/v1/models/genre/labels/beta:predict",
        b'{"instances": ["a"]}',
        400,
        ["version label: beta"],
    ),
    ("GET", "/v1/models/nope", None, 404, ["any versions of model nope"]),
    ("GET", "/v1/models/genre/versions/7", None, 404, ["version 7 of model genre"]),
    ("GET", "/v1/models", None, 400, ["Missing model name"]),
    ("GET", P, None, 400, ["Malformed request: GET /v1/models/genre:predict"]),
    ("POST", "/v1/models/genre:PREDICT", b"{}", 400, ["Malformed request", ":PREDICT"]),
    ("POST", "/v1/models/genre:regress", b"{}", 400, ["'examples'", "regress"]),
    (
        "POST",
        "/v1/models/genre:regress",
        b'{"examples": [{"text": "a"}]}',
        400,
        ["Expected one output Tensor.", "'scores', 'top_labels', 'top_scores'"],
    ),
    ("POST", "/v1/models/genre/version/1:predict", b"{}", 400, ["Malformed request"]),
    (
        "POST",
        "/v1/models/genre:classify",
        b'{"signature_name": "classify"}',
        400,
        ["'examples'", "classify"],
    ),
]


@pytest.mark.parametrize(
    "method,path,body,code,words", ERRORS, ids=[f"{e[3]}-{e[4][0][:30]}" for e in ERRORS]
)
def test_errors_have_codes_and_say_what_is_wrong_and_server_keeps_serving(
    server, method, path, body, code, words
):
    response = requests.request(method, server.rest_url + path, data=body, timeout=30)
    assert response.status_code == code
    assert response.headers["content-type"].startswith("application/json")
    assert list(response.json()) == ["error"]
    for word in words:
        assert word in response.json()["error"]
    again = requests.post(
        server.rest_url + "/v1/models/genre:predict",
        json={"instances": ["still serving?"]},
        timeout=30,
    )
    assert again.status_code == 200


def test_columnar_inputs_of_other_row_counts_are_named_over_both_protocols(server):
    # It was the model's op error: "ConcatOp : Dimension 0 in both shapes must be equal".
    from genreclf.serving.client import GenreClient
    from genreclf.serving.errors import InvalidRequestError

    body = {"inputs": {"text": TEXTS, "year": [1994.0]}}
    code, answer = post(server, "/v1/models/hybrid:predict", body)
    assert code == 400
    expected = (
        "Batching session Run() input tensors must have equal 0th-dimension size. "
        "Received rows: text=2, year=1. Send one value of every input per instance"
    )
    assert answer["error"].startswith(expected)
    transport = GenreClient(server.grpc_target, model="hybrid", timeout=30).transport
    with pytest.raises(InvalidRequestError, match=r"Received rows: text=2, year=1\."):
        transport.predict("hybrid", None, None, "serving_default", body["inputs"])


def test_oversize_body_gets_413_and_server_keeps_serving(server):
    big = json.dumps({"instances": ["word " * 30000]})  # > --max-body-bytes 100000
    response = requests.post(server.rest_url + "/v1/models/genre:predict", data=big, timeout=30)
    assert response.status_code == 413
    assert "larger than the server's limit of 100000 bytes" in response.json()["error"]
    ok = requests.post(
        server.rest_url + "/v1/models/genre:predict", json={"instances": ["fine"]}, timeout=30
    )
    assert ok.status_code == 200


def test_unknown_non_api_path_is_404(server):
    response = requests.get(server.rest_url + "/statuspage", timeout=30)
    assert response.status_code == 404
    assert response.json()["error"].startswith("No route GET /statuspage: the API is under")


@pytest.mark.parametrize(
    "method, path, code, words",
    [
        ("GET", "/web/nope", 404, "No file or route GET /web/nope"),
        ("POST", "/web/models.json", 405, "Method POST is not allowed on /web/models.json"),
        ("TRACE", "/v1/models/genre", 405, "Method TRACE is not allowed"),
        # These two were 404s: "No route POST /: ... the web page at /".
        ("POST", "/", 405, "Method POST is not allowed on /. Allowed: GET, HEAD."),
        ("DELETE", METRICS_PATH, 405, f"not allowed on {METRICS_PATH}. Allowed: GET, HEAD."),
    ],
)
def test_the_frameworks_own_4xx_have_a_json_error_too(server, method, path, code, words):
    # Starlette answered these in plain text ("Not Found", "Method Not Allowed").
    status, headers, body = send(server, method, path)
    assert status == code and headers["content-type"] == "application/json", body
    assert words in json.loads(body)["error"]


@pytest.mark.parametrize(
    "method, path",
    [
        ("GET", "/web/explain/genre"),
        ("PUT", "/web/explain/genre/versions/1"),
        ("TRACE", "/web/explain/x"),
    ],
)
def test_explain_by_another_method_than_post_is_a_405_not_a_missing_file(server, method, path):
    # The web files' Mount took these for a file name and answered 404.
    status, headers, body = send(server, method, path)
    assert status == 405 and headers["content-type"] == "application/json", body
    assert headers["allow"] == "POST"
    assert json.loads(body)["error"] == f"Method {method} is not allowed on {path}. Allowed: POST."


@pytest.mark.parametrize(
    "head",
    [b"Content-Length: -5", b"Content-Length: 3\r\nContent-Length: 4", b"Transfer-Encoding: gzip"],
)
def test_a_request_http_cannot_parse_gets_a_json_400(server, head):
    # uvicorn answered "Invalid HTTP request received." in plain text.
    import socket

    with socket.create_connection(("127.0.0.1", server.rest_port), timeout=30) as sock:
        sock.sendall(b"POST /v1/models/genre:predict HTTP/1.1\r\nHost: x\r\n" + head + b"\r\n\r\n")
        answer = b""
        while chunk := sock.recv(4096):
            answer += chunk
    head_lines, _, body = answer.partition(b"\r\n\r\n")
    assert head_lines.startswith(b"HTTP/1.1 400 "), answer
    assert b"content-type: application/json" in head_lines.lower()
    assert "not a valid HTTP/1.1 request" in json.loads(body)["error"]
    ok = requests.post(server.rest_url + "/v1/models/genre:predict", json={"instances": ["a"]})
    assert ok.status_code == 200


def test_concurrent_requests(server):
    from concurrent.futures import ThreadPoolExecutor

    def call(i):
        return requests.post(
            server.rest_url + "/v1/models/genre:predict",
            json={"instances": [f"{TEXTS[i % 2]} {i}"]},
            timeout=30,
        ).status_code

    with ThreadPoolExecutor(8) as pool:
        assert set(pool.map(call, range(48))) == {200}


def raw_request(server, method, path, body=None):
    """`(status, json)` for a path sent exactly as written (requests re-quotes some escapes)."""
    import http.client

    connection = http.client.HTTPConnection("127.0.0.1", server.rest_port, timeout=30)
    try:
        connection.request(method, path, body=body)
        response = connection.getresponse()
        return response.status, json.loads(response.read())
    finally:
        connection.close()


@pytest.mark.parametrize(
    "method, path, code, words",
    [
        ("GET", "/v1/models/gen%2572e", 404, "model gen%72e"),  # "%25" decodes to "%", once
        ("GET", "/v1/models/genre%2Fversions%2F1", 404, "model genre/versions/1"),
        ("GET", "/v1/models/genre%2Fmetadata", 404, "model genre/metadata"),
        ("POST", "/v1/models/genre%2Fversions%2F1:predict", 404, "Latest(genre/versions/1)"),
        ("POST", "/v1/models/gen%2572e:predict", 404, "Latest(gen%72e)"),
    ],
)
def test_paths_are_decoded_once_and_an_encoded_slash_splits_nothing(
    server, method, path, code, words
):
    body = json.dumps({"instances": ["a ghost"]}) if method == "POST" else None
    status, answer = raw_request(server, method, path, body)
    assert status == code, answer
    assert words in answer["error"]


def test_an_encoded_name_is_decoded(server):
    status, answer = raw_request(server, "GET", "/v1/models/g%65nre/versions/1")
    assert status == 200, answer
    assert answer["model_version_status"][0]["version"] == "1"
