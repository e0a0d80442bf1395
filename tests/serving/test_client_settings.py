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


@pytest.mark.parametrize(
    "target, protocol",
    [
        ("http://", "auto"),  # requests' InvalidURL at the first call
        ("grpc://", "auto"),  # grpcio's "Failed to create channel to ''"
        ("ftp://127.0.0.1:8500", "auto"),  # was taken as gRPC to 127.0.0.1:8500
        ("", "auto"),
        (None, "auto"),
        ("grpc://127.0.0.1:8500", "rest"),  # requests' InvalidSchema at the first call
    ],
)
def test_a_target_naming_no_host_or_another_scheme_is_refused(target, protocol):
    with pytest.raises(ValueError, match=r"Expected .*target.*Received: target="):
        GenreClient(target, protocol=protocol)


@pytest.mark.parametrize(
    "target",
    ["http://:8501", "https://:8501/", "grpc://:8500", ":8500", "[::1:8500", "http://u@:1"],
)
def test_a_target_with_a_port_but_no_host_is_refused(target):
    # Was taken; REST failed at the first call with requests' InvalidURL.
    with pytest.raises(ValueError) as info:
        GenreClient(target)
    assert str(info.value).startswith("Expected target to name a host before its port")
    assert f"Received: target={target!r}. Pass e.g. localhost:8500" in str(info.value)


def test_targets_name_their_protocol():
    assert GenreClient("HTTP://localhost:8501").protocol == "rest"  # was gRPC
    assert GenreClient("[::1]:8500").protocol == "grpc"
    assert GenreClient("http://[::1]:8501/").protocol == "rest"
    assert GenreClient("localhost:8500").protocol == "grpc"
    assert GenreClient("http://localhost:8500", protocol="grpc").protocol == "grpc"


@pytest.mark.parametrize("setting, value", [("model", ""), ("model", None), ("label", "")])
def test_an_empty_model_or_label_is_refused(setting, value):
    # model="": REST's "Malformed request" but gRPC's "ModelSpec has no name";
    # label="": a malformed REST path but the latest version over gRPC.
    with pytest.raises(ValueError, match=rf"Expected {setting} to be .*Received: {setting}="):
        GenreClient("127.0.0.1:9", **{setting: value})
