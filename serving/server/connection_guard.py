"""`connection_guard_protocol`: the local server's HTTP/1.1 connections, guarded.

uvicorn's h11 protocol with what TF Serving's front end does and uvicorn does
not: a connection that sends no complete request head in time is closed, one
opened beyond the cap is answered 503 and closed, and a request h11 cannot
parse gets 400 with the `{"error"}` body every other error of the server has.
"""

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

from genreclf.serving.server.status import error_json


def connection_guard_protocol(header_timeout, max_connections):
    """uvicorn's h11 protocol, with a request-head timeout and a connection cap.

    uvicorn times out idle keep-alive connections, not a new connection that
    never sends (or trickles) its request head. This protocol arms a timer when a
    connection opens and re-arms it while requests complete: if no new request
    head arrived and none is in flight when it fires, the connection is closed.

    A connection opened while `max_connections` others are open is answered
    503 (`{"error"}`, `Connection: close`) and closed; the connections already
    open keep being served. (uvicorn's own `limit_concurrency` answers 503 to
    every request on every connection once the count is reached, idle
    keep-alive connections included, so it is not used.)

    Example:

    >>> config = uvicorn.Config(app, http=connection_guard_protocol(10.0, 1000))  # doctest: +SKIP
    """
    refuse = _over_capacity_app(max_connections)

    class GuardedH11Protocol(H11Protocol):
        _head_timer = _head_cycle = None

        def connection_made(self, transport):
            super().connection_made(transport)
            if len(self.connections) > max_connections:
                self.app = refuse  # this connection only
            self._arm_head_timer()

        def _arm_head_timer(self):
            self._head_cycle = self.cycle
            self._head_timer = self.loop.call_later(header_timeout, self._head_timeout)

        def _head_timeout(self):
            if self.transport.is_closing():
                return
            in_flight = self.cycle is not None and not self.cycle.response_complete
            if self.cycle is self._head_cycle and not in_flight:
                self.timeout_keep_alive_handler()  # uvicorn's own clean close
            else:
                self._arm_head_timer()

        def connection_lost(self, exc):
            if self._head_timer is not None:
                self._head_timer.cancel()
            super().connection_lost(exc)

        def send_400_response(self, msg):
            # uvicorn's answer to a request h11 cannot parse (a bad Content-Length, a
            # malformed chunk, oversized headers), with an `{"error"}` body as every other
            # error of this server, where uvicorn's is plain text.
            body = error_json(
                f"{msg.rstrip('.')}: not a valid HTTP/1.1 request (its request line, headers "
                "or body framing). Send a well-formed request, as an HTTP client library does."
            ).encode("ascii")
            headers = closing_json_headers(body)
            for event in (
                h11.Response(status_code=400, headers=headers, reason=b"Bad Request"),
                h11.Data(data=body),
                h11.EndOfMessage(),
            ):
                self.transport.write(self.conn.send(event))
            self.transport.close()

    return GuardedH11Protocol


def closing_json_headers(body, *extra):
    """The raw headers of a JSON `body` answered before the connection is closed."""
    length = (b"content-length", str(len(body)).encode("ascii"))
    return [(b"content-type", b"application/json"), length, *extra, (b"connection", b"close")]


def _over_capacity_app(max_connections):
    """The ASGI app answering a connection over the cap: 503, then close."""
    body = error_json(
        f"The server has {max_connections} connections open, its limit. Retry later, "
        "reuse connections, or start the server with a larger --max-connections."
    ).encode("ascii")
    headers = closing_json_headers(body, (b"retry-after", b"1"))

    async def app(scope, receive, send):
        if scope["type"] == "http":
            await send({"type": "http.response.start", "status": 503, "headers": headers})
            await send({"type": "http.response.body", "body": body})

    return app
