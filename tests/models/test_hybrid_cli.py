"""The `hybrid` family end to end: trained by the CLI from a CSV, then predicted, exported and served."""

import csv
import json
import socket
import urllib.request

import numpy as np
import pytest
import tensorflow as tf

from tests.models.test_hybrid import TINY_BILSTM

VIDEOS = [
    ("A chef cooks pasta live in his kitchen", "food", 1200, 12.5, "lifestyle"),
    ("Street food tour through night markets", "food", 54000, 25.0, "travel"),
    ("Baking bread at home, step by step", "food", 800, 9.0, "lifestyle"),
    ("Pro players clash in the esports final", "gaming", 2300000, 180.0, "gaming"),
    ("Speedrun of a classic platformer game", "gaming", 91000, 45.0, "gaming"),
    ("Let's play a horror game at midnight", "gaming", 15000, 60.0, "gaming"),
    ("Morning news: storms hit the coast", "news", 310000, 5.0, "news"),
    ("Election results explained in five minutes", "news", 780000, 5.5, "news"),
    ("Market report: stocks fall again", "news", 42000, 3.0, "news"),
]


def _write_videos(path, copies=3):
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["description", "category", "views", "duration", "channel_type"])
        for i in range(copies):
            for text, label, views, duration, channel in VIDEOS:
                writer.writerow(
                    [f"{text} (part {i + 1})", label, views * (i + 1), duration, channel]
                )
    return path


@pytest.fixture
def videos_csv(tmp_path):
    return _write_videos(tmp_path / "videos.csv")


def _train_with_cli(videos_csv, out):
    from genreclf.cli import main

    argv = [
        "train",
        str(videos_csv),
        "--text",
        "description",
        "--label",
        "category",
        "--features",
        "views,duration",
        "--categorical",
        "channel_type",
        "--model",
        "hybrid",
        "--encoder",
        "bilstm",
        "--set",
        "encoder_config=" + json.dumps(TINY_BILSTM),
        "--set",
        "hidden_dim=8",
        "--epochs",
        "1",
        "--batch-size",
        "8",
        "--val-split",
        "0.34",
        "--quiet",
        "--out",
        str(out),
    ]
    assert main(argv) == 0
    from genreclf.run import load_run

    return load_run(out)


def test_cli_trains_a_hybrid_run_that_predicts_with_features(videos_csv, tmp_path):
    run = _train_with_cli(videos_csv, tmp_path / "run")
    assert run.config["model"] == "hybrid" and run.config["features"] == ["views", "duration"]
    assert sorted(run.feature_names()) == ["channel_type", "duration", "views"]
    rows = run.predict(
        ["Cooking noodles on a camping trip"],
        features={
            # Strings as an object array: Run.scores passes features to Keras as given.
            "views": [500.0],
            "duration": [10.0],
            "channel_type": np.array(["travel"], object),
        },
    )
    assert set(rows[0]["scores"]) == {"food", "gaming", "news"}


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.large  # export verification subprocess + a local REST server
def test_export_takes_text_and_each_feature_and_serves_rest_rows(videos_csv, tmp_path):
    exporter = pytest.importorskip("genreclf.export.exporter")
    pytest.importorskip("genreclf.serving.server.local_server")
    from genreclf.serving.server.local_server import LocalServer

    run = _train_with_cli(videos_csv, tmp_path / "run")
    path = exporter.export_run(tmp_path / "run", tmp_path / "models", "videos")
    loaded = tf.saved_model.load(str(path))
    _, inputs = loaded.signatures["serving_default"].structured_input_signature
    assert sorted(inputs) == ["channel_type", "duration", "text", "views"]

    rows = [
        {
            "text": "Street food in Bangkok",
            "views": 5000.0,
            "duration": 20.0,
            "channel_type": "travel",
        },
        {
            "text": "Breaking news tonight",
            "views": 90000.0,
            "duration": 4.0,
            "channel_type": "news",
        },
    ]
    expected = run.scores(
        [r["text"] for r in rows],
        features={
            name: np.array([r[name] for r in rows], "float32" if name != "channel_type" else object)
            for name in ("views", "duration", "channel_type")
        },
    )
    server = LocalServer(
        tmp_path / "models", rest_port=_free_port(), grpc_port=0, poll_seconds=0
    ).start()
    try:
        request = urllib.request.Request(
            f"http://127.0.0.1:{server.rest_port}/v1/models/videos:predict",
            data=json.dumps({"instances": rows}).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=60) as response:
            predictions = json.loads(response.read())["predictions"]
    finally:
        server.stop()
    assert len(predictions) == 2
    np.testing.assert_allclose([p["scores"] for p in predictions], expected, atol=1e-5)
    assert predictions[0]["top_labels"][0] == run.labels[int(np.argmax(expected[0]))]
