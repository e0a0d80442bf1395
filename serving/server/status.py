"""Errors the local server raises, with TF Serving's status codes.

TF Serving reports every failure as a status code (gRPC's code names) and a
message. Over gRPC the code is sent as is; over REST it becomes an HTTP code by
the table in TF Serving's `http_server.cc` (`ToHTTPStatusCode`), reproduced in
`HTTP_CODES` below, and the message is sent as `{"error": "<message>"}`.
"""

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
        self.message = message
        super().__init__(message)

    @property
    def http_code(self):
        """The HTTP status TF Serving's REST API answers for this code."""
        return HTTP_CODES[self.code]


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
