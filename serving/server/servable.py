"""One loaded version of one SavedModel, called the way TF Serving calls it, within `Limits`.

`Servable.load` loads a SavedModel with TensorFlow only (plus `tensorflow_text`,
whose ops the TF Serving image has), reads its `SignatureDef`s from
`saved_model.pb` and its classes from `assets/labels.txt`, and replays the
predict requests of `assets.extra/tf_serving_warmup_requests`. Every input's
rank and fixed dimensions must match the signature before numpy or TensorFlow
see it (`check_shape`: a string tensor of rank 33 crashes TensorFlow 2.20),
texts per request are capped (a classify or regress example is one text, of
its serialized bytes plus the context's, checked before the context is copied
into each), and batches run through the model in chunks.
"""

import os

import numpy as np
import tensorflow as tf

try:  # Registers TF Text ops, as the TF Serving image has them.
    import tensorflow_text  # noqa: F401
except ImportError:  # pragma: no cover - tensorflow-text is a core dependency
    tensorflow_text = None

from tensorflow.core.protobuf import error_codes_pb2
from tensorflow.core.protobuf import saved_model_pb2
from tensorflow_serving.apis import get_model_metadata_pb2
from tensorflow_serving.apis import prediction_log_pb2

from genreclf.serving.server.example_features import ExampleFeatures
from genreclf.serving.server.example_features import op_error_message
from genreclf.serving.server.limits import Limits
from genreclf.serving.server.status import HTTP_CODES
from genreclf.serving.server.status import ServingStatusError
from genreclf.serving.server.status import invalid_argument

MAX_RANK = 32  # the highest rank accepted where the signature leaves the rank open


def check_shape(name, received, expected, signature_name=""):
    """Refuses an input whose rank or fixed dimensions differ from the signature's.

    Example:

    >>> check_shape("text", [1] * 3, tf.TensorShape([None]))
    Traceback (most recent call last):
    ...
    genreclf.serving.server.status.ServingStatusError: Expected input 'text' of rank 1 ...
    """
    if expected.rank is None and len(received) > MAX_RANK:
        raise invalid_argument(
            f"Expected input '{name}' of rank at most {MAX_RANK}. Received: "
            f"rank={len(received)}. Send arrays nested less deeply."
        )
    want = expected.as_list() if expected.rank is not None else received
    where = f"(shape {want}) as signature '{signature_name or 'serving_default'}' declares"
    if len(received) != len(want):
        raise invalid_argument(
            f"Expected input '{name}' of rank {len(want)} {where}. Received: rank={len(received)}."
        )
    for axis, (got, need) in enumerate(zip(received, want)):
        if need is not None and got != need:
            raise invalid_argument(
                f"Expected dimension {axis} of input '{name}' to be {need} {where}. "
                f"Received: shape={received}."
            )


def signature_shape(tensor_info):
    """The shape a signature's `TensorInfo` declares (a `tf.TensorShape`)."""
    return tf.TensorShape(tensor_info.tensor_shape)


class Servable:
    """One version of one model, loaded and ready to serve.

    Example:

    >>> servable = Servable.load("genre", 1, "models/genre/1")  # doctest: +SKIP
    >>> servable.predict({"text": np.array([b"A spy"], object)})[1]["top_labels"]  # doctest: +SKIP
    """

    def __init__(self, name, version, path, loaded):
        self.name, self.version, self.path = name, version, path
        self._functions, self._example_features = dict(loaded.signatures), {}
        saved_model = saved_model_pb2.SavedModel()
        with open(os.path.join(path, "saved_model.pb"), "rb") as handle:
            saved_model.ParseFromString(handle.read())
        graphs = [g for g in saved_model.meta_graphs if "serve" in g.meta_info_def.tags]
        self.signature_defs = dict(graphs[0].signature_def) if graphs else {}
        try:
            with open(os.path.join(path, "assets", "labels.txt"), encoding="utf-8") as handle:
                self.classes = handle.read().rstrip("\n").split("\n")
        except OSError:
            self.classes = None
        self.classes = self.classes if self.classes and any(self.classes) else None

    @classmethod
    def load(cls, name, version, path, warmup=True):
        """Loads the SavedModel at `path` and replays its warmup predict requests."""
        servable = cls(name, version, path, tf.saved_model.load(path, tags=["serve"]))
        warmup_file = os.path.join(path, "assets.extra", "tf_serving_warmup_requests")
        if warmup and os.path.exists(warmup_file):
            for record in tf.data.TFRecordDataset(warmup_file).take(1000):  # TF Serving's cap
                request = prediction_log_pb2.PredictionLog.FromString(record.numpy())
                request = request.predict_log.request
                inputs = {k: tf.make_ndarray(v) for k, v in request.inputs.items()}
                if inputs:
                    servable.predict(inputs, request.model_spec.signature_name)
        return servable

    def signature(self, signature_name="", method=None):
        """`(key, SignatureDef)` ('' is `serving_default`); FAILED_PRECONDITION when there is
        none, INVALID_ARGUMENT when its method is not `method`."""
        key = signature_name or "serving_default"
        if key not in self.signature_defs or key not in self._functions:
            raise ServingStatusError(
                "FAILED_PRECONDITION",
                f'Serving signature "{key}" not found in model {self.name} version '
                f"{self.version}. Signatures: {sorted(self._functions)}.",
            )
        signature = self.signature_defs[key]
        if method is not None and signature.method_name != method:
            raise invalid_argument(
                f"Expected signature method_name {method} in '{key}'. Received: "
                f"{signature.method_name}. Name a matching signature with 'signature_name'."
            )
        return key, signature

    def input_specs(self, signature_name=""):
        """A signature's inputs, name → `tf.TensorSpec`."""
        _, signature = self.signature(signature_name)
        return {
            name: tf.TensorSpec(signature_shape(info), info.dtype, name)
            for name, info in signature.inputs.items()
        }

    def metadata(self):
        """A `GetModelMetadataResponse` with the `signature_def` field."""
        response = get_model_metadata_pb2.GetModelMetadataResponse()
        response.model_spec.name = self.name
        response.model_spec.version.value = self.version
        signatures = get_model_metadata_pb2.SignatureDefMap(signature_def=self.signature_defs)
        response.metadata["signature_def"].Pack(signatures)
        return response

    def _run(self, key, inputs, limits):
        limits = limits or Limits()
        limits.check_arrays(inputs)
        signature, features = self.signature_defs[key], self._example_features.get(key)

        def call(part, offset=0):
            try:
                tensors = {k: tf.constant(a, signature.inputs[k].dtype) for k, a in part.items()}
                return {k: v.numpy() for k, v in self._functions[key](**tensors).items()}
            except tf.errors.OpError as err:
                code = error_codes_pb2.Code.Name(err.error_code)
                code = code if code in HTTP_CODES else "INTERNAL"
                message = op_error_message(err.message, key, offset, features)
                raise ServingStatusError(code, message) from None
            except (TypeError, ValueError) as err:
                raise invalid_argument(str(err)) from None

        infos = (*signature.inputs.values(), *signature.outputs.values())
        rows, step = {len(a) if a.ndim else None for a in inputs.values()}, limits.chunk_size
        batch_major = all(s.rank and s[0] is None for s in map(signature_shape, infos))
        if not batch_major or len(rows) != 1 or None in rows or max(rows) <= step:
            return call(inputs)
        starts = range(0, max(rows), step)
        parts = [call({k: a[i : i + step] for k, a in inputs.items()}, i) for i in starts]
        return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}

    def predict(self, inputs, signature_name="", output_filter=(), limits=None):
        """Runs a signature on named arrays (strings as bytes objects), as TF Serving's
        Predict does; returns `(signature_key, outputs)`, outputs name → numpy array."""
        key, signature = self.signature(signature_name)
        if sorted(inputs) != sorted(signature.inputs):
            raise invalid_argument(
                f"Expected the inputs {sorted(signature.inputs)} of signature '{key}'. "
                f"Received: {sorted(inputs)}."
            )
        if set(output_filter) - set(signature.outputs):
            raise invalid_argument(
                f"Expected an output_filter out of {sorted(signature.outputs)}. "
                f"Received: {list(output_filter)}."
            )
        arrays = {name: np.asarray(value) for name, value in inputs.items()}
        for name, array in arrays.items():
            shape = signature_shape(signature.inputs[name])
            check_shape(name, list(array.shape), shape, key)
            if shape.rank and shape[0] is None and not len(array):  # as `{"instances": []}`
                raise invalid_argument(
                    f"Expected at least one instance: input '{name}' has no rows. Received: "
                    f"shape={list(array.shape)}. Send one or more values per input."
                )
        outputs = self._run(key, arrays, limits)
        return key, {k: outputs[k] for k in output_filter} if output_filter else outputs

    def _run_examples(self, examples, context, signature_name, method, outputs, limits):
        key, signature = self.signature(signature_name, f"tensorflow/serving/{method}")
        if list(signature.inputs) != ["inputs"] or not outputs & set(signature.outputs):
            raise invalid_argument(
                f"Expected {method} signature '{key}' to take 'inputs' and give "
                f"{' and/or '.join(sorted(outputs))}. Received: inputs="
                f"{sorted(signature.inputs)}, outputs={sorted(signature.outputs)}."
            )
        if not examples:
            raise invalid_argument("Expected at least one example. Received: none.")
        limits = limits or Limits()
        limits.check_examples(examples, context)  # before the context is copied per example
        if key not in self._example_features:  # what its graph parses, read once
            self._example_features[key] = ExampleFeatures.of(self._functions[key])
        if self._example_features[key] is not None:  # before TensorFlow's ParseExample error
            self._example_features[key].check(examples, context, key)
        prefix = context.SerializeToString() if context is not None else b""
        serialized = np.empty(len(examples), dtype=object)
        serialized[:] = [prefix + example.SerializeToString() for example in examples]
        return self._run(key, {"inputs": serialized}, limits)

    def classify(self, examples, context=None, signature_name="", limits=None):
        """Classifies `tf.train.Example`s (and a context example) as TF Serving's Classify
        does: per example, `(label, score)` pairs ('' without `classes`, 0.0 without `scores`)."""
        outputs = {"classes", "scores"}
        results = self._run_examples(examples, context, signature_name, "classify", outputs, limits)
        shapes = {np.shape(v) for k, v in results.items() if k in outputs}
        shape = next(iter(shapes))
        if len(shapes) > 1 or len(shape) != 2 or shape[0] != len(examples):
            raise invalid_argument(
                f"Expected classify outputs of shape [{len(examples)}, classes]. "
                f"Received: shapes {sorted(shapes)}."
            )
        classes = results.get("classes", np.full(shape, b"", object))
        scores = results.get("scores", np.zeros(shape, np.float32))
        return [
            [(c.decode("utf-8", "replace"), float(s)) for c, s in zip(*row)]
            for row in zip(classes, scores)
        ]

    def regress(self, examples, context=None, signature_name="", limits=None):
        """Regresses `tf.train.Example`s as TF Serving's Regress does: one float each
        (the signature's float32 output `outputs`, shape `[batch]` or `[batch, 1]`)."""
        results = self._run_examples(
            examples, context, signature_name, "regress", {"outputs"}, limits
        )
        values, count = results["outputs"], len(examples)
        shape_ok = values.ndim in (1, 2) and values.shape[0] == values.size == count
        if values.dtype != np.float32 or not shape_ok:
            raise invalid_argument(
                f"Expected a float output of shape [{count}] or [{count}, 1]. "
                f"Received: {values.dtype} {list(values.shape)}."
            )
        return values.reshape(-1).tolist()
