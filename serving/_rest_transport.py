"""REST transport of `GenreClient`: TF Serving's JSON API over `requests`.

Bytes values (texts and string features) are sent as `{"b64": "<base64>"}`, which
TF Serving decodes back to the same bytes: the model gets exactly the bytes the gRPC
transport sends in a `string_val` or `bytes_list`, so both protocols score them alike.
numpy scalars and arrays are sent as the Python numbers and lists they hold.
"""

import base64
import http.client
import json
import threading
import urllib.parse

import numpy as np
import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from genreclf.serving.errors import UnavailableError
from genreclf.serving.errors import error_for_http


def json_value(value):
    """A JSON-ready stand-in for what `json.dumps` cannot write itself (its `default`).

    Args:
        value: a value `json.dumps` met and cannot write.

    Returns:
        `{"b64": ...}` for bytes (TF Serving's spelling of binary strings), the
        Python value of a numpy scalar, the nested lists of a numpy array.

    Raises:
        TypeError: for anything else, naming the value and what is accepted.

    Example:

    >>> json_value(b"A ghost story.")
    {'b64': 'QSBnaG9zdCBzdG9yeS4='}
    >>> json.dumps([np.float32(0.5), np.int64(3)], default=json_value)
    '[0.5, 3]'
    """
    if isinstance(value, (bytes, bytearray)):
        return {"b64": base64.b64encode(bytes(value)).decode("ascii")}
    if isinstance(value, (np.generic, np.ndarray)):
        return value.tolist()
    raise TypeError(
        "Expected strings, bytes, numbers, booleans, lists or dicts of them in a request. "
        f"Received: {type(value).__name__} value={value!r}. Convert it to one of those "
        "(e.g. str(value) for a text) before calling the client."
    )


def retry_policy(retries, backoff):
    """urllib3's `Retry`: refused connections and HTTP 503, exponential backoff.

    Calls that time out are not retried (the server may still be working on
    them); TF Serving's calls are idempotent, so POST is retried too.

    Example:

    >>> retry_policy(3, 0.2).status_forcelist
    frozenset({503})
    """
    return Retry(
        total=retries,
        connect=retries,
        read=False,
        status=retries,
        other=0,
        status_forcelist=frozenset({503}),
        allowed_methods=None,
        backoff_factor=backoff,
        respect_retry_after_header=True,
        raise_on_status=False,
    )


class RestTransport:
    """Calls `/v1/models/...` on one server; one `requests.Session` per thread."""

    def __init__(self, base_url, timeout, retries=3, backoff=0.2):
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.retry = retry_policy(retries, backoff)
        self._local = threading.local()
        self._input_dtypes = {}

    def _session(self):
        session = getattr(self._local, "session", None)
        if session is None:
            session = self._local.session = requests.Session()
            adapter = HTTPAdapter(max_retries=self.retry)
            session.mount("http://", adapter)
            session.mount("https://", adapter)
        return session

    @staticmethod
    def model_path(model, version, label):
        """The model's path, names percent-encoded (TF Serving decodes them).

        Example:

        >>> RestTransport.model_path("genre", None, "stable")
        '/v1/models/genre/labels/stable'
        >>> RestTransport.model_path("genre?x=1", None, None)
        '/v1/models/genre%3Fx%3D1'
        """
        path = f"/v1/models/{urllib.parse.quote(str(model), safe='')}"
        if version is not None:
            path += f"/versions/{int(version)}"
        elif label is not None:
            path += f"/labels/{urllib.parse.quote(str(label), safe='')}"
        return path

    def call(self, method, path, body=None):
        """One HTTP call; returns the parsed JSON or raises a typed `ServingError`."""
        url = self.base_url + path
        data = None if body is None else json.dumps(body, default=json_value).encode("utf-8")
        try:
            response = self._session().request(
                method,
                url,
                data=data,
                timeout=self.timeout,
                headers={"Content-Type": "application/json"} if data is not None else None,
            )
        except requests.Timeout as err:
            raise error_for_http(
                504, f"No answer from {url} within {self.timeout}s: {err}"
            ) from None
        except requests.ConnectionError as err:
            raise UnavailableError(
                f"Could not connect to {url}: {err}{_not_http_hint(err)}", code="UNAVAILABLE"
            ) from None
        try:
            payload = response.json()
        except ValueError:
            payload = None
        if response.status_code != 200:
            message = payload.get("error") if isinstance(payload, dict) else None
            raise error_for_http(
                response.status_code,
                message or response.text.strip() or f"HTTP {response.status_code}",
            )
        if payload is None:
            raise error_for_http(
                500, f"Expected a JSON answer from {url}. Received: {response.text[:200]!r}"
            )
        return payload

    def predict(self, model, version, label, signature_name, instances):
        body = {"signature_name": signature_name, "instances": instances}
        path = self.model_path(model, version, label) + ":predict"
        return _field(self.call("POST", path, body), "predictions", path)

    def classify(self, model, version, label, signature_name, examples):
        body = {"signature_name": signature_name, "examples": examples}
        path = self.model_path(model, version, label) + ":classify"
        results = _field(self.call("POST", path, body), "results", path)
        return [[(pair[0], pair[1]) for pair in row] for row in results]

    def metadata(self, model, version, label):
        return self.call("GET", self.model_path(model, version, label) + "/metadata")

    def input_dtypes(self, model, version, label, signature_name):
        """`{input name: dtype name}` of a signature (e.g. `{"year": "DT_FLOAT"}`), from the
        model's metadata, fetched once per model, version, label and signature.

        Returns `{}` when the model has no such signature, as the gRPC transport does.
        """
        key = (model, version, label, signature_name)
        if key not in self._input_dtypes:
            payload = self.metadata(model, version, label)
            self._input_dtypes[key] = signature_input_dtypes(payload, signature_name)
        return self._input_dtypes[key]

    def status(self, model, version, label):
        return self.call("GET", self.model_path(model, version, label))

    def close(self):
        session = getattr(self._local, "session", None)
        if session is not None:
            session.close()


def _bad_status_line(err):
    """The first line a server sent instead of "HTTP/1.x ..." (`BadStatusLine`), or None."""
    if isinstance(err, http.client.BadStatusLine):
        return err.args[0] if err.args and isinstance(err.args[0], str) else ""
    for arg in getattr(err, "args", ()):
        if isinstance(arg, BaseException):
            line = _bad_status_line(arg)
            if line is not None:
                return line
    return None


def _not_http_hint(err):
    """What a port that answered no HTTP/1.x likely is: an HTTP/2 frame (a gRPC port,
    "\\x00\\x00...") or a TLS record (an https:// port, "\\x15\\x03" an alert, "\\x16\\x03" a
    handshake); "" otherwise.

    Example:

    >>> _not_http_hint(http.client.BadStatusLine("\\x15\\x03\\x01\\x00\\x02\\x022"))[:46]
    '. The port answered TLS, as an https:// server'
    """
    line = _bad_status_line(err)
    if line is None:
        return ""
    if line.startswith("\x00\x00"):
        return (
            ". The port did not answer HTTP/1.x, as a gRPC port (HTTP/2) does: pass "
            "the server's REST port (TF Serving's default 8501), or a host:port "
            "target (no http://) to call it over gRPC"
        )
    if line[:2] in ("\x15\x03", "\x16\x03"):
        return (
            ". The port answered TLS, as an https:// server does: pass an https:// target "
            "(or the server's plain-HTTP REST port)"
        )
    return ""


def _field(payload, key, path):
    """`payload[key]`, or a `ServingError` naming what the 200 answer held instead."""
    if not isinstance(payload, dict) or key not in payload:
        keys = sorted(payload) if isinstance(payload, dict) else type(payload).__name__
        raise error_for_http(
            500, f"Expected {key!r} in the answer to {path}. Received: keys={keys}."
        )
    return payload[key]


def signature_input_dtypes(metadata, signature_name):
    """`{input name: dtype name}` of one signature in TF Serving's metadata JSON.

    Example:

    >>> signature_input_dtypes({"metadata": {"signature_def": {"signature_def": {
    ...     "serving_default": {"inputs": {"year": {"dtype": "DT_FLOAT"}}}}}}}, "serving_default")
    {'year': 'DT_FLOAT'}
    """
    signatures = metadata.get("metadata", {}) if isinstance(metadata, dict) else {}
    for key in ("signature_def", "signature_def"):  # SignatureDefMap inside its field
        signatures = signatures.get(key, {}) if isinstance(signatures, dict) else {}
    signature = signatures.get(signature_name or "serving_default", {})
    inputs = signature.get("inputs", {}) if isinstance(signature, dict) else {}
    return {
        name: spec.get("dtype", "DT_INVALID")
        for name, spec in inputs.items()
        if isinstance(spec, dict)
    }
