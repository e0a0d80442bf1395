"""Errors the local server raises, with TF Serving's status codes.

TF Serving reports every failure as a status code (gRPC's code names) and a
message. Over gRPC the code is sent as is; over REST it becomes an HTTP code by
the table in TF Serving's `http_server.cc` (`ToHTTPStatusCode`), reproduced in
`HTTP_CODES` below, and the message is sent as `{"error": "<message>"}`.
"""

import os
import re

# The longest message a client gets back (REST `error` or gRPC details).
MAX_MESSAGE_CHARS = 1024
# An absolute path: a slash, then at least two components.
_ABSOLUTE_PATH = re.compile(r"(?<![\w.~/-])/[\w.@+~-]+(?:/[\w.@+~-]*)+")

# TF Serving's `ToHTTPStatusCode` (tensorflow_serving/model_servers/http_server.cc).
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
        message: the message TF Serving would send for the same failure.

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

    Absolute paths on this machine become their last component, lone
    surrogates are escaped, and the text is cut at `MAX_MESSAGE_CHARS`.

    Example:

    >>> public_message("Failed to read /tmp/models/genre/2/saved_model.pb")
    'Failed to read saved_model.pb'
    >>> public_message("POST /v1/models/genre:predict")
    'POST /v1/models/genre:predict'
    """
    message = str(message)
    if len(message) > 4 * MAX_MESSAGE_CHARS:
        message = message[: 4 * MAX_MESSAGE_CHARS]
    message = _ABSOLUTE_PATH.sub(_hide_path, message)
    message = message.encode("utf-8", "backslashreplace").decode("utf-8")
    if len(message) > MAX_MESSAGE_CHARS:
        cut = len(message) - MAX_MESSAGE_CHARS
        message = message[:MAX_MESSAGE_CHARS] + f"... ({cut} more characters)"
    return message


def invalid_argument(*parts):
    """A `ServingStatusError` with code INVALID_ARGUMENT; parts are joined.

    Example:

    >>> invalid_argument("Missing 'inputs' or 'instances' key").http_code
    400
    """
    return ServingStatusError("INVALID_ARGUMENT", "".join(str(p) for p in parts))


def not_found(*parts):
    """A `ServingStatusError` with code NOT_FOUND; parts are joined.

    Example:

    >>> not_found("Could not find any versions of model x").code
    'NOT_FOUND'
    """
    return ServingStatusError("NOT_FOUND", "".join(str(p) for p in parts))
