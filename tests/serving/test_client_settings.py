"""`GenreClient`'s timeout, retries, backoff and batch_size: checked when it is made."""

import pytest

from genreclf.serving.client import GenreClient

TARGETS = {"rest": "http://127.0.0.1:9", "grpc": "127.0.0.1:9"}  # nothing is sent


@pytest.mark.parametrize("protocol", ["rest", "grpc"])
@pytest.mark.parametrize(
    "setting, value, words",
    [
        # gRPC: UnboundLocalError at the first call; REST took it.
        ("retries", -1, "retries to be a whole number of at least 0"),
        ("retries", 1.5, "retries to be a whole number of at least 0"),
        ("retries", "2", "retries to be a whole number of at least 0"),
        # gRPC: DEADLINE_EXCEEDED at once; REST: ValueError / OverflowError from requests.
        ("timeout", 0, "timeout to be a number of seconds above 0, or None"),
        ("timeout", -1, "timeout to be a number of seconds above 0, or None"),
        ("timeout", float("inf"), "timeout to be a number of seconds above 0, or None"),
        ("timeout", float("nan"), "timeout to be a number of seconds above 0, or None"),
        ("timeout", "5", "timeout to be a number of seconds above 0, or None"),
        ("backoff", None, "backoff to be a number of seconds of at least 0"),
        ("backoff", -1, "backoff to be a number of seconds of at least 0"),
        ("batch_size", 0, "batch_size to be a whole number of at least 1"),
        ("batch_size", "x", "batch_size to be a whole number of at least 1"),
        ("batch_size", 2.5, "batch_size to be a whole number of at least 1"),
    ],
)
def test_a_bad_setting_is_one_value_error_over_both_protocols(protocol, setting, value, words):
    with pytest.raises(ValueError, match=rf"Expected {words}.*Received: {setting}="):
        GenreClient(TARGETS[protocol], **{setting: value})


def test_no_timeout_waits_over_both_protocols(server):
    # timeout=None: requests waits as long as it takes; gRPC raised TypeError (None + float).
    for target in (server.rest_url, server.grpc_target):
        with GenreClient(target, timeout=None, retries=0) as client:
            assert len(client.predict(["A haunted house."])) == 1
            assert client.timeout is None
