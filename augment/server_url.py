"""`check_base_url`: the URL of an OpenAI-compatible server, checked before any request.

`openai` takes any string as `base_url` and fails on the first request; with
genreclf's retries, a URL no server can answer (`ftp://x`, `127.0.0.1:8000`
without its scheme) failed only after every attempt's backoff.
"""

import urllib.parse

from genreclf.errors import ConfigError


def check_base_url(base_url):
    """Refuses a `base_url` that is no http(s) URL of a server, before any request.

    Such a URL failed as a connection error only after every retry.

    Example:

    >>> check_base_url("http://127.0.0.1:8000/v1"), check_base_url(None)
    (None, None)
    >>> check_base_url("ftp://x")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    genreclf.errors.ConfigError: Expected base_url to be the http(s) URL of an OpenAI-compatible...
    """
    if base_url is None:
        return
    try:
        parts = urllib.parse.urlsplit(str(base_url))
        hostname = parts.hostname
    except ValueError:  # e.g. an unclosed IPv6 bracket: "http://[::1:8000/v1"
        hostname = None
    if hostname is None or parts.scheme not in ("http", "https"):
        raise ConfigError(
            "Expected base_url to be the http(s) URL of an OpenAI-compatible server. "
            f"Received: base_url={base_url!r}. Pass e.g. --base-url http://127.0.0.1:8000/v1."
        )
