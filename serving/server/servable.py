"""One loaded version of one SavedModel, called the way TF Serving calls it.

`Servable.load(name, version, path)` loads a SavedModel with TensorFlow only
(plus `tensorflow_text`, whose ops the TF Serving image has), reads its
`SignatureDef`s from `saved_model.pb` (what TF Serving's metadata shows) and its
class names from `assets/labels.txt`, and replays
`assets.extra/tf_serving_warmup_requests`. `predict` runs a signature on named
arrays; `classify` (method `tensorflow/serving/classify`: `inputs` of serialized
examples → `classes` and/or `scores`) and `regress` (`tensorflow/serving/regress`:
→ one float `outputs`) run `tf.train.Example`s. Inputs are checked against the
signature and the `Limits` first; batches run through the model in chunks.
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

from genreclf.serving.server.limits import Limits
from genreclf.serving.server.limits import check_shape
from genreclf.serving.server.status import HTTP_CODES
from genreclf.serving.server.status import ServingStatusError
from genreclf.serving.server.status import invalid_argument

WARMUP_FILE = os.path.join("assets.extra", "tf_serving_warmup_requests")
MAX_WARMUP_RECORDS = 1000  # TF Serving reads at most this many.


def read_signature_defs(path):
    """The `SignatureDef` map of the meta graph tagged `serve` in a SavedModel."""
    saved_model = saved_model_pb2.SavedModel()
    with open(os.path.join(path, "saved_model.pb"), "rb") as handle:
        saved_model.ParseFromString(handle.read())
    for meta_graph in saved_model.meta_graphs:
        if "serve" in meta_graph.meta_info_def.tags:
            return dict(meta_graph.signature_def)
    raise ValueError(f"Expected a meta graph tagged 'serve' in {path}/saved_model.pb.")


def signature_shape(tensor_info):
    """The shape a `TensorInfo` declares, as a `tf.TensorShape` (None: any size / rank)."""
    return tf.TensorShape(tensor_info.tensor_shape)


class Servable:
    """One version of one model, loaded and ready to serve.

    Example:

    >>> servable = Servable.load("genre", 1, "models/genre/1")  # doctest: +SKIP
    >>> servable.predict({"text": np.array([b"A spy"], object)})[1]["top_labels"]  # doctest: +SKIP
    """

    def __init__(self, name, version, path, loaded, signature_defs):
        self.name, self.version, self.path = name, version, path
        self.signature_defs = signature_defs
        self._functions = dict(loaded.signatures)
        try:
            with open(os.path.join(path, "assets", "labels.txt"), encoding="utf-8") as handle:
                self.classes = handle.read().rstrip("\n").split("\n")
        except OSError:
            self.classes = None
        self.classes = self.classes if self.classes and any(self.classes) else None

    @classmethod
    def load(cls, name, version, path, warmup=True):
        """Loads the SavedModel at `path` and replays its warmup requests."""
        loaded = tf.saved_model.load(path, tags=["serve"])
        servable = cls(name, version, path, loaded, read_signature_defs(path))
        if warmup:
            servable.warmup()
        return servable

    def signature(self, signature_name="", method=None):
        """`(key, SignatureDef)` of a signature ('' is `serving_default`).

        Raises:
            ServingStatusError: FAILED_PRECONDITION when there is no such
                signature, INVALID_ARGUMENT when its method is not `method`.
        """
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
        """Signature inputs, name → `tf.TensorSpec` (declared shape and dtype)."""
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
        """Calls a signature on checked arrays, in chunks of rows when it is batch-first."""
        limits = limits or Limits()
        limits.check_arrays(inputs)
        signature = self.signature_defs[key]

        def call(part):
            try:
                tensors = {k: tf.constant(a, signature.inputs[k].dtype) for k, a in part.items()}
                return {k: v.numpy() for k, v in self._functions[key](**tensors).items()}
            except tf.errors.OpError as err:
                code = error_codes_pb2.Code.Name(err.error_code)
                code = code if code in HTTP_CODES else "INTERNAL"
                raise ServingStatusError(code, err.message) from None
            except (TypeError, ValueError) as err:
                raise invalid_argument(str(err)) from None

        infos = (*signature.inputs.values(), *signature.outputs.values())
        rows, step = {len(a) if a.ndim else None for a in inputs.values()}, limits.chunk_size
        batch_major = all(s.rank and s[0] is None for s in map(signature_shape, infos))
        if not batch_major or len(rows) != 1 or None in rows or max(rows) <= step:
            return call(inputs)
        parts = [
            call({k: a[i : i + step] for k, a in inputs.items()}) for i in range(0, max(rows), step)
        ]
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
        unknown = sorted(set(output_filter) - set(signature.outputs))
        if unknown:
            raise invalid_argument(
                f"Expected an output_filter out of {sorted(signature.outputs)}. Received: {unknown}."
            )
        arrays = {name: np.asarray(value) for name, value in inputs.items()}
        for name, array in arrays.items():
            check_shape(name, list(array.shape), signature_shape(signature.inputs[name]), key)
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
        prefix = context.SerializeToString() if context is not None else b""
        serialized = np.empty(len(examples), dtype=object)
        serialized[:] = [prefix + example.SerializeToString() for example in examples]
        return self._run(key, {"inputs": serialized}, limits)

    def classify(self, examples, context=None, signature_name="", limits=None):
        """Classifies `tf.train.Example`s (with an optional context example) as TF
        Serving's Classify does: per example, a list of `(label, score)` pairs ('' with no
        `classes` output, 0.0 with no `scores`)."""
        results = self._run_examples(
            examples, context, signature_name, "classify", {"classes", "scores"}, limits
        )
        classes, scores = results.get("classes"), results.get("scores")
        shapes = {np.shape(v) for k, v in results.items() if k in ("classes", "scores")}
        shape = next(iter(shapes))
        if len(shapes) > 1 or len(shape) != 2 or shape[0] != len(examples):
            raise invalid_argument(
                f"Expected classify outputs of shape [{len(examples)}, classes]. "
                f"Received: shapes {sorted(shapes)}."
            )
        if classes is None:
            classes = np.full(shape, b"", object)
        if scores is None:
            scores = np.zeros(shape, np.float32)
        return [
            [(c.decode("utf-8", "replace"), float(s)) for c, s in zip(*row)]
            for row in zip(classes, scores)
        ]

    def regress(self, examples, context=None, signature_name="", limits=None):
        """Regresses `tf.train.Example`s as TF Serving's Regress does: one float each
        (the signature's one float32 output `outputs`, shape `[batch]` or `[batch, 1]`)."""
        values = self._run_examples(
            examples, context, signature_name, "regress", {"outputs"}, limits
        )["outputs"]
        count = len(examples)
        shape_ok = values.ndim in (1, 2) and values.shape[0] == values.size == count
        if values.dtype != np.float32 or not shape_ok:
            raise invalid_argument(
                f"Expected a float output of shape [{count}] or [{count}, 1]. "
                f"Received: {values.dtype} {list(values.shape)}."
            )
        return values.reshape(-1).tolist()

    def warmup(self):
        """Replays `assets.extra/tf_serving_warmup_requests`; returns how many records."""
        from tensorflow_serving.apis import prediction_log_pb2

        path = os.path.join(self.path, WARMUP_FILE)
        if not os.path.exists(path):
            return 0
        count = 0
        for record in tf.data.TFRecordDataset(path).take(MAX_WARMUP_RECORDS):
            log = prediction_log_pb2.PredictionLog.FromString(record.numpy())
            kind = log.WhichOneof("log_type")
            if kind == "predict_log":
                request = log.predict_log.request
                inputs = {k: tf.make_ndarray(v) for k, v in request.inputs.items()}
                self.predict(inputs, request.model_spec.signature_name, request.output_filter)
            elif kind == "classify_log":
                request = log.classify_log.request
                group, context = request.input.example_list, None
                if request.input.WhichOneof("kind") == "example_list_with_context":
                    group = request.input.example_list_with_context
                    context = group.context
                self.classify(list(group.examples), context, request.model_spec.signature_name)
            count += 1
        return count
