"""`BodyBudget`: the request body bytes the whole server receives or holds at once.

`max_body_bytes` bounds one request and `max_connections` the requests, so
bodies alone could hold `max_connections × max_body_bytes` (8 GiB by default):
100 clients each sending 8 MB and withholding the last byte held +0.8 GB. One
budget, shared by REST and gRPC, caps the sum (`Limits.max_body_bytes_in_flight`).

A REST body takes its bytes from the budget as they arrive, not as its
`Content-Length` announces them (announcing costs a client nothing, so a few
head-only connections could otherwise hold the whole budget until
`body_timeout`); a body whose announced length does not fit in what is free is
refused before any of it is read. A gRPC Predict, Classify or Regress request
(already received by grpcio, at most one per worker thread) takes its size when
its handler starts; status and metadata requests, bodiless over REST, take nothing. Either
holds its bytes until its answer is ready, on every path (success, error,
timeout, disconnect), so the parsed request that the bytes become is covered
too. A request that would go over the budget gets HTTP 503 / RESOURCE_EXHAUSTED
with `busy_message`: an overload, which clients retry.
"""

import contextlib
import threading

from genreclf.serving.errors import BODY_BUDGET_MESSAGE


class BodyBudget:
    """A server-wide count of request body bytes in flight, at most `limit`.

    Thread-safe: the REST event loop and the gRPC worker threads share one.

    Example:

    >>> budget = BodyBudget(limit=100)
    >>> with budget.hold() as held:
    ...     held.take(60), held.take(50), budget.held
    (True, False, 60)
    >>> budget.held
    0
    """

    def __init__(self, limit):
        self.limit, self.held = limit, 0
        self._lock = threading.Lock()

    def fits(self, nbytes):
        """Whether `nbytes` more fit now (a hint: others may take them the next moment)."""
        return self.held + nbytes <= self.limit

    def _take(self, nbytes):
        with self._lock:
            if self.held + nbytes > self.limit:
                return False
            self.held += nbytes
            return True

    def _release(self, nbytes):
        with self._lock:
            self.held -= nbytes

    @contextlib.contextmanager
    def hold(self):
        """A `Hold` for one request; every byte it took is released when the block exits."""
        held = Hold(self)
        try:
            yield held
        finally:
            self._release(held.nbytes)

    def busy_message(self, nbytes, at_least=False):
        """The refusal of a request of `nbytes` body bytes that do not fit."""
        return (
            f"{BODY_BUDGET_MESSAGE}: its request bodies in flight would exceed its limit of "
            f"{self.limit} bytes. Received: body_bytes{'>=' if at_least else '='}{nbytes}, "
            f"bytes_in_flight={self.held}. Retry shortly, send smaller requests, or start the "
            "server with a larger --max-body-bytes-in-flight."
        )


class Hold:
    """The bytes one request took from a `BodyBudget` (see `BodyBudget.hold`)."""

    def __init__(self, budget):
        self.budget, self.nbytes = budget, 0

    def take(self, nbytes):
        """Takes `nbytes` more; False (and nothing taken) when they do not fit."""
        if not self.budget._take(nbytes):
            return False
        self.nbytes += nbytes
        return True
