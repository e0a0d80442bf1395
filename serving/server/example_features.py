"""`ExampleFeatures`: the features a classify or regress signature parses from its examples.

A classify or regress signature takes serialized `tf.train.Example`s and parses
them in its graph (`tf.io.parse_example`). An example that does not fit made the
graph fail with TensorFlow's `Graph execution error: ... Detected at node
ParseExample/ParseExampleV2 ... [Op:__inference_signature_wrapper_1091]`.
`ExampleFeatures.of` reads the parse op's features (names, types, value counts,
required or defaulted) from the signature's graph, and `check` refuses an
example that the op would refuse, before the graph runs, with a 400 naming the
example, the feature, what the signature expects and what was received. Where
the graph's features cannot be read (no single `ParseExample` op with constant
keys), `op_error_message` still turns the op's error into one clear line.
"""

import dataclasses
import json
import math
import re

import tensorflow as tf

from genreclf.serving.server.status import invalid_argument

_KINDS = {tf.string: "bytes_list", tf.int64: "int64_list", tf.float32: "float_list"}
_NAMES = {"bytes_list": "string", "int64_list": "integer", "float_list": "float"}
_TEMPLATES = {"bytes_list": "...", "int64_list": 0, "float_list": 0.0}
_NOISE = re.compile(
    r"^(Graph execution error:|Detected at node .*|<stack traces unavailable>|\s.*)$"
)
_FUNCTION_NODE = re.compile(r"\{\{function_node [^}]*\}\}\s*")  # a raw status' prefix
_PARSE_KEY = re.compile(r"Key: (?P<name>.+?), Index: (?P<index>\d+)\.\s+(?P<what>.+)", re.S)
_PARSE_MISSING = re.compile(r"Feature: (?P<name>.+?) \(data type: \w+\) is required")


@dataclasses.dataclass(frozen=True)
class Feature:
    """One parsed feature: its `tf.train.Feature` kind; for a fixed-length feature its value
    count (`size`; None for sparse, ragged and sequence features, which take any multiple of
    `step` values) and whether an example must have it (`required`: no default); `sparse`
    for sparse and ragged features (see `ExampleFeatures.check` on the context)."""

    name: str
    kind: str
    size: int | None
    required: bool
    step: int = 1
    sparse: bool = False

    def describe(self):
        """What the feature holds, e.g. "1 string value (a bytes_list)"."""
        noun, kind = _NAMES[self.kind], f"(a {self.kind})"
        if self.size is not None:
            return f"{self.size} {noun} value{'s' * (self.size != 1)} {kind}"
        return f"any number of {noun} values{f' in rows of {self.step}' * (self.step > 1)} {kind}"

    def accepts(self, count):
        """Whether `count` values of the right kind parse."""
        return count == self.size if self.size is not None else count % self.step == 0

    def template(self):
        """A JSON value of the feature's kind and count, e.g. "..." or `[0.0, 0.0]`."""
        value = _TEMPLATES[self.kind]
        return value if self.size == 1 else [value] * (self.size or self.step)


class ExampleFeatures:
    """The features one signature parses from its examples, by name.

    Example:

    >>> features = ExampleFeatures({"text": Feature("text", "bytes_list", 1, True)})
    >>> from tensorflow.core.example import example_pb2
    >>> example = example_pb2.Example()
    >>> example.features.feature["text"].int64_list.value.append(5)
    >>> features.check([example], None, "classify")
    Traceback (most recent call last):
    ...
    genreclf.serving.server.status.ServingStatusError: Expected feature 'text' of example 0 ...
    """

    def __init__(self, features):
        self.features = features

    @classmethod
    def of(cls, function):
        """The features the `ParseExample` op of a concrete function's graph (its function
        library included) reads, or None where there is not exactly one such set."""
        graph = function.graph.as_graph_def()
        found = [_parse_op_features(graph.node, n) for n in graph.node if _is_parse(n)]
        for library_function in graph.library.function:
            nodes = library_function.node_def
            found += [_parse_op_features(nodes, n) for n in nodes if _is_parse(n)]
        if not found or None in found or any(f != found[0] for f in found):
            return None  # no check: the op's own error, made clear by `op_error_message`
        return cls(found[0])

    def template(self):
        """A JSON example with every fixed-length feature, e.g. `{"text": "..."}`."""
        fixed = {n: f.template() for n, f in sorted(self.features.items()) if f.size is not None}
        return json.dumps(fixed or {n: f.template() for n, f in sorted(self.features.items())})

    def check(self, examples, context, signature_key):
        """Refuses the first example the signature's parse op would refuse (INVALID_ARGUMENT).

        The context is merged as TF Serving merges it (its serialized bytes before each
        example's), and read as `ParseExample` reads the two: an example's feature replaces
        the context's of the same name, except that a fixed-length or sequence feature with
        no kind set (`{"text": []}`) counts as absent, so the context's is parsed.
        """
        context_features = context.features.feature if context is not None else {}
        for index, example in enumerate(examples):
            present = example.features.feature
            for name, spec in self.features.items():
                feature, where = present[name] if name in present else None, ""
                if name in context_features and (
                    feature is None or not (spec.sparse or feature.WhichOneof("kind"))
                ):
                    feature, where = context_features[name], " (from the context)"
                kind = feature.WhichOneof("kind") if feature is not None else None
                if kind is not None:
                    values = getattr(feature, kind).value
                    if kind == spec.kind and spec.accepts(len(values)):
                        continue
                    plural = "s" * (len(values) != 1)
                    received = f"{name}={_show(values)} ({len(values)} {kind} value{plural})"
                elif not spec.required:
                    continue
                elif feature is None:
                    raise invalid_argument(
                        f"Expected example {index} to have the feature '{name}', which "
                        f"signature '{signature_key}' requires: {spec.describe()}. Received: "
                        f"features={sorted({*present, *context_features})}. Send each "
                        f"example as {self.template()}."
                    )
                else:
                    received = f"{name}=[] (no values)"
                raise invalid_argument(
                    f"Expected feature '{name}' of example {index} to hold {spec.describe()}, "
                    f"as signature '{signature_key}' parses it. Received: {received}{where}. "
                    f"Send each example as {self.template()}."
                )


def _show(values, limit=3):
    """Up to `limit` feature values as JSON (bytes as text), for messages."""
    shown = [v.decode("utf-8", "replace")[:40] if isinstance(v, bytes) else v for v in values]
    text = json.dumps(shown[:limit], ensure_ascii=False)
    return text[:-1] + ", ...]" if len(values) > limit else text


def _is_parse(node):
    return node.op in ("ParseExample", "ParseExampleV2")


def _parse_op_features(nodes, node):
    """`{name: Feature}` of one `ParseExample(V2)` node, or None when its keys are not
    constants of the same graph (or the node is not as TensorFlow 2.20 writes it)."""
    try:
        return _read_parse_op(nodes, node)
    except (KeyError, IndexError, TypeError, ValueError):  # ValueError: UnicodeDecodeError too
        return None


def _read_parse_op(nodes, node):
    consts = {n.name: n for n in nodes if n.op == "Const"}

    def const(name):
        found = consts.get(name.lstrip("^").split(":")[0])
        return None if found is None else tf.make_ndarray(found.attr["value"].tensor)

    inputs, attr = list(node.input), node.attr
    dense_types = [tf.dtypes.as_dtype(t) for t in attr["Tdense"].list.type]
    shapes = [tf.TensorShape(s) for s in attr["dense_shapes"].list.shape]
    if node.op == "ParseExampleV2":
        keys = [const(name) for name in inputs[2:5]]
        if any(k is None for k in keys):
            return None
        sparse, dense, ragged = ([k.decode() for k in key.reshape(-1)] for key in keys)
        defaults = [const(name) for name in inputs[5 : 5 + len(dense)]]
        sparse_types = [tf.dtypes.as_dtype(t) for t in attr["sparse_types"].list.type]
        sparse_types += [tf.dtypes.as_dtype(t) for t in attr["ragged_value_types"].list.type]
        sparse += ragged
    else:  # ParseExample: one constant per key
        count_sparse, count_dense = attr["Nsparse"].i, attr["Ndense"].i
        keys = [const(name) for name in inputs[2 : 2 + count_sparse + count_dense]]
        if any(k is None for k in keys):
            return None
        keys = [k.reshape(-1)[0].decode() for k in keys]
        sparse, dense = keys[:count_sparse], keys[count_sparse:]
        start = 2 + count_sparse + count_dense
        defaults = [const(name) for name in inputs[start : start + count_dense]]
        sparse_types = [tf.dtypes.as_dtype(t) for t in attr["sparse_types"].list.type]
    if len(dense_types) != len(dense) or len(sparse_types) != len(sparse):
        return None
    if any(t not in _KINDS for t in (*sparse_types, *dense_types)):
        return None
    features = {
        name: Feature(name, _KINDS[t], None, False, sparse=True)
        for name, t in zip(sparse, sparse_types)
    }
    for name, dtype, shape, default in zip(dense, dense_types, shapes, defaults):
        if shape.is_fully_defined():
            size = math.prod(shape.as_list())
            required = size > 0 and default is not None and default.size == 0  # no default
            features[name] = Feature(name, _KINDS[dtype], size, required)
        else:  # a FixedLenSequenceFeature: rows of the inner shape, missing allowed
            step = (
                math.prod(shape.as_list()[1:]) if shape.rank and shape[1:].is_fully_defined() else 1
            )
            features[name] = Feature(name, _KINDS[dtype], None, False, max(step, 1))
    return features


def op_error_message(message, signature_key="", offset=0, features=None):
    """A TensorFlow op error's message as one clear line: without "Graph execution error",
    the node and the function; a `ParseExample` error names the example (`offset`: the
    index of the chunk's first example) and the signature, and how to fix it.

    Example:

    >>> op_error_message("Graph execution error:\\n\\nDetected at node X defined at (most "
    ...     "recent call last):\\n<stack traces unavailable>\\nbad value\\n\\t [[{{node X}}]] "
    ...     "[Op:__inference_signature_wrapper_1091]")
    'bad value'
    """
    lines = [line for line in message.split("\n") if line.strip() and not _NOISE.match(line)]
    core = re.sub(r"\s*\[Op:[^\]]*\]\s*$", "", " ".join(lines))
    core = _FUNCTION_NODE.sub("", core).strip() or message.strip()
    fix = (
        f"Send each example as {features.template()}."
        if features is not None
        else "Send each example with the features, types and value counts the model was "
        "exported with (for genreclf exports: a string feature 'text')."
    )
    if match := _PARSE_KEY.search(core):
        index = int(match["index"]) + offset
        what = match["what"].strip().rstrip(".")
        return (
            f"Could not parse feature '{match['name']}' of example {index} as signature "
            f"'{signature_key}' expects it. Received: {what}. {fix}"
        )
    if match := _PARSE_MISSING.search(core):
        return (
            f"Expected every example to have the feature '{match['name']}' that signature "
            f"'{signature_key}' parses. Received: an example without it ({core}). {fix}"
        )
    return core
