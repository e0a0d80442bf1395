"""`write_warmup_requests`: TF Serving's `assets.extra/tf_serving_warmup_requests`.

TF Serving replays these `PredictionLog` records when it loads a version, so
the first real request does not pay for graph tracing and kernel set-up.
"""

import os

import numpy as np
import tensorflow as tf
from tensorflow_serving.apis import model_pb2
from tensorflow_serving.apis import predict_pb2
from tensorflow_serving.apis import prediction_log_pb2

WARMUP_FILENAME = "tf_serving_warmup_requests"

DEFAULT_WARMUP_TEXTS = (
    "A retired detective is pulled back into one last case when a serial killer "
    "starts leaving clues addressed to him.",
    "Two strangers meet on a night train across Europe and fall in love before dawn.",
    "A family moves into an old farmhouse where something in the cellar has been waiting for them.",
    "A crew of thieves plans the heist of a lifetime, but one of them is working for the police.",
    "Stranded on a distant planet, an astronaut must grow food to survive until rescue arrives.",
)


def default_feature_values(spec, n):
    """Placeholder values for a non-text input: zeros, or `""` for strings."""
    shape = [n] + [1 if d is None else int(d) for d in spec.shape[1:]]
    if spec.dtype == tf.string:
        return np.full(shape, b"", dtype=object)
    return np.zeros(shape, dtype=spec.dtype.as_numpy_dtype)


def write_warmup_requests(export_dir, model_name, input_specs, texts=None):
    """Writes `assets.extra/tf_serving_warmup_requests` into a SavedModel dir.

    One `PredictionLog` with a `PredictRequest` (signature `serving_default`)
    per text, plus one request carrying all texts as a batch.

    Args:
        export_dir: the SavedModel directory.
        model_name: the model name TF Serving serves it under.
        input_specs: `(name, tf.TensorSpec)` pairs of the predict signature.
        texts: the synopses to send (default: a few real-looking ones).

    Returns:
        The path of the written file.

    Example:

    >>> specs = [("text", tf.TensorSpec([None], tf.string, name="text"))]
    >>> path = write_warmup_requests(tmp, "genre", specs)  # doctest: +SKIP
    """
    texts = [str(t) for t in (texts or DEFAULT_WARMUP_TEXTS)]
    batches = [[t] for t in texts] + ([texts] if len(texts) > 1 else [])
    extra = os.path.join(export_dir, "assets.extra")
    os.makedirs(extra, exist_ok=True)
    path = os.path.join(extra, WARMUP_FILENAME)
    with tf.io.TFRecordWriter(path) as writer:
        for batch in batches:
            request = predict_pb2.PredictRequest(
                model_spec=model_pb2.ModelSpec(name=model_name, signature_name="serving_default")
            )
            for name, spec in input_specs:
                if name == "text":
                    value = np.array([t.encode("utf-8") for t in batch], dtype=object)
                else:
                    value = default_feature_values(spec, len(batch))
                request.inputs[name].CopyFrom(tf.make_tensor_proto(value, dtype=spec.dtype))
            log = prediction_log_pb2.PredictionLog(
                predict_log=prediction_log_pb2.PredictLog(request=request)
            )
            writer.write(log.SerializeToString())
    return path


def read_warmup_requests(export_dir):
    """Reads the warmup file back as a list of `PredictionLog` protos."""
    path = os.path.join(export_dir, "assets.extra", WARMUP_FILENAME)
    logs = []
    for record in tf.data.TFRecordDataset(path).as_numpy_iterator():
        log = prediction_log_pb2.PredictionLog()
        log.ParseFromString(record)
        logs.append(log)
    return logs
