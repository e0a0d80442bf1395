"""The files of a SavedModel the local server reads besides the graph.

`saved_model.pb`'s `SignatureDef`s (the same protos TF Serving reads, so
metadata is identical), `assets/labels.txt`, and the warmup records in
`assets.extra/tf_serving_warmup_requests`.
"""

import os

from tensorflow.core.protobuf import saved_model_pb2

WARMUP_FILE = os.path.join("assets.extra", "tf_serving_warmup_requests")
MAX_WARMUP_RECORDS = 1000  # TF Serving reads at most this many.


def read_signature_defs(path, tags=("serve",)):
    """The `SignatureDef` map of the meta graph tagged `serve` in a SavedModel.

    Args:
        path: a SavedModel directory.
        tags: the meta graph tags to match (TF Serving loads `serve`).

    Returns:
        A dict, signature key → `SignatureDef` proto.

    Example:

    >>> read_signature_defs("models/genre/1")  # doctest: +SKIP
    {'serving_default': ..., 'classify': ..., '__saved_model_init_op': ...}
    """
    saved_model = saved_model_pb2.SavedModel()
    with open(os.path.join(path, "saved_model.pb"), "rb") as handle:
        saved_model.ParseFromString(handle.read())
    for meta_graph in saved_model.meta_graphs:
        if set(tags) <= set(meta_graph.meta_info_def.tags):
            return dict(meta_graph.signature_def)
    raise ValueError(
        f"Expected a meta graph tagged {list(tags)} in {path}/saved_model.pb. "
        f"Received: tags={[list(m.meta_info_def.tags) for m in saved_model.meta_graphs]}. "
        "Export the model with tf.saved_model.save (tag 'serve')."
    )


def read_classes(path):
    """The class names of `assets/labels.txt` (the column order of `scores`), or None.

    Example:

    >>> read_classes("models/genre/1")  # doctest: +SKIP
    ['action', 'comedy', 'drama']
    """
    labels_path = os.path.join(path, "assets", "labels.txt")
    try:
        with open(labels_path, encoding="utf-8") as handle:
            classes = [line.rstrip("\n") for line in handle]
    except OSError:
        return None
    while classes and not classes[-1]:
        classes.pop()
    return classes or None


def replay_warmup(servable):
    """Replays a servable's warmup requests (PredictionLog records); returns how many.

    Example:

    >>> replay_warmup(Servable.load("genre", 1, "models/genre/1", warmup=False))  # doctest: +SKIP
    3
    """
    import tensorflow as tf
    from tensorflow_serving.apis import prediction_log_pb2

    path = os.path.join(servable.path, WARMUP_FILE)
    if not os.path.exists(path):
        return 0
    count = 0
    for record in tf.data.TFRecordDataset(path).take(MAX_WARMUP_RECORDS):
        log = prediction_log_pb2.PredictionLog.FromString(record.numpy())
        kind = log.WhichOneof("log_type")
        if kind == "predict_log":
            request = log.predict_log.request
            inputs = {k: tf.make_ndarray(v) for k, v in request.inputs.items()}
            servable.predict(
                inputs, request.model_spec.signature_name, tuple(request.output_filter)
            )
        elif kind == "classify_log":
            request = log.classify_log.request
            which = request.input.WhichOneof("kind")
            if which == "example_list_with_context":
                group = request.input.example_list_with_context
                servable.classify(
                    list(group.examples), group.context, request.model_spec.signature_name
                )
            else:
                servable.classify(
                    list(request.input.example_list.examples),
                    None,
                    request.model_spec.signature_name,
                )
        count += 1
    return count
