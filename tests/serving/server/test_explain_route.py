"""`POST /web/explain/{model}` on a real server: the served run's words, clear 4xx otherwise."""

import pytest
import requests

TEXT = "A detective hunts a killer through a rainy city."


@pytest.fixture(scope="module")
def explain_server(trained_run, trained_hybrid_run, tmp_path_factory, server_process):
    """A server with `genre` and `hybrid` (exported from run folders) and `tiny` (no run
    folder)."""
    from genreclf.export.exporter import export_run
    from genreclf.serving.testing import write_tiny_model

    base = tmp_path_factory.mktemp("explain_models")
    export_run(trained_run.path, base, "genre", verify=False)
    export_run(trained_hybrid_run.path, base, "hybrid", verify=False)
    write_tiny_model(str(base), "tiny", 1)
    log = tmp_path_factory.mktemp("explain_logs") / "server.log"
    process = server_process(base, log_path=str(log))
    try:
        yield process.wait_ready()
    finally:
        process.terminate()


def post(server, path, body):
    return requests.post(f"{server.rest_url}/web/explain/{path}", json=body, timeout=120)


def test_explains_the_served_model_with_its_run(explain_server, trained_run):
    response = post(explain_server, "genre", {"text": TEXT, "top_k": 2})
    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["model"] == {"name": "genre", "version": 1}
    assert answer["agrees"] is True  # the SavedModel scores the text as the run did
    explanation = answer["explanation"]
    assert explanation["text"] == TEXT and explanation["units"] == "logit"
    assert [w["text"] for w in explanation["words"]][:3] == ["A", "detective", "hunts"]
    assert len(explanation["labels"]) == 2
    for label in explanation["labels"]:
        assert label["label"] in trained_run.labels
        total = sum(label["attributions"]) + label["unplaced"] + label["baseline"]
        assert abs(total - label["value"]) < 1e-5
    again = post(explain_server, "genre/versions/1", {"text": TEXT, "top_k": 2}).json()
    assert again["explanation"] == explanation


@pytest.mark.parametrize(
    "path, body, code, words",
    [
        ("genre", {"top_k": 2}, 400, "non-empty string 'text'"),
        ("genre", {"text": "  "}, 400, "non-empty string 'text'"),
        ("genre", {"text": "\u200b"}, 400, "non-empty string 'text'"),  # zero-width
        ("genre", {"text": TEXT, "top_k": 0}, 400, "top_k an integer"),
        ("genre", {"text": TEXT, "top_k": True}, 400, "top_k an integer"),
        ("genre/versions/7", {"text": TEXT}, 404, "Specific(genre, 7)"),
        ("nope", {"text": TEXT}, 404, "Latest(nope)"),
        ("tiny", {"text": TEXT}, 404, "run folder"),
        ("genre:predict", {"text": TEXT}, 400, "Malformed explain path"),
    ],
)
def test_bad_requests_get_a_4xx_with_the_reason(explain_server, path, body, code, words):
    response = post(explain_server, path, body)
    assert response.status_code == code, response.text
    assert words in response.json()["error"]


def test_a_body_that_is_not_json_is_a_400(explain_server):
    response = requests.post(
        f"{explain_server.rest_url}/web/explain/genre", data=b"{not json", timeout=60
    )
    assert response.status_code == 400 and "JSON Parse error" in response.json()["error"]


def test_a_text_that_is_not_utf8_is_refused_here_and_predicted_as_tf_serving_does(
    explain_server,
):
    # The explain route shows and explains text: UTF-8 only.
    url = f"{explain_server.rest_url}/web/explain/genre"
    response = requests.post(url, data=b'{"text": "a killer \xff"}', timeout=60)
    assert response.status_code == 400, response.text
    assert "not UTF-8 (0xFF)" in response.json()["error"], response.text
    # Predict hands the bytes to the exported genreclf model (fold_text: U+FFFD), as TF
    # Serving does: the same answer as for the same bytes in base64.
    url = f"{explain_server.rest_url}/v1/models/genre:predict"
    raw = requests.post(url, data=b'{"instances": ["a killer \xff caf\xe9"]}', timeout=60)
    assert raw.status_code == 200, raw.text
    twin = {"instances": [{"b64": "YSBraWxsZXIg/yBjYWbp"}]}  # b"a killer \xff caf\xe9"
    assert raw.json() == requests.post(url, json=twin, timeout=60).json()


def test_a_text_of_no_known_word_is_explained(explain_server):
    response = post(explain_server, "genre", {"text": "zzzz qqqq", "top_k": 2})
    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["agrees"] is True
    for label in answer["explanation"]["labels"]:
        assert label["attributions"] == [0.0, 0.0] and label["value"] == label["baseline"]


def test_an_encoded_slash_in_the_model_name_splits_nothing(explain_server):
    import http.client

    connection = http.client.HTTPConnection("127.0.0.1", explain_server.rest_port, timeout=60)
    try:
        connection.request("POST", "/web/explain/genre%2Fversions%2F1", body=b'{"text": "a"}')
        response = connection.getresponse()
        status, answer = response.status, response.read().decode("utf-8")
    finally:
        connection.close()
    assert status == 404 and "Latest(genre/versions/1)" in answer, answer


def test_answered_explanations_are_counted_in_the_metrics(explain_server):
    from prometheus_client.parser import text_string_to_metric_families

    def count(name, **labels):
        url = f"{explain_server.rest_url}/monitoring/prometheus/metrics"
        scrape = requests.get(url, timeout=30).text
        wanted = dict(api="explain", protocol="rest", model="genre", version="1", **labels)
        return sum(
            sample.value
            for family in text_string_to_metric_families(scrape)
            for sample in family.samples
            if sample.name == f"genreclf_serving_{name}" and sample.labels.items() >= wanted.items()
        )

    before = count("requests_total"), count("request_latency_seconds_count")
    assert post(explain_server, "genre", {"text": TEXT, "top_k": 1}).status_code == 200
    after = count("requests_total"), count("request_latency_seconds_count")
    assert after == (before[0] + 1, before[1] + 1)
    assert count("request_errors_total") == 0  # the 4xx above resolve no version


def test_a_hybrid_models_features_are_explained_with_the_text(explain_server):
    body = {"text": TEXT, "top_k": 2, "features": {"year": 1994}}
    response = post(explain_server, "hybrid", body)
    assert response.status_code == 200, response.text
    assert response.json()["model"] == {"name": "hybrid", "version": 1}
    assert response.json()["agrees"] is True


@pytest.mark.parametrize(
    "year, expected",
    [
        # A string TensorFlow would not cast to float32 (it was a 500), others Keras refused
        # with its ANSI escapes and a dump of the call's arguments.
        (
            "1994",
            "Expected a number for feature 'year'. Received: year='1994'. Send it as a JSON "
            'number: "features": {"year": 1994}.',
        ),
        ("abc", "Expected a number for feature 'year'. Received: year='abc'."),
        (None, "Expected a number for feature 'year'. Received: year=None."),
        (True, "Expected a number for feature 'year'. Received: year=True."),
        ([1994], "Expected a number for feature 'year'. Received: year=[1994]."),
        (1e39, "Expected a finite number within the range of float32 for feature 'year'."),
    ],
)
def test_a_feature_of_the_wrong_kind_is_a_clean_400(explain_server, year, expected):
    body = {"text": TEXT, "features": {"year": year}}
    response = post(explain_server, "hybrid", body)
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert error.startswith(expected), error
    assert "\x1b" not in error and "Arguments received" not in error
    assert post(explain_server, "hybrid", {"text": TEXT, "features": {"year": 1994}}).ok


def test_errors_raised_while_explaining_read_as_one_plain_sentence():
    import keras
    import numpy as np
    import tensorflow as tf

    from genreclf.serving.server.explain_route import plain_error

    with pytest.raises(tf.errors.OpError) as info:  # what escaped as a 500
        tf.cast(tf.constant(["1994"]), tf.float32)
    assert plain_error(info.value) == "Cast string to float is not supported"
    year = keras.Input(shape=(), dtype="float32", name="year")
    model = keras.Model({"year": year}, year * 2)
    with pytest.raises(ValueError) as info:
        model({"year": np.asarray(["abc"], object)})
    assert "\x1b[" in str(info.value) and "Arguments received by" in str(info.value)
    assert plain_error(info.value) == "could not convert string to float: 'abc'"


def test_the_readme_hybrid_example_fits_a_hybrid_export(explain_server):
    # A hybrid run's export takes each feature as one value per text (shape [batch]), so the
    # README's curl body for genre_hybrid must send "year": 1994.0, not [1994.0].
    import json
    import pathlib
    import re

    readme = pathlib.Path(__file__).resolve().parents[3] / "serving" / "README.md"
    (body,) = re.findall(r"curl -d '(\{[^']*\"year\"[^']*)' \\", readme.read_text())
    metadata = requests.get(f"{explain_server.rest_url}/v1/models/hybrid/metadata", timeout=30)
    inputs = metadata.json()["metadata"]["signature_def"]["signature_def"]["serving_default"]
    assert [d["size"] for d in inputs["inputs"]["year"]["tensor_shape"]["dim"]] == ["-1"]
    url = f"{explain_server.rest_url}/v1/models/hybrid:predict"
    response = requests.post(url, data=body, timeout=60)
    assert response.status_code == 200, response.text
    assert len(response.json()["predictions"]) == len(json.loads(body)["instances"])


def test_one_explanation_at_a_time_and_predictions_never_wait_behind_it(tmp_path):
    # Explanations shared the API's threads: eight long ones held every REST worker for
    # minutes, and a predict sent meanwhile waited 53 s.
    import threading
    import time
    from concurrent.futures import ThreadPoolExecutor

    import uvicorn

    from genreclf.serving.server.limits import Limits
    from genreclf.serving.server.metrics import ServingMetrics
    from genreclf.serving.server.model_store import ModelStore
    from genreclf.serving.server.rest import create_app
    from genreclf.serving.testing import write_tiny_model
    from tests.serving.conftest import pick_unused_port

    release, started = threading.Event(), threading.Event()

    class HeldPool(ThreadPoolExecutor):
        """Explains as the server would, once `release` is set: a long explanation."""

        def submit(self, fn, /, *args, **kwargs):
            started.set()
            return super().submit(lambda: (release.wait(60), fn(*args, **kwargs))[1])

    write_tiny_model(str(tmp_path), "tiny", 1)
    store = ModelStore(str(tmp_path))
    store.scan(strict=True)
    app = create_app(
        store, ThreadPoolExecutor(1), Limits(), ServingMetrics(), explain_executor=HeldPool(2)
    )
    port = pick_unused_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while not server.started and time.monotonic() < deadline:
            time.sleep(0.05)
        with ThreadPoolExecutor(1) as client:
            first = client.submit(requests.post, f"{url}/web/explain/tiny", json={"text": TEXT})
            assert started.wait(30)
            second = requests.post(f"{url}/web/explain/tiny", json={"text": TEXT}, timeout=10)
            assert second.status_code == 429, second.text
            assert second.headers["retry-after"] == "1"
            assert "one text at a time" in second.json()["error"]
            predict = requests.post(
                f"{url}/v1/models/tiny:predict", json={"instances": [TEXT]}, timeout=10
            )
            assert predict.status_code == 200, predict.text
            release.set()
            assert first.result(timeout=60).status_code == 404  # tiny has no run folder
        third = requests.post(f"{url}/web/explain/tiny", json={"text": TEXT}, timeout=30)
        assert third.status_code == 404 and "run folder" in third.json()["error"]  # slot free
    finally:
        release.set()
        server.should_exit = True
        thread.join(30)
        store.stop()


@pytest.mark.parametrize(
    "body, received",
    [
        ({"text": 5}, "text=5, not a string"),  # was text='5', a string it was not
        ({"top_k": 2}, "no 'text' key (keys: [\"top_k\"])"),  # was text='None'
        ({"text": None}, "text=null, not a string"),
        ({"text": "\u200b "}, 'text="\\u200b ", which has no words'),
    ],
)
def test_a_text_without_words_is_named_as_sent(server, body, received):
    # Checked before the model is looked up: the tiny models of `server` will do.
    response = requests.post(f"{server.rest_url}/web/explain/genre", json=body, timeout=60)
    assert response.status_code == 400, response.text
    assert response.json()["error"] == (
        f"Expected a non-empty string 'text'. Received: {received}. "
        'Send {"text": "a synopsis"}.'
    )
