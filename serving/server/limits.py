"""`Limits`: what one request, or one client, may ask of the local server.

Every input's rank and fixed dimensions must match the signature before numpy
or TensorFlow see it (`check_shape`; a string tensor of rank 33 crashes
TensorFlow 2.20); texts and text bytes per request are capped; large batches run
through the model in chunks; bodies, connections and slow clients are bounded.
"""

import dataclasses

from genreclf.serving.server.status import invalid_argument

MAX_RANK = 32  # the highest rank accepted where the signature leaves the rank open


@dataclasses.dataclass(frozen=True)
class Limits:
    """The bounds of one local server (the `genreclf serve` flags of the same names).

    `max_texts` / `max_text_bytes`: string values per request (400 beyond);
    `chunk_size`: rows per model call; `max_body_bytes`: REST body / gRPC message
    (413 / RESOURCE_EXHAUSTED); `max_connections`: open REST connections and gRPC
    calls (503 / RESOURCE_EXHAUSTED); `header_timeout`: seconds to send a request
    head or finish a gRPC handshake; `body_timeout`: seconds for a REST body
    (408); `idle_timeout`: seconds an idle gRPC connection stays open.

    Example:

    >>> import numpy as np
    >>> Limits(max_texts=2).check_arrays({"text": np.array([b"a", b"b", b"c"], object)})
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

    def check_arrays(self, arrays):
        """Refuses a request (name → numpy array) over the text caps (INVALID_ARGUMENT)."""
        texts = [v for a in arrays.values() if a.dtype.kind in "OSU" for v in a.reshape(-1)]
        nbytes = sum(len(v) for v in texts if isinstance(v, (bytes, str)))
        for what, count, cap, flag in (
            ("texts", len(texts), self.max_texts, "texts"),
            ("bytes of text", nbytes, self.max_text_bytes, "text-bytes"),
        ):
            if count > cap:
                raise invalid_argument(
                    f"Request holds {count} {what}, more than this server's limit of {cap} per "
                    f"request. Received: {flag.replace('-', '_')}={count}. Split the request, "
                    f"or start the server with a larger --max-{flag}."
                )


def check_shape(name, received, expected, signature_name=""):
    """Refuses an input whose rank or fixed dimensions differ from the signature's.

    Example:

    >>> import tensorflow as tf
    >>> check_shape("text", [1] * 3, tf.TensorShape([None]))
    Traceback (most recent call last):
    ...
    genreclf.serving.server.status.ServingStatusError: Expected input 'text' of rank 1 ...
    """
    if expected.rank is None:
        if len(received) > MAX_RANK:
            raise invalid_argument(
                f"Expected input '{name}' of rank at most {MAX_RANK}. Received: "
                f"rank={len(received)}. Send arrays nested less deeply."
            )
        return
    want = expected.as_list()
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
