"""Request failures: a gRPC status code name and a message, TF Serving's way.

gRPC sends the code; REST maps it to TF Serving's HTTP code and sends
`{"error": "<message>"}`. Messages are bounded and name no host paths.
"""

import json
import os
import re

MAX_MESSAGE_CHARS = 1024  # the longest message a client gets back
# A byte that is not UTF-8, as errors="surrogateescape" decodes it (U+DC80 to U+DCFF).
NOT_UTF8 = re.compile("[\udc80-\udcff]")
_ABSOLUTE_PATH = re.compile(r"(?<![\w.~/-])/[\w.@+~-]+(?:/[\w.@+~-]*)+")
HTTP_CODES = {  # TF Serving's ToHTTPStatusCode
    **dict.fromkeys(("INVALID_ARGUMENT", "FAILED_PRECONDITION", "OUT_OF_RANGE"), 400),
    **dict.fromkeys(("UNKNOWN", "INTERNAL", "DATA_LOSS"), 500),
    **{"OK": 200, "CANCELLED": 499, "DEADLINE_EXCEEDED": 504, "NOT_FOUND": 404},
    **{"ALREADY_EXISTS": 409, "ABORTED": 409, "PERMISSION_DENIED": 403, "UNAUTHENTICATED": 401},
    **{"RESOURCE_EXHAUSTED": 429, "UNIMPLEMENTED": 501, "UNAVAILABLE": 503},
}


class ServingStatusError(Exception):
    """A request failure: a gRPC status code name and a client-safe message.

    Example:

    >>> err = ServingStatusError("NOT_FOUND", "Servable not found for request: Latest(x)")
    >>> err.http_code, error_json(err.message)
    (404, '{"error": "Servable not found for request: Latest(x)"}')
    """

    def __init__(self, code, message):
        self.code, self.http_code, self.message = code, HTTP_CODES[code], public_message(message)
        super().__init__(self.message)


def invalid_argument(message):
    """A `ServingStatusError` with code INVALID_ARGUMENT (HTTP 400)."""
    return ServingStatusError("INVALID_ARGUMENT", message)


def not_found(message):
    """A `ServingStatusError` with code NOT_FOUND (HTTP 404)."""
    return ServingStatusError("NOT_FOUND", message)


def not_utf8_byte(char):
    """The byte that `char`, a `NOT_UTF8` escape, stands for.

    Example:

    >>> hex(not_utf8_byte(b"caf\\xe9".decode("utf-8", "surrogateescape")[-1]))
    '0xe9'
    """
    return ord(char) - 0xDC00


def _hide_path(match):
    path = match.group(0)  # a host path, or a URL path such as /v1/models/genre
    return os.path.basename(path.rstrip("/")) if os.path.isdir("/" + path.split("/")[1]) else path


def public_message(message):
    """A message fit to send to a client: no host paths, bounded, encodable.

    Example:

    >>> public_message("Failed to read /tmp/models/genre/2/saved_model.pb")
    'Failed to read saved_model.pb'
    """
    message = _ABSOLUTE_PATH.sub(_hide_path, str(message)[: 4 * MAX_MESSAGE_CHARS])
    # A byte that is not UTF-8, held as a surrogateescape escape, is shown as the byte.
    message = NOT_UTF8.sub(lambda m: f"\\x{not_utf8_byte(m.group()):02x}", message)
    message = message.encode("utf-8", "backslashreplace").decode("utf-8")
    if len(message) > MAX_MESSAGE_CHARS:
        cut = len(message) - MAX_MESSAGE_CHARS
        message = message[:MAX_MESSAGE_CHARS] + f"... ({cut} more characters)"
    return message


def error_json(message):
    """The REST error body, `{"error": "<message>"}` (ASCII, bounded, no host paths)."""
    return json.dumps({"error": public_message(message)})
