"""One loaded version of one SavedModel, called with TF Serving's rules.

`Servable.load(name, version, path)` loads a SavedModel with TensorFlow only
(plus `tensorflow_text`, so TF Text ops resolve, as in the TF Serving image),
reads its `SignatureDef`s from `saved_model.pb` (the same protos TF Serving
reads, so metadata is identical), replays `assets.extra/tf_serving_warmup_requests`
if present, and then runs:

* `predict(inputs, signature_name, output_filter)`: TF Serving's
  `predict_util.cc` checks (input aliases, output filter) and messages;
* `classify(examples, context, signature_name)`: TF Serving's
  `classifier.cc` checks (`tensorflow/serving/classify` method name, one
  `inputs` tensor, `classes` and/or `scores` outputs) and result layout.
"""

import numpy as np
import tensorflow as tf

try:  # Registers TF Text ops, as the TF Serving image has them.
    import tensorflow_text  # noqa: F401
except ImportError:  # pragma: no cover - tensorflow-text is a core dependency
    tensorflow_text = None

from tensorflow.core.framework import types_pb2

from genreclf.serving.server.json_values import DTYPE_STRINGS
from genreclf.serving.server.limits import RequestLimits
from genreclf.serving.server.limits import check_shape
from genreclf.serving.server.limits import run_in_chunks
from genreclf.serving.server.limits import signature_shape
from genreclf.serving.server.saved_model_files import read_classes
from genreclf.serving.server.saved_model_files import read_signature_defs
from genreclf.serving.server.saved_model_files import replay_warmup
from genreclf.serving.server.status import ServingStatusError
from genreclf.serving.server.status import invalid_argument

CLASSIFY_METHOD = "tensorflow/serving/classify"
REGRESS_METHOD = "tensorflow/serving/regress"
DEFAULT_SIGNATURE = "serving_default"

_TF_ERROR_CODES = {
    tf.errors.InvalidArgumentError: "INVALID_ARGUMENT",
    tf.errors.NotFoundError: "NOT_FOUND",
    tf.errors.FailedPreconditionError: "FAILED_PRECONDITION",
    tf.errors.OutOfRangeError: "OUT_OF_RANGE",
    tf.errors.ResourceExhaustedError: "RESOURCE_EXHAUSTED",
    tf.errors.UnimplementedError: "UNIMPLEMENTED",
    tf.errors.DeadlineExceededError: "DEADLINE_EXCEEDED",
    tf.errors.UnavailableError: "UNAVAILABLE",
}


def dtype_name(enum_value):
    """`DataType` enum → its name, e.g. 7 → `"DT_STRING"`.

    Example:

    >>> dtype_name(1)
    'DT_FLOAT'
    """
    return types_pb2.DataType.Name(enum_value)


def _dtype_string(enum_value):
    """DataTypeString(): `DT_FLOAT` → `float`, as TF's messages say it."""
    name = dtype_name(enum_value)
    return DTYPE_STRINGS.get(name, name[3:].lower())


def _error_from_exception(err):
    for error_type, code in _TF_ERROR_CODES.items():
        if isinstance(err, error_type):
            return ServingStatusError(code, err.message)
    if isinstance(err, tf.errors.OpError):
        return ServingStatusError("INTERNAL", err.message)
    return ServingStatusError("INVALID_ARGUMENT", str(err))


class Servable:
    """One version of one model, loaded and ready to serve.

    Args:
        name: the model name (the folder under the base path).
        version: the integer version (the folder under the model folder).
        path: the SavedModel directory.
        loaded: the object `tf.saved_model.load` returned.
        signature_defs: signature key → `SignatureDef` (see `read_signature_defs`).

    Example:

    >>> servable = Servable.load("genre", 1, "models/genre/1")  # doctest: +SKIP
    >>> servable.predict({"text": np.array([b"A spy"], object)})[1]["top_labels"]  # doctest: +SKIP
    """

    def __init__(self, name, version, path, loaded, signature_defs):
        self.name = name
        self.version = version
        self.path = path
        self.loaded = loaded
        self.signature_defs = signature_defs
        self._functions = dict(loaded.signatures)
        self.classes = read_classes(path)

    @classmethod
    def load(cls, name, version, path, warmup=True):
        """Loads the SavedModel at `path` and replays its warmup requests."""
        signature_defs = read_signature_defs(path)
        loaded = tf.saved_model.load(path, tags=["serve"])
        servable = cls(name, version, path, loaded, signature_defs)
        if warmup:
            servable.warmup()
        return servable

    def input_dtypes(self, signature_name):
        """Signature inputs, name → dtype name; raises like TF Serving's REST handler."""
        key = signature_name or DEFAULT_SIGNATURE
        if key not in self.signature_defs:
            raise invalid_argument('Serving signature name: "', key, '" not found in signature def')
        return {
            alias: dtype_name(info.dtype) for alias, info in self.signature_defs[key].inputs.items()
        }

    def input_shapes(self, signature_name):
        """Signature inputs, name → declared shape (`[-1]`) or None (any rank)."""
        key = signature_name or DEFAULT_SIGNATURE
        if key not in self.signature_defs:
            return {}
        return {
            alias: signature_shape(info) for alias, info in self.signature_defs[key].inputs.items()
        }

    def _batch_major(self, key):
        """True when every input and output of a signature is batch-first (chunkable)."""
        signature = self.signature_defs[key]
        shapes = [
            signature_shape(info)
            for info in (*signature.inputs.values(), *signature.outputs.values())
        ]
        return all(shape and shape[0] == -1 for shape in shapes)

    def _call(self, key, tensors):
        function = self._functions.get(key)
        if function is None:
            raise ServingStatusError(
                "FAILED_PRECONDITION", f'Serving signature key "{key}" not found.'
            )
        try:
            outputs = function(**tensors)
        except (tf.errors.OpError, TypeError, ValueError) as err:
            raise _error_from_exception(err) from None
        return {alias: value.numpy() for alias, value in outputs.items()}

    def _to_tensors(self, signature, inputs):
        tensors = {}
        for index, alias in enumerate(sorted(inputs)):
            expected = signature.inputs[alias].dtype
            value = np.asarray(inputs[alias])
            got = (
                types_pb2.DT_STRING
                if value.dtype.kind in "OSU"
                else (tf.dtypes.as_dtype(value.dtype).as_datatype_enum)
            )
            if got != expected:  # the session would refuse the feed
                raise invalid_argument(
                    f"Expects arg[{index}] to be {_dtype_string(expected)} "
                    f"but {_dtype_string(got)} is provided"
                )
            try:
                tensors[alias] = tf.constant(value, dtype=tf.dtypes.as_dtype(expected))
            except (TypeError, ValueError, tf.errors.OpError) as err:
                raise invalid_argument(str(err)) from None
        return tensors

    def predict(self, inputs, signature_name="", output_filter=(), limits=None):
        """Runs a signature on named input arrays, as TF Serving's Predict does.

        Ranks and fixed dimensions are checked against the signature and the
        text caps of `limits` applied before TensorFlow sees the inputs; large
        batches run through the model `limits.chunk_size` rows at a time.

        Args:
            inputs: alias → numpy array (strings as bytes objects).
            signature_name: the signature key; empty means `serving_default`.
            output_filter: output aliases to return; empty means all.
            limits: a `RequestLimits` (default: `RequestLimits()`).

        Returns:
            `(signature_key, outputs, output_dtypes)`: outputs alias → numpy array.
        """
        key = signature_name or DEFAULT_SIGNATURE
        if key not in self.signature_defs:
            raise ServingStatusError(
                "FAILED_PRECONDITION", f'Serving signature key "{key}" not found.'
            )
        signature = self.signature_defs[key]
        expected = sorted(signature.inputs)
        if len(inputs) != len(expected):
            sent = sorted(inputs)
            raise invalid_argument(
                f"input size does not match signature: {len(sent)}!={len(expected)} "
                f"len({{{','.join(sent)}}}) != len({{{','.join(expected)}}}). "
                f"Sent extra: {{{','.join(sorted(set(sent) - set(expected)))}}}. "
                f"Missing but required: {{{','.join(sorted(set(expected) - set(sent)))}}}."
            )
        for alias in sorted(inputs):
            if alias not in signature.inputs:
                raise invalid_argument(
                    f"input tensor alias not found in signature: {alias}. Inputs "
                    f"expected to be in the set {{{','.join(expected)}}}."
                )
        for alias in output_filter:
            if alias not in signature.outputs:
                raise invalid_argument(
                    f"output tensor alias not found in signature: {alias} Outputs "
                    f"expected to be in the set {{{','.join(sorted(signature.outputs))}}}."
                )
        limits = limits or RequestLimits()
        for alias in sorted(inputs):
            check_shape(
                alias, list(np.shape(inputs[alias])), signature_shape(signature.inputs[alias]), key
            )
        limits.check_arrays({alias: np.asarray(value) for alias, value in inputs.items()})
        outputs = run_in_chunks(
            lambda part: self._call(key, self._to_tensors(signature, part)),
            {alias: np.asarray(value) for alias, value in inputs.items()},
            limits.chunk_size,
            self._batch_major(key),
        )
        if output_filter:
            outputs = {alias: outputs[alias] for alias in output_filter}
        dtypes = {alias: dtype_name(signature.outputs[alias].dtype) for alias in outputs}
        return key, outputs, dtypes

    def _classification_signature(self, signature_name):
        key = signature_name or DEFAULT_SIGNATURE
        if key not in self.signature_defs:
            raise invalid_argument("No signature was found with the name: ", key)
        signature = self.signature_defs[key]
        if signature.method_name != CLASSIFY_METHOD:
            raise invalid_argument(
                "Expected classification signature method_name to be ",
                CLASSIFY_METHOD,
                ". Was: ",
                signature.method_name,
            )
        if len(signature.inputs) != 1:
            raise invalid_argument("Expected one input Tensor.")
        if len(signature.outputs) not in (1, 2):
            raise invalid_argument(
                "Expected one or two output Tensors, found ", len(signature.outputs)
            )
        if "inputs" not in signature.inputs:
            raise invalid_argument("No classification inputs found in SignatureDef: ", signature)
        if "classes" not in signature.outputs and "scores" not in signature.outputs:
            raise invalid_argument(
                "Expected classification signature outputs to contain at least one of "
                '"classes" or "scores". Signature was: ',
                signature,
            )
        return key, signature

    def _run_examples(self, key, examples, context, limits):
        """Runs a signature on serialized examples (context prepended), in chunks."""
        if not examples:
            raise invalid_argument("Input is empty.")
        limits = limits or RequestLimits()
        prefix = context.SerializeToString() if context is not None else b""
        serialized = np.empty(len(examples), dtype=object)
        serialized[:] = [prefix + example.SerializeToString() for example in examples]
        limits.check_arrays({"inputs": serialized})
        return run_in_chunks(
            lambda part: self._call(key, {"inputs": tf.constant(part["inputs"], dtype=tf.string)}),
            {"inputs": serialized},
            limits.chunk_size,
            self._batch_major(key),
        )

    def classify(self, examples, context=None, signature_name="", limits=None):
        """Classifies `tf.train.Example`s, as TF Serving's Classify does.

        Args:
            examples: a list of `tf.train.Example` protos.
            context: an optional `tf.train.Example` whose features every example gets.
            signature_name: the signature key; empty means `serving_default`
                (which TF Serving then rejects unless it is a classify signature).
            limits: a `RequestLimits` (default: `RequestLimits()`).

        Returns:
            One list of `(label, score)` pairs per example (`label` is '' when the
            signature has no `classes` output, `score` 0.0 when it has no `scores`).
        """
        key, signature = self._classification_signature(signature_name)
        outputs = self._run_examples(key, examples, context, limits)
        classes = outputs.get("classes") if "classes" in signature.outputs else None
        scores = outputs.get("scores") if "scores" in signature.outputs else None
        count = len(examples)
        for label, tensor in (("classes", classes), ("scores", scores)):
            if tensor is None:
                continue
            if tensor.ndim != 2:
                raise invalid_argument(
                    "Expected Tensor shape: [batch_size num_classes] but got ", list(tensor.shape)
                )
            if tensor.shape[0] != count:
                raise invalid_argument(
                    f"Expected {label} output batch size of {count}. Got: {tensor.shape[0]}"
                )
        if classes is not None and scores is not None and classes.shape[1] != scores.shape[1]:
            raise invalid_argument(
                "Tensors class and score should match in dim_size(1). Got ",
                classes.shape[1],
                " vs. ",
                scores.shape[1],
            )
        width = (classes if classes is not None else scores).shape[1]
        return [
            [
                (
                    classes[row, col].decode("utf-8", "replace") if classes is not None else "",
                    float(scores[row, col]) if scores is not None else 0.0,
                )
                for col in range(width)
            ]
            for row in range(count)
        ]

    def regress(self, examples, context=None, signature_name="", limits=None):
        """Regresses `tf.train.Example`s, as TF Serving's Regress does.

        The signature must have method name `tensorflow/serving/regress`, one
        input `inputs` (serialized examples) and one float output `outputs` of
        shape `[batch]` or `[batch, 1]`.

        Returns:
            One float per example.
        """
        key = signature_name or DEFAULT_SIGNATURE
        if key not in self.signature_defs:
            raise invalid_argument("No signature was found with the name: ", key)
        signature = self.signature_defs[key]
        if signature.method_name != REGRESS_METHOD:
            raise invalid_argument(
                "Expected regression signature method_name to be ",
                REGRESS_METHOD,
                ". Was: ",
                signature.method_name,
            )
        if list(signature.inputs) != ["inputs"]:
            raise invalid_argument("Expected one input Tensor named 'inputs'.")
        if list(signature.outputs) != ["outputs"]:
            raise invalid_argument(
                "Expected one output Tensor named 'outputs'. Received: outputs=",
                sorted(signature.outputs),
            )
        values = self._run_examples(key, examples, context, limits)["outputs"]
        if values.ndim == 2 and values.shape[1] == 1:
            values = values[:, 0]
        if values.ndim != 1:
            raise invalid_argument(
                "Expected output Tensor shape to be either [batch_size] or [batch_size, 1] "
                "but got ",
                list(values.shape),
            )
        if values.shape[0] != len(examples):
            raise invalid_argument(
                "Input batch size did not match output batch size: ",
                len(examples),
                " vs. ",
                values.shape[0],
            )
        if values.dtype != np.float32:
            raise invalid_argument("Expected output Tensor of DT_FLOAT. Got: ", values.dtype)
        return [float(v) for v in values]

    def warmup(self):
        """Replays `assets.extra/tf_serving_warmup_requests` (PredictionLog records)."""
        return replay_warmup(self)
