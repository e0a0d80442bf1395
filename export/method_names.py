"""Setting a SavedModel signature's method name (TF Serving's Classify API).

TensorFlow 2 always writes `tensorflow/serving/predict` as the method name of
every signature. TF Serving's Classify API (gRPC `Classify`, REST `:classify`)
only accepts a signature whose method name is `tensorflow/serving/classify`, so
after `tf.saved_model.save` the exporter rewrites that one field of the
MetaGraph in `saved_model.pb` and rewrites `fingerprint.pb` to match.
"""

import os

from tensorflow.core.protobuf import saved_model_pb2
from tensorflow.python.saved_model import fingerprinting_utils

from genreclf.errors import ConfigError

PREDICT_METHOD = "tensorflow/serving/predict"
CLASSIFY_METHOD = "tensorflow/serving/classify"
REGRESS_METHOD = "tensorflow/serving/regress"


def read_saved_model_proto(export_dir):
    """Reads `<export_dir>/saved_model.pb` as a `SavedModel` proto."""
    proto = saved_model_pb2.SavedModel()
    with open(os.path.join(export_dir, "saved_model.pb"), "rb") as f:
        proto.ParseFromString(f.read())
    return proto


def set_method_name(export_dir, signature_key, method_name):
    """Sets the method name of one signature in a saved SavedModel.

    Args:
        export_dir: the SavedModel directory (with `saved_model.pb`).
        signature_key: the signature to change, e.g. `"classify"`.
        method_name: e.g. `"tensorflow/serving/classify"`.

    Example:

    >>> set_method_name("models/genre/1", "classify", CLASSIFY_METHOD)  # doctest: +SKIP
    """
    proto = read_saved_model_proto(export_dir)
    found = False
    for meta_graph in proto.meta_graphs:
        if signature_key in meta_graph.signature_def:
            meta_graph.signature_def[signature_key].method_name = method_name
            found = True
    if not found:
        keys = sorted(key for mg in proto.meta_graphs for key in mg.signature_def)
        raise ConfigError(
            f"The SavedModel in {export_dir} has no signature {signature_key!r}. "
            f"Received signatures: {keys}."
        )
    path = os.path.join(export_dir, "saved_model.pb")
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(proto.SerializeToString())
    os.replace(tmp, path)
    fingerprinting_utils.write_fingerprint(export_dir)


def method_names(export_dir):
    """Maps each signature key to its method name, as TF Serving reads them."""
    proto = read_saved_model_proto(export_dir)
    return {
        key: sig.method_name for mg in proto.meta_graphs for key, sig in mg.signature_def.items()
    }
