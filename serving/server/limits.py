"""`Limits`: what one request, or one client, may ask of the local server.

* Every input's rank and fixed dimensions must match the signature (a string
  tensor of rank 33 crashes TensorFlow 2.20; numpy refuses rank > 64).
* A `TensorProto` must carry exactly as many values as its shape holds:
  TensorFlow would broadcast one `string_val` to any shape.
* Texts per request and text bytes per request are capped (`--max-texts`,
  `--max-text-bytes`); large allowed batches run through the model in chunks of
  `chunk_size` rows, so memory grows with the bytes sent, not with a multiplier.
* Bodies, connections and slow clients are bounded (`--max-body-bytes`,
  `--max-connections`, `--header-timeout`, `--body-timeout`).
"""

import dataclasses
import math

import numpy as np

from genreclf.serving.server.status import invalid_argument

# The highest rank accepted for an input whose signature leaves the rank open
# (TensorFlow 2.20 crashes on string tensors of rank 33 and more).
MAX_RANK = 32


@dataclasses.dataclass(frozen=True)
class Limits:
    """The bounds of one local server (the `genreclf serve` flags of the same names).

    Args:
        max_texts: the most string values one request may hold.
        max_text_bytes: the most bytes of string values one request may hold.
        chunk_size: the most rows passed to the model in one call.
        max_body_bytes: the largest REST body / gRPC message (413 / RESOURCE_EXHAUSTED).
        max_connections: open REST connections and gRPC calls in flight beyond
            which requests are refused (503 / RESOURCE_EXHAUSTED).
        header_timeout: seconds a connection has to send a request head (REST)
            or finish its handshake (gRPC); idle REST connections close after it.
        body_timeout: seconds a REST body has to arrive (408 after).
        idle_timeout: seconds an idle gRPC connection stays open.

    Example:

    >>> limits = Limits(max_texts=2)
    >>> limits.check_texts(3, 10)
    Traceback (most recent call last):
    ...
    genreclf.serving.server.status.ServingStatusError: Request holds 3 texts, more than ...
    """

    max_texts: int = 10_000
    max_text_bytes: int = 8 * 1024 * 1024
    chunk_size: int = 256
    max_body_bytes: int = 8 * 1024 * 1024
    max_connections: int = 1000
    header_timeout: float = 10.0
    body_timeout: float = 30.0
    idle_timeout: float = 60.0

    def check_texts(self, count, nbytes):
        """Refuses a request over the text caps (INVALID_ARGUMENT, like an oversized batch)."""
        if count > self.max_texts:
            raise invalid_argument(
                f"Request holds {count} texts, more than this server's limit of "
                f"{self.max_texts} per request. Received: texts={count}. Split the request, "
                "or start the server with a larger --max-texts."
            )
        if nbytes > self.max_text_bytes:
            raise invalid_argument(
                f"Request holds {nbytes} bytes of text, more than this server's limit of "
                f"{self.max_text_bytes} per request. Received: text_bytes={nbytes}. Split "
                "the request, or start the server with a larger --max-text-bytes."
            )

    def check_arrays(self, arrays):
        """`check_texts` over the string arrays of a request (name → numpy array)."""
        count = nbytes = 0
        for array in arrays.values():
            if array.dtype.kind in "OSU":
                count += array.size
                nbytes += sum(
                    len(v) if isinstance(v, (bytes, str)) else 0 for v in array.reshape(-1)
                )
        self.check_texts(count, nbytes)


def signature_shape(tensor_info):
    """The shape a `TensorInfo` declares, as a `tf.TensorShape` (None: any size / rank)."""
    import tensorflow as tf

    return tf.TensorShape(tensor_info.tensor_shape)


def check_shape(name, received, expected, signature_name="serving_default"):
    """Refuses an input whose rank or fixed dimensions differ from the signature.

    Args:
        name: the input alias.
        received: the input's shape (a list).
        expected: the signature's shape (a `tf.TensorShape`), or None (any).
        signature_name: for the message.

    Example:

    >>> import tensorflow as tf
    >>> check_shape("text", [1] * 33, tf.TensorShape([None]))
    Traceback (most recent call last):
    ...
    genreclf.serving.server.status.ServingStatusError: Expected input 'text' of rank 1 ...
    """
    if expected is None or expected.rank is None:
        if len(received) > MAX_RANK:
            raise invalid_argument(
                f"Expected input '{name}' of rank at most {MAX_RANK}. Received: "
                f"rank={len(received)}. Send arrays nested less deeply."
            )
        return
    want = expected.as_list()
    where = f"as signature '{signature_name or 'serving_default'}' declares"
    if len(received) != len(want):
        raise invalid_argument(
            f"Expected input '{name}' of rank {len(want)} (shape {want}) {where}. "
            f"Received: rank={len(received)}."
        )
    for axis, (got, need) in enumerate(zip(received, want)):
        if need is not None and got != need:
            raise invalid_argument(
                f"Expected dimension {axis} of input '{name}' to be {need} (shape {want}) "
                f"{where}. Received: shape={received}."
            )


def proto_shape(name, proto, expected, signature_name=""):
    """Checks a `TensorProto` before it becomes an array; returns its shape.

    The rank and fixed dimensions must match the signature, and the values sent
    must fill the shape exactly (no broadcasting of one value to many).

    Example:

    >>> import tensorflow as tf
    >>> proto_shape("text", tf.make_tensor_proto(["a", "b"]), tf.TensorShape([None]))
    [2]
    """
    dims = [d.size for d in proto.tensor_shape.dim]
    if proto.tensor_shape.unknown_rank:
        raise invalid_argument(f"Input '{name}' has an unknown rank. Send its shape.")
    if any(d < 0 for d in dims):
        raise invalid_argument(f"Input '{name}' has a negative dimension. Received: shape={dims}.")
    check_shape(name, dims, expected, signature_name)
    count = math.prod(dims)
    if proto.tensor_content:
        size = _item_size(proto.dtype)
        sent = len(proto.tensor_content) // size if size else -1
    else:
        sent = sum(len(v) for f, v in proto.ListFields() if f.name.endswith("_val"))
    if sent != count:
        raise invalid_argument(
            f"Input '{name}' has shape {dims}, which holds {count} elements, but "
            f"{max(sent, 0)} values were sent. Send one value per element "
            "(TensorProto broadcasting is not accepted)."
        )
    return dims


def _item_size(dtype):
    import tensorflow as tf

    try:
        dtype = tf.dtypes.as_dtype(dtype)
    except TypeError:
        return None
    return dtype.size if dtype.is_numpy_compatible and dtype != tf.string else None


def run_in_chunks(call, arrays, chunk_size, batch_major):
    """Calls `call(arrays)` on row slices of at most `chunk_size`; joins the outputs.

    Args:
        call: `call(name → array) -> name → array`.
        arrays: the inputs, all with the same first dimension when `batch_major`.
        chunk_size: the most rows per call.
        batch_major: True when every input and output is batch-first, so rows
            can be split and outputs concatenated.

    Example:

    >>> import numpy as np
    >>> double = lambda a: {"y": a["x"] * 2}
    >>> run_in_chunks(double, {"x": np.arange(5)}, 2, True)["y"].tolist()
    [0, 2, 4, 6, 8]
    """
    sizes = {a.shape[0] if a.ndim else None for a in arrays.values()}
    if not batch_major or len(sizes) != 1 or None in sizes or max(sizes) <= chunk_size:
        return call(arrays)
    (rows,) = sizes
    parts = [
        call({name: a[start : start + chunk_size] for name, a in arrays.items()})
        for start in range(0, rows, chunk_size)
    ]
    return {name: np.concatenate([p[name] for p in parts], axis=0) for name in parts[0]}
