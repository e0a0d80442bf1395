"""The REST side of the local server: TF Serving's REST API, the metrics and the web page.

`create_app` routes `/v1/models/NAME[/versions/N | /labels/L]` (`:predict`,
`:classify`, `:regress`, status, `/metadata`; bodies: `rest_json`) to a thread
pool; errors are `{"error": "..."}` with TF Serving's HTTP codes, other `/v1/...`
paths a 400. Also: `/monitoring/prometheus/metrics`, the web page (`/`, `/web/...`,
`/web/models.json`, `POST /web/explain/...`), 404 elsewhere. A body over
`max_body_bytes` gets 413, one slower than `body_timeout` 408, one the client
abandons is counted as 499 (nginx's "client closed request"), one that does not
fit in the server's `BodyBudget` of bytes in flight 503 (`Retry-After: 1`), a
connection without a complete request head within `header_timeout` is closed,
and one opened beyond `max_connections` gets 503. Paths are matched as sent
(ASGI `raw_path`), each segment percent-decoded once.
"""

import asyncio
import functools
import json
import logging
import os
import re
import urllib.parse

from google.protobuf import json_format
from starlette.applications import Starlette
from starlette.requests import ClientDisconnect
from starlette.responses import FileResponse
from starlette.responses import JSONResponse
from starlette.responses import Response
from starlette.routing import Mount
from starlette.routing import Route
from starlette.staticfiles import StaticFiles
from uvicorn.protocols.http.h11_impl import H11Protocol

from genreclf.serving.server import rest_json
from genreclf.serving.server.body_budget import BodyBudget
from genreclf.serving.server.explain_route import ExplainRoute
from genreclf.serving.server.metrics import METRICS_PATH
from genreclf.serving.server.status import ServingStatusError
from genreclf.serving.server.status import error_json
from genreclf.serving.server.status import invalid_argument

logger = logging.getLogger("genreclf.serving.server")
WEB_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "web")
CLIENT_CLOSED = 499  # "client closed request" (nginx; TF Serving's CANCELLED)
ALL_METHODS = ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"]
MODEL_PATH = r"(?P<name>[^/:]+)(?:/versions/(?P<version>\d{1,18})|/labels/(?P<label>[^/:]+))?"
_API = re.compile(
    rf"/v1/models/{MODEL_PATH}(?::(?P<verb>predict|classify|regress)|/(?P<meta>metadata))?"
)
_EXPLAIN = re.compile(f"/web/explain/{MODEL_PATH}")


def route(method, path):
    """`(api, name, version, label)` of a REST request (`path` as sent: `raw_path`);
    INVALID_ARGUMENT for a malformed one.

    Example:

    >>> route("POST", "/v1/models/genre/versions/2:predict")
    ('predict', 'genre', 2, None)
    >>> route("GET", "/v1/models/genre/labels/stable/metadata")
    ('metadata', 'genre', None, 'stable')
    >>> route("GET", "/v1/models/my%20genre")
    ('status', 'my genre', None, None)
    >>> route("GET", "/v1/models/genre%2Fversions%2F1")
    ('status', 'genre/versions/1', None, None)
    """
    match = _API.fullmatch(path)
    if match is None and method == "GET" and path.rstrip("/") == "/v1/models":
        raise invalid_argument("Missing model name in request: GET /v1/models/{name}.")
    if match is None or (method, bool(match["verb"])) not in (("POST", True), ("GET", False)):
        raise invalid_argument(
            f"Malformed request: {method} {path}. Expected POST /v1/models/NAME:predict "
            "(or :classify, :regress), GET /v1/models/NAME or GET /v1/models/NAME/metadata."
        )
    api = match["verb"] or ("metadata" if match["meta"] else "status")
    return (api, *model_spec(match))


def model_spec(match):
    """`(name, version, label)` of a `MODEL_PATH` match on a raw path, each segment decoded
    once (an encoded "/" splits nothing, "%2572" stays "%72"), as TF Serving does.

    Example:

    >>> model_spec(re.fullmatch(MODEL_PATH, "gen%2572e%2Fversions%2F1"))
    ('gen%72e/versions/1', None, None)
    """
    name, label = (match[key] and urllib.parse.unquote(match[key]) for key in ("name", "label"))
    return name, match["version"] and int(match["version"]), label


def explain_route(method, path):
    """`("explain", name, version, label)` of a `POST /web/explain/...` request (`path` as
    sent: `raw_path`; `method`, POST, is the app's to check); INVALID_ARGUMENT for a
    malformed one.

    Example:

    >>> explain_route("POST", "/web/explain/genre/labels/stable")
    ('explain', 'genre', None, 'stable')
    """
    match = _EXPLAIN.fullmatch(path)
    if match is None:
        raise invalid_argument(
            f"Malformed explain path: {path!r}. Expected /web/explain/NAME, "
            "/web/explain/NAME/versions/N or /web/explain/NAME/labels/LABEL."
        )
    return ("explain", *model_spec(match))


def raw_path(request):
    """The request's path as the client sent it, percent-escapes kept (ASGI `raw_path`;
    Starlette's `request.url.path` is already decoded)."""
    raw = request.scope.get("raw_path")
    if raw is None:  # optional in ASGI: re-encode the decoded path
        return urllib.parse.quote(request.scope["path"])
    return raw.decode("utf-8", "replace").partition("?")[0]  # uvicorn refuses non-ASCII


def _proto_json(message):
    # As TF Serving prints protos: proto field names, default values included.
    options = dict(always_print_fields_with_no_presence=True, preserving_proto_field_name=True)
    return json_format.MessageToDict(message, **options)


def _answer(store, limits, routed, body, call):
    """The JSON answer to a routed API request; tells `call` what it served."""
    api, name, version, label = routed
    if api == "status":
        status = store.status(name, version)  # before labelling: only known versions
        call.version = "" if version is None else version
        return json.dumps(_proto_json(status))
    servable = store.get(name, version, label)
    call.served_by(servable)
    if api == "metadata":
        metadata = _proto_json(servable.metadata())
        metadata["metadata"]["signature_def"].pop("@type")
        return json.dumps(metadata)
    doc = rest_json.parse(body)
    limits.check_json(doc)
    signature_name = rest_json.signature_name(doc)
    if api == "predict":
        specs = servable.input_specs(signature_name)
        inputs, form = rest_json.predict_inputs(doc, specs, signature_name)
        _, outputs = servable.predict(inputs, signature_name, limits=limits)
        call.predicted_from(outputs, servable.classes)
        return rest_json.predict_response(outputs, form)
    examples, context = rest_json.examples(doc, api)
    if api == "regress":
        values = servable.regress(examples, context, signature_name, limits=limits)
        call.instances += len(values)
        return json.dumps({"results": values})
    results = servable.classify(examples, context, signature_name, limits=limits)
    call.classified(results)
    return rest_json.classify_response(results)


def _answered(answer, routed, body, call):
    """`(http_code, json_text)`: 200 and `answer(routed, body, call)`, or the error it raised
    in TF Serving's shape (a bug: a logged 500)."""
    try:
        return 200, answer(routed, body, call)
    except ServingStatusError as err:
        return err.http_code, error_json(err.message)
    except Exception as err:  # noqa: BLE001 - a bug must still answer (and be counted)
        logger.exception("Internal error on %s %s", *routed[:2])
        return 500, error_json(f"Internal error: {type(err).__name__}")


def connection_guard_protocol(header_timeout, max_connections):
    """uvicorn's h11 protocol, with a request-head timeout and a connection cap.

    uvicorn times out idle keep-alive connections, not a new connection that
    never sends (or trickles) its request head. This protocol arms a timer when a
    connection opens and re-arms it while requests complete: if no new request
    head arrived and none is in flight when it fires, the connection is closed.

    A connection opened while `max_connections` others are open is answered
    503 (`{"error"}`, `Connection: close`) and closed; the connections already
    open keep being served. (uvicorn's own `limit_concurrency` answers 503 to
    every request on every connection once the count is reached, idle
    keep-alive connections included, so it is not used.)

    Example:

    >>> config = uvicorn.Config(app, http=connection_guard_protocol(10.0, 1000))  # doctest: +SKIP
    """
    refuse = _over_capacity_app(max_connections)

    class GuardedH11Protocol(H11Protocol):
        _head_timer = _head_cycle = None

        def connection_made(self, transport):
            super().connection_made(transport)
            if len(self.connections) > max_connections:
                self.app = refuse  # this connection only
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

    return GuardedH11Protocol


def _over_capacity_app(max_connections):
    """The ASGI app answering a connection over the cap: 503, then close."""
    body = error_json(
        f"The server has {max_connections} connections open, its limit. Retry later, "
        "reuse connections, or start the server with a larger --max-connections."
    ).encode("ascii")
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode("ascii")),
        (b"retry-after", b"1"),
        (b"connection", b"close"),
    ]

    async def app(scope, receive, send):
        if scope["type"] == "http":
            await send({"type": "http.response.start", "status": 503, "headers": headers})
            await send({"type": "http.response.body", "body": body})

    return app


async def read_body(request, limits, held):
    """The request body, or `(413 or 408, error_json)` past `max_body_bytes` or `body_timeout`,
    `(499, error_json)` when the client closed the connection before sending it all,
    `(503, error_json)` when it does not fit in the server's budget of body bytes in flight.

    `held` (a `body_budget.Hold`) takes the bytes as they arrive; the caller releases them
    once the request is answered. A `Content-Length` over what the budget has free is
    refused before any byte is read.
    """
    too_large = (
        413,
        error_json(
            f"Request body is larger than the server's limit of {limits.max_body_bytes} bytes. "
            "Send fewer instances per request, or start the server with a larger --max-body-bytes."
        ),
    )
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limits.max_body_bytes:
        return too_large
    if declared.isdigit() and not held.budget.fits(int(declared)):
        return 503, error_json(held.budget.busy_message(int(declared)))

    async def read():
        chunks, size = [], 0
        async for chunk in request.stream():
            chunks.append(chunk)
            size += len(chunk)
            if size > limits.max_body_bytes:
                return too_large
            if not held.take(len(chunk)):
                return 503, error_json(held.budget.busy_message(size, at_least=True))
        return b"".join(chunks)

    try:
        return await asyncio.wait_for(read(), limits.body_timeout)
    except asyncio.TimeoutError:
        return 408, error_json(
            f"Request body not received within {limits.body_timeout:g} seconds. Send the "
            "whole body promptly, or start the server with a larger --body-timeout."
        )
    except ClientDisconnect:  # nobody to answer: TF Serving's and nginx's 499, no traceback
        path = raw_path(request)[:200]
        logger.info("Client closed the connection before its body arrived: %s", path)
        return CLIENT_CLOSED, error_json("Client closed the connection before sending the body.")


def create_app(store, executor, limits, metrics, budget=None):
    """The Starlette app over a `ModelStore`, running requests in `executor` (a
    `concurrent.futures` executor) within `Limits`, recording them in `ServingMetrics`;
    request bodies take their bytes from `budget` (a `BodyBudget`, shared with gRPC; by
    default one of `limits.max_body_bytes_in_flight` for this app alone).

    Example:

    >>> app = create_app(store, ThreadPoolExecutor(4), Limits(), ServingMetrics())  # doctest: +SKIP
    """
    budget = budget or BodyBudget(limits.max_body_bytes_in_flight)

    def json_response(code, text):
        headers = {"retry-after": "1"} if code == 503 else None  # an overload: retry
        return Response(text, status_code=code, headers=headers, media_type="application/json")

    def endpoint(api, resolve, answer):
        """An endpoint for the requests `resolve(method, raw_path)` routes to `(api, name,
        version, label)` (or refuses: a `ServingStatusError`); it reads the body within the
        limits and the budget, runs `answer(routed, body, call)` in the executor and records
        the request in the metrics (under `api` until it is routed)."""

        async def handle(request):
            call = metrics.start("rest", api)
            try:
                routed = resolve(request.method, raw_path(request))
            except ServingStatusError as err:
                code, text = err.http_code, error_json(err.message)
            else:
                call.api, name = routed[:2]
                call.model = name if store.has_model(name) else ""
                with budget.hold() as held:  # the body's bytes, until the answer is ready
                    body = await read_body(request, limits, held)
                    if isinstance(body, tuple):  # 413, 408, 499 or 503
                        code, text = body
                    else:
                        code, text = await asyncio.get_running_loop().run_in_executor(
                            executor, _answered, answer, routed, body, call
                        )
            call.finish(code)
            return json_response(code, text)

        return handle

    api = endpoint("", route, functools.partial(_answer, store, limits))
    explain = endpoint("explain", explain_route, ExplainRoute(store, limits).answer)

    def not_found(request):
        return json_response(
            404,
            error_json(
                f"No route {request.method} {request.url.path}: the API is under /v1/models/, "
                f"the metrics at {METRICS_PATH} and the web page at /."
            ),
        )

    page = os.path.join(WEB_DIR, "index.html")
    return Starlette(
        routes=[
            Route("/", lambda request: FileResponse(page, media_type="text/html")),
            Route("/web/models.json", lambda request: JSONResponse(store.models())),
            Route("/web/explain/{path:path}", explain, methods=["POST"]),
            Mount("/web", app=StaticFiles(directory=WEB_DIR), name="web"),
            Route(METRICS_PATH, lambda request: Response(**metrics.exposition())),
            Route("/v1/{path:path}", api, methods=ALL_METHODS),
            Route("/{path:path}", not_found, methods=ALL_METHODS),
        ]
    )
