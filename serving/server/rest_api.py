"""TF Serving's REST API over a `ModelStore`, without the HTTP layer.

`RestApiHandler.process(method, path, body)` does what TF Serving's
`HttpRestApiHandler::ProcessRequest` does: it matches the same (case-insensitive)
path patterns, runs predict / classify / status / metadata, and returns the HTTP
code and JSON body, errors included (`{"error": "<message>"}`, code from
`ToHTTPStatusCode`). `serving.server.rest` puts it behind Starlette.

`:regress` runs a SavedModel's regression signature (method
`tensorflow/serving/regress`) and answers `{"results": [value, ...]}`.
"""

import json
import logging
import re

from google.protobuf import json_format
from tensorflow_serving.apis import get_model_metadata_pb2
from tensorflow_serving.apis import get_model_status_pb2
from tensorflow_serving.apis import model_pb2

from genreclf.serving.server import json_examples
from genreclf.serving.server import json_tensor
from genreclf.serving.server.json_values import error_response
from genreclf.serving.server.json_values import parse_json
from genreclf.serving.server.json_values import signature_name_of
from genreclf.serving.server.limits import RequestLimits
from genreclf.serving.server.status import ServingStatusError
from genreclf.serving.server.status import invalid_argument

# tensorflow_serving/model_servers/http_rest_api_util.cc
PREDICTION_PATH = re.compile(
    r"(?i)/v1/models/([^/:]+)(?:(?:/versions/(\d+))|(?:/labels/([^/:]+)))?:(classify|regress|predict)"
)
STATUS_PATH = re.compile(
    r"(?i)/v1/models(?:/([^/:]+))?(?:(?:/versions/(\d+))|(?:/labels/([^/:]+)))?(?:\/(metadata))?"
)
API_PATH = re.compile(r"(?i)/v1/.*")

logger = logging.getLogger("genreclf.serving.server")


def _version(text):
    if not text:
        return None
    value = int(text)
    if value >= 2**63:
        raise invalid_argument("Failed to convert version: ", text, " to numeric.")
    return value


def _unquote(text):
    from urllib.parse import unquote

    return unquote(text) if text else text


def status_json(store, name, version=None):
    """GetModelStatus as TF Serving's REST API prints it (`model_version_status`).

    Example:

    >>> status_json(store, "genre")  # doctest: +SKIP
    {'model_version_status': [{'version': '2', 'state': 'AVAILABLE', ...}]}
    """
    return json_format.MessageToDict(
        status_proto(store, name, version), always_print_fields_with_no_presence=True
    )


def status_proto(store, name, version=None):
    """A `GetModelStatusResponse` for a model (all versions, or one)."""
    response = get_model_status_pb2.GetModelStatusResponse()
    for number, state, code, message in store.status(name, version):
        entry = response.model_version_status.add()
        entry.version = number
        entry.state = get_model_status_pb2.ModelVersionStatus.State.Value(state)
        entry.status.SetInParent()
        entry.status.error_code = _error_code_value(code)
        entry.status.error_message = message
    return response


def _error_code_value(code):
    from tensorflow.core.protobuf import error_codes_pb2

    return error_codes_pb2.Code.Value(code)


def metadata_proto(servable):
    """A `GetModelMetadataResponse` with the `signature_def` field, as TF Serving builds it."""
    response = get_model_metadata_pb2.GetModelMetadataResponse()
    response.model_spec.CopyFrom(model_spec(servable.name, servable.version, ""))
    signatures = get_model_metadata_pb2.SignatureDefMap()
    for key, signature in servable.signature_defs.items():
        signatures.signature_def[key].CopyFrom(signature)
    response.metadata["signature_def"].Pack(signatures)
    return response


def metadata_json(servable):
    """GetModelMetadata as TF Serving's REST API prints it.

    `{"model_spec": {...}, "metadata": {"signature_def": {"signature_def": {...}}}}`,
    proto field names kept and default values printed (`ToJsonString` in
    `http_rest_api_util.cc`).
    """
    options = dict(always_print_fields_with_no_presence=True, preserving_proto_field_name=True)
    signatures = get_model_metadata_pb2.SignatureDefMap()
    for key, signature in servable.signature_defs.items():
        signatures.signature_def[key].CopyFrom(signature)
    return {
        "model_spec": json_format.MessageToDict(
            model_spec(servable.name, servable.version, ""), **options
        ),
        "metadata": {"signature_def": json_format.MessageToDict(signatures, **options)},
    }


def model_spec(name, version, signature_name):
    """MakeModelSpec(): a `ModelSpec` naming a served version."""
    spec = model_pb2.ModelSpec(name=name, signature_name=signature_name)
    spec.version.value = version
    return spec


class RestApiHandler:
    """TF Serving's REST API over a `ModelStore`.

    Args:
        store: the `ModelStore` to serve.
        limits: the per-request `RequestLimits` (default `RequestLimits()`).

    Example:

    >>> handler = RestApiHandler(store)  # doctest: +SKIP
    >>> handler.process("POST", "/v1/models/genre:predict", b'{"instances": ["A spy"]}')  # doctest: +SKIP
    (200, '{"predictions": [{"scores": [...], "top_labels": [...], "top_scores": [...]}]}')
    """

    def __init__(self, store, limits=None):
        self.store = store
        self.limits = limits or RequestLimits()

    def process(self, method, path, body):
        """Handles one request; returns `(http_code, json_text)`."""
        try:
            return 200, self._dispatch(method, path, body)
        except ServingStatusError as err:
            return err.http_code, error_response(err.message)
        except Exception as err:  # noqa: BLE001 - a bug must still answer in TF Serving's shape
            logger.exception("Internal error on %s %s", method, path)
            return 500, error_response(f"Internal error: {type(err).__name__}")

    def _dispatch(self, method, path, body):
        if method == "POST":
            match = PREDICTION_PATH.fullmatch(path)
            if match:
                name, version, label, verb = match.groups()
                name, label, version = _unquote(name), _unquote(label), _version(version)
                # The pattern is case-insensitive but the verb is then compared
                # exactly, so ':PREDICT' is a malformed request, as in TF Serving.
                if verb == "predict":
                    return self._predict(name, version, label, body)
                if verb == "classify":
                    return self._classify(name, version, label, body)
                if verb == "regress":
                    return self._regress(name, version, label, body)
        elif method == "GET":
            match = STATUS_PATH.fullmatch(path)
            if match:
                name, version, label, sub = match.groups()
                name, label, version = _unquote(name), _unquote(label), _version(version)
                if not name:
                    raise invalid_argument("Missing model name in request.")
                if sub == "metadata":  # '/METADATA' falls through to status, as in TF Serving
                    servable = self.store.get(name, version, label)
                    return json.dumps(metadata_json(servable), indent=1)
                return json.dumps(status_json(self.store, name, version), indent=1)
        raise invalid_argument("Malformed request: ", method, " ", path)

    def _predict(self, name, version, label, body):
        doc = parse_json(body)
        signature_name = signature_name_of(doc)
        servable = self.store.get(name, version, label)
        input_dtypes = servable.input_dtypes(signature_name)
        inputs, fmt = json_tensor.predict_inputs(
            doc, input_dtypes, signature_name, servable.input_shapes(signature_name)
        )
        _, outputs, dtypes = servable.predict(inputs, signature_name, limits=self.limits)
        return json_tensor.predict_response(outputs, dtypes, fmt)

    def _classify(self, name, version, label, body):
        doc = parse_json(body)
        signature_name = signature_name_of(doc)
        examples, context = json_examples.classify_examples(doc)
        servable = self.store.get(name, version, label)
        results = servable.classify(examples, context, signature_name, limits=self.limits)
        return json_examples.classify_response(results)

    def _regress(self, name, version, label, body):
        doc = parse_json(body)
        signature_name = signature_name_of(doc)
        examples, context = json_examples.classify_examples(doc, method="regress")
        servable = self.store.get(name, version, label)
        values = servable.regress(examples, context, signature_name, limits=self.limits)
        return json_examples.regress_response(values)
