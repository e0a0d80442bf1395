"""The gRPC side of the local server: TF Serving's `PredictionService` and `ModelService`.

Implemented: `PredictionService/Predict`, `/Classify`, `/Regress`,
`/GetModelMetadata`, `ModelService/GetModelStatus`. `MultiInference` and
`HandleReloadConfigRequest` (the local server polls instead) get grpcio's
UNIMPLEMENTED.

An input `TensorProto` is checked before it becomes an array: its dtype and
rank against the signature, and exactly one value per element. Outputs are
written in typed value fields (`float_val`, `string_val`, ...) as TF Serving
writes them. Every call is recorded in the server's `ServingMetrics`.
"""

import functools
from concurrent import futures

import grpc
import tensorflow as tf
from tensorflow_serving.apis import classification_pb2
from tensorflow_serving.apis import model_service_pb2_grpc
from tensorflow_serving.apis import predict_pb2
from tensorflow_serving.apis import prediction_service_pb2_grpc
from tensorflow_serving.apis import regression_pb2

from genreclf.serving.server.limits import Limits
from genreclf.serving.server.limits import proto_shape
from genreclf.serving.server.limits import signature_shape
from genreclf.serving.server.metrics import ServingMetrics
from genreclf.serving.server.rest_api import metadata_proto
from genreclf.serving.server.rest_api import model_spec
from genreclf.serving.server.rest_api import status_proto
from genreclf.serving.server.status import ServingStatusError
from genreclf.serving.server.status import invalid_argument

_FIELDS = {
    tf.float32: "float_val",
    tf.float64: "double_val",
    tf.int32: "int_val",
    tf.int64: "int64_val",
    tf.bool: "bool_val",
}


def tensor_proto(array):
    """A numpy array as a `TensorProto` with typed value fields where TF Serving uses them.

    Example:

    >>> import numpy as np
    >>> proto = tensor_proto(np.array([[0.5, 0.25]], np.float32))
    >>> list(proto.float_val), [d.size for d in proto.tensor_shape.dim]
    ([0.5, 0.25], [1, 2])
    """
    dtype = tf.string if array.dtype.kind in "OSU" else tf.dtypes.as_dtype(array.dtype)
    proto = tf.make_tensor_proto(array, dtype=dtype)
    if dtype in _FIELDS and proto.tensor_content:
        proto.ClearField("tensor_content")
        getattr(proto, _FIELDS[dtype]).extend(array.reshape(-1).tolist())
    return proto


def _dtype_name(enum_value):
    try:
        return tf.dtypes.as_dtype(enum_value).name
    except TypeError:
        return f"<DataType {enum_value}>"


def _array(name, proto, info, signature_name):
    if proto.dtype != info.dtype:
        raise invalid_argument(
            f"Expected input '{name}' of dtype {_dtype_name(info.dtype)}. "
            f"Received: dtype={_dtype_name(proto.dtype)}."
        )
    proto_shape(name, proto, signature_shape(info), signature_name)
    try:
        return tf.make_ndarray(proto)
    except (TypeError, ValueError) as err:
        raise invalid_argument(f"Unable to parse the tensor of input '{name}': {err}") from None


def _spec_args(spec):
    choice = spec.WhichOneof("version_choice")
    version = spec.version.value if choice == "version" else None
    label = spec.version_label if choice == "version_label" else None
    return spec.name, version, label


def _examples(request_input):
    kind = request_input.WhichOneof("kind")
    if kind == "example_list_with_context":
        group = request_input.example_list_with_context
        return list(group.examples), group.context
    if kind == "example_list":
        return list(request_input.example_list.examples), None
    raise invalid_argument("Expected examples in 'input'. Received: an empty input.")


def _rpc(api):
    """Wraps a servicer method: a `metrics.Call` per RPC, status errors as aborts."""

    def wrap(method):
        @functools.wraps(method)
        def handle(self, request, context):
            call = self.metrics.start("grpc", api)
            spec = request.model_spec
            if self.store.has_model(spec.name):
                call.model = spec.name
            try:
                response = method(self, request, call)
            except ServingStatusError as err:
                call.finish(err.code)
                context.abort(getattr(grpc.StatusCode, err.code), err.message)
            except Exception:
                call.finish("UNKNOWN")
                raise
            call.finish("OK")
            return response

        return handle

    return wrap


class PredictionService(prediction_service_pb2_grpc.PredictionServiceServicer):
    """TF Serving's `tensorflow.serving.PredictionService` over a `ModelStore`."""

    def __init__(self, store, limits=None, metrics=None):
        self.store = store
        self.limits = limits or Limits()
        self.metrics = metrics or ServingMetrics()

    def _servable(self, request, call):
        servable = self.store.get(*_spec_args(request.model_spec))
        call.served_by(servable)
        return servable

    @_rpc("predict")
    def Predict(self, request, call):  # noqa: N802 - gRPC method name
        servable = self._servable(request, call)
        key, signature = servable.signature(request.model_spec.signature_name)
        inputs = {}
        for alias, proto in request.inputs.items():
            if alias in signature.inputs:  # unknown aliases: refused by predict
                inputs[alias] = _array(alias, proto, signature.inputs[alias], key)
            else:
                inputs[alias] = None
        key, outputs = servable.predict(
            inputs, key, tuple(request.output_filter), limits=self.limits
        )
        call.predicted_from(outputs, servable.classes)
        response = predict_pb2.PredictResponse()
        response.model_spec.CopyFrom(model_spec(servable.name, servable.version, key))
        for alias, array in outputs.items():
            response.outputs[alias].CopyFrom(tensor_proto(array))
        return response

    @_rpc("classify")
    def Classify(self, request, call):  # noqa: N802 - gRPC method name
        servable = self._servable(request, call)
        examples, context = _examples(request.input)
        signature_name = request.model_spec.signature_name
        results = servable.classify(examples, context, signature_name, limits=self.limits)
        call.classified(results)
        response = classification_pb2.ClassificationResponse()
        response.model_spec.CopyFrom(model_spec(servable.name, servable.version, signature_name))
        for pairs in results:
            classifications = response.result.classifications.add()
            for label, score in pairs:
                classifications.classes.add(label=label, score=score)
        return response

    @_rpc("regress")
    def Regress(self, request, call):  # noqa: N802 - gRPC method name
        servable = self._servable(request, call)
        examples, context = _examples(request.input)
        signature_name = request.model_spec.signature_name
        values = servable.regress(examples, context, signature_name, limits=self.limits)
        call.instances += len(values)
        response = regression_pb2.RegressionResponse()
        response.model_spec.CopyFrom(model_spec(servable.name, servable.version, signature_name))
        for value in values:
            response.result.regressions.add(value=value)
        return response

    @_rpc("metadata")
    def GetModelMetadata(self, request, call):  # noqa: N802 - gRPC method name
        if list(request.metadata_field) != ["signature_def"]:
            raise invalid_argument(
                "Expected metadata_field ['signature_def']. "
                f"Received: {list(request.metadata_field)}."
            )
        return metadata_proto(self._servable(request, call))


class ModelService(model_service_pb2_grpc.ModelServiceServicer):
    """TF Serving's `tensorflow.serving.ModelService` (status only) over a `ModelStore`."""

    def __init__(self, store, metrics=None):
        self.store = store
        self.metrics = metrics or ServingMetrics()

    @_rpc("status")
    def GetModelStatus(self, request, call):  # noqa: N802 - gRPC method name
        spec = request.model_spec
        version = spec.version.value if spec.WhichOneof("version_choice") == "version" else None
        response = status_proto(self.store, spec.name, version)
        call.version = "" if version is None else version
        return response


def create_grpc_server(store, address, workers, limits=None, metrics=None):
    """A gRPC server with both services, bound to `address` but not yet started.

    Args:
        store: the `ModelStore`.
        address: `host:port` to bind (port 0 picks a free one).
        workers: threads handling requests (model calls run in them).
        limits: the server's `Limits`: message size, RPCs in flight, handshake
            and idle timeouts.
        metrics: the `ServingMetrics` to record calls in.

    Returns:
        `(server, bound_port)`.
    """
    limits = limits or Limits()
    metrics = metrics or ServingMetrics()
    server = grpc.server(
        futures.ThreadPoolExecutor(max_workers=workers, thread_name_prefix="grpc"),
        options=[
            ("grpc.max_receive_message_length", limits.max_body_bytes),
            ("grpc.max_send_message_length", -1),
            ("grpc.so_reuseport", 0),
            ("grpc.server_handshake_timeout_ms", int(limits.header_timeout * 1000)),
            ("grpc.max_connection_idle_ms", int(limits.idle_timeout * 1000)),
            ("grpc.max_allowed_incoming_connections", limits.max_connections),
        ],
        maximum_concurrent_rpcs=limits.max_connections,
    )
    prediction_service_pb2_grpc.add_PredictionServiceServicer_to_server(
        PredictionService(store, limits, metrics), server
    )
    model_service_pb2_grpc.add_ModelServiceServicer_to_server(ModelService(store, metrics), server)
    bound = server.add_insecure_port(address)
    if bound == 0:
        raise OSError(f"Could not bind gRPC to {address}; is the port in use?")
    return server, bound
