"""`read_body`: a REST request's body, read within the server's limits.

The body is refused past `max_body_bytes` (413; a declared `Content-Length`
before any byte is read), past `body_timeout` (408), when the in-flight
budget of body bytes (`body_budget`) has no room (503), or when the client
goes away (499). A `Content-Encoding: gzip` body is decompressed as it
arrives (`Gunzip`), as TF Serving decompresses one, with what it inflates to
held to the same limit.
"""

import asyncio
import logging
import urllib.parse
import zlib

from starlette.requests import ClientDisconnect

from genreclf.serving.server.status import error_json

logger = logging.getLogger("genreclf.serving.server")

CLIENT_CLOSED = 499  # "client closed request" (nginx; TF Serving's CANCELLED)


def raw_path(request):
    """The request's path as the client sent it, percent-escapes kept (ASGI `raw_path`;
    Starlette's `request.url.path` is already decoded)."""
    raw = request.scope.get("raw_path")
    if raw is None:  # optional in ASGI: re-encode the decoded path
        return urllib.parse.quote(request.scope["path"])
    return raw.decode("utf-8", "replace").partition("?")[0]  # uvicorn refuses non-ASCII


class Gunzip:
    """A `Content-Encoding: gzip` request body decompressed as it arrives, as TF Serving
    decompresses one, but never to more than `limit` bytes (a small body that inflates
    to gigabytes is stopped at the limit, not held).

    Example:

    >>> import gzip
    >>> gunzip = Gunzip(limit=100)
    >>> gunzip.feed(gzip.compress(b'{"instances": ["a"]}')), gunzip.finish()
    (b'{"instances": ["a"]}', None)
    >>> Gunzip(limit=100).feed(gzip.compress(b" " * 1000)) is None  # over the limit
    True
    """

    def __init__(self, limit):
        self.limit, self.size, self.fed = limit, 0, False
        self._inflate = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)  # gzip framing only

    def feed(self, data):
        """The bytes `data` (the next part of the body) decompresses to, or None once the
        body decompresses to more than `limit`; `zlib.error` if it is not gzip."""
        pieces = []
        self.fed = self.fed or bool(data)
        while data:
            if self._inflate.eof:  # the next member (RFC 1952 allows several)
                self._inflate = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
            piece = self._inflate.decompress(data, self.limit - self.size + 1)
            self.size += len(piece)
            if self.size > self.limit:
                return None
            pieces.append(piece)
            data = self._inflate.unconsumed_tail or self._inflate.unused_data
        return b"".join(pieces)

    def finish(self):
        """None, or what is wrong with the body once it has all arrived (cut short)."""
        if self.fed and not self._inflate.eof:
            return "the gzip stream is cut short (a truncated body?)"
        return None


def _gzip_error(problem):
    return 400, error_json(
        f"Could not decompress the request body (Content-Encoding: gzip): {problem}. Send "
        "the body gzip-compressed, or without a Content-Encoding header."
    )


async def read_body(request, limits, held):
    """The request body, or `(413 or 408, error_json)` past `max_body_bytes` or `body_timeout`,
    `(499, error_json)` when the client closed the connection before sending it all,
    `(503, error_json)` when it does not fit in the server's budget of body bytes in flight.

    `held` (a `body_budget.Hold`) takes the bytes as they arrive; the caller releases them
    once the request is answered. A `Content-Length` over what the budget has free is
    refused before any byte is read. A body with `Content-Encoding: gzip` (TF Serving's
    test: the header contains "gzip") is decompressed as it arrives: both what is sent and
    what it decompresses to must fit in `max_body_bytes` (413 beyond), the budget holds the
    decompressed bytes, and one that is not gzip gets 400.
    """
    too_large = (
        413,
        error_json(
            f"Request body is larger than the server's limit of {limits.max_body_bytes} bytes. "
            "Send fewer instances per request, or start the server with a larger --max-body-bytes."
        ),
    )
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limits.max_body_bytes:
        return too_large
    if declared.isdigit() and not held.budget.fits(int(declared)):
        return 503, error_json(held.budget.busy_message(int(declared)))
    gzipped = "gzip" in request.headers.get("content-encoding", "")
    gunzip = Gunzip(limits.max_body_bytes) if gzipped else None
    inflated_too_large = (
        413,
        error_json(
            f"Request body decompresses (Content-Encoding: gzip) to more than the server's "
            f"limit of {limits.max_body_bytes} bytes. Send fewer instances per request, or "
            "start the server with a larger --max-body-bytes."
        ),
    )

    async def read():
        chunks, size, received = [], 0, 0
        async for chunk in request.stream():
            received += len(chunk)
            if received > limits.max_body_bytes:
                return too_large
            if gunzip is not None:
                try:
                    chunk = gunzip.feed(chunk)
                except zlib.error as err:
                    return _gzip_error(err)
                if chunk is None:
                    return inflated_too_large
            chunks.append(chunk)
            size += len(chunk)
            if not held.take(len(chunk)):
                return 503, error_json(held.budget.busy_message(size, at_least=True))
        problem = gunzip.finish() if gunzip is not None else None
        return _gzip_error(problem) if problem else b"".join(chunks)

    try:
        return await asyncio.wait_for(read(), limits.body_timeout)
    except asyncio.TimeoutError:
        return 408, error_json(
            f"Request body not received within {limits.body_timeout:g} seconds. Send the "
            "whole body promptly, or start the server with a larger --body-timeout."
        )
    except ClientDisconnect:  # nobody to answer: TF Serving's and nginx's 499, no traceback
        path = raw_path(request)[:200]
        logger.info("Client closed the connection before its body arrived: %s", path)
        return CLIENT_CLOSED, error_json("Client closed the connection before sending the body.")
