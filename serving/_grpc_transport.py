"""gRPC transport of `GenreClient`: TF Serving's `PredictionService` / `ModelService` stubs."""

import ipaddress
import json
import math
import time

import numpy as np

from genreclf.serving.errors import UnavailableError
from genreclf.serving.errors import error_for
from genreclf.serving.errors import is_overload

_VALUE_FIELDS = {
    1: ("float_val", np.float32),
    2: ("double_val", np.float64),
    3: ("int_val", np.int32),
    4: ("int_val", np.uint8),
    5: ("int_val", np.int16),
    6: ("int_val", np.int8),
    7: ("string_val", object),
    9: ("int64_val", np.int64),
    10: ("bool_val", np.bool_),
    22: ("uint32_val", np.uint32),
    23: ("uint64_val", np.uint64),
}


def tensor_to_array(proto):
    """A `TensorProto` as a numpy array, without importing TensorFlow ops.

    Handles both typed value fields (TF Serving's default) and `tensor_content`.
    """
    shape = [d.size for d in proto.tensor_shape.dim]
    field, dtype = _VALUE_FIELDS.get(proto.dtype, (None, None))
    if field is None:
        raise error_for(f"Unsupported output dtype enum {proto.dtype}", "UNIMPLEMENTED")
    count = int(np.prod(shape)) if shape else 1
    if dtype is not object and proto.tensor_content:
        flat = np.frombuffer(proto.tensor_content, dtype=dtype)
    else:
        values = list(getattr(proto, field))
        if dtype is object:
            flat = np.empty(len(values), dtype=object)
            flat[:] = values
        else:
            flat = np.asarray(values, dtype=dtype)
        if len(flat) == 1 and count > 1:  # a splat value
            flat = np.repeat(flat, count)
    return flat.reshape(shape)


def retry_options(retries, backoff):
    """Channel options giving gRPC's own retry policy: UNAVAILABLE, exponential backoff.

    gRPC allows at most 5 attempts per call; deadlines are never retried.

    Example:

    >>> json.loads(dict(retry_options(3, 0.2))["grpc.service_config"])["methodConfig"][0][
    ...     "retryPolicy"]["maxAttempts"]
    4
    """
    if retries <= 0:
        return [("grpc.enable_retries", 0)]
    policy = {
        "maxAttempts": min(5, retries + 1),
        "initialBackoff": f"{max(backoff, 0.001):.3f}s",
        "maxBackoff": f"{max(backoff, 0.001) * 2**retries:.3f}s",
        "backoffMultiplier": 2,
        "retryableStatusCodes": ["UNAVAILABLE"],
    }
    config = {
        "methodConfig": [
            {
                "name": [
                    {"service": "tensorflow.serving.PredictionService"},
                    {"service": "tensorflow.serving.ModelService"},
                ],
                "retryPolicy": policy,
            }
        ]
    }
    return [("grpc.enable_retries", 1), ("grpc.service_config", json.dumps(config))]


class GrpcTransport:
    """Calls TF Serving's gRPC services on one channel."""

    def __init__(self, target, timeout, max_message_bytes=64 * 1024 * 1024, retries=3, backoff=0.2):
        import grpc
        from tensorflow_serving.apis import model_service_pb2_grpc
        from tensorflow_serving.apis import prediction_service_pb2_grpc

        self._grpc = grpc
        self.target = target
        self.timeout = timeout
        self.retries, self.backoff = retries, backoff
        self.channel = grpc.insecure_channel(
            target,
            options=[
                ("grpc.max_send_message_length", max_message_bytes),
                ("grpc.max_receive_message_length", max_message_bytes),
                *retry_options(retries, backoff),
            ],
        )
        self.prediction = prediction_service_pb2_grpc.PredictionServiceStub(self.channel)
        self.models = model_service_pb2_grpc.ModelServiceStub(self.channel)
        self._input_dtypes = {}

    def _call(self, method, request):
        """One call; gRPC's policy retries UNAVAILABLE, this loop grpcio's overload
        refusal (`is_overload`), both within the one `timeout`."""
        # No timeout (None): no deadline, as `requests` waits as long as it takes.
        deadline = math.inf if self.timeout is None else time.monotonic() + self.timeout
        for attempt in range(self.retries + 1):
            left = None if self.timeout is None else max(deadline - time.monotonic(), 0.001)
            try:
                return method(request, timeout=left)
            except self._grpc.RpcError as err:
                code = err.code().name if err.code() is not None else "UNKNOWN"
                message = err.details() or str(err)
            pause = self.backoff * 2**attempt
            if not is_overload(code, message) or time.monotonic() + pause >= deadline:
                break
            if attempt < self.retries:
                time.sleep(pause)
        if code == "UNAVAILABLE":
            raise UnavailableError(
                f"{self.target}: {message}{connection_hint(self.target, message)}", code=code
            )
        raise error_for(message, code)

    @staticmethod
    def _spec(spec, model, version, label, signature_name=""):
        spec.name = model
        if version is not None:
            spec.version.value = int(version)
        elif label is not None:
            spec.version_label = label
        if signature_name:
            spec.signature_name = signature_name

    def _input_dtype_enums(self, model, version, label, signature_name):
        """`{input name: DataType enum}` of a signature, fetched once per key."""
        key = (model, version, label, signature_name)
        if key not in self._input_dtypes:
            from tensorflow_serving.apis import get_model_metadata_pb2

            response = self._metadata_proto(model, version, label)
            signatures = get_model_metadata_pb2.SignatureDefMap()
            response.metadata["signature_def"].Unpack(signatures)
            name = signature_name or "serving_default"
            inputs = (
                signatures.signature_def[name].inputs if name in signatures.signature_def else {}
            )
            self._input_dtypes[key] = {k: v.dtype for k, v in inputs.items()}
        return self._input_dtypes[key]

    def input_dtypes(self, model, version, label, signature_name):
        """`{input name: dtype name}` of a signature (e.g. `{"year": "DT_FLOAT"}`), as the
        REST transport reads it from the metadata JSON; `{}` when there is no such
        signature."""
        from tensorflow.core.framework import types_pb2

        enums = self._input_dtype_enums(model, version, label, signature_name)
        return {name: types_pb2.DataType.Name(dtype) for name, dtype in enums.items()}

    def predict(self, model, version, label, signature_name, columns):
        """`columns`: input name → list of values; returns output name → array."""
        from tensorflow_serving.apis import predict_pb2

        request = predict_pb2.PredictRequest()
        self._spec(request.model_spec, model, version, label, signature_name)
        dtypes = (
            self._input_dtype_enums(model, version, label, signature_name)
            if set(columns) != {"text"}
            else {"text": 7}
        )
        if dtypes and set(columns) - set(dtypes):  # as the server says it; not "hold strings"
            raise _invalid(
                f"Expected the inputs {sorted(dtypes)} of signature "
                f"{signature_name or 'serving_default'!r}. Received: {sorted(columns)}."
            )
        for name, values in columns.items():
            tensor = request.inputs[name]
            tensor.dtype = dtypes.get(name, 7)
            tensor.tensor_shape.dim.add(size=len(values))
            field, np_dtype = _VALUE_FIELDS[tensor.dtype]
            if np_dtype is object:
                getattr(tensor, field).extend(_string_values(name, values))
            else:
                getattr(tensor, field).extend(_number_values(name, values, np_dtype))
        response = self._call(self.prediction.Predict, request)
        return {name: tensor_to_array(proto) for name, proto in response.outputs.items()}

    def classify(self, model, version, label, signature_name, examples):
        """`examples`: a list of dicts feature → value; returns [(label, score)] per example."""
        from tensorflow_serving.apis import classification_pb2

        request = classification_pb2.ClassificationRequest()
        self._spec(request.model_spec, model, version, label, signature_name)
        for values in examples:
            example = request.input.example_list.examples.add()
            for name, value in values.items():
                feature = example.features.feature[name]
                if isinstance(value, str):
                    feature.bytes_list.value.append(value.encode("utf-8"))
                elif isinstance(value, bytes):
                    feature.bytes_list.value.append(value)
                elif isinstance(value, (bool, int, np.integer)):
                    feature.int64_list.value.append(int(value))
                elif isinstance(value, (float, np.floating)):
                    feature.float_list.value.append(float(value))
                else:
                    raise _invalid(
                        f"Expected feature {name!r} to be a string, bytes or a number. "
                        f"Received: {value!r}."
                    )
        response = self._call(self.prediction.Classify, request)
        return [
            [(c.label, c.score) for c in row.classes] for row in response.result.classifications
        ]

    def _metadata_proto(self, model, version, label):
        from tensorflow_serving.apis import get_model_metadata_pb2

        request = get_model_metadata_pb2.GetModelMetadataRequest(metadata_field=["signature_def"])
        self._spec(request.model_spec, model, version, label)
        return self._call(self.prediction.GetModelMetadata, request)

    def metadata(self, model, version, label):
        from google.protobuf import json_format
        from tensorflow_serving.apis import get_model_metadata_pb2

        response = self._metadata_proto(model, version, label)
        signatures = get_model_metadata_pb2.SignatureDefMap()
        response.metadata["signature_def"].Unpack(signatures)
        options = dict(always_print_fields_with_no_presence=True, preserving_proto_field_name=True)
        return {
            "model_spec": json_format.MessageToDict(response.model_spec, **options),
            "metadata": {"signature_def": json_format.MessageToDict(signatures, **options)},
        }

    def status(self, model, version, label):
        from google.protobuf import json_format
        from tensorflow_serving.apis import get_model_status_pb2

        request = get_model_status_pb2.GetModelStatusRequest()
        self._spec(request.model_spec, model, version, label)
        response = self._call(self.models.GetModelStatus, request)
        return json_format.MessageToDict(response, always_print_fields_with_no_presence=True)

    def close(self):
        self.channel.close()


def host_port(host, port):
    """`host:port` as gRPC targets and URLs write it: an IPv6 literal in brackets.

    `::1` and port 8500 give `[::1]:8500` (`::1:8500` is no address gRPC can read);
    names, IPv4 addresses and hosts already in brackets are written as they are.

    Example:

    >>> host_port("::1", 8500), host_port("127.0.0.1", 8500), host_port("[::1]", 8500)
    ('[::1]:8500', '127.0.0.1:8500', '[::1]:8500')
    """
    try:
        literal = ipaddress.ip_address(host)  # an IPv6 one may carry a zone: fe80::1%eth0
    except ValueError:  # a name, or a literal in brackets already
        literal = None
    if isinstance(literal, ipaddress.IPv6Address):
        return f"[{host}]:{port}"
    return f"{host}:{port}"


def _is_ipv6_literal(text):
    """Whether `text` is a bare IPv6 address (no brackets, no port): `::1`, `fe80::1%eth0`."""
    try:
        return ipaddress.ip_address(text).version == 6
    except ValueError:
        return False


def connection_hint(target, message):
    """What to check when a channel found no server at `target` (gRPC's "failed to connect
    to all addresses"): the port may be the REST one, and `localhost` may be ::1.

    Returns "" for any other UNAVAILABLE (a server that answered it: an overload).

    Example:

    >>> hint = connection_hint("localhost:8501", "failed to connect to all addresses; ...")
    >>> "gRPC port (TF Serving's default 8500)" in hint, "try GenreClient('127.0.0.1:8501')" in hint
    (True, True)
    >>> connection_hint("127.0.0.1:8500", "overloaded")
    ''
    >>> "GenreClient('http://[::1]:8500')" in connection_hint("::1", "failed to connect to all addresses")
    True
    """
    if "failed to connect to all addresses" not in message:
        return ""
    host, _, port = target.rpartition(":")
    if not host or not port.isdigit() or _is_ipv6_literal(target):  # "::1" has no port
        host, port = target, "8500"
    answered = (
        " The port answered HTTP/1.x, as a REST port does, not gRPC."
        if "http1.x" in message.lower()
        else ""
    )
    hint = (
        f". Expected a gRPC server at the target: the server's gRPC port (TF Serving's "
        f"default 8500), not its REST port (default 8501).{answered} Received: "
        f"target={target!r}. Check that the server is up and that this is its gRPC port "
        f"(`genreclf serve --grpc-port`); for REST pass "
        f"GenreClient('http://{host_port(host, port)}')."
    )
    if host.strip("[]").lower() in ("localhost", "localhost."):
        hint += (
            " `localhost` may resolve to ::1 (IPv6) while the server listens on 127.0.0.1 "
            f"only (genreclf serve's default): try GenreClient('127.0.0.1:{port}')."
        )
    return hint


def _invalid(message):
    """The error the server gives a value it cannot read, raised before sending it
    (as the REST transport gets it from the server's 400)."""
    return error_for(message, "INVALID_ARGUMENT")


def _string_values(name, values):
    """`values` as bytes; a value that is not a string is refused, not stringified."""
    encoded = []
    for i, value in enumerate(values):
        if isinstance(value, str):
            value = value.encode("utf-8")
        elif not isinstance(value, bytes):
            raise _invalid(
                f"Expected input {name!r} to hold strings. Received: {value!r} at index {i}."
            )
        encoded.append(value)
    return encoded


def _number_values(name, values, np_dtype):
    """`values` as a list of numbers of `np_dtype`; non-numbers, integers beyond the dtype
    and (for float dtypes) non-finite values or values beyond its range are refused."""
    numbers = all(
        isinstance(v, (int, float, np.number)) and not isinstance(v, (bool, np.bool_))
        for v in values
    )
    try:
        with np.errstate(over="ignore", invalid="ignore"):  # checked below, no warning
            array = np.asarray(values, dtype=np_dtype) if numbers else None
    except OverflowError:  # an integer beyond the input's dtype
        array = None
    if array is not None and array.dtype.kind == "f" and not np.isfinite(array).all():
        # 1e300 for a float32 (numpy casts it to inf) or a NaN / infinity given: a
        # 400 over REST, refused here too rather than scored as NaN.
        type_name = np.dtype(np_dtype).name
        raise _invalid(
            f"Expected finite numbers within the range of {type_name} for input {name!r}. "
            f"Received: {name}={list(values)[:5]!r}, a value out of the range of {type_name} "
            "or not finite. Send finite numbers in that range."
        )
    if array is None or array.ndim != 1:
        raise _invalid(
            f"Expected input {name!r} to hold one number ({np.dtype(np_dtype).name}) per "
            f"instance. Received: {list(values)[:5]!r}."
        )
    return array.tolist()
