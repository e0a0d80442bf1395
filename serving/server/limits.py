"""What one request may ask of the local server, checked before TensorFlow sees it.

* Every input's rank and fixed dimensions must match the signature (a string
  tensor of rank 33 crashes TensorFlow 2.20; numpy refuses rank > 64).
* A `TensorProto` must carry exactly as many values as its shape holds:
  TensorFlow would broadcast one `string_val` to any shape.
* Texts per request and text bytes per request are capped (`--max-texts`,
  `--max-text-bytes`); large allowed batches run through the model in chunks of
  `chunk_size` rows, so memory grows with the bytes sent, not with a multiplier.
"""

import dataclasses
import math

import numpy as np

from genreclf.serving.server.status import invalid_argument

DEFAULT_MAX_TEXTS = 10_000
DEFAULT_MAX_TEXT_BYTES = 8 * 1024 * 1024
DEFAULT_CHUNK_SIZE = 256
# The highest rank accepted for an input whose signature leaves the rank open
# (TensorFlow 2.20 crashes on string tensors of rank 33 and more).
MAX_RANK = 32

_ITEM_SIZES = {
    "DT_FLOAT": 4,
    "DT_DOUBLE": 8,
    "DT_INT32": 4,
    "DT_INT16": 2,
    "DT_INT8": 1,
    "DT_UINT8": 1,
    "DT_INT64": 8,
    "DT_BOOL": 1,
    "DT_UINT32": 4,
    "DT_UINT64": 8,
    "DT_HALF": 2,
}
_VALUE_FIELDS = (
    "float_val",
    "double_val",
    "int_val",
    "int64_val",
    "bool_val",
    "string_val",
    "half_val",
    "uint32_val",
    "uint64_val",
)


@dataclasses.dataclass(frozen=True)
class RequestLimits:
    """Per-request bounds of the local server.

    Args:
        max_texts: the most string values one request may hold.
        max_text_bytes: the most bytes of string values one request may hold.
        chunk_size: the most rows passed to the model in one call.

    Example:

    >>> limits = RequestLimits(max_texts=2)
    >>> limits.check_texts(3, 10)
    Traceback (most recent call last):
    ...
    genreclf.serving.server.status.ServingStatusError: Request holds 3 texts, more than ...
    """

    max_texts: int = DEFAULT_MAX_TEXTS
    max_text_bytes: int = DEFAULT_MAX_TEXT_BYTES
    chunk_size: int = DEFAULT_CHUNK_SIZE

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
    """The shape a `TensorInfo` declares: a list of dims (-1 unknown), or None (any rank)."""
    shape = tensor_info.tensor_shape
    if shape.unknown_rank:
        return None
    return [d.size for d in shape.dim]


def check_shape(name, received, expected, signature_name="serving_default", row=False):
    """Refuses an input whose rank or fixed dimensions differ from the signature.

    Args:
        name: the input alias.
        received: the input's shape (the shape of one instance when `row`).
        expected: the signature's shape (see `signature_shape`), or None.
        signature_name: for the message.
        row: True when `received` is one instance of a row-format request
            (the batch dimension is then not part of it).

    Example:

    >>> check_shape("text", [1] * 33, [-1])
    Traceback (most recent call last):
    ...
    genreclf.serving.server.status.ServingStatusError: Expected input 'text' of rank 1 ...
    """
    got_rank = len(received) + (1 if row else 0)
    if expected is None:
        if got_rank > MAX_RANK:
            raise invalid_argument(
                f"Expected input '{name}' of rank at most {MAX_RANK}. Received: "
                f"rank={got_rank}. Send arrays nested less deeply."
            )
        return
    want = expected[1:] if row else expected
    if len(received) != len(want):
        what = "each instance of " if row else ""
        raise invalid_argument(
            f"Expected input '{name}' of rank {len(expected)} (shape {expected}) as signature "
            f"'{signature_name or 'serving_default'}' declares. Received: rank={got_rank} "
            f"for {what}'{name}'. Send {_hint(name, len(want), row)}."
        )
    for position, (got, need) in enumerate(zip(received, want)):
        if need >= 0 and got != need:
            axis = position + (1 if row else 0)
            raise invalid_argument(
                f"Expected dimension {axis} of input '{name}' to be {need} (shape {expected}) "
                f"as signature '{signature_name or 'serving_default'}' declares. "
                f"Received: shape={[*([-1] if row else []), *received]}."
            )


def _hint(name, rank, row):
    if rank == 0:
        return (
            f"one plain value per instance for '{name}'" if row else f"a single value for '{name}'"
        )
    return f"'{name}' as arrays nested {rank} deep"


def proto_shape(name, proto, expected, signature_name=""):
    """Checks a `TensorProto` before it becomes an array; returns its shape.

    The rank and fixed dimensions must match the signature, and the values sent
    must fill the shape exactly (no broadcasting of one value to many).

    Example:

    >>> import tensorflow as tf
    >>> proto_shape("text", tf.make_tensor_proto(["a", "b"]), [-1])
    [2]
    """
    dims = [d.size for d in proto.tensor_shape.dim]
    if proto.tensor_shape.unknown_rank:
        raise invalid_argument(f"Input '{name}' has an unknown rank. Send its shape.")
    if any(d < 0 for d in dims):
        raise invalid_argument(f"Input '{name}' has a negative dimension. Received: shape={dims}.")
    check_shape(name, dims, expected, signature_name)
    count = math.prod(dims)
    dtype = proto.dtype
    from tensorflow.core.framework import types_pb2

    dtype_name = types_pb2.DataType.Name(dtype)
    if proto.tensor_content:
        size = _ITEM_SIZES.get(dtype_name)
        sent = len(proto.tensor_content) // size if size else -1
    else:
        sent = sum(len(getattr(proto, field)) for field in _VALUE_FIELDS)
        if dtype_name in ("DT_COMPLEX64", "DT_COMPLEX128"):
            sent = -1
    if sent != count:
        raise invalid_argument(
            f"Input '{name}' has shape {dims}, which holds {count} elements, but "
            f"{max(sent, 0)} values were sent. Received: shape={dims}. Send one value per "
            "element (TensorProto broadcasting is not accepted)."
        )
    return dims


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
