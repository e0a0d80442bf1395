"""`--host ::1` (or `[::1]`): served, described and called over IPv6 loopback, REST and gRPC."""

import socket

import pytest

from genreclf.serving.client import GenreClient
from genreclf.serving.testing import write_tiny_model
from tests.serving.server.ipv6 import ipv6_loopback_unbindable


def free_ipv6_port():
    with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as sock:
        sock.bind(("::1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    missing = ipv6_loopback_unbindable()
    if missing:
        pytest.skip(missing)
    base = tmp_path_factory.mktemp("ipv6")
    write_tiny_model(str(base), "genre", 1)
    return base


@pytest.mark.parametrize("host", ["::1", "[::1]"])
def test_an_ipv6_literal_host_is_served_and_called_over_grpc_and_rest(base, host):
    from genreclf.serving.server.local_server import LocalServer

    rest_port, grpc_port = free_ipv6_port(), free_ipv6_port()
    server = LocalServer(
        base, host=host, rest_port=rest_port, grpc_port=grpc_port, poll_seconds=0
    ).start()
    try:
        line = server.describe()
        assert f"REST on http://[::1]:{rest_port}; gRPC on [::1]:{grpc_port};" in line
        with GenreClient(f"[::1]:{grpc_port}", timeout=30) as client:
            assert client.protocol == "grpc"
            over_grpc = client.predict(["a ghost in the house"])
        with GenreClient(f"http://[::1]:{rest_port}", timeout=30) as client:
            over_rest = client.predict(["a ghost in the house"])
    finally:
        server.stop()
    assert len(over_grpc) == 1 and over_grpc[0]["top_labels"] == over_rest[0]["top_labels"]
