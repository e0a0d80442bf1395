"""`GenreClient` gives the same values and raises the same errors over REST and gRPC.

Every test talks to the session's local server (`server` in conftest.py: tiny `genre`
models and a `hybrid` model with a float32 `year` input) over real sockets.
"""

import socket

import numpy as np
import pytest

from genreclf.serving.client import GenreClient
from genreclf.serving.errors import InvalidRequestError
from genreclf.serving.errors import UnavailableError

TEXTS = ["A ghost story.", "Love and a wedding in space!"]
YEARS = [1975.0, 2021.5]
PROTOCOLS = ["rest", "grpc"]


def target(server, protocol):
    return server.rest_url if protocol == "rest" else server.grpc_target


def both(server, **kwargs):
    """One client per protocol, same settings."""
    return [GenreClient(target(server, p), timeout=30, **kwargs) for p in PROTOCOLS]


def test_bytes_texts_score_as_their_text_over_both_protocols(server):
    # REST raised "Object of type bytes is not JSON serializable"; gRPC accepted them.
    answers = []
    for client in both(server):
        as_bytes = client.predict([b"A ghost story."])
        assert as_bytes == client.predict(["A ghost story."])
        assert client.classify([b"A ghost story."]) == client.classify(["A ghost story."])
        mixed = client.predict([b"A ghost story.", TEXTS[1]])
        assert mixed == client.predict(TEXTS)
        answers.append((as_bytes, mixed))
    assert answers[0] == answers[1]


def test_bytes_reach_the_model_unchanged_over_both_protocols(server):
    # REST sends bytes as {"b64": ...}, so bytes that are not UTF-8 are not altered either.
    odd = [b"caf\xe9 ghost", "caf\u00e9 ghost".encode("utf-8")]
    rest, grpc_ = both(server)
    assert rest.predict(odd) == grpc_.predict(odd)
    assert rest.classify(odd) == grpc_.classify(odd)


def test_bytes_texts_of_a_hybrid_model(server):
    rest, grpc_ = both(server, model="hybrid")
    expected = rest.predict(TEXTS, year=YEARS)
    texts = [t.encode("utf-8") for t in TEXTS]
    assert rest.predict(texts, year=YEARS) == grpc_.predict(texts, year=YEARS) == expected


BAD_FLOATS = [
    (1e300, "year[1]=1e+300, out of the range of float32"),
    (-1e300, "year[1]=-1e+300, out of the range of float32"),
    (10**400, "year[1]=<an integer of 1329 bits>, out of the range of float32"),
    (float("nan"), "year[1]=nan, not a finite number"),
    (float("inf"), "year[1]=inf, not a finite number"),
    (-np.inf, "year[1]=-inf, not a finite number"),
    (np.float64(1e39), "year[1]=1e+39, out of the range of float32"),
]


@pytest.mark.filterwarnings("error::RuntimeWarning")  # numpy's overflow warning in gRPC
@pytest.mark.parametrize("method", ["predict", "classify"])
@pytest.mark.parametrize(("bad", "received"), BAD_FLOATS)
def test_non_finite_or_out_of_range_floats_are_refused_alike(server, method, bad, received):
    # gRPC sent 1e300 as inf (and NaN as given) and answered NaN scores; REST refused
    # 1e300 with a 400 but scored NaN and infinity.
    messages = []
    for client in both(server, model="hybrid", batch_size=1):
        with pytest.raises(InvalidRequestError) as info:
            getattr(client, method)(TEXTS, year=[YEARS[0], bad])
        assert info.value.code == "INVALID_ARGUMENT"
        assert "feature 'year'" in info.value.message
        assert f"Received: {received}" in info.value.message  # the position in the whole list
        assert "Send a finite number in that range" in info.value.message
        messages.append(info.value.message)
    assert messages[0] == messages[1]
    signature = "input 'year' of signature 'serving_default'" if method == "predict" else "classify"
    assert signature in messages[0]


def test_the_largest_float32_is_accepted(server):
    limit = float(np.finfo(np.float32).max)
    rest, grpc_ = both(server, model="hybrid")
    assert len(rest.predict(TEXTS, year=[limit, -limit])) == 2
    assert len(grpc_.predict(TEXTS, year=[limit, -limit])) == 2


def test_classify_takes_integers_for_a_float_feature(server):
    # Both protocols sent 1994 as an int64_list, which the float feature refused.
    answers = []
    for client in both(server, model="hybrid"):
        pairs = client.classify(TEXTS, year=[1994, 2001])
        assert pairs == client.classify(TEXTS, year=[1994.0, 2001.0])
        assert pairs == client.classify(TEXTS, year=np.array([1994, 2001]))
        rows = client.predict(TEXTS, year=[1994, 2001])
        assert rows == client.predict(TEXTS, year=[np.float32(1994.0), np.int64(2001)])
        assert [[s for _, s in row] for row in pairs] == [r["scores"] for r in rows]
        answers.append((pairs, rows))
    assert answers[0] == answers[1]


def test_a_feature_the_model_lacks_is_named_as_such_over_both_protocols(server):
    # gRPC sent `year` as a string tensor, refusing it as "Expected input 'year' to
    # hold strings. Received: 1975.0": a text-only model has no input `year` at all.
    for client in both(server, model="genre"):
        with pytest.raises(InvalidRequestError) as info:
            client.predict(TEXTS, year=YEARS)
        assert "hold strings" not in info.value.message
        assert "['text']" in info.value.message
    assert info.value.message.endswith(  # gRPC's, before anything is sent
        "Expected the inputs ['text'] of signature 'serving_default'. Received: ['text', 'year']."
    )


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_grpc_at_the_rest_port_says_which_port_to_use(server):
    port = server.rest_port
    with pytest.raises(UnavailableError) as info:
        GenreClient(f"localhost:{port}", retries=0, timeout=10).predict(TEXTS)
    message = info.value.message
    assert "failed to connect to all addresses" in message  # gRPC's own words stay
    assert "gRPC port (TF Serving's default 8500), not its REST port (default 8501)" in message
    assert f"Received: target='localhost:{port}'" in message
    assert f"GenreClient('http://localhost:{port}')" in message
    assert f"try GenreClient('127.0.0.1:{port}')" in message  # localhost may be ::1


def test_grpc_connection_refused_hint_names_the_port_not_localhost():
    address = f"127.0.0.1:{free_port()}"
    with pytest.raises(UnavailableError) as info:
        GenreClient(address, retries=0, timeout=10).predict(TEXTS)
    assert "Check that the server is up and that this is its gRPC port" in info.value.message
    assert "::1" not in info.value.message  # no localhost in the target


def test_an_overload_gets_no_connection_hint(server):
    # The hint is for a channel that found no server, not for a server's UNAVAILABLE.
    from genreclf.serving._grpc_transport import connection_hint

    assert connection_hint(server.grpc_target, "overloaded") == ""
