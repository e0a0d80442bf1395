"""The TF Serving container kit: its configs always, the real container when Docker runs.

The config files are parsed with TF Serving's own config messages
(`ModelServerConfig` from tensorflow-serving-api; `BatchingParameters` and
`MonitoringConfig` rebuilt below with TF Serving's field names and types, which
that package does not ship), so a typo fails here rather than at container start.

When `docker info` succeeds, the image is built from `serving/Dockerfile`,
started on free ports of 127.0.0.1 with freshly exported genreclf models mounted
at `/models`, and the protocol is checked the way TF Serving's own model-server
test does it: wait until ready, then exact JSON for status, predict (row and
columnar), classify, versions and labels, errors, plus gRPC and Prometheus.
"""

import base64
import json
import os
import pathlib
import re
import shutil
import socket
import subprocess
import time

import numpy as np
import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]
SERVING = REPO / "serving"
IMAGE = "genreclf-tfserving-test:2.20.0"
TEXTS = [
    "A detective hunts a killer through the rain.",
    "Two strangers fall in love on a night train.",
    "A ghost haunts the old farmhouse.",
]


# --- the config files -----------------------------------------------------------


def _docker_unavailable():
    if shutil.which("docker") is None:
        return "docker is not installed (`docker info` cannot run)"
    try:
        result = subprocess.run(["docker", "info"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as e:
        return f"`docker info` failed: {e}"
    if result.returncode != 0:
        return f"`docker info` failed: {(result.stderr or result.stdout).strip()[:200]}"
    return None


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _tiny_model(num_classes, multi_label, seed):
    import keras

    keras.utils.set_random_seed(seed)
    vectorizer = keras.layers.TextVectorization(max_tokens=50, output_sequence_length=8)
    vectorizer.adapt(TEXTS + ["a heist goes wrong", "aliens land in a small town"])
    text = keras.Input(shape=(), dtype="string", name="text")
    x = keras.layers.GlobalAveragePooling1D()(keras.layers.Embedding(50, 4)(vectorizer(text)))
    activation = "sigmoid" if multi_label else "softmax"
    return keras.Model(text, keras.layers.Dense(num_classes, activation=activation)(x))


@pytest.fixture(scope="module")
def container(tmp_path_factory):
    reason = _docker_unavailable()
    if reason:
        pytest.skip(reason)
    from genreclf.data.labels import LabelVocabulary
    from genreclf.export.exporter import export_model

    base = tmp_path_factory.mktemp("models")
    single = LabelVocabulary(["crime", "horror", "romance"])
    multi = LabelVocabulary(["crime", "horror", "romance", "thriller"], multi_label=True)
    models = {}
    for version, seed in ((1, 0), (2, 1)):
        models[("genre", version)] = _tiny_model(3, False, seed)
        export_model(models[("genre", version)], single, base, "genre", version=version)
    models[("genre_multilabel", 1)] = _tiny_model(4, True, 2)
    export_model(
        models[("genre_multilabel", 1)],
        multi,
        base,
        "genre_multilabel",
        thresholds=[0.5, 0.45, 0.55, 0.5],
    )
    subprocess.run(
        ["docker", "build", "-t", IMAGE, str(SERVING)],
        check=True,
        capture_output=True,
        timeout=1800,
    )
    rest, grpc_port = _free_port(), _free_port()
    name = f"genreclf-tfserving-test-{os.getpid()}"
    subprocess.run(
        [
            "docker",
            "run",
            "-d",
            "--rm",
            "--name",
            name,
            "-p",
            f"127.0.0.1:{rest}:8501",
            "-p",
            f"127.0.0.1:{grpc_port}:8500",
            "-v",
            f"{base}:/models:ro",
            IMAGE,
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    server = {
        "rest": f"http://127.0.0.1:{rest}",
        "grpc": f"127.0.0.1:{grpc_port}",
        "base": base,
        "models": models,
        "name": name,
    }
    try:
        _wait_available(server, "genre", {1, 2})
        _wait_available(server, "genre_multilabel", {1})
        yield server
    finally:
        logs = subprocess.run(["docker", "logs", name], capture_output=True, text=True)
        subprocess.run(["docker", "rm", "-f", name], capture_output=True)
        print(logs.stdout[-3000:], logs.stderr[-3000:])


def _wait_available(server, model, versions, timeout=180):
    import requests

    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            last = requests.get(f"{server['rest']}/v1/models/{model}", timeout=5)
            states = {int(s["version"]): s["state"] for s in last.json()["model_version_status"]}
            if all(states.get(v) == "AVAILABLE" for v in versions):
                return
        except (requests.ConnectionError, KeyError, ValueError):
            pass
        time.sleep(1)
    raise TimeoutError(f"{model} versions {versions} not AVAILABLE: {last and last.text}")


def _expected(server, model, version, texts):
    import tensorflow as tf

    loaded = tf.saved_model.load(str(server["base"] / model / str(version)))
    out = loaded.signatures["serving_default"](text=tf.constant(texts))
    return {k: v.numpy() for k, v in out.items()}


def _post(server, path, body):
    import requests

    data = body if isinstance(body, (str, bytes)) else json.dumps(body)
    return requests.post(f"{server['rest']}{path}", data=data, timeout=30)


def _decoded(value):
    return [[v.decode() for v in row] for row in value]


@pytest.mark.large
def test_status_and_metadata(container):
    import requests

    status = requests.get(f"{container['rest']}/v1/models/genre", timeout=10).json()
    assert sorted(status["model_version_status"], key=lambda s: s["version"]) == [
        {"version": v, "state": "AVAILABLE", "status": {"error_code": "OK", "error_message": ""}}
        for v in ("1", "2")
    ]
    meta = requests.get(
        f"{container['rest']}/v1/models/genre/versions/1/metadata", timeout=10
    ).json()
    assert meta["model_spec"] == {"name": "genre", "signature_name": "", "version": "1"}
    sigs = meta["metadata"]["signature_def"]["signature_def"]
    assert sigs["classify"]["method_name"] == "tensorflow/serving/classify"
    assert sorted(sigs["serving_default"]["outputs"]) == ["scores", "top_labels", "top_scores"]
    assert sigs["serving_default"]["inputs"]["text"]["dtype"] == "DT_STRING"


@pytest.mark.large
def test_predict_row_and_columnar_match_the_saved_model(container):
    expected = _expected(container, "genre", 2, TEXTS)
    row = _post(container, "/v1/models/genre:predict", {"instances": TEXTS})
    assert row.status_code == 200, row.text
    predictions = row.json()["predictions"]
    np.testing.assert_allclose(
        [p["scores"] for p in predictions], expected["scores"], rtol=1e-6, atol=1e-7
    )
    assert [p["top_labels"] for p in predictions] == _decoded(expected["top_labels"])
    columnar = _post(container, "/v1/models/genre:predict", {"inputs": {"text": TEXTS}})
    outputs = columnar.json()["outputs"]
    np.testing.assert_allclose(outputs["top_scores"], expected["top_scores"], rtol=1e-6, atol=1e-7)
    assert outputs["top_labels"] == _decoded(expected["top_labels"])


@pytest.mark.large
def test_versions_and_labels_route_to_the_right_model(container):
    v1 = _expected(container, "genre", 1, TEXTS[:1])["scores"]
    v2 = _expected(container, "genre", 2, TEXTS[:1])["scores"]
    assert not np.allclose(v1, v2)
    for path, expected in (
        ("/versions/1", v1),
        ("/labels/stable", v1),
        ("/versions/2", v2),
        ("/labels/canary", v2),
    ):
        got = _post(container, f"/v1/models/genre{path}:predict", {"instances": TEXTS[:1]})
        np.testing.assert_allclose(
            [got.json()["predictions"][0]["scores"]], expected, rtol=1e-6, atol=1e-7
        )


@pytest.mark.large
def test_multi_label_predict_returns_thresholded_labels(container):
    expected = _expected(container, "genre_multilabel", 1, TEXTS)
    got = _post(container, "/v1/models/genre_multilabel:predict", {"instances": TEXTS})
    assert [p["labels"] for p in got.json()["predictions"]] == _decoded(expected["labels"])


@pytest.mark.large
def test_classify_uses_the_results_key(container):
    expected = _expected(container, "genre", 2, TEXTS[:2])["scores"]
    got = _post(
        container,
        "/v1/models/genre:classify",
        {"signature_name": "classify", "examples": [{"text": t} for t in TEXTS[:2]]},
    )
    assert got.status_code == 200, got.text
    results = got.json()["results"]
    assert [[label for label, _ in row] for row in results] == [["crime", "horror", "romance"]] * 2
    np.testing.assert_allclose(
        [[s for _, s in row] for row in results], expected, rtol=1e-6, atol=1e-7
    )


@pytest.mark.large
def test_errors_are_json_with_http_codes_and_the_server_keeps_serving(container):
    bad = [
        ("/v1/models/genre:predict", "{not json", 400),
        ("/v1/models/genre:predict", {"instances": [{"txt": "wrong input name"}]}, 400),
        ("/v1/models/genre:predict", {"instances": [1.5]}, 400),
        ("/v1/models/nope:predict", {"instances": TEXTS[:1]}, 404),
        ("/v1/models/genre/versions/9:predict", {"instances": TEXTS[:1]}, 404),
    ]
    for path, body, code in bad:
        got = _post(container, path, body)
        assert got.status_code == code, (path, got.status_code, got.text)
        assert set(got.json()) == {"error"} and got.json()["error"]
    assert _post(container, "/v1/models/genre:predict", {"instances": TEXTS[:1]}).status_code == 200


@pytest.mark.large
def test_grpc_predict_classify_metadata_and_status(container):
    import grpc
    import tensorflow as tf
    from tensorflow_serving.apis import classification_pb2
    from tensorflow_serving.apis import get_model_metadata_pb2
    from tensorflow_serving.apis import get_model_status_pb2
    from tensorflow_serving.apis import model_service_pb2_grpc
    from tensorflow_serving.apis import predict_pb2
    from tensorflow_serving.apis import prediction_service_pb2_grpc

    channel = grpc.insecure_channel(container["grpc"])
    predict_stub = prediction_service_pb2_grpc.PredictionServiceStub(channel)
    request = predict_pb2.PredictRequest()
    request.model_spec.name = "genre"
    request.model_spec.version_label = "stable"
    request.inputs["text"].CopyFrom(tf.make_tensor_proto(TEXTS, dtype=tf.string))
    response = predict_stub.Predict(request, timeout=30)
    assert response.model_spec.version.value == 1
    np.testing.assert_allclose(
        tf.make_ndarray(response.outputs["scores"]),
        _expected(container, "genre", 1, TEXTS)["scores"],
        atol=1e-7,
    )

    classify = classification_pb2.ClassificationRequest()
    classify.model_spec.name = "genre"
    classify.model_spec.signature_name = "classify"
    example = classify.input.example_list.examples.add()
    example.features.feature["text"].bytes_list.value.append(TEXTS[0].encode())
    result = predict_stub.Classify(classify, timeout=30).result
    assert [c.label for c in result.classifications[0].classes] == ["crime", "horror", "romance"]

    meta = get_model_metadata_pb2.GetModelMetadataRequest()
    meta.model_spec.name = "genre"
    meta.metadata_field.append("signature_def")
    assert predict_stub.GetModelMetadata(meta, timeout=30).model_spec.name == "genre"

    status = get_model_status_pb2.GetModelStatusRequest()
    status.model_spec.name = "genre"
    versions = model_service_pb2_grpc.ModelServiceStub(channel).GetModelStatus(status, timeout=30)
    assert sorted(v.version for v in versions.model_version_status) == [1, 2]

    with pytest.raises(grpc.RpcError) as err:
        request.model_spec.name = "nope"
        predict_stub.Predict(request, timeout=30)
    assert err.value.code() == grpc.StatusCode.NOT_FOUND


@pytest.mark.large
def test_prometheus_metrics(container):
    import requests

    _post(container, "/v1/models/genre:predict", {"instances": TEXTS[:1]})
    metrics = requests.get(f"{container['rest']}/monitoring/prometheus/metrics", timeout=10)
    assert metrics.status_code == 200
    assert ":tensorflow:serving:request_count" in metrics.text


@pytest.mark.large
def test_a_new_version_is_served_without_restart(container):
    from genreclf.data.labels import LabelVocabulary
    from genreclf.export.exporter import export_model

    multi = LabelVocabulary(["crime", "horror", "romance", "thriller"], multi_label=True)
    export_model(_tiny_model(4, True, 9), multi, container["base"], "genre_multilabel")
    _wait_available(container, "genre_multilabel", {2}, timeout=60)
    expected = _expected(container, "genre_multilabel", 2, TEXTS[:1])["scores"]
    got = _post(container, "/v1/models/genre_multilabel:predict", {"instances": TEXTS[:1]})
    np.testing.assert_allclose([got.json()["predictions"][0]["scores"]], expected, atol=1e-7)


def test_b64_example_in_readme_is_the_synopsis():
    readme = (SERVING / "README.md").read_text()
    for encoded in set(re.findall(r'"(QSBk[A-Za-z0-9+/=]+)"', readme)):
        assert base64.b64decode(encoded) == b"A detective hunts a killer."
