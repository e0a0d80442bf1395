"""The gRPC side of the local server: TF Serving's `PredictionService` and `ModelService`.

Implemented: `PredictionService/Predict`, `/Classify`, `/Regress`,
`/GetModelMetadata`, `ModelService/GetModelStatus`, with TF Serving's messages
and status codes (INVALID_ARGUMENT, NOT_FOUND, FAILED_PRECONDITION). Answered
UNIMPLEMENTED on purpose: `MultiInference` (call Predict, Classify or Regress
separately) and `ModelService/HandleReloadConfigRequest` (the local server
re-reads the base path by polling instead).

Input tensors are checked before they become arrays: rank and fixed
dimensions against the signature, and exactly one value per element.

Output tensors are written like TF Serving's default (`Tensor::AsProtoField`:
`float_val`, `string_val`, ..., not `tensor_content`).
"""

from concurrent import futures

import grpc
import tensorflow as tf
from tensorflow.core.framework import tensor_pb2
from tensorflow.core.framework import tensor_shape_pb2
from tensorflow.core.framework import types_pb2
from tensorflow_serving.apis import classification_pb2
from tensorflow_serving.apis import model_service_pb2_grpc
from tensorflow_serving.apis import predict_pb2
from tensorflow_serving.apis import prediction_service_pb2_grpc
from tensorflow_serving.apis import regression_pb2

from genreclf.serving.server.limits import RequestLimits
from genreclf.serving.server.limits import proto_shape
from genreclf.serving.server.rest_api import metadata_proto
from genreclf.serving.server.rest_api import model_spec
from genreclf.serving.server.rest_api import status_proto
from genreclf.serving.server.status import ServingStatusError
from genreclf.serving.server.status import invalid_argument

_FIELDS = {
    "DT_FLOAT": "float_val",
    "DT_DOUBLE": "double_val",
    "DT_INT32": "int_val",
    "DT_INT16": "int_val",
    "DT_INT8": "int_val",
    "DT_UINT8": "int_val",
    "DT_INT64": "int64_val",
    "DT_BOOL": "bool_val",
    "DT_STRING": "string_val",
    "DT_UINT32": "uint32_val",
    "DT_UINT64": "uint64_val",
}


def tensor_proto(array, dtype_name):
    """A numpy array as a `TensorProto` with typed value fields (AsProtoField).

    Example:

    >>> import numpy as np
    >>> proto = tensor_proto(np.array([[0.5, 0.25]], np.float32), "DT_FLOAT")
    >>> list(proto.float_val), [d.size for d in proto.tensor_shape.dim]
    ([0.5, 0.25], [1, 2])
    """
    proto = tensor_pb2.TensorProto(dtype=types_pb2.DataType.Value(dtype_name))
    proto.tensor_shape.CopyFrom(
        tensor_shape_pb2.TensorShapeProto(
            dim=[tensor_shape_pb2.TensorShapeProto.Dim(size=d) for d in array.shape]
        )
    )
    field = _FIELDS.get(dtype_name)
    if field is None:
        proto.CopyFrom(tf.make_tensor_proto(array))
        return proto
    flat = array.reshape(-1)
    if dtype_name == "DT_STRING":
        getattr(proto, field).extend(
            [v if isinstance(v, bytes) else str(v).encode("utf-8") for v in flat]
        )
    else:
        getattr(proto, field).extend(flat.tolist())
    return proto


def _array(name, proto, expected_shape, signature_name):
    proto_shape(name, proto, expected_shape, signature_name)
    try:
        return tf.make_ndarray(proto)
    except (TypeError, ValueError) as err:
        raise invalid_argument("Unable to parse tensor proto: ", err) from None


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
    raise invalid_argument("Input is empty.")


def _abort(context, err):
    context.abort(getattr(grpc.StatusCode, err.code), err.message)


class PredictionService(prediction_service_pb2_grpc.PredictionServiceServicer):
    """TF Serving's `tensorflow.serving.PredictionService` over a `ModelStore`."""

    def __init__(self, store, limits=None):
        self.store = store
        self.limits = limits or RequestLimits()

    def Predict(self, request, context):  # noqa: N802 - gRPC method name
        try:
            servable = self.store.get(*_spec_args(request.model_spec))
            signature_name = request.model_spec.signature_name
            shapes = servable.input_shapes(signature_name)
            inputs = {
                alias: _array(alias, proto, shapes.get(alias), signature_name)
                for alias, proto in request.inputs.items()
            }
            key, outputs, dtypes = servable.predict(
                inputs, signature_name, tuple(request.output_filter), limits=self.limits
            )
        except ServingStatusError as err:
            return _abort(context, err)
        response = predict_pb2.PredictResponse()
        response.model_spec.CopyFrom(model_spec(servable.name, servable.version, key))
        for alias, array in outputs.items():
            response.outputs[alias].CopyFrom(tensor_proto(array, dtypes[alias]))
        return response

    def Classify(self, request, context):  # noqa: N802 - gRPC method name
        try:
            servable = self.store.get(*_spec_args(request.model_spec))
            examples, example_context = _examples(request.input)
            results = servable.classify(
                examples, example_context, request.model_spec.signature_name, limits=self.limits
            )
        except ServingStatusError as err:
            return _abort(context, err)
        response = classification_pb2.ClassificationResponse()
        response.model_spec.CopyFrom(
            model_spec(servable.name, servable.version, request.model_spec.signature_name)
        )
        for pairs in results:
            classifications = response.result.classifications.add()
            for label, score in pairs:
                classifications.classes.add(label=label, score=score)
        return response

    def GetModelMetadata(self, request, context):  # noqa: N802 - gRPC method name
        try:
            if not request.metadata_field:
                raise invalid_argument(
                    "GetModelMetadataRequest must specify at least one metadata_field"
                )
            for field in request.metadata_field:
                if field != "signature_def":
                    raise invalid_argument("Metadata field ", field, " is not supported")
            servable = self.store.get(*_spec_args(request.model_spec))
        except ServingStatusError as err:
            return _abort(context, err)
        return metadata_proto(servable)

    def Regress(self, request, context):  # noqa: N802 - gRPC method name
        try:
            servable = self.store.get(*_spec_args(request.model_spec))
            examples, example_context = _examples(request.input)
            values = servable.regress(
                examples, example_context, request.model_spec.signature_name, limits=self.limits
            )
        except ServingStatusError as err:
            return _abort(context, err)
        response = regression_pb2.RegressionResponse()
        response.model_spec.CopyFrom(
            model_spec(servable.name, servable.version, request.model_spec.signature_name)
        )
        for value in values:
            response.result.regressions.add(value=value)
        return response

    def MultiInference(self, request, context):  # noqa: N802 - gRPC method name
        context.abort(
            grpc.StatusCode.UNIMPLEMENTED,
            "MultiInference is not implemented by the genreclf local server; "
            "call Predict and Classify, or use TF Serving.",
        )


class ModelService(model_service_pb2_grpc.ModelServiceServicer):
    """TF Serving's `tensorflow.serving.ModelService` (status only) over a `ModelStore`."""

    def __init__(self, store):
        self.store = store

    def GetModelStatus(self, request, context):  # noqa: N802 - gRPC method name
        try:
            if not request.HasField("model_spec"):
                raise invalid_argument("Missing ModelSpec")
            spec = request.model_spec
            version = spec.version.value if spec.WhichOneof("version_choice") == "version" else None
            return status_proto(self.store, spec.name, version)
        except ServingStatusError as err:
            return _abort(context, err)

    def HandleReloadConfigRequest(self, request, context):  # noqa: N802 - gRPC method name
        context.abort(
            grpc.StatusCode.UNIMPLEMENTED,
            "The genreclf local server reloads by polling the base path; "
            "HandleReloadConfigRequest is not implemented.",
        )


def create_grpc_server(
    store,
    host,
    port,
    max_workers,
    max_message_bytes,
    *,
    limits=None,
    max_connections=1000,
    header_timeout=10.0,
    idle_timeout=60.0,
):
    """A gRPC server with both services, bound but not yet started.

    Args:
        store: the `ModelStore`.
        host: the interface to bind (127.0.0.1 by default in the CLI).
        port: the port.
        max_workers: threads handling requests (model calls run in them).
        max_message_bytes: largest request accepted (RESOURCE_EXHAUSTED above).
        limits: the per-request `RequestLimits`.
        max_connections: the most connections held open, and the most RPCs
            in flight (RESOURCE_EXHAUSTED above).
        header_timeout: seconds a new connection has to finish its handshake.
        idle_timeout: seconds after which an idle connection is closed.

    Returns:
        `(server, bound_port)`.
    """
    server = grpc.server(
        futures.ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="grpc"),
        options=[
            ("grpc.max_receive_message_length", max_message_bytes),
            ("grpc.max_send_message_length", -1),
            ("grpc.so_reuseport", 0),
            ("grpc.server_handshake_timeout_ms", int(header_timeout * 1000)),
            ("grpc.max_connection_idle_ms", int(idle_timeout * 1000)),
            ("grpc.max_allowed_incoming_connections", max_connections),
        ],
        maximum_concurrent_rpcs=max_connections,
    )
    prediction_service_pb2_grpc.add_PredictionServiceServicer_to_server(
        PredictionService(store, limits), server
    )
    model_service_pb2_grpc.add_ModelServiceServicer_to_server(ModelService(store), server)
    bound = server.add_insecure_port(f"{host}:{port}")
    if bound == 0:
        raise OSError(f"Could not bind gRPC to {host}:{port}; is the port in use?")
    return server, bound
