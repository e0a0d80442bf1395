"""`client_settings`: `GenreClient`'s call settings, checked when the client is made.

Each transport reads them its own way (urllib3's `Retry` and `requests`' timeout over
REST, a deadline, a retry loop and gRPC's service config over gRPC), so a value one
of them does not expect failed only at the first call, differently per protocol:
`retries=-1` raised `UnboundLocalError` over gRPC and was taken over REST,
`timeout=None` waited forever over REST and raised `TypeError` over gRPC, and
`timeout=float("inf")` was `DEADLINE_EXCEEDED` over gRPC at once. Checked here, a
bad value is one `ValueError` naming it, before anything is sent, whatever the
protocol.
"""

import math
import numbers
import urllib.parse

_SCHEMES = {"http": "rest", "https": "rest", "grpc": "grpc"}


def client_settings(timeout, retries, backoff, batch_size):
    """`(timeout, retries, backoff, batch_size)`, checked; numbers as Python numbers.

    Args:
        timeout: seconds, a finite number above 0, or None to wait as long as it takes.
        retries: a whole number of at least 0.
        backoff: seconds, a finite number of at least 0.
        batch_size: a whole number of at least 1.

    Raises:
        ValueError: naming the setting, what it must be and what was given.

    Example:

    >>> client_settings(5, 3, 0.2, 1000)
    (5.0, 3, 0.2, 1000)
    >>> client_settings(10, -1, 0.2, 1000)
    Traceback (most recent call last):
    ...
    ValueError: Expected retries to be a whole number of at least 0 (extra attempts ...
    """
    if timeout is not None:
        timeout = _number("timeout", timeout, "a number of seconds above 0, or None", 0, False)
    retries = _whole("retries", retries, 0, "extra attempts after a refusal; 0 for none")
    backoff = _number("backoff", backoff, "a number of seconds of at least 0", 0, True)
    batch_size = _whole("batch_size", batch_size, 1, "texts per request")
    return timeout, retries, backoff, batch_size


def _number(name, value, what, low, low_allowed):
    number = None
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        number = float(value)
    if (
        number is None
        or not math.isfinite(number)
        or number < low
        or (number == low and not low_allowed)
    ):
        raise ValueError(f"Expected {name} to be {what}. Received: {name}={value!r}.")
    return number


def _whole(name, value, low, what):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < low:
        raise ValueError(
            f"Expected {name} to be a whole number of at least {low} ({what}). "
            f"Received: {name}={value!r}."
        )
    return int(value)


def client_target(target, protocol):
    """The protocol of `target` (`protocol` unless "auto"), once `target` names a host.

    `http://` and `ftp://h:1` were taken as gRPC targets (any scheme but http(s) was cut
    off), and `http://` or `grpc://` without a host failed at the first call with
    `requests`' `InvalidURL` or grpcio's "Failed to create channel".

    Example:

    >>> client_target("http://localhost:8501", "auto"), client_target("localhost:8500", "auto")
    ('rest', 'grpc')
    """
    if protocol not in ("auto", "rest", "grpc"):
        raise ValueError(
            f"Expected protocol='auto', 'rest' or 'grpc'. Received: protocol={protocol!r}"
        )
    scheme, found, rest = target.partition("://") if isinstance(target, str) else ("", "", "")
    if not found:
        scheme, rest = "", target
    if (found and scheme.lower() not in _SCHEMES) or not isinstance(rest, str) or not rest:
        raise ValueError(
            "Expected target to be a URL (http://host:8501, https://...) for REST, or "
            f"host:port (grpc://host:port) for gRPC. Received: target={target!r}."
        )
    host = _host(rest)
    if not host:  # ":8500", "http://:8501": requests' InvalidURL at the first call
        raise ValueError(
            "Expected target to name a host before its port (http://host:8501 for REST, "
            f"host:8500 for gRPC). Received: target={target!r}. Pass e.g. "
            "localhost:8500, or [::1]:8500 for an IPv6 address."
        )
    implied = _SCHEMES.get(scheme.lower(), "grpc")
    if found and protocol == "rest" and implied == "grpc":
        raise ValueError(
            f"Expected an http:// or https:// target with protocol='rest'. Received: "
            f"target={target!r}. Pass http://{rest.split('/', 1)[0]}, or protocol='grpc'."
        )
    return implied if protocol == "auto" else protocol


def _host(rest):
    """The host of `rest`, a target without its `scheme://` ("h:8500", "[::1]:8500",
    "h:8501/x"), or "" where it names none (":8500", an unclosed "[::1").

    Example:

    >>> _host("[::1]:8500"), _host("localhost:8500/x"), _host(":8500"), _host("[::1")
    ('::1', 'localhost', '', '')
    """
    try:
        return urllib.parse.urlsplit("//" + rest).hostname or ""
    except ValueError:  # "Invalid IPv6 URL"
        return ""


def client_names(model, label):
    """`model` and `label` once they are names: a model `""` was a malformed REST path
    but gRPC's "ModelSpec has no name", a label `""` the latest version over gRPC."""
    if not isinstance(model, str) or not model:
        raise ValueError(f"Expected model to be a model's name. Received: model={model!r}.")
    if label is not None and (not isinstance(label, str) or not label):
        raise ValueError(
            f"Expected label to be a version label, e.g. 'stable', or None for the latest "
            f"version. Received: label={label!r}."
        )
    return model, label
