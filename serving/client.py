"""`GenreClient`: one client for a genre model behind TF Serving, over REST or gRPC.

The protocol follows the target: a URL (`http://host:8501`) means REST, a bare
`host:port` (`localhost:8500`) or `grpc://host:port` means gRPC; pass
`protocol="rest"` or `"grpc"` to say it outright. Both give the same results,
raise the same typed errors (`serving.errors`) with the server's own message,
and retry UNAVAILABLE / HTTP 503 / refused connections with exponential backoff.
It works against the real TF Serving container and `genreclf serve` alike.

Texts may be `str` or `bytes` (UTF-8 text is what genreclf models read): bytes go to
the model unchanged over both protocols (gRPC sends them as they are, REST as
`{"b64": "<base64>"}`, which TF Serving decodes), so `b"A ghost story."` scores as
`"A ghost story."` does. Values of hybrid features are checked against the model's
predict signature (read once from its metadata) before anything is sent: over both
protocols an integer for a float input is sent as a float (predict and classify),
and NaN, infinity or a value beyond the input's float range (1e300 for a float32)
raises `InvalidRequestError` naming the feature and the position.

    >>> from genreclf.serving.client import GenreClient
    >>> client = GenreClient("http://localhost:8501")          # doctest: +SKIP
    >>> client.predict(["A detective hunts a killer."])        # doctest: +SKIP
    [{'scores': [...], 'top_labels': ['crime', ...], 'top_scores': [0.81, ...]}]
"""

import math

import numpy as np

from genreclf.serving.client_settings import client_names
from genreclf.serving.client_settings import client_settings
from genreclf.serving.client_settings import client_target
from genreclf.serving.client_texts import client_texts
from genreclf.serving.client_texts import feature_values
from genreclf.serving.errors import InvalidRequestError
from genreclf.serving.errors import ServingError

__all__ = ["GenreClient", "ServingError"]

# The float dtypes of a predict input (TF Serving's metadata names them) and the numpy
# type whose range bounds them (bfloat16 has float32's exponent range).
_FLOAT_DTYPES = {
    "DT_FLOAT": "float32",
    "DT_DOUBLE": "float64",
    "DT_HALF": "float16",
    "DT_BFLOAT16": "float32",
}
_NUMBERS = (int, float, np.integer, np.floating)


def _f32(value):
    return float(np.float32(value))


def _plain(value):
    """Nested lists of JSON-like Python values, floats rounded to float32."""
    if isinstance(value, np.ndarray):
        if value.dtype.kind == "f":
            return value.astype(np.float32).tolist()
        if value.dtype == object:
            return [_plain(v) for v in value.tolist()]
        return value.tolist()
    if isinstance(value, list):
        if value and all(type(v) is float for v in value):
            return np.asarray(value, dtype=np.float32).tolist()
        return [_plain(v) for v in value]
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, (float, np.floating)):
        return _f32(value)
    if isinstance(value, np.generic):
        return value.item()
    return value


def _float_values(name, values, type_name, where):
    """The numbers in `values` as Python floats, each finite and within `type_name`'s range.

    Values that are not numbers are left as they are: the server (REST) or the gRPC
    transport refuses them with its own message, naming the input.

    Args:
        name: the feature, for the message.
        values: the feature's values, one per text.
        type_name: the numpy float type bounding them ("float32", "float64", "float16").
        where: what reads the feature, for the message, e.g. "input 'year' of
            signature 'serving_default'".

    Returns:
        The values, numbers as floats (an integer for a float input becomes a float).

    Raises:
        InvalidRequestError: NaN, an infinity or a value beyond the range (as TF Serving's
            REST API refuses `1e300` for a float32 input, with a 400).

    Example:

    >>> _float_values("year", [1994, 2001.5], "float32", "input 'year'")
    [1994.0, 2001.5]
    >>> _float_values("year", [1994, 1e300], "float32", "input 'year'")
    Traceback (most recent call last):
    ...
    genreclf.serving.errors.InvalidRequestError: INVALID_ARGUMENT: Expected finite ...
    """
    floats = []
    for index, value in enumerate(values):
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, _NUMBERS):
            floats.append(value)
            continue
        try:
            number = float(value)
        except OverflowError:  # an integer beyond float64: finite, but out of any range
            number = None
        if number is not None and not math.isfinite(number):
            problem = "not a finite number (NaN and infinities are refused)"
        elif number is None or not _fits(number, type_name):
            problem = f"out of the range of {type_name}"
        else:
            problem = None
        if problem is not None:
            if number is None:
                shown = f"<an integer of {int(value).bit_length()} bits>"
            else:
                shown = repr(value.item() if isinstance(value, np.generic) else value)
            limit = float(np.finfo(type_name).max)
            raise InvalidRequestError(
                f"Expected finite numbers within the range of {type_name} (magnitude at most "
                f"{limit:.8g}) for feature {name!r}, which {where} reads as {type_name}. "
                f"Received: {name}[{index}]={shown}, {problem}. Send a finite number in "
                "that range: scale or clip the value, or leave out that text.",
                code="INVALID_ARGUMENT",
            )
        floats.append(number)
    return floats


def _fits(number, type_name):
    """Whether a finite float stays finite as a `type_name` (numpy's cast of 1e300 to
    float32 is inf, with a warning that this check keeps quiet)."""
    with np.errstate(over="ignore"):
        return bool(np.isfinite(np.asarray([number], np.float64).astype(type_name)).all())


class GenreClient:
    """Calls a genre model served by TF Serving (or `genreclf serve`).

    Args:
        target: `"http://host:8501"` (REST), `"host:8500"` or `"grpc://host:8500"` (gRPC).
        protocol: `"auto"` (from the target, as above), `"rest"` or `"grpc"`.
        model: the model name (`--model_name` / the folder under the base path).
        version: ask for this version number (default: the latest served).
        label: ask for this version label, e.g. `"stable"` (not with `version`).
        timeout: seconds per call (None: no limit): over REST, per attempt (retries add to the
            wait); over gRPC, one deadline for the call and its retries.
        retries: extra attempts after UNAVAILABLE / 503 / a refused connection,
            by the transport's own retry policy (urllib3 `Retry` for REST,
            gRPC's `retryPolicy` service config, at most 4 retries, for gRPC).
        backoff: the backoff factor in seconds. REST (urllib3 2) retries the
            first time at once, then waits 2 ×, 4 × ... `backoff`; gRPC waits
            up to `backoff`, 2 ×, 4 × ... with jitter.
        batch_size: texts per request at most; `predict` and `classify` split
            longer lists and join the answers in order (servers cap a request:
            `genreclf serve` at 10,000 texts and 8 MiB). With neither `version`
            nor `label`, a new version loading mid-list may answer the later
            requests: pin one for a consistent pass.
        signature_name: the predict signature (`serving_default`).
        classify_signature: the classify signature (`classify`).

    Example:

    >>> client = GenreClient("http://localhost:8501", model="genre", label="stable")
    >>> client.protocol
    'rest'
    >>> GenreClient("localhost:8500").protocol
    'grpc'
    """

    def __init__(
        self,
        target,
        *,
        protocol="auto",
        model="genre",
        version=None,
        label=None,
        timeout=10.0,
        retries=3,
        backoff=0.2,
        signature_name="serving_default",
        classify_signature="classify",
        batch_size=1000,
    ):
        self.protocol = client_target(target, protocol)
        if version is not None and label is not None:
            raise ValueError(
                "Expected either a version or a label, not both. "
                f"Received: version={version!r}, label={label!r}"
            )
        if isinstance(version, (float, np.floating)) and float(version).is_integer():
            version = int(version)  # 2.0, as JSON or a pandas cell gives it
        whole = isinstance(version, (int, np.integer)) or str(version).isdigit()
        if version is not None and (isinstance(version, bool) or not whole or int(version) < 1):
            raise ValueError(  # 1.5 asked for 1; TF Serving's versions start at 1
                f"Expected version to be a whole number of at least 1, e.g. version=2. Received: "
                f"version={version!r}. Pass the version folder's number, or label= for a label."
            )
        self.target = target
        self.model, self.label = client_names(model, label)
        self.version = version
        self.timeout, self.retries, self.backoff, self.batch_size = client_settings(
            timeout, retries, backoff, batch_size
        )
        self.signature_name = signature_name
        self.classify_signature = classify_signature
        self._transport = None

    @property
    def transport(self):
        """The protocol transport, created on first use."""
        if self._transport is None:
            if self.protocol == "rest":
                from genreclf.serving._rest_transport import RestTransport

                url = self.target if "://" in self.target else "http://" + self.target
                self._transport = RestTransport(url, self.timeout, self.retries, self.backoff)
            else:
                from genreclf.serving._grpc_transport import GrpcTransport

                target = self.target.split("://", 1)[-1].rstrip("/")
                self._transport = GrpcTransport(
                    target, self.timeout, retries=self.retries, backoff=self.backoff
                )
        return self._transport

    def _call(self, function, *args):
        # Retries happen in the transport (urllib3 Retry / gRPC retry policy).
        return function(self.model, self.version, self.label, *args)

    @staticmethod
    def _columns(texts, features, call="client.predict"):
        texts = client_texts(texts, call)  # not a DataFrame, dict or set; str or bytes each
        columns = {"text": texts}
        for name, values in features.items():
            columns[name] = feature_values(name, values, len(texts))
        return columns

    def _checked(self, columns, classify=False):
        """`columns` with the numbers of float features as checked floats.

        The kinds come from the predict signature's input dtypes (the model's metadata,
        read once per transport), over REST and gRPC alike. A classify signature takes
        serialized `tf.Example`s, so its feature kinds are not in the metadata; genreclf's
        export parses each feature as the predict input of that name maps to a
        `tf.Example` (floats → float_list of float32, integers → int64_list, strings →
        bytes_list), so classify values follow the same dtypes, bounded by float32.
        Features the predict signature does not have are sent as given.
        """
        names = [name for name in columns if name != "text"]
        if not names:
            return columns
        dtypes = self._call(self.transport.input_dtypes, self.signature_name)
        checked = dict(columns)
        for name in names:
            dtype = dtypes.get(name)
            if dtype not in _FLOAT_DTYPES:
                continue
            if classify:
                type_name = "float32"
                where = f"signature {self.classify_signature!r} (a float_list)"
            else:
                type_name = _FLOAT_DTYPES[dtype]
                where = f"input {name!r} of signature {self.signature_name!r}"
            checked[name] = _float_values(name, columns[name], type_name, where)
        return checked

    def predict(self, texts, **features):
        """Genre scores for each text.

        Args:
            texts: a list (tuple, pandas Series, 1-D array) of synopses, `str` or UTF-8
                `bytes` (bytes reach the model unchanged over both protocols); a
                DataFrame, dict or set is a `TypeError` (`client_texts`).
            **features: for hybrid models, one list of values per extra input,
                e.g. `year=[1999, 2004]`; integers for a float input are sent as floats.

        Returns:
            One dict per text with the signature's outputs: `scores` (K floats),
            `top_labels`, `top_scores` (and `labels` for multi-label models),
            in order; a list longer than `batch_size` is sent in several requests.

        Raises:
            ModelNotFoundError, InvalidRequestError, UnavailableError, ServingError.
            InvalidRequestError too, before anything is sent, for a NaN, an infinity or
            a value beyond the range of a float input (e.g. 1e300 for a float32).
        """
        columns = self._columns(texts, features)
        if features:
            columns = self._checked(columns)
        rows = []
        for batch in self._batches(columns):
            rows += self._predict_batch(batch, bool(features))
        return rows

    def _batches(self, columns):
        """`columns`, `batch_size` rows at a time."""
        count = len(columns["text"])
        for start in range(0, count, self.batch_size):
            yield {
                name: values[start : start + self.batch_size] for name, values in columns.items()
            }

    def _predict_batch(self, columns, named):
        if self.protocol == "rest":
            if named:
                names = list(columns)
                instances = [dict(zip(names, row)) for row in zip(*columns.values())]
            else:
                instances = columns["text"]
            rows = self._call(self.transport.predict, self.signature_name, instances)
            return [
                {k: _plain(v) for k, v in row.items()}
                if isinstance(row, dict)
                else {"output": _plain(row)}
                for row in rows
            ]
        outputs = self._call(self.transport.predict, self.signature_name, columns)
        count = len(columns["text"])
        return [{name: _plain(array[i]) for name, array in outputs.items()} for i in range(count)]

    def classify(self, texts, **features):
        """`[(label, score), ...]` for each text, through TF Serving's Classify API.

        Uses the `classify` signature (serialized `tf.Example`s with feature
        `text`, plus any `features`). The kind of each feature's values follows the
        predict signature's input of that name, as genreclf's export parses it:
        `classify(texts, year=[1994])` sends `year` as a float_list when the model's
        `year` input is a float. The classify signature's own feature kinds are not
        in the model's metadata (it takes serialized examples), hence the predict
        signature (`signature_name`); a feature it lacks is sent by its Python type
        (str/bytes → bytes_list, int/bool → int64_list, float → float_list).

        Args:
            texts: a list of synopses, `str` or UTF-8 `bytes`.
            **features: for hybrid models, one list of values per feature.

        Returns:
            One list of `(label, score)` pairs per text, every class.

        Raises:
            ModelNotFoundError, InvalidRequestError, UnavailableError, ServingError.
            InvalidRequestError too, before anything is sent, for a NaN, an infinity or
            a value beyond float32 for a float feature.
        """
        columns = self._columns(texts, features, "client.classify")
        if features:
            columns = self._checked(columns, classify=True)
        results = []
        for batch in self._batches(columns):
            names = list(batch)
            examples = [dict(zip(names, row)) for row in zip(*batch.values())]
            results += self._call(self.transport.classify, self.classify_signature, examples)
        return [[(label, _f32(score)) for label, score in row] for row in results]

    def metadata(self):
        """The model's metadata in TF Serving's REST JSON shape (`model_spec`, `metadata`)."""
        return self._call(self.transport.metadata)

    def status(self):
        """The model's version states, `{"model_version_status": [...]}` as TF Serving prints it."""
        return self._call(self.transport.status)

    def close(self):
        """Closes connections (the client reconnects if used again)."""
        if self._transport is not None:
            self._transport.close()
            self._transport = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
