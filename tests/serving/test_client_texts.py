"""`client_texts`: what `GenreClient.predict` / `classify` take as texts, checked before sending.

No server: every refusal here happens before a connection is opened (the
client points at a port nothing listens on, and is never retried).
"""

import numpy as np
import pandas as pd
import pytest

from genreclf.serving.client import GenreClient
from genreclf.serving.client_texts import client_texts
from genreclf.serving.errors import InvalidRequestError

NOWHERE = "http://127.0.0.1:9"  # the discard port: nothing answers; nothing must be sent


@pytest.fixture(params=["http://127.0.0.1:9", "127.0.0.1:9"], ids=["rest", "grpc"])
def client(request):
    with GenreClient(request.param, retries=0, timeout=0.5) as client:
        yield client


def test_sequences_of_texts_are_taken_in_order():
    frame = pd.DataFrame({"overview": ["A heist.", "A duel."]}, index=[7, 3])
    assert client_texts(frame["overview"]) == ["A heist.", "A duel."]
    assert client_texts(np.array(["A heist.", "A duel."])) == ["A heist.", "A duel."]
    assert client_texts(t for t in ["A heist.", b"A duel."]) == ["A heist.", b"A duel."]
    assert client_texts([]) == []


@pytest.mark.parametrize("method", ["predict", "classify"])
def test_a_dataframe_is_refused_not_scored_by_its_column_names(client, method):
    # It used to send 'id' and 'overview' as two synopses and answer for them.
    frame = pd.DataFrame({"id": ["s1"], "overview": ["A heist."]})
    with pytest.raises(TypeError, match=r"columns \['id', 'overview'\].*df\['overview'\]"):
        getattr(client, method)(frame)


@pytest.mark.parametrize(
    "texts, match",
    [
        ({"text": ["A heist."]}, r"keys \['text'\].*d\['text'\]"),
        ({"A heist.", "A duel."}, "order is arbitrary"),
        (np.array([["A heist."], ["A duel."]]), r"shape \(2, 1\)"),
        (None, "None"),
        (b"A heist.", "single bytes object; wrap it in a list"),
        (3, "not iterable"),
    ],
    ids=["dict", "set", "2-D array", "None", "bytes", "int"],
)
def test_other_non_texts_are_refused_before_sending(client, texts, match):
    with pytest.raises(TypeError, match=match):
        client.predict(texts)


@pytest.mark.parametrize("bad", [float("nan"), pd.NA, None, 5], ids=["nan", "NA", "None", "int"])
def test_a_missing_text_is_the_same_error_over_both_protocols(client, bad):
    # Over REST pandas' NA was a TypeError from the JSON encoder, NaN a round trip to a 400.
    with pytest.raises(InvalidRequestError, match="at index 1") as info:
        client.predict(pd.Series(["A heist.", bad], dtype=object))
    assert info.value.code == "INVALID_ARGUMENT"


@pytest.mark.parametrize("method", ["predict", "classify"])
def test_a_lone_surrogate_is_the_same_error_over_both_protocols(client, method):
    # gRPC raised a bare UnicodeEncodeError; REST sent it for the server's JSON parse error.
    text = b"A heist\xff.".decode("utf-8", "surrogateescape")
    with pytest.raises(InvalidRequestError, match=r"'\\udcff' at index 1, character 7") as info:
        getattr(client, method)(["A duel.", text])
    assert info.value.code == "INVALID_ARGUMENT"
    assert "surrogateescape" in info.value.message


@pytest.mark.parametrize("method", ["predict", "classify"])
@pytest.mark.parametrize("value", [1994, "1994", None, np.float32(1994.0)])
def test_one_feature_value_for_a_list_is_refused_with_the_fix(client, method, value):
    # year=1994 was "TypeError: 'int' object is not iterable"; year="1994" four values.
    with pytest.raises(TypeError, match=r"feature 'year' to be a list of values.*year=\[value\]"):
        getattr(client, method)(["A heist."], year=value)


@pytest.mark.parametrize("method", ["predict", "classify"])
def test_a_lone_surrogate_in_a_feature_is_refused_before_sending(client, method):
    # gRPC raised a bare UnicodeEncodeError for a string feature too.
    with pytest.raises(InvalidRequestError, match=r"input 'city' .* '\\udcff' at index 0"):
        getattr(client, method)(["A heist."], city=["\udcff"])
