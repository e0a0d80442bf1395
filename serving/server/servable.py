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

from google.protobuf import text_format
from tensorflow.core.framework import types_pb2
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


def _batch_dim(shape):
    """Whether a declared shape starts with a dimension of any size (the batch)."""
    return bool(shape.rank) and shape[0] is None


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

    def signature(self, signature_name="", missing="FAILED_PRECONDITION"):
        """`(key, SignatureDef)` ('' is `serving_default`); when there is none, an error of
        code `missing`: Predict's FAILED_PRECONDITION, or Classify's and Regress's
        INVALID_ARGUMENT (`missing="INVALID_ARGUMENT"`), with TF Serving's message."""
        key = signature_name or "serving_default"
        if key not in self.signature_defs or key not in self._functions:
            found = f"Signatures: {sorted(self._functions)}."
            if missing == "INVALID_ARGUMENT":  # classifier.cc / regressor.cc
                raise invalid_argument(f"No signature was found with the name: {key}. {found}")
            raise ServingStatusError(
                missing,
                f'Serving signature "{key}" not found in model {self.name} version '
                f"{self.version}. {found}",
            )
        return key, self.signature_defs[key]

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
            except UnicodeDecodeError as err:
                # TensorFlow raises this instead of an op's error when the error's message
                # quotes bytes that are not UTF-8 (ParseExample quotes the value it could
                # not parse); the message is `err.object`.
                if not isinstance(err.object, bytes):
                    raise invalid_argument(str(err)) from None
                text = err.object.decode("utf-8", "surrogateescape")  # shown as \xff
                raise invalid_argument(op_error_message(text, key, offset, features)) from None
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
        seen = set()
        for alias in output_filter:  # in order, as TF Serving checks them
            if alias not in signature.outputs:
                raise invalid_argument(
                    f"Expected an output_filter out of {sorted(signature.outputs)}. "
                    f"Received: {list(output_filter)[:20]}."
                )
            if alias in seen:
                raise invalid_argument(
                    f"duplicate output tensor alias: {alias}. Name each output once in "
                    f"output_filter. Received: {list(output_filter)[:20]}."
                )
            seen.add(alias)
        arrays = {name: np.asarray(value) for name, value in inputs.items()}
        for name, array in arrays.items():
            shape = signature_shape(signature.inputs[name])
            check_shape(name, list(array.shape), shape, key)
            if shape.rank and shape[0] is None and not len(array):  # as `{"instances": []}`
                raise invalid_argument(
                    f"Expected at least one instance: input '{name}' has no rows. Received: "
                    f"shape={list(array.shape)}. Send one or more values per input."
                )
        rows = {  # a batch dimension each: TF Serving's batching (the container's) wants one
            n: len(a)
            for n, a in arrays.items()
            if a.ndim and _batch_dim(signature_shape(signature.inputs[n]))
        }
        if len(set(rows.values())) > 1:  # was the model's op error ("ConcatOp : Dimension 0")
            raise invalid_argument(
                "Batching session Run() input tensors must have equal 0th-dimension size. "
                f"Received rows: {', '.join(f'{n}={c}' for n, c in sorted(rows.items()))}. "
                "Send one value of every input per instance, e.g. in the row form "
                '{"instances": [{...}, ...]}.'
            )
        outputs = self._run(key, arrays, limits)
        return key, {k: outputs[k] for k in output_filter} if output_filter else outputs

    def _run_examples(self, examples, context, signature_name, method, limits):
        key, signature = self.signature(signature_name, missing="INVALID_ARGUMENT")
        problem = _SIGNATURE_CHECKS[method](signature)
        if problem is not None:
            raise invalid_argument(problem)
        if not examples:  # TF Serving's InputToSerializedExampleTensor
            raise invalid_argument("Input is empty. Expected at least one example. Received: none.")
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
        does: per example, `(label, score)` pairs ('' without `classes`, 0.0 without `scores`).

        The signature is checked as TF Serving checks it by default (its method_name is not):
        one input, `inputs`; one or two outputs, `classes` and/or `scores`."""
        results = self._run_examples(examples, context, signature_name, "classify", limits)
        classes, scores = _classify_outputs(results, len(examples))
        shape = (classes if classes is not None else scores).shape
        classes = np.full(shape, b"", object) if classes is None else classes
        scores = np.zeros(shape, np.float32) if scores is None else scores
        return [
            [(c.decode("utf-8", "replace"), float(s)) for c, s in zip(*row)]
            for row in zip(classes, scores)
        ]

    def regress(self, examples, context=None, signature_name="", limits=None):
        """Regresses `tf.train.Example`s as TF Serving's Regress does: one float each.

        The signature is checked as TF Serving checks it by default (its method_name is not):
        one input, `inputs`; one output, `outputs`, float32 of shape `[batch]` or
        `[batch, 1]`."""
        results = self._run_examples(examples, context, signature_name, "regress", limits)
        values, count = np.asarray(results["outputs"]), len(examples)
        if not (values.ndim == 1 or (values.ndim == 2 and values.shape[1] == 1)):
            raise invalid_argument(
                "Expected output Tensor shape to be either [batch_size] or [batch_size, 1] "
                f"but got {_shape_text(values)}"
            )
        if values.shape[0] != count:
            raise invalid_argument(
                f"Input batch size did not match output batch size: {count} vs. {values.shape[0]}"
            )
        if values.dtype != np.float32:
            raise invalid_argument(
                f"Expected output Tensor of DT_FLOAT.  Got: {_dtype_name(values)}"
            )
        return values.reshape(-1).tolist()


def _signature_text(signature):
    """A SignatureDef on one line, as messages quote it."""
    return text_format.MessageToString(signature, as_one_line=True)


def _example_signature_counts(signature, method, outputs):
    """TF Serving's first checks of a classify or regress signature: its numbers of inputs
    and outputs (`outputs`: the counts allowed, and how its message says them)."""
    allowed, words = outputs
    received = (
        f" Received: signature inputs {sorted(signature.inputs)}, outputs "
        f"{sorted(signature.outputs)}; {method} reads serialized tf.Examples from one input, "
        "'inputs'. Name such a signature with 'signature_name'."
    )
    if len(signature.inputs) != 1:
        return "Expected one input Tensor." + received
    if len(signature.outputs) not in allowed:
        return words.format(len(signature.outputs)) + received
    return None


def classification_problem(signature):
    """What TF Serving's `PreProcessClassification` refuses in a signature (its messages),
    or None: it checks the inputs and outputs, not the method_name (TF Serving's default,
    `--enable_signature_method_name_check=false`)."""
    counts = ((1, 2), "Expected one or two output Tensors, found {}.")
    problem = _example_signature_counts(signature, "classify", counts)
    if problem is None and "inputs" not in signature.inputs:
        problem = f"No classification inputs found in SignatureDef: {_signature_text(signature)}"
    if problem is None and not {"classes", "scores"} & set(signature.outputs):
        problem = (
            'Expected classification signature outputs to contain at least one of "classes" '
            f'or "scores". Signature was: {_signature_text(signature)}'
        )
    return problem


def regression_problem(signature):
    """What TF Serving's `PreProcessRegression` refuses in a signature (its messages), or
    None; as `classification_problem`, the method_name is not checked."""
    problem = _example_signature_counts(signature, "regress", ((1,), "Expected one output Tensor."))
    if problem is None and "inputs" not in signature.inputs:
        problem = f"No regression inputs found in SignatureDef: {_signature_text(signature)}"
    if problem is None and "outputs" not in signature.outputs:
        problem = f"No regression outputs found in SignatureDef: {_signature_text(signature)}"
    return problem


_SIGNATURE_CHECKS = {"classify": classification_problem, "regress": regression_problem}


def _shape_text(array):
    """A shape as TensorFlow's `TensorShape::DebugString` writes it, e.g. `[2,3]`."""
    return "[" + ",".join(str(size) for size in np.shape(array)) + "]"


def _dtype_name(array):
    """An array's dtype as TensorFlow's `DataType_Name` writes it, e.g. `DT_INT64`."""
    if array.dtype.kind in "OSU":
        return "DT_STRING"
    try:
        return types_pb2.DataType.Name(tf.dtypes.as_dtype(array.dtype).as_datatype_enum)
    except TypeError:  # a numpy dtype TensorFlow has no name for
        return str(array.dtype)


def _classify_outputs(results, count):
    """`(classes, scores)` of a classify signature's results (None where it has not that
    output), refused as TF Serving's `PostProcessClassificationResult` refuses them: each of
    shape `[count, K]`, classes strings and scores float32, the same K."""
    found = {}
    for name, dtype in (("classes", "DT_STRING"), ("scores", "DT_FLOAT")):
        if name not in results:
            continue
        array = np.asarray(results[name])
        if array.ndim != 2:
            raise invalid_argument(
                f"Expected Tensor shape: [batch_size num_classes] but got {_shape_text(array)}"
            )
        if _dtype_name(array) != dtype:
            raise invalid_argument(f"Expected {name} Tensor of {dtype}. Got: {_dtype_name(array)}")
        if array.shape[0] != count:
            raise invalid_argument(
                f"Expected {name} output batch size of {count}. Got: {array.shape[0]}"
            )
        found[name] = array
    classes, scores = found.get("classes"), found.get("scores")
    if classes is not None and scores is not None and classes.shape[1] != scores.shape[1]:
        raise invalid_argument(
            "Tensors class and score should match in dim_size(1). Got "
            f"{classes.shape[1]} vs. {scores.shape[1]}"
        )
    return classes, scores
