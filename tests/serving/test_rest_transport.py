"""What the REST transport says of a port that answers no HTTP/1.x, against raw sockets on
127.0.0.1: a TLS port (https://) and a gRPC port (HTTP/2) are told apart."""

import socket
import threading

import pytest

from genreclf.serving.client import GenreClient
from genreclf.serving.errors import UnavailableError


@pytest.fixture
def raw_port():
    """`start(answer)`: the port of a socket on 127.0.0.1 that reads a request and answers
    `answer` (bytes), then closes the connection."""
    sockets = []

    def start(answer):
        listener = socket.create_server(("127.0.0.1", 0))
        sockets.append(listener)

        def serve():
            while True:
                try:
                    conn, _ = listener.accept()
                except OSError:  # closed: the test is over
                    return
                with conn:
                    conn.settimeout(5)
                    conn.recv(65536)
                    conn.sendall(answer)
                    # Closed with the request's body unread, the socket sent a reset, which
                    # can reach the client before the answer (a CI flake): read it all first.
                    conn.shutdown(socket.SHUT_WR)
                    try:
                        while conn.recv(65536):
                            pass
                    except OSError:
                        pass

        threading.Thread(target=serve, daemon=True).start()
        return listener.getsockname()[1]

    yield start
    for listener in sockets:
        listener.close()


@pytest.mark.parametrize("record", [b"\x15\x03\x01\x00\x02\x02\x32", b"\x16\x03\x03\x00\x02"])
def test_rest_to_a_tls_port_says_to_use_https(raw_port, record):
    port = raw_port(record)  # a TLS alert (or handshake), as an https:// port answers HTTP
    with GenreClient(f"http://127.0.0.1:{port}", retries=0, timeout=5) as client:
        with pytest.raises(UnavailableError) as info:
            client.predict(["a spy"])
    # Was: "The port did not answer HTTP/1.x, as a gRPC port (HTTP/2) does: pass the
    # server's REST port ... or a host:port target (no http://)".
    assert "The port answered TLS, as an https:// server does: pass an https://" in str(info.value)
    assert "gRPC" not in str(info.value)


def test_rest_to_an_http2_port_still_says_grpc(raw_port):
    port = raw_port(b"\x00\x00\x06\x04\x00\x00\x00\x00\x00")  # an HTTP/2 SETTINGS frame
    with GenreClient(f"http://127.0.0.1:{port}", retries=0, timeout=5) as client:
        with pytest.raises(UnavailableError, match=r"did not answer HTTP/1\.x, as a gRPC port"):
            client.predict(["a spy"])
