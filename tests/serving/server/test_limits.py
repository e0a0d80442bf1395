"""`Limits`: the text caps are checked on the parsed body before any array is built."""

import json

import numpy as np
import pytest

from genreclf.serving.server.rest_json import parse
from genreclf.serving.server.servable import Limits
from genreclf.serving.server.status import ServingStatusError

LIMITS = Limits(max_texts=5, max_text_bytes=40)


@pytest.mark.parametrize(
    "doc",
    [
        {"instances": ["a"] * 6},
        {"inputs": {"text": ["a"] * 3, "title": ["b"] * 3}},
        {"instances": [{"text": "a", "year": 1.0}] * 6},
        {"instances": [{"b64": "YQ=="}] * 6},
        {"examples": [{"text": "a"}] * 4, "context": {"tag": ["x", "y"]}},
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
