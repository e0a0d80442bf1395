"""Errors `GenreClient` raises, carrying TF Serving's own message.

TF Serving answers a failed REST call with an HTTP code and `{"error": "..."}`,
a failed gRPC call with a status code and details. Both become one of:

* `ModelNotFoundError`: unknown model, version or version label
  (HTTP 404 / NOT_FOUND, and TF Serving's `Unrecognized servable version label`,
  which it sends as 400 / INVALID_ARGUMENT);
* `InvalidRequestError`: the request does not fit the model (HTTP 400, 413 /
  INVALID_ARGUMENT, FAILED_PRECONDITION, RESOURCE_EXHAUSTED for a too-large message);
* `UnavailableError`: the server is down or overloaded (HTTP 503 / UNAVAILABLE,
  connection refused, and RESOURCE_EXHAUSTED for grpcio's `maximum_concurrent_rpcs`
  or `genreclf serve`'s `--max-body-bytes-in-flight`), after the client's retries;
* `ServingError`: anything else (timeouts: `code == "DEADLINE_EXCEEDED"`).
"""


class ServingError(Exception):
    """A TF Serving call failed; `message` is the server's own text.

    Args:
        message: the server's error message (or the connection error).
        code: the gRPC status code name (REST codes are mapped to one).
        http_status: the HTTP status for REST calls, else None.

    Example:

    >>> err = ServingError("Servable not found for request: Latest(x)", code="NOT_FOUND")
    >>> str(err)
    'NOT_FOUND: Servable not found for request: Latest(x)'
    """

    def __init__(self, message, *, code="UNKNOWN", http_status=None):
        self.message = message
        self.code = code
        self.http_status = http_status
        super().__init__(f"{code}: {message}")


class ModelNotFoundError(ServingError):
    """The model, version or version label is not served."""


class InvalidRequestError(ServingError):
    """The server refused the request as malformed or not matching the model."""


class UnavailableError(ServingError):
    """The server could not be reached or is overloaded, after retries."""


_HTTP_TO_CODE = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    409: "ABORTED",
    413: "RESOURCE_EXHAUSTED",
    429: "RESOURCE_EXHAUSTED",
    499: "CANCELLED",
    500: "INTERNAL",
    501: "UNIMPLEMENTED",
    503: "UNAVAILABLE",
    504: "DEADLINE_EXCEEDED",
}


# grpcio's answer once a server's `maximum_concurrent_rpcs` are in flight: an
# overload (retried, like UNAVAILABLE), not a bad request. grpcio sends it
# under RESOURCE_EXHAUSTED, the code of an over-long message too.
GRPC_OVERLOAD_MESSAGE = "Concurrent RPC limit exceeded"
# How `genreclf serve` begins its refusal of a request over its budget of body
# bytes in flight (`--max-body-bytes-in-flight`): HTTP 503 over REST,
# RESOURCE_EXHAUSTED over gRPC; an overload too.
BODY_BUDGET_MESSAGE = "The server is receiving too much at once"


def is_overload(code, message):
    """Whether a gRPC status is an overload refusal: grpcio's concurrency limit, or
    `genreclf serve`'s budget of body bytes in flight.

    Example:

    >>> is_overload("RESOURCE_EXHAUSTED", "Concurrent RPC limit exceeded!")
    True
    """
    overload = message.startswith((GRPC_OVERLOAD_MESSAGE, BODY_BUDGET_MESSAGE))
    return code == "RESOURCE_EXHAUSTED" and overload


def error_for(message, code, http_status=None):
    """The typed error for a status code (and HTTP status, for REST).

    Example:

    >>> type(error_for("Could not find version 7 of model genre", "NOT_FOUND")).__name__
    'ModelNotFoundError'
    """
    if code == "NOT_FOUND" or message.startswith("Unrecognized servable version label"):
        cls = ModelNotFoundError
    elif code == "UNAVAILABLE" or is_overload(code, message):
        cls = UnavailableError
    elif code in ("INVALID_ARGUMENT", "FAILED_PRECONDITION", "OUT_OF_RANGE", "RESOURCE_EXHAUSTED"):
        cls = InvalidRequestError
    else:
        cls = ServingError
    return cls(message, code=code, http_status=http_status)


def error_for_http(status, message):
    """The typed error for a REST answer (status code and `{"error"}` text)."""
    return error_for(message, _HTTP_TO_CODE.get(status, "UNKNOWN"), http_status=status)
