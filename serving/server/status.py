"""Errors the local server raises, with TF Serving's status codes.

A failure is a gRPC status code name and a message. Over gRPC the code is sent
as is; over REST it becomes an HTTP code by TF Serving's table
(`ToHTTPStatusCode` in `http_server.cc`) and the message is sent as
`{"error": "<message>"}`. Messages sent to clients are bounded and name no
host paths (`public_message`).
"""

import os
import re

MAX_MESSAGE_CHARS = 1024  # the longest message a client gets back
# An absolute path: a slash, then at least two components.
_ABSOLUTE_PATH = re.compile(r"(?<![\w.~/-])/[\w.@+~-]+(?:/[\w.@+~-]*)+")

HTTP_CODES = {
    "OK": 200,
    "CANCELLED": 499,
    "UNKNOWN": 500,
    "INVALID_ARGUMENT": 400,
    "DEADLINE_EXCEEDED": 504,
    "NOT_FOUND": 404,
    "ALREADY_EXISTS": 409,
    "PERMISSION_DENIED": 403,
    "RESOURCE_EXHAUSTED": 429,
    "FAILED_PRECONDITION": 400,
    "ABORTED": 409,
    "OUT_OF_RANGE": 400,
    "UNIMPLEMENTED": 501,
    "INTERNAL": 500,
    "UNAVAILABLE": 503,
    "DATA_LOSS": 500,
    "UNAUTHENTICATED": 401,
}


class ServingStatusError(Exception):
    """A request failure with a TF Serving status code and message.

    Args:
        code: a gRPC status code name, e.g. `"INVALID_ARGUMENT"`, `"NOT_FOUND"`.
        message: what went wrong (made safe with `public_message`).

    Example:

    >>> err = ServingStatusError("NOT_FOUND", "Servable not found for request: Latest(x)")
    >>> err.http_code
    404
    """

    def __init__(self, code, message):
        if code not in HTTP_CODES:
            raise ValueError(
                f"Expected a gRPC status code name such as 'INVALID_ARGUMENT'. "
                f"Received: code={code!r}"
            )
        self.code = code
        self.message = public_message(message)
        super().__init__(self.message)

    @property
    def http_code(self):
        """The HTTP status TF Serving's REST API answers for this code."""
        return HTTP_CODES[self.code]


def _hide_path(match):
    path = match.group(0)
    first = path.split("/")[1]
    if not first or not os.path.isdir("/" + first):
        return path  # a URL path such as /v1/models/genre, not a host path
    return os.path.basename(path.rstrip("/")) or "/"


def public_message(message):
    """A message fit to send to a client: no host paths, bounded, encodable.

    Example:

    >>> public_message("Failed to read /tmp/models/genre/2/saved_model.pb")
    'Failed to read saved_model.pb'
    >>> public_message("POST /v1/models/genre:predict")
    'POST /v1/models/genre:predict'
    """
    message = _ABSOLUTE_PATH.sub(_hide_path, str(message)[: 4 * MAX_MESSAGE_CHARS])
    message = message.encode("utf-8", "backslashreplace").decode("utf-8")
    if len(message) > MAX_MESSAGE_CHARS:
        cut = len(message) - MAX_MESSAGE_CHARS
        message = message[:MAX_MESSAGE_CHARS] + f"... ({cut} more characters)"
    return message


def invalid_argument(message):
    """A `ServingStatusError` with code INVALID_ARGUMENT.

    Example:

    >>> invalid_argument("Missing 'inputs' or 'instances' key").http_code
    400
    """
    return ServingStatusError("INVALID_ARGUMENT", message)


def not_found(message):
    """A `ServingStatusError` with code NOT_FOUND.

    Example:

    >>> not_found("Could not find any versions of model x").code
    'NOT_FOUND'
    """
    return ServingStatusError("NOT_FOUND", message)
