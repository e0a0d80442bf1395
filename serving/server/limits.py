"""`Limits`: the bounds of one local server, and the checks that enforce them.

Requests are refused by what they hold before the costly step: a parsed REST
body before any array or `tf.train.Example` is built (`check_json`), examples
before the context is copied into each (`check_examples`), arrays before the
model runs (`check_arrays`).
"""

import dataclasses

from genreclf.serving.server.status import invalid_argument

BODY_BYTES_IN_FLIGHT = 256 * 1024 * 1024  # the default budget of body bytes in flight
_BASE64_SPACE = " \t\n\v\f\r"  # what TF Serving's base64 decoding skips


@dataclasses.dataclass(frozen=True)
class Limits:
    """The bounds of one local server: the `genreclf serve` flags of the same names
    (`idle_timeout`: seconds an idle gRPC connection stays open).

    Example:

    >>> import numpy as np
    >>> Limits(max_texts=2).check_arrays({"text": np.array([b"a", b"b", b"c"], object)})
    Traceback (most recent call last):
    ...
    genreclf.serving.server.status.ServingStatusError: Request holds 3 texts, more than ...
    """

    max_texts: int = 10_000  # string values or examples per request (400 beyond)
    max_text_bytes: int = 8 * 1024 * 1024  # their bytes, an example's with the context's (400)
    chunk_size: int = 256  # rows per model call
    max_body_bytes: int = 8 * 1024 * 1024  # REST body / gRPC message (413 / RESOURCE_EXHAUSTED)
    max_connections: int = 1000  # REST connections / gRPC calls (503 / RESOURCE_EXHAUSTED)
    header_timeout: float = 10.0  # seconds to send a request head / finish a gRPC handshake
    body_timeout: float = 30.0  # seconds for a REST body to arrive (408 after)
    idle_timeout: float = 60.0
    # Body bytes received or held at once, all requests (503 / RESOURCE_EXHAUSTED beyond;
    # `BodyBudget`). 256 MiB: 32 bodies of the largest size, ~1 GiB once parsed into Python
    # objects; 8 workers run 8 requests at a time and 1,000 synopses are ~1 MB, so only
    # floods of large bodies reach it. None: that, or `max_body_bytes` if larger (so a
    # larger --max-body-bytes alone still starts).
    max_body_bytes_in_flight: int = None

    def __post_init__(self):
        if self.max_body_bytes_in_flight is None:
            budget = max(BODY_BYTES_IN_FLIGHT, self.max_body_bytes)
            object.__setattr__(self, "max_body_bytes_in_flight", budget)  # frozen
        if self.max_body_bytes_in_flight < self.max_body_bytes:  # no largest body would fit
            raise ValueError(
                "Expected max_body_bytes_in_flight of at least max_body_bytes. Received: "
                f"max_body_bytes_in_flight={self.max_body_bytes_in_flight}, max_body_bytes="
                f"{self.max_body_bytes}. Raise --max-body-bytes-in-flight or lower --max-body-bytes."
            )

    def check_arrays(self, arrays):
        """Refuses a request (name → numpy array) over the text caps."""
        texts = [v for a in arrays.values() if a.dtype.kind in "OSU" for v in a.reshape(-1)]
        nbytes = sum(len(v) for v in texts if isinstance(v, (bytes, str)))
        self._check_texts(len(texts), nbytes)

    def check_json(self, doc, inputs=None):
        """Refuses a parsed REST body whose payload already holds more texts than the caps,
        before any array or `tf.train.Example` is built (building them costs more than the
        parse).

        Counts the strings (and `{"b64": ...}` values) under `instances` and `inputs` (of a
        columnar `inputs` object, only the keys named in `inputs`, the signature's input
        names, when given: TF Serving ignores the others), and their characters; each entry
        of `examples` is one text (the serialized `tf.train.Example` the signature reads), of
        at least the characters and values it holds, plus those of `context`, which TF
        Serving prepends to every example. The counts are never more than the arrays will
        hold, so only requests `check_arrays` would refuse are refused. It stops counting at
        the first value over a cap ("at least").
        """
        count = nbytes = 0
        stack = _payload(doc, inputs)
        while stack and count <= self.max_texts and nbytes <= self.max_text_bytes:
            value = stack.pop()
            if isinstance(value, str):
                count, nbytes = count + 1, nbytes + len(value)
            elif isinstance(value, list):
                stack.extend(value)
            elif isinstance(value, dict):
                if _is_b64(value):
                    count, nbytes = count + 1, nbytes + _min_text_bytes(value)
                else:
                    stack.extend(value.values())
        self._check_texts(count, nbytes, at_least=bool(stack))
        if isinstance(doc.get("examples"), list):
            self._check_json_examples(doc["examples"], doc.get("context"))

    def _check_json_examples(self, examples, context):
        """`check_json` for `examples` and `context` (lower bounds of `check_examples`)."""
        count = len(examples)
        self._check_examples(count, 0, 0)
        context_bytes = _min_example_bytes(context, strings=False)  # at once, however long
        self._check_examples(count, context_bytes, 0, at_least=True)
        context_bytes, example_bytes = _min_example_bytes(context), 0
        for example in examples:
            if count * context_bytes + example_bytes > self.max_text_bytes:
                break
            example_bytes += _min_example_bytes(example)
        self._check_examples(count, context_bytes, example_bytes, at_least=True)

    def check_examples(self, examples, context=None):
        """Refuses `tf.train.Example`s over the caps before any is serialized: each example is
        one text, and TF Serving's way of adding the context (its serialized bytes before
        each example's) makes `len(examples) × context + examples` bytes of text.

        Example:

        >>> from tensorflow.core.example import example_pb2
        >>> context = example_pb2.Example()
        >>> context.features.feature["n"].int64_list.value.extend([1] * 100)
        >>> Limits(max_text_bytes=1000).check_examples([example_pb2.Example()] * 10, context)
        Traceback (most recent call last):
        ...
        genreclf.serving.server.status.ServingStatusError: Request holds 10 examples of ...
        """
        self._check_examples(len(examples), 0, 0)
        context_bytes = context.ByteSize() if context is not None else 0
        example_bytes = sum(example.ByteSize() for example in examples)
        self._check_examples(len(examples), context_bytes, example_bytes)

    def _check_examples(self, count, context_bytes, example_bytes, at_least=False):
        if count > self.max_texts:
            raise invalid_argument(
                f"Request holds {count} examples, more than this server's limit of "
                f"{self.max_texts} texts (each example is one). Received: examples={count}. "
                "Send fewer examples per request, or start the server with a larger --max-texts."
            )
        total, least = count * context_bytes + example_bytes, "at least " * at_least
        if total > self.max_text_bytes:
            op = ">=" if at_least else "="
            raise invalid_argument(
                f"Request holds {count} examples of {least}{total} bytes once serialized with "
                f"the context prepended to each (as TF Serving does), more than this server's "
                f"limit of {self.max_text_bytes} bytes of text. Received: examples={count}, "
                f"context_bytes{op}{context_bytes}, example_bytes{op}{example_bytes}. Send "
                "fewer examples per request or a smaller context, or start the server with a "
                "larger --max-text-bytes."
            )

    def _check_texts(self, count, nbytes, at_least=False):
        for what, held, cap, flag in (
            ("texts", count, self.max_texts, "texts"),
            ("bytes of text", nbytes, self.max_text_bytes, "text-bytes"),
        ):
            if held > cap:
                raise invalid_argument(
                    f"Request holds {'at least ' * at_least}{held} {what}, more than this "
                    f"server's limit of {cap}. Received: {flag.replace('-', '_')}"
                    f"{'>=' if at_least else '='}{held}. Split the request, or start "
                    f"the server with a larger --max-{flag}."
                )


def _payload(doc, inputs=None):
    """The values of a predict body that become tensors: `instances`, and `inputs` (of an
    object of named inputs, the values of the keys in `inputs` when it is given)."""
    columnar = doc.get("inputs")
    if inputs is None or not isinstance(columnar, dict) or _is_b64(columnar):
        return [doc[key] for key in ("instances", "inputs") if key in doc]
    named = [columnar[name] for name in inputs if name in columnar]
    return [doc["instances"], *named] if "instances" in doc else named


def _min_text_bytes(value):
    """At most the bytes a JSON string or `{"b64": ...}` becomes (characters ≤ UTF-8 bytes;
    base64 digits, whitespace not counted, the padding allowed for)."""
    if isinstance(value, str):
        return len(value)
    text = value["b64"]
    digits = len(text) - sum(text.count(space) for space in _BASE64_SPACE)
    return max(digits * 3 // 4 - 2, 0)


def _min_example_bytes(value, strings=True):
    """At most the serialized size of the `tf.train.Example` a REST JSON example becomes:
    its feature names, the characters of its strings (`strings=False`: one byte each, no
    pass over the values), one byte per other value (a value that is not a string, a
    number or `{"b64": ...}` makes the request a 400 anyway)."""
    if not isinstance(value, dict):
        return 0
    total = 0
    for name, content in value.items():
        values = content if isinstance(content, list) else [content]
        total += len(name) + len(values)
        if strings:
            texts = [v for v in values if isinstance(v, (str, dict))]
            texts = [_min_text_bytes(v) for v in texts if isinstance(v, str) or _is_b64(v)]
            total += sum(max(size - 1, 0) for size in texts)
    return total


def _is_b64(value):
    return isinstance(value, dict) and list(value) == ["b64"] and isinstance(value["b64"], str)
