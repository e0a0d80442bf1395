"""`host_port`: the address of a host and port, an IPv6 literal in brackets."""

import pytest

from genreclf.serving._grpc_transport import host_port


@pytest.mark.parametrize(
    "host, expected",
    [
        ("::1", "[::1]:8500"),  # not ::1:8500, which gRPC cannot read
        ("::", "[::]:8500"),
        ("2001:db8::7", "[2001:db8::7]:8500"),
        ("fe80::1%eth0", "[fe80::1%eth0]:8500"),  # with a zone
        ("[::1]", "[::1]:8500"),  # in brackets already: left alone
        ("127.0.0.1", "127.0.0.1:8500"),
        ("0.0.0.0", "0.0.0.0:8500"),
        ("localhost", "localhost:8500"),
        ("serving.example", "serving.example:8500"),
    ],
)
def test_host_port_brackets_ipv6_literals_only(host, expected):
    assert host_port(host, 8500) == expected


@pytest.mark.parametrize(
    "target, rest",
    [
        ("::1", "http://[::1]:8500"),  # a bare IPv6 literal has no port: not host ':', port 1
        ("[::1]:8501", "http://[::1]:8501"),
        ("127.0.0.1:8501", "http://127.0.0.1:8501"),
    ],
)
def test_the_connection_hint_reads_ipv6_targets(target, rest):
    from genreclf.serving._grpc_transport import connection_hint

    hint = connection_hint(target, "failed to connect to all addresses; last error: ...")
    assert f"Received: target={target!r}" in hint and f"GenreClient('{rest}')" in hint
