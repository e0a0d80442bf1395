"""The HTTP side of `ChatCaller`: a cap on a reply's size, what a failed connection
may have cost, and the wait a server asks for.

The `openai` client reads a whole reply into memory before looking at it, so
a server that answers hundreds of MB would take as much memory per request in
flight: `http_client` stops reading a chat completion past `MAX_REPLY_BYTES`
of its decoded body (`ReplyTooLarge`); a gzip reply is counted as it expands,
not as sent. The client is built on `httpx` (or `httpx2`, as newer
`openai` releases are); the module is found from the client's own classes.
"""

import email.utils
import sys
import time

# A chat completion of any `max_tokens` this package asks for is a few hundred kB at most.
MAX_REPLY_BYTES = 8 * 1024 * 1024
_CHAT_PATH = "/chat/completions"


class ReplyTooLarge(Exception):
    """A chat-completions reply over the size `http_client` reads."""

    def __init__(self, limit):
        super().__init__(f"the server sent a reply over {limit / 2**20:g} MiB; it was not read")
        self.limit = limit


def _httpx():
    """The HTTP module the installed `openai` client is built on (`httpx` or `httpx2`)."""
    import openai

    for cls in openai.DefaultAsyncHttpxClient.__mro__:
        if cls.__name__ == "AsyncClient":
            return sys.modules[cls.__module__.split(".")[0]]
    import httpx  # pragma: no cover

    return httpx  # pragma: no cover


def http_client(max_bytes=MAX_REPLY_BYTES):
    """An `openai.DefaultAsyncHttpxClient` that stops reading a chat completion past
    `max_bytes` (its declared length, or its decoded bytes as they come), raising
    `ReplyTooLarge`.

    A compressed reply (`Content-Encoding: gzip`, sent whether asked for or not) is
    decoded here, as it comes, and counted decoded: a 65 kB gzip body that expands to
    64 MiB is stopped at `max_bytes` (what one network read expands to is held at
    once). Other requests (the Batch API's files) are read as they are.
    """
    import contextlib

    import openai

    httpx = _httpx()

    class Capped(httpx.AsyncByteStream):
        """The decoded body of `raw` (a response's stream), stopped past `max_bytes`."""

        def __init__(self, raw):
            self.raw = raw

        async def __aiter__(self):
            size = 0
            async with contextlib.aclosing(self.raw.aiter_bytes()) as chunks:
                async for chunk in chunks:
                    size += len(chunk)
                    if size > max_bytes:
                        raise ReplyTooLarge(max_bytes)
                    yield chunk

        async def aclose(self):
            await self.raw.aclose()

    async def cap(response):
        if not response.request.url.path.rstrip("/").endswith(_CHAT_PATH):
            return
        length = response.headers.get("content-length", "")
        if length.isdigit() and int(length) > max_bytes:
            raise ReplyTooLarge(max_bytes)
        # httpx decodes a body as it is read, after any wrapper of its raw stream: the
        # decoding is done here instead (a response of the raw stream), and the reply
        # handed on is marked not encoded.
        raw = httpx.Response(
            response.status_code,
            headers=response.headers,
            stream=response.stream,
            request=response.request,
        )
        response.headers.pop("content-encoding", None)
        response.stream = Capped(raw)

    return openai.DefaultAsyncHttpxClient(event_hooks={"response": [cap]})


def causes(error):
    """`error` and the exceptions it was raised from, outermost first."""
    seen = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        yield error
        error = error.__cause__ or error.__context__


def cause_text(error):
    """The root cause of a connection error ('Connection refused'), else its message."""
    while error.__cause__ is not None:
        error = error.__cause__
    return str(error) or type(error).__name__


def may_be_billed(error):
    """Whether a connection error came after the server had the request (a reply cut
    off, a connection closed unanswered): it may have been billed."""
    httpx = _httpx()
    return any(isinstance(e, (httpx.ReadError, httpx.RemoteProtocolError)) for e in causes(error))


def server_said(error, limit=300):
    """What an HTTP error reply said: its `error.message` (OpenAI's shape), else its text,
    on one line and clipped to `limit` characters.

    Example:

    >>> from types import SimpleNamespace as Error
    >>> server_said(Error(body={"error": {"message": "Unknown model: gpt-4o-mni"}}))
    'Unknown model: gpt-4o-mni'
    """
    text = getattr(error, "body", None)  # (`openai` keeps the `error` object of a body)
    if isinstance(text, dict):
        text = text.get("error", text)
    if isinstance(text, dict):
        text = text.get("message")
    if not text:
        response = getattr(error, "response", None)
        text = getattr(response, "text", "") or getattr(error, "message", "") or "no message"
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def retry_after_seconds(headers):
    """Seconds the server asked to wait (`retry-after-ms` / `Retry-After`), or None.

    Example:

    >>> retry_after_seconds({"retry-after": "2"})
    2.0
    """
    if headers is None:
        return None
    value = headers.get("retry-after-ms")
    if value is not None:
        try:
            return max(0.0, float(value) / 1000.0)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())
