"""TF Serving's REST API over a `ModelStore`, without the HTTP layer.

Paths (TF Serving's):

* `POST /v1/models/{name}[/versions/{v} | /labels/{l}]:{predict|classify|regress}`
* `GET /v1/models/{name}[/versions/{v} | /labels/{l}]` (status)
* `GET /v1/models/{name}[/versions/{v} | /labels/{l}]/metadata`

`route(method, path)` names the API a request calls; `RestApiHandler.process`
answers it with an HTTP code and a JSON body, errors as `{"error": "..."}`
(codes from `status.HTTP_CODES`). `serving.server.rest` puts it behind Starlette.
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
from genreclf.serving.server.limits import Limits
from genreclf.serving.server.status import ServingStatusError
from genreclf.serving.server.status import invalid_argument

_PATH = re.compile(
    r"/v1/models/(?P<name>[^/:]+)(?:/versions/(?P<version>\d+)|/labels/(?P<label>[^/:]+))?"
    r"(?::(?P<verb>predict|classify|regress)|/(?P<metadata>metadata))?"
)

logger = logging.getLogger("genreclf.serving.server")


def route(method, path):
    """`(api, name, version, label)` of a REST request; raises for a malformed one.

    Example:

    >>> route("POST", "/v1/models/genre/versions/2:predict")
    ('predict', 'genre', 2, None)
    >>> route("GET", "/v1/models/genre/labels/stable/metadata")
    ('metadata', 'genre', None, 'stable')
    """
    match = _PATH.fullmatch(path)
    if match is None and method == "GET" and path.rstrip("/") == "/v1/models":
        raise invalid_argument("Missing model name in request: GET /v1/models/{name}.")
    verb = match and match["verb"]
    if match is None or (method, bool(verb)) not in (("POST", True), ("GET", False)):
        raise invalid_argument(
            f"Malformed request: {method} {path}. Expected POST /v1/models/NAME:predict "
            "(or :classify, :regress), GET /v1/models/NAME or GET /v1/models/NAME/metadata."
        )
    version = match["version"] and int(match["version"])
    if version is not None and version >= 2**63:
        raise invalid_argument(f"Expected a version below 2^63. Received: {version}.")
    api = verb or ("metadata" if match["metadata"] else "status")
    return api, match["name"], version, match["label"]


def model_spec(name, version, signature_name):
    """A `ModelSpec` naming a served version."""
    spec = model_pb2.ModelSpec(name=name, signature_name=signature_name)
    spec.version.value = version
    return spec


def status_proto(store, name, version=None):
    """A `GetModelStatusResponse` for a model (all versions, or one)."""
    from tensorflow.core.protobuf import error_codes_pb2

    response = get_model_status_pb2.GetModelStatusResponse()
    for number, state, code, message in store.status(name, version):
        entry = response.model_version_status.add(version=number)
        entry.state = get_model_status_pb2.ModelVersionStatus.State.Value(state)
        entry.status.SetInParent()
        entry.status.error_code = error_codes_pb2.Code.Value(code)
        entry.status.error_message = message
    return response


def _signature_map(servable):
    signatures = get_model_metadata_pb2.SignatureDefMap()
    for key, signature in servable.signature_defs.items():
        signatures.signature_def[key].CopyFrom(signature)
    return signatures


def metadata_proto(servable):
    """A `GetModelMetadataResponse` with the `signature_def` field."""
    response = get_model_metadata_pb2.GetModelMetadataResponse()
    response.model_spec.CopyFrom(model_spec(servable.name, servable.version, ""))
    response.metadata["signature_def"].Pack(_signature_map(servable))
    return response


def metadata_json(servable):
    """`{"model_spec": ..., "metadata": {"signature_def": {"signature_def": ...}}}`.

    Proto field names kept and default values printed, as TF Serving prints them.
    """
    options = dict(always_print_fields_with_no_presence=True, preserving_proto_field_name=True)
    spec = model_spec(servable.name, servable.version, "")
    return {
        "model_spec": json_format.MessageToDict(spec, **options),
        "metadata": {
            "signature_def": json_format.MessageToDict(_signature_map(servable), **options)
        },
    }


class RestApiHandler:
    """TF Serving's REST API over a `ModelStore`.

    Args:
        store: the `ModelStore` to serve.
        limits: the per-request `Limits` (default `Limits()`).

    Example:

    >>> handler = RestApiHandler(store)  # doctest: +SKIP
    >>> routed = route("POST", "/v1/models/genre:predict")
    >>> handler.process(routed, b'{"instances": ["A spy"]}', Call())  # doctest: +SKIP
    (200, '{"predictions": [{"scores": [...], "top_labels": [...], "top_scores": [...]}]}')
    """

    def __init__(self, store, limits=None):
        self.store = store
        self.limits = limits or Limits()

    def process(self, routed, body, call):
        """Answers a routed request; returns `(http_code, json_text)`.

        `call` (a `metrics.Call`) is told the servable and the labels given.
        """
        api, name, version, label = routed
        if self.store.has_model(name):
            call.model = name
        try:
            if api == "status":
                status = status_proto(self.store, name, version)
                call.version = "" if version is None else version
                return 200, json.dumps(
                    json_format.MessageToDict(status, always_print_fields_with_no_presence=True),
                    indent=1,
                )
            servable = self.store.get(name, version, label)
            call.served_by(servable)
            if api == "metadata":
                return 200, json.dumps(metadata_json(servable), indent=1)
            return 200, getattr(self, "_" + api)(servable, parse_json(body), call)
        except ServingStatusError as err:
            return err.http_code, error_response(err.message)
        except Exception as err:  # noqa: BLE001 - a bug must still answer in TF Serving's shape
            logger.exception("Internal error on %s %s", api, name)
            return 500, error_response(f"Internal error: {type(err).__name__}")

    def _predict(self, servable, doc, call):
        signature_name = signature_name_of(doc)
        specs = servable.input_specs(signature_name)
        inputs, fmt = json_tensor.predict_inputs(doc, specs, signature_name)
        key, outputs = servable.predict(inputs, signature_name, limits=self.limits)
        call.predicted_from(outputs, servable.classes)
        b64 = {n for n, v in outputs.items() if n.endswith("_bytes") and v.dtype == object}
        return json_tensor.predict_response(outputs, fmt, b64)

    def _classify(self, servable, doc, call):
        signature_name = signature_name_of(doc)
        examples, context = json_examples.classify_examples(doc)
        results = servable.classify(examples, context, signature_name, limits=self.limits)
        call.classified(results)
        return json_examples.classify_response(results)

    def _regress(self, servable, doc, call):
        signature_name = signature_name_of(doc)
        examples, context = json_examples.classify_examples(doc, method="regress")
        values = servable.regress(examples, context, signature_name, limits=self.limits)
        call.instances += len(values)
        return json_examples.regress_response(values)
