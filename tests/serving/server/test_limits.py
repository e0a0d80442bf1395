"""`Limits`: the text caps are checked on the parsed body before any array is built."""

import json
import time

import numpy as np
import pytest
from tensorflow.core.example import example_pb2

from genreclf.serving.server.json_bytes import parse
from genreclf.serving.server.limits import Limits
from genreclf.serving.server.rest_json import examples as json_examples
from genreclf.serving.server.status import ServingStatusError

LIMITS = Limits(max_texts=5, max_text_bytes=40)


@pytest.mark.parametrize(
    "doc",
    [
        {"instances": ["a"] * 6},
        {"inputs": {"text": ["a"] * 3, "title": ["b"] * 3}},
        {"instances": [{"text": "a", "year": 1.0}] * 6},
        {"instances": [{"b64": "YQ=="}] * 6},
        {"examples": [{"m": 1}] * 6},  # each example is one text, strings or not
        {"instances": [["a", "b"], ["c", "d"], ["e", "f"]]},
    ],
)
def test_more_texts_than_the_cap_are_refused_before_arrays(doc):
    with pytest.raises(ServingStatusError, match="more than this server's limit of 5"):
        LIMITS.check_json(doc)


def test_counting_stops_at_the_cap():
    with pytest.raises(ServingStatusError, match="holds at least 6 texts.*Received: texts>=6"):
        LIMITS.check_json({"instances": ["a"] * 1_000_000})


def test_more_characters_than_the_byte_cap_are_refused():
    with pytest.raises(ServingStatusError, match="Received: text_bytes=41"):
        LIMITS.check_json({"instances": ["x" * 41]})


def test_what_is_not_a_text_is_not_counted():
    # Exactly at the caps: names, keys, numbers and the signature name are not texts.
    LIMITS.check_json(
        {"signature_name": "serving_default", "instances": [{"text": "x" * 8, "year": 2}] * 5}
    )
    LIMITS.check_json({"instances": [{"b64": "eHh4eHh4eHg="}] * 5})  # 8 bytes each


def test_the_json_count_never_exceeds_the_arrays_count():
    # What check_json refuses, check_arrays refuses too (the count is a lower bound).
    texts = ["é" * 10, "ab", "日本"]
    doc = parse(json.dumps({"instances": texts}).encode())
    Limits(max_texts=3, max_text_bytes=14).check_json(doc)  # 14 characters
    arrays = {"text": np.array([t.encode() for t in texts], object)}
    with pytest.raises(ServingStatusError, match="text_bytes=28"):  # 28 UTF-8 bytes
        Limits(max_texts=3, max_text_bytes=14).check_arrays(arrays)


def test_a_million_examples_are_refused_at_once():
    doc = {"signature_name": "classify", "examples": [{"m": 1}] * 1_000_000}
    start = time.monotonic()
    with pytest.raises(ServingStatusError, match="Received: examples=1000000. Send fewer"):
        Limits().check_json(doc)
    assert time.monotonic() - start < 1.0  # no example is looked into


def test_the_context_counts_once_per_example_before_it_is_copied():
    doc = {"examples": [{"m": 1}] * 4, "context": {"n": [1] * 10}}  # at least 4 × 11 bytes
    with pytest.raises(ServingStatusError, match="at least 44 bytes.*context_bytes>=11"):
        LIMITS.check_json(doc)
    context = example_pb2.Example()
    context.features.feature["n"].int64_list.value.extend([1] * 1_000_000)
    start = time.monotonic()
    with pytest.raises(ServingStatusError, match="smaller context.*--max-text-bytes"):
        Limits().check_examples([example_pb2.Example()] * 10, context)
    assert time.monotonic() - start < 1.0


@pytest.mark.parametrize(
    "doc",
    [
        {"examples": [{"text": "é" * 3, "n": [1, -2, 300000]}, {"f": 0.5}]},
        {"examples": [{"m": True}, {}], "context": {"text": "日本", "b": {"b64": "YWJj"}}},
        {"examples": [{"t": ["", "ab"], "e": []}] * 3, "context": {"x": [1.5, 2.5]}},
    ],
)
def test_the_json_bounds_never_exceed_the_serialized_examples(doc):
    # What check_json refuses, check_examples refuses too: its bytes are a lower bound.
    examples, context = json_examples(doc)
    exact = len(examples) * (context.ByteSize() if context else 0)
    exact += sum(example.ByteSize() for example in examples)
    Limits(max_texts=len(examples), max_text_bytes=exact).check_json(doc)
    Limits(max_texts=len(examples), max_text_bytes=exact).check_examples(examples, context)
    with pytest.raises(ServingStatusError, match=f"examples={len(examples)}"):
        Limits(max_text_bytes=exact - 1).check_examples(examples, context)
    with pytest.raises(ServingStatusError, match=f"limit of {len(examples) - 1} texts"):
        Limits(max_texts=len(examples) - 1).check_json(doc)


@pytest.mark.parametrize(
    "encoded", ["YWJj" + " " * 200, "YW\nJj\n" + "\t" * 100, "YWI" + "\r\n" * 50 + "."]
)
def test_base64_whitespace_is_not_counted_as_bytes(encoded):
    # TF Serving's base64 decoding skips whitespace: the bound counts the digits only.
    Limits(max_text_bytes=3).check_json(
        parse(json.dumps({"instances": [{"b64": encoded}]}).encode())
    )
    with pytest.raises(ServingStatusError, match="bytes of text"):
        Limits(max_text_bytes=3).check_json({"instances": [{"b64": "YWJjZA" + " " * 8}] * 20})


def test_only_the_signatures_columnar_inputs_are_counted():
    doc = {"inputs": {"text": ["a"] * 3, "ignored": ["b"] * 10}}
    LIMITS.check_json(doc, inputs=["text"])  # TF Serving ignores "ignored"
    with pytest.raises(ServingStatusError, match="more than this server's limit of 5"):
        LIMITS.check_json(doc)  # the signature unknown: everything counts
    with pytest.raises(ServingStatusError, match="more than this server's limit of 5"):
        LIMITS.check_json(doc, inputs=["text", "ignored"])
