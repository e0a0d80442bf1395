"""`assets.extra/tf_serving_warmup_requests`: PredictionLog records TF Serving replays."""

import numpy as np
import tensorflow as tf

from genreclf.export.warmup import read_warmup_requests
from genreclf.export.warmup import write_warmup_requests


def test_exported_warmup_file_parses_as_prediction_logs(single_export):
    path, _ = single_export
    logs = read_warmup_requests(str(path))
    assert len(logs) >= 2
    for log in logs:
        assert log.WhichOneof("log_type") == "predict_log"
        request = log.predict_log.request
        assert request.model_spec.name == "genre"
        assert request.model_spec.signature_name == "serving_default"
        texts = tf.make_ndarray(request.inputs["text"])
        assert texts.dtype == object and texts.ndim == 1 and len(texts) >= 1
        assert all(len(t.split()) >= 5 for t in texts)  # real-looking synopses
    assert len(tf.make_ndarray(logs[-1].predict_log.request.inputs["text"])) == len(logs) - 1


def test_warmup_requests_carry_hybrid_features(tmp_path):
    specs = [
        ("text", tf.TensorSpec([None], tf.string, name="text")),
        ("year", tf.TensorSpec([None, 1], tf.float32, name="year")),
    ]
    write_warmup_requests(str(tmp_path), "hybrid", specs, texts=["one synopsis", "another"])
    logs = read_warmup_requests(str(tmp_path))
    assert len(logs) == 3
    year = tf.make_ndarray(logs[2].predict_log.request.inputs["year"])
    assert year.shape == (2, 1) and year.dtype == np.float32
    texts = tf.make_ndarray(logs[2].predict_log.request.inputs["text"]).tolist()
    assert texts == [b"one synopsis", b"another"]
