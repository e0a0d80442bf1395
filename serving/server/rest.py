"""The REST side of the local server: TF Serving's REST API, the metrics and the web page.

Routes of the Starlette app (`create_app`):

* `POST /v1/models/{name}[/versions/{v} | /labels/{l}]:{predict|classify|regress}`,
  `GET /v1/models/{name}[/versions/{v} | /labels/{l}][/metadata]`: TF Serving's
  REST API (bodies: `serving.server.rest_json`), answered in a thread pool so
  model calls run concurrently; errors are `{"error": "..."}` with TF Serving's
  HTTP codes; other `/v1/...` paths are a 400;
* `/monitoring/prometheus/metrics`: the `ServingMetrics`, at TF Serving's path;
* `/`: the web page (`serving/web/index.html`), `/web/...` its files,
  `/web/models.json` the served models, `POST /web/explain/{model}` a text's
  words (`serving.server.explain_route`); anything else: 404.

A body over `max_body_bytes` gets 413, one that does not arrive within
`body_timeout` seconds 408, and a connection that sends no complete request
head within `header_timeout` seconds is closed (`head_timeout_protocol`).
"""

import asyncio
import json
import logging
import os
import re

from google.protobuf import json_format
from starlette.applications import Starlette
from starlette.responses import FileResponse
from starlette.responses import JSONResponse
from starlette.responses import Response
from starlette.routing import Mount
from starlette.routing import Route
from starlette.staticfiles import StaticFiles
from uvicorn.protocols.http.h11_impl import H11Protocol

from genreclf.serving.server import rest_json
from genreclf.serving.server.explain_route import ExplainRoute
from genreclf.serving.server.limits import Limits
from genreclf.serving.server.metrics import METRICS_PATH
from genreclf.serving.server.metrics import ServingMetrics
from genreclf.serving.server.status import ServingStatusError
from genreclf.serving.server.status import error_json
from genreclf.serving.server.status import invalid_argument

logger = logging.getLogger("genreclf.serving.server")
WEB_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "web")
ALL_METHODS = ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"]
MODEL_PATH = r"(?P<name>[^/:]+)(?:/versions/(?P<version>\d{1,18})|/labels/(?P<label>[^/:]+))?"
_API_PATH = re.compile(
    rf"/v1/models/{MODEL_PATH}(?::(?P<verb>predict|classify|regress)|/(?P<metadata>metadata))?"
)


def route(method, path):
    """`(api, name, version, label)` of a REST request; raises for a malformed one.

    Example:

    >>> route("POST", "/v1/models/genre/versions/2:predict")
    ('predict', 'genre', 2, None)
    >>> route("GET", "/v1/models/genre/labels/stable/metadata")
    ('metadata', 'genre', None, 'stable')
    """
    match = _API_PATH.fullmatch(path)
    if match is None and method == "GET" and path.rstrip("/") == "/v1/models":
        raise invalid_argument("Missing model name in request: GET /v1/models/{name}.")
    if match is None or (method, bool(match["verb"])) not in (("POST", True), ("GET", False)):
        raise invalid_argument(
            f"Malformed request: {method} {path}. Expected POST /v1/models/NAME:predict "
            "(or :classify, :regress), GET /v1/models/NAME or GET /v1/models/NAME/metadata."
        )
    api = match["verb"] or ("metadata" if match["metadata"] else "status")
    return api, match["name"], match["version"] and int(match["version"]), match["label"]


def proto_json(message):
    """A protobuf message as TF Serving's REST API prints it (field names, defaults shown)."""
    options = dict(always_print_fields_with_no_presence=True, preserving_proto_field_name=True)
    return json_format.MessageToDict(message, **options)


class RestApi:
    """TF Serving's REST API over a `ModelStore`, without the HTTP layer.

    Example:

    >>> api = RestApi(store)  # doctest: +SKIP
    >>> api.process(route("POST", "/v1/models/genre:predict"), b'{"instances": ["A spy"]}', call)
    (200, '{"predictions": [{"scores": [...], "top_labels": [...], "top_scores": [...]}]}')
    """

    def __init__(self, store, limits=None):
        self.store, self.limits = store, limits or Limits()

    def process(self, routed, body, call):
        """`(http_code, json_text)` for a routed request; `call` (a `metrics.Call`) is told
        the servable and the labels given."""
        api, name, version, label = routed
        if self.store.has_model(name):
            call.model = name
        try:
            if api == "status":
                call.version = "" if version is None else version
                return 200, json.dumps(proto_json(self.store.status(name, version)))
            servable = self.store.get(name, version, label)
            call.served_by(servable)
            if api == "metadata":
                metadata = proto_json(servable.metadata())
                metadata["metadata"]["signature_def"].pop("@type")
                return 200, json.dumps(metadata)
            doc = rest_json.parse(body)
            signature_name = rest_json.signature_name(doc)
            if api == "predict":
                specs = servable.input_specs(signature_name)
                inputs, form = rest_json.predict_inputs(doc, specs, signature_name)
                _, outputs = servable.predict(inputs, signature_name, limits=self.limits)
                call.predicted_from(outputs, servable.classes)
                return 200, rest_json.predict_response(outputs, form)
            examples, context = rest_json.examples(doc, api)
            run = servable.classify if api == "classify" else servable.regress
            results = run(examples, context, signature_name, limits=self.limits)
            if api == "regress":
                call.instances += len(results)
                return 200, json.dumps({"results": results})
            call.classified(results)
            return 200, rest_json.classify_response(results)
        except ServingStatusError as err:
            return err.http_code, error_json(err.message)
        except Exception as err:  # noqa: BLE001 - a bug must still answer in TF Serving's shape
            logger.exception("Internal error on %s %s", api, name)
            return 500, error_json(f"Internal error: {type(err).__name__}")


def head_timeout_protocol(header_timeout):
    """uvicorn's h11 protocol, closing connections that send no request head in time.

    uvicorn times out idle keep-alive connections but not a new connection that
    never sends (or trickles) its request head. This protocol arms a timer when
    a connection opens and re-arms it while requests complete: if no new request
    head arrived and none is in flight when it fires, the connection is closed.

    Example:

    >>> config = uvicorn.Config(app, http=head_timeout_protocol(10.0))  # doctest: +SKIP
    """

    class HeadTimeoutH11Protocol(H11Protocol):
        _head_timer = _head_cycle = None

        def connection_made(self, transport):
            super().connection_made(transport)
            self._arm_head_timer()

        def _arm_head_timer(self):
            self._head_cycle = self.cycle
            self._head_timer = self.loop.call_later(header_timeout, self._head_timeout)

        def _head_timeout(self):
            if self.transport.is_closing():
                return
            in_flight = self.cycle is not None and not self.cycle.response_complete
            if self.cycle is self._head_cycle and not in_flight:
                self.timeout_keep_alive_handler()  # uvicorn's own clean close
            else:
                self._arm_head_timer()

        def connection_lost(self, exc):
            if self._head_timer is not None:
                self._head_timer.cancel()
            super().connection_lost(exc)

    return HeadTimeoutH11Protocol


async def read_body(request, limits):
    """The request body, or `(code, error_json)`: 413 past `max_body_bytes`, 408 past
    `body_timeout` seconds."""
    limit, chunks = limits.max_body_bytes, []
    declared = request.headers.get("content-length", "")
    too_large = (
        f"Request body is larger than the server's limit of {limit} bytes. Send fewer "
        "instances per request, or start the server with a larger --max-body-bytes."
    )
    if declared.isdigit() and int(declared) > limit:
        return 413, error_json(too_large)

    async def read():
        size = 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                return 413, error_json(too_large)
            chunks.append(chunk)
        return b"".join(chunks)

    try:
        return await asyncio.wait_for(read(), limits.body_timeout)
    except asyncio.TimeoutError:
        return 408, error_json(
            f"Request body not received within {limits.body_timeout:g} seconds. Send the "
            "whole body promptly, or start the server with a larger --body-timeout."
        )


def create_app(store, executor, limits=None, metrics=None):
    """The Starlette app serving TF Serving's REST API, the metrics and the web page.

    Args:
        store: the `ModelStore`.
        executor: a `concurrent.futures` executor that runs the requests.
        limits: the server's `Limits`.
        metrics: the `ServingMetrics` to record requests in and to serve.

    Example:

    >>> from concurrent.futures import ThreadPoolExecutor
    >>> app = create_app(store, ThreadPoolExecutor(4))  # doctest: +SKIP
    """
    limits, metrics = limits or Limits(), metrics or ServingMetrics()
    rest_api, explainer = RestApi(store, limits), ExplainRoute(store, limits)
    explain_path = re.compile(MODEL_PATH)

    async def answer(request, call):
        try:
            routed = route(request.method, request.url.path)
        except ServingStatusError as err:
            return err.http_code, error_json(err.message)
        call.api = routed[0]
        body = await read_body(request, limits)
        if isinstance(body, tuple):
            return body
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(executor, rest_api.process, routed, body, call)

    async def api(request):
        call = metrics.start("rest")
        code, text = await answer(request, call)
        call.finish(code)
        return Response(text, status_code=code, media_type="application/json")

    async def explain(request):
        path, body = request.path_params["path"], await read_body(request, limits)
        match = explain_path.fullmatch(path)
        if match is None:
            code, text = (
                400,
                error_json(
                    f"Malformed explain path: {path!r}. Expected /web/explain/NAME, "
                    "/web/explain/NAME/versions/N or /web/explain/NAME/labels/LABEL."
                ),
            )
        elif isinstance(body, tuple):
            code, text = body
        else:
            model = match["name"], match["version"] and int(match["version"]), match["label"]
            loop = asyncio.get_running_loop()
            code, text = await loop.run_in_executor(executor, explainer.process, model, body)
        return Response(text, status_code=code, media_type="application/json")

    async def prometheus(request):
        body, content_type = metrics.exposition()
        return Response(body, media_type=content_type)

    async def index(request):
        return FileResponse(os.path.join(WEB_DIR, "index.html"), media_type="text/html")

    async def models(request):
        return JSONResponse(store.models())

    async def not_found(request):
        return Response("Not Found", status_code=404, media_type="text/plain")

    return Starlette(
        routes=[
            Route("/", index, methods=["GET", "HEAD"]),
            Route("/web/models.json", models, methods=["GET"]),
            Route("/web/explain/{path:path}", explain, methods=["POST"]),
            Mount("/web", app=StaticFiles(directory=WEB_DIR), name="web"),
            Route(METRICS_PATH, prometheus, methods=["GET"]),
            Route("/v1/{path:path}", api, methods=ALL_METHODS),
            Route("/{path:path}", not_found, methods=ALL_METHODS),
        ]
    )
