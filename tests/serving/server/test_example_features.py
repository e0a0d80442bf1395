"""Classify and regress examples are checked against the features the signature parses.

The check refuses exactly what TensorFlow's `ParseExample` refuses (compared case by
case with `tf.io.parse_example`), with a message naming the example, the feature,
what was expected and what was received, instead of TensorFlow's `Graph execution
error: ... [Op:__inference_signature_wrapper_1091]`.
"""

import itertools

import pytest
import tensorflow as tf
from tensorflow.core.example import example_pb2
from tensorflow.core.example import feature_pb2

from genreclf.serving.server.example_features import ExampleFeatures
from genreclf.serving.server.example_features import Feature
from genreclf.serving.server.example_features import op_error_message
from genreclf.serving.server.servable import Servable
from genreclf.serving.server.status import ServingStatusError
from genreclf.serving.testing import write_tiny_model

SPECS = {
    "req_s": tf.io.FixedLenFeature([], tf.string),
    "opt_s": tf.io.FixedLenFeature([], tf.string, default_value=""),
    "req_f2": tf.io.FixedLenFeature([2], tf.float32),
    "opt_i": tf.io.FixedLenFeature([], tf.int64, default_value=0),
    "var_i": tf.io.VarLenFeature(tf.int64),
    "rag_s": tf.io.RaggedFeature(tf.string),
    "seq_f3": tf.io.FixedLenSequenceFeature([3], tf.float32, allow_missing=True),
}
VALID = {"req_s": ("bytes_list", 1), "req_f2": ("float_list", 2)}
GOOD = {  # a value each feature parses
    **VALID,
    **{"opt_s": ("bytes_list", 1), "opt_i": ("int64_list", 1), "var_i": ("int64_list", 2)},
    **{"rag_s": ("bytes_list", 2), "seq_f3": ("float_list", 6)},
}
VARIANTS = [(None, 0), ("", 0)] + [
    (kind, count) for kind in ("bytes_list", "int64_list", "float_list") for count in (0, 1, 2, 3)
]


def parse_function(specs=SPECS, raw=False):
    @tf.function(input_signature=[tf.TensorSpec([None], tf.string)])
    def parse(serialized):
        if raw:  # the older ParseExample op, one key tensor per feature
            names = sorted(specs)
            defaults = [tf.constant([], specs[n].dtype) for n in names]
            return tf.raw_ops.ParseExample(
                serialized=serialized,
                names=tf.constant([], tf.string),
                sparse_keys=[],
                dense_keys=names,
                dense_defaults=defaults,
                sparse_types=[],
                dense_shapes=[specs[n].shape for n in names],
            ).dense_values
        return tf.io.parse_example(serialized, specs)

    return parse.get_concrete_function()


def feature(kind, count):
    """A `tf.train.Feature`: `kind` None is no feature, "" one with no kind set."""
    proto = feature_pb2.Feature()
    values = {"bytes_list": [b"v"], "int64_list": [1], "float_list": [0.5]}
    if kind:
        getattr(proto, kind).value.extend(values[kind] * count)
    return proto


def example(**features):
    proto = example_pb2.Example()
    for name, (kind, count) in features.items():
        if kind is not None:
            proto.features.feature[name].CopyFrom(feature(kind, count))
    return proto


def tf_refuses(examples, context=None):
    prefix = context.SerializeToString() if context is not None else b""
    serialized = [prefix + e.SerializeToString() for e in examples]
    try:
        tf.io.parse_example(tf.constant(serialized), SPECS)
    except tf.errors.InvalidArgumentError:
        return True
    return False


def check_refuses(features, examples, context=None):
    try:
        features.check(examples, context, "classify")
    except ServingStatusError:
        return True
    return False


@pytest.fixture(scope="module")
def features():
    return ExampleFeatures.of(parse_function())


def test_the_features_are_read_from_the_graph(features):
    assert features.features == {
        "req_s": Feature("req_s", "bytes_list", 1, True),
        "opt_s": Feature("opt_s", "bytes_list", 1, False),
        "req_f2": Feature("req_f2", "float_list", 2, True),
        "opt_i": Feature("opt_i", "int64_list", 1, False),
        "var_i": Feature("var_i", "int64_list", None, False, sparse=True),
        "rag_s": Feature("rag_s", "bytes_list", None, False, sparse=True),
        "seq_f3": Feature("seq_f3", "float_list", None, False, 3),
    }
    dense = {n: s for n, s in SPECS.items() if isinstance(s, tf.io.FixedLenFeature)}
    required = {n: tf.io.FixedLenFeature(s.shape, s.dtype) for n, s in dense.items()}
    assert ExampleFeatures.of(parse_function(required, raw=True)).features == {
        "req_s": Feature("req_s", "bytes_list", 1, True),
        "opt_s": Feature("opt_s", "bytes_list", 1, True),
        "req_f2": Feature("req_f2", "float_list", 2, True),
        "opt_i": Feature("opt_i", "int64_list", 1, True),
    }
    no_parse = tf.function(lambda x: x, input_signature=[tf.TensorSpec([None], tf.string)])
    assert ExampleFeatures.of(no_parse.get_concrete_function()) is None


@pytest.mark.parametrize("name", sorted(SPECS))
def test_the_check_refuses_exactly_what_parse_example_refuses(features, name):
    for kind, count in VARIANTS:
        case = example(**{**VALID, name: (kind, count)})
        expected = tf_refuses([case])
        assert check_refuses(features, [case]) == expected, (name, kind, count, expected)
        # The same feature in the context, and the example's own feature over the context's.
        context, bare = example(**{name: (kind, count)}), example(**{**VALID, name: (None, 0)})
        expected = tf_refuses([bare], context)
        assert check_refuses(features, [bare], context) == expected, ("context", kind, count)
        for under in (("int64_list", 5), GOOD[name]):
            context, own = example(**{name: under}), example(**{**VALID, name: (kind, count)})
            expected = tf_refuses([own], context)
            assert check_refuses(features, [own], context) == expected, (kind, count, under)


def test_messages_name_the_example_the_feature_what_was_expected_and_received(features):
    examples = [example(**VALID), example(**{**VALID, "req_s": ("int64_list", 1)})]
    with pytest.raises(ServingStatusError) as err:
        features.check(examples, None, "classify")
    assert err.value.code == "INVALID_ARGUMENT"
    assert err.value.message.startswith(
        "Expected feature 'req_s' of example 1 to hold 1 string value (a bytes_list), as "
        "signature 'classify' parses it. Received: req_s=[1] (1 int64_list value). Send each "
        'example as {"opt_i": 0, "opt_s": "...", "req_f2": [0.0, 0.0], "req_s": "..."}.'
    )
    with pytest.raises(ServingStatusError, match=r"example 0 to have the feature 'req_s'.*"):
        features.check([example(req_f2=("float_list", 2), other=("bytes_list", 1))], None, "c")
    with pytest.raises(ServingStatusError, match=r"Received: features=\['other', 'req_f2'\]"):
        features.check([example(req_f2=("float_list", 2), other=("bytes_list", 1))], None, "c")
    with pytest.raises(ServingStatusError, match=r"Received: req_s=\[\] \(no values\)"):
        features.check([example(**{**VALID, "req_s": ("", 0)})], None, "c")
    with pytest.raises(
        ServingStatusError, match=r"req_f2=\[0.5, 0.5, 0.5\] \(3 float_list.*context"
    ):
        features.check([example(req_s=("bytes_list", 1))], example(req_f2=("float_list", 3)), "c")


def test_op_errors_become_one_clear_line():
    function = parse_function({"text": tf.io.FixedLenFeature([], tf.string)})
    bad = example(text=("int64_list", 1)).SerializeToString()
    with pytest.raises(tf.errors.InvalidArgumentError) as err:
        function(tf.constant([example(text=("bytes_list", 1)).SerializeToString(), bad]))
    message = op_error_message(err.value.message, "classify", offset=256)
    assert message.startswith(
        "Could not parse feature 'text' of example 257 as signature 'classify' expects it. "
        "Received: Data types don't match. Data type: int64 but expected type: string."
    ), message
    assert "Graph execution" not in message and "[Op:" not in message and "{{" not in message
    with pytest.raises(tf.errors.InvalidArgumentError) as err:
        function(tf.constant([example().SerializeToString()]))
    message = op_error_message(err.value.message, "classify")
    assert "the feature 'text' that signature 'classify' parses" in message, message
    assert "Send each example with the features" in message


def test_a_servable_refuses_bad_examples_before_the_graph_runs(tmp_path):
    path = write_tiny_model(str(tmp_path), "strict", 1, hybrid=True, required=True)
    servable = Servable.load("strict", 1, path)
    good = example(text=("bytes_list", 1), year=("float_list", 1))
    good.features.feature["text"].bytes_list.value[0] = b"a haunted house"
    assert len(servable.classify([good], signature_name="classify")) == 1
    cases = {
        "text": example(year=("float_list", 1)),  # no text
        "year": example(text=("bytes_list", 1), year=("bytes_list", 1)),  # a string year
    }
    for name, bad in cases.items():
        for batch in ([bad], [good] * 300 + [bad]):  # in the first chunk, or in the second
            with pytest.raises(ServingStatusError) as err:
                servable.classify(batch, signature_name="classify")
            message = err.value.message
            assert err.value.code == "INVALID_ARGUMENT" and f"'{name}'" in message
            assert f"example {len(batch) - 1}" in message and "Received: " in message
            assert '{"text": "...", "year": 0.0}' in message and "Graph" not in message
    # Where the graph's features cannot be read, TensorFlow's own error is made clear, and
    # names the example across chunks of --chunk-size (256) examples.
    servable._example_features["classify"] = None
    with pytest.raises(ServingStatusError) as err:
        servable.classify([good] * 300 + [cases["year"]], signature_name="classify")
    assert err.value.message.startswith(
        "Could not parse feature 'year' of example 300 as signature 'classify' expects it. "
        "Received: Data types don't match. Data type: string but expected type: float. Send "
        "each example with the features"
    ), err.value.message


def test_every_variant_is_one_example_of_the_other_features(features):
    # The variants above change one feature at a time; all of them at once agree too.
    names = ["req_s", "opt_i", "rag_s"]
    for combo in itertools.product(VARIANTS[:6], repeat=len(names)):
        case = example(**{**VALID, **dict(zip(names, combo))})
        assert check_refuses(features, [case]) == tf_refuses([case]), combo
