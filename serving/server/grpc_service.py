"""The gRPC side of the local server: TF Serving's `PredictionService` and `ModelService`.

`Predict`, `Classify`, `Regress`, `GetModelMetadata` and `GetModelStatus`;
`MultiInference` and `HandleReloadConfigRequest` (the server polls instead) get
UNIMPLEMENTED. As in TF Serving, a request without `model_spec` gets
INVALID_ARGUMENT "Missing ModelSpec", and one naming no model "ModelSpec has no
name specified." (GetModelStatus: NOT_FOUND, no versions of model ""); Classify
and Regress answer with the signature name they used (`serving_default` when the
request left it empty). Requests reach the handlers as the bytes sent (`add_services`
registers no `request_deserializer`), so one that is not the method's request
protobuf gets INVALID_ARGUMENT saying what was expected, counted in the metrics
like other errors, rather than grpcio's logged traceback and INTERNAL. An input
`TensorProto` must match the signature's dtype, rank and fixed dimensions and hold
one value per element (no broadcasting of one `string_val` to `[2000]`), in its
dtype's own field (`float_val` for DT_FLOAT: `tf.make_ndarray` ignores the others),
before it becomes an array. A Predict, Classify or Regress request holds its size in the
server's `BodyBudget` (shared with REST) until it is answered; one that does not
fit gets RESOURCE_EXHAUSTED, the code grpcio gives past `maximum_concurrent_rpcs`.
(grpcio has received it by then, in the worker thread that runs it, so gRPC alone
holds at most `workers × max_body_bytes`; the budget keeps both protocols together
within one bound.)
"""

import functools
import math
from concurrent import futures

import grpc
import tensorflow as tf
from google.protobuf.message import DecodeError
from tensorflow_serving.apis import classification_pb2
from tensorflow_serving.apis import get_model_metadata_pb2
from tensorflow_serving.apis import get_model_status_pb2
from tensorflow_serving.apis import model_service_pb2_grpc
from tensorflow_serving.apis import predict_pb2
from tensorflow_serving.apis import prediction_service_pb2_grpc
from tensorflow_serving.apis import regression_pb2

from genreclf.serving.server.body_budget import BodyBudget
from genreclf.serving.server.servable import check_shape
from genreclf.serving.server.servable import signature_shape
from genreclf.serving.server.status import ServingStatusError
from genreclf.serving.server.status import invalid_argument

_FIELDS = {tf.float32: "float_val", tf.float64: "double_val", tf.int32: "int_val"}
_FIELDS.update({tf.int64: "int64_val", tf.bool: "bool_val"})
# The one value field `tf.make_ndarray` reads for each dtype (values in another are ignored).
_VALUE_FIELDS = {**_FIELDS, tf.string: "string_val", tf.float16: "half_val"}
_VALUE_FIELDS.update({tf.bfloat16: "half_val", tf.uint32: "uint32_val", tf.uint64: "uint64_val"})
_VALUE_FIELDS.update(dict.fromkeys((tf.int8, tf.int16, tf.uint8, tf.uint16), "int_val"))
_SERVICES = {  # each service `add_services` registers: every method of its generated servicer
    "tensorflow.serving.PredictionService": prediction_service_pb2_grpc.PredictionServiceServicer,
    "tensorflow.serving.ModelService": model_service_pb2_grpc.ModelServiceServicer,
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


def to_array(name, proto, info, signature_name=""):
    """A request's `TensorProto` as a numpy array, once it fits the signature's `TensorInfo`."""
    dtype = tf.dtypes.as_dtype(info.dtype)
    if proto.dtype != info.dtype:
        try:
            received = tf.dtypes.as_dtype(proto.dtype).name
        except TypeError:  # not a DataType
            received = proto.dtype
        raise invalid_argument(
            f"Expected input '{name}' of dtype {dtype.name}. Received: dtype={received}."
        )
    dims = [d.size for d in proto.tensor_shape.dim]
    if proto.tensor_shape.unknown_rank or any(d < 0 for d in dims):
        raise invalid_argument(f"Input '{name}' has an unknown rank or a negative dimension.")
    check_shape(name, dims, signature_shape(info), signature_name)
    count = math.prod(dims)
    own = _VALUE_FIELDS.get(dtype)
    values = {f.name: len(v) for f, v in proto.ListFields() if f.name.endswith("_val")}
    elsewhere = {field: n for field, n in values.items() if own is not None and field != own}
    if elsewhere:  # tf.make_ndarray would read none of them: the model would get zeros
        field, n = next(iter(elsewhere.items()))
        raise invalid_argument(
            f"Expected input '{name}' ({dtype.name}) values in {own}. Received: {n} "
            f"value{'' if n == 1 else 's'} in {field}. Send them in {own}, or build the "
            f"tensor with tf.make_tensor_proto(values, dtype=tf.{dtype.name})."
        )
    if proto.tensor_content:
        size = dtype.size if dtype.is_numpy_compatible and dtype != tf.string else 0
        sent = len(proto.tensor_content) // size if size else -1
    else:
        sent = sum(values.values())
    if sent != count:
        raise invalid_argument(
            f"Input '{name}' has shape {dims}, which holds {count} elements, but {max(sent, 0)} "
            "values were sent. Send one value per element (no TensorProto broadcasting)."
        )
    try:
        return tf.make_ndarray(proto)
    except (TypeError, ValueError) as err:
        raise invalid_argument(f"Unable to parse the tensor of input '{name}': {err}") from None


def decode(request_class, raw, method):
    """`raw` (the bytes of a gRPC message) as a `request_class` protobuf; INVALID_ARGUMENT
    when they are not one.

    Example:

    >>> decode(predict_pb2.PredictRequest, b"garbage", "Predict")
    Traceback (most recent call last):
    ...
    genreclf.serving.server.status.ServingStatusError: The request to Predict is not a valid ...
    """
    try:
        return request_class.FromString(raw)
    except DecodeError:
        name = request_class.DESCRIPTOR.full_name
        raise invalid_argument(
            f"The request to {method} is not a valid {name}: expected the serialized "
            f"protobuf of one. Received: {len(raw)} bytes that do not parse as one. Send the "
            f"request with the tensorflow_serving stubs, or serialize a {name} yourself."
        ) from None


def _rpc(api, request_class):
    """Wraps a servicer method: the request decoded from its bytes into `request_class`, a
    `metrics.Call` per RPC, the bytes of a Predict, Classify or Regress request held in the
    `BodyBudget` while it runs (status and metadata requests, bodiless over REST, are never
    refused), status errors as aborts."""
    counted = api in ("predict", "classify", "regress")

    def wrap(method):
        @functools.wraps(method)
        def handle(self, raw, context):
            call = self.metrics.start("grpc", api)
            try:
                request = decode(request_class, raw, method.__name__)
                if not request.HasField("model_spec"):  # as TF Serving, before anything else
                    raise invalid_argument(
                        "Missing ModelSpec. Set model_spec (its name: the model to call)."
                    )
                if self.store.has_model(request.model_spec.name):
                    call.model = request.model_spec.name
                with self.budget.hold() as held:
                    size = len(raw) if counted else 0
                    if not held.take(size):
                        message = self.budget.busy_message(size)
                        raise ServingStatusError("RESOURCE_EXHAUSTED", message)
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


class Services(
    prediction_service_pb2_grpc.PredictionServiceServicer,
    model_service_pb2_grpc.ModelServiceServicer,
):
    """TF Serving's `PredictionService` and `ModelService` over a `ModelStore`; requests hold
    their bytes in `budget` (a `BodyBudget`; by default one of the limits' own)."""

    def __init__(self, store, limits, metrics, budget=None):
        self.store, self.limits, self.metrics = store, limits, metrics
        self.budget = budget or BodyBudget(limits.max_body_bytes_in_flight)

    def _servable(self, request, call):
        spec = request.model_spec
        if not spec.name:  # TF Serving's ServerCore, before the version or label
            raise invalid_argument(
                "ModelSpec has no name specified. Set model_spec.name to the model to call."
            )
        servable = self.store.get(spec.name, _version(spec), spec.version_label or None)
        call.served_by(servable)
        return servable

    def _examples(self, request, call):
        """`(servable, examples, context, signature_name)` of a Classify or Regress request;
        no examples when `input` has none (refused once the signature is checked: "Input
        is empty.", as TF Serving does)."""
        servable, group = self._servable(request, call), request.input
        if group.WhichOneof("kind") is None:
            return servable, [], None, request.model_spec.signature_name
        group = getattr(group, group.WhichOneof("kind"))
        context = getattr(group, "context", None)  # example_list_with_context has one
        return servable, list(group.examples), context, request.model_spec.signature_name

    @_rpc("predict", predict_pb2.PredictRequest)
    def Predict(self, request, call):  # noqa: N802 - gRPC method name
        servable = self._servable(request, call)
        key, signature = servable.signature(request.model_spec.signature_name)
        inputs = {  # unknown names are refused by predict
            name: to_array(name, proto, signature.inputs[name], key)
            if name in signature.inputs
            else None
            for name, proto in request.inputs.items()
        }
        key, outputs = servable.predict(inputs, key, request.output_filter, limits=self.limits)
        call.predicted_from(outputs, servable.classes)
        outputs = {name: tensor_proto(array) for name, array in outputs.items()}
        return predict_pb2.PredictResponse(model_spec=_spec(servable, key), outputs=outputs)

    @_rpc("classify", classification_pb2.ClassificationRequest)
    def Classify(self, request, call):  # noqa: N802 - gRPC method name
        servable, examples, context, key = self._examples(request, call)
        results = servable.classify(examples, context, key, limits=self.limits)
        call.classified(results)
        rows = [{"classes": [{"label": c, "score": s} for c, s in row]} for row in results]
        return classification_pb2.ClassificationResponse(
            model_spec=_spec(servable, key or "serving_default"), result={"classifications": rows}
        )

    @_rpc("regress", regression_pb2.RegressionRequest)
    def Regress(self, request, call):  # noqa: N802 - gRPC method name
        servable, examples, context, key = self._examples(request, call)
        values = servable.regress(examples, context, key, limits=self.limits)
        call.instances += len(values)
        result = {"regressions": [{"value": value} for value in values]}
        spec = _spec(servable, key or "serving_default")  # TF Serving's MakeModelSpec
        return regression_pb2.RegressionResponse(model_spec=spec, result=result)

    @_rpc("metadata", get_model_metadata_pb2.GetModelMetadataRequest)
    def GetModelMetadata(self, request, call):  # noqa: N802 - gRPC method name
        fields = list(request.metadata_field)  # checked before the model, as TF Serving does
        if not fields:
            raise invalid_argument(
                "GetModelMetadataRequest must specify at least one metadata_field. Send "
                "metadata_field ['signature_def']."
            )
        for field in fields:  # "signature_def", as often as sent
            if field != "signature_def":
                raise invalid_argument(
                    f"Metadata field {field} is not supported. Expected 'signature_def'. "
                    f"Received: metadata_field={fields}."
                )
        return self._servable(request, call).metadata()

    def MultiInference(self, raw, context):  # noqa: N802 - gRPC method name
        # Not served (as by the local server's REST side); refused without a traceback.
        context.abort(
            grpc.StatusCode.UNIMPLEMENTED,
            "MultiInference is not served by genreclf serve: call Classify or Regress.",
        )

    def HandleReloadConfigRequest(self, raw, context):  # noqa: N802 - gRPC method name
        context.abort(
            grpc.StatusCode.UNIMPLEMENTED,
            "HandleReloadConfigRequest is not served by genreclf serve: it polls the base "
            "path for new versions (--poll-seconds).",
        )

    @_rpc("status", get_model_status_pb2.GetModelStatusRequest)
    def GetModelStatus(self, request, call):  # noqa: N802 - gRPC method name
        spec = request.model_spec  # an empty name: no versions found, as in TF Serving
        version = _version(spec)
        status = self.store.status(spec.name, version)  # before labelling: only known versions
        call.version = "" if version is None else version
        return status


def _version(model_spec):
    """The version a `ModelSpec` asks for, or None (the latest, or its label's)."""
    if model_spec.WhichOneof("version_choice") == "version":
        return model_spec.version.value
    return None


def _spec(servable, signature_name):
    return {
        "name": servable.name,
        "version": {"value": servable.version},
        "signature_name": signature_name,
    }


def _serialize(response):
    return response.SerializeToString()


def add_services(services, server):
    """Registers `services` (a `Services`) on a grpc `server` as TF Serving's
    `PredictionService` and `ModelService` (every method their generated servicers
    declare), like the generated `add_*_to_server` functions but without a
    `request_deserializer`: each handler gets the request's bytes and decodes them itself
    (`decode`), so an undecodable one is a clean INVALID_ARGUMENT.

    Example:

    >>> add_services(Services(store, Limits(), ServingMetrics()), server)  # doctest: +SKIP
    """
    server.add_generic_rpc_handlers(
        [
            grpc.method_handlers_generic_handler(
                service,
                {
                    name: grpc.unary_unary_rpc_method_handler(
                        getattr(services, name), response_serializer=_serialize
                    )
                    for name, method in vars(servicer).items()
                    if callable(method) and not name.startswith("_")
                },
            )
            for service, servicer in _SERVICES.items()
        ]
    )


def create_grpc_server(store, address, workers, limits, metrics, budget=None, thread_pool=None):
    """`(server, bound_port)`: a gRPC server with both services on `address`, not started;
    the `Limits` set the largest message, the RPCs in flight, handshake and idle timeouts;
    requests hold their bytes in `budget` (a `BodyBudget`, shared with REST). Its calls run
    in `thread_pool` (default: a `ThreadPoolExecutor` of `workers` threads).

    Raises:
        OSError: `address` cannot be bound (its port is in use).
    """
    if thread_pool is None:
        thread_pool = futures.ThreadPoolExecutor(max_workers=workers, thread_name_prefix="grpc")
    server = grpc.server(
        thread_pool,
        options=[
            ("grpc.max_receive_message_length", limits.max_body_bytes),
            ("grpc.max_send_message_length", -1),
            ("grpc.so_reuseport", 0),
            ("grpc.server_handshake_timeout_ms", max(1, int(limits.header_timeout * 1000))),
            ("grpc.max_connection_idle_ms", int(limits.idle_timeout * 1000)),
            ("grpc.max_allowed_incoming_connections", limits.max_connections),
        ],
        maximum_concurrent_rpcs=limits.max_connections,
    )
    add_services(Services(store, limits, metrics, budget), server)
    try:
        bound = server.add_insecure_port(address)
    except RuntimeError:  # grpcio's "Failed to bind to address ..." (older ones return 0)
        bound = 0
    if bound == 0:
        server.stop(None)
        raise OSError(f"grpcio could not bind {address}: the port is in use or not available")
    return server, bound
