"""The REST side of the local server: TF Serving's REST API, the metrics and the web page.

`create_app` routes `/v1/models/NAME[/versions/N | /labels/L]` (`:predict`,
`:classify`, `:regress`, status, `/metadata`; bodies: `json_bytes`, `rest_json`) to a thread
pool; errors are `{"error": "..."}` with TF Serving's HTTP codes, other `/v1/...`
paths a 400, an OPTIONS request under `/v1/` a CORS preflight (`preflight`). Also:
`/monitoring/prometheus/metrics`, the web page (`/`, `/web/...`,
`/web/models.json`, `POST /web/explain/...`), 404 elsewhere. A body over
`max_body_bytes` gets 413, one slower than `body_timeout` 408, one the client
abandons is counted as 499 (nginx's "client closed request"), one that does not
fit in the server's `BodyBudget` of bytes in flight 503 (`Retry-After: 1`), an
explanation asked for while another runs 429 (`Retry-After: 1`) and one
whose client leaves is stopped (`stop_on_disconnect`; counted as 499), a
connection without a complete request head within `header_timeout` is closed,
and one opened beyond `max_connections` gets 503; a `Content-Encoding: gzip` body
is decompressed within `max_body_bytes`. API paths are matched as TF Serving
matches them: its regexes, case-insensitive, on the path and query string as sent
(ASGI `raw_path` and `query_string`), each segment percent-decoded once.
"""

import asyncio
import functools
import json
import logging
import os
import re
import threading
import urllib.parse
from concurrent.futures import ThreadPoolExecutor

from google.protobuf import json_format
from starlette.applications import Starlette
from starlette.endpoints import HTTPEndpoint
from starlette.exceptions import HTTPException
from starlette.responses import FileResponse
from starlette.responses import JSONResponse
from starlette.responses import Response
from starlette.routing import Mount
from starlette.routing import Route
from starlette.staticfiles import StaticFiles

from genreclf.serving.server import json_bytes
from genreclf.serving.server import rest_json
from genreclf.serving.server.body_budget import BodyBudget
from genreclf.serving.server.explain_route import BUSY
from genreclf.serving.server.explain_route import MAX_EXPLAINING
from genreclf.serving.server.explain_route import ExplainRoute
from genreclf.serving.server.metrics import METRICS_PATH
from genreclf.serving.server.request_body import raw_path
from genreclf.serving.server.request_body import read_body
from genreclf.serving.server.status import ServingStatusError
from genreclf.serving.server.status import error_json
from genreclf.serving.server.status import invalid_argument
from genreclf.serving.server.stop_on_disconnect import stop_on_disconnect

logger = logging.getLogger("genreclf.serving.server")
WEB_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "web")
ALL_METHODS = ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"]
MODEL_PATH = r"(?P<name>[^/:]+)(?:/versions/(?P<version>\d{1,18})|/labels/(?P<label>[^/:]+))?"
# TF Serving's regexes (http_rest_api_util.cc), matched against the path and query string
# as sent, case-insensitively; a version must then fit an int64.
_VERSION_OR_LABEL = r"(?:(?:/versions/(?P<version>\d+))|(?:/labels/(?P<label>[^/:]+)))?"
_PREDICTION_API = re.compile(
    rf"/v1/models/(?P<name>[^/:]+){_VERSION_OR_LABEL}:(?P<verb>classify|regress|predict)",
    re.IGNORECASE | re.ASCII,
)
_MODEL_STATUS_API = re.compile(
    rf"/v1/models(?:/(?P<name>[^/:]+))?{_VERSION_OR_LABEL}(?:/(?P<meta>metadata))?",
    re.IGNORECASE | re.ASCII,
)
_API_PATHS = re.compile(r"/v1/.*", re.IGNORECASE | re.ASCII | re.DOTALL)  # TF's dispatcher
_VERBS = ("predict", "classify", "regress")  # compared case-sensitively, as TF Serving does
_INT64_MAX = 2**63 - 1
_PREFLIGHT_ORIGIN = re.compile(r"https?://")  # searched anywhere (RE2::PartialMatch)
_EXPLAIN = re.compile(f"/web/explain/{MODEL_PATH}")


def route(method, path):
    """`(api, name, version, label)` of a REST request, matched as TF Serving matches it
    (`path`: the path and query string as sent, `api_path`): its regexes, case-insensitive,
    with the verb and `metadata` then compared case-sensitively; INVALID_ARGUMENT for a
    malformed one.

    Example:

    >>> route("POST", "/v1/models/genre/versions/2:predict")
    ('predict', 'genre', 2, None)
    >>> route("GET", "/v1/models/genre/labels/stable/metadata")
    ('metadata', 'genre', None, 'stable')
    >>> route("GET", "/V1/Models/my%20genre/METADATA")  # "METADATA" is not "metadata"
    ('status', 'my genre', None, None)
    >>> route("GET", "/v1/models/genre%2Fversions%2F1")
    ('status', 'genre/versions/1', None, None)
    >>> route("GET", "/v1/models/genre?x=1")  # the query is part of the name
    ('status', 'genre?x=1', None, None)
    """
    pattern = {"POST": _PREDICTION_API, "GET": _MODEL_STATUS_API}.get(method)
    match = pattern.fullmatch(path) if pattern is not None else None
    if match is not None:
        spec = model_spec(match)  # TF Serving decodes before it dispatches
        if method == "GET" and not spec[0]:
            raise invalid_argument("Missing model name in request: GET /v1/models/{name}.")
        if method == "GET":
            return ("metadata" if match["meta"] == "metadata" else "status", *spec)
        if match["verb"] in _VERBS:
            return (match["verb"], *spec)
    query = " (TF Serving reads a query string as part of the path: send none)" * ("?" in path)
    raise invalid_argument(
        f"Malformed request: {method} {path}{query}. Expected POST /v1/models/NAME:predict "
        "(or :classify, :regress), GET /v1/models/NAME or GET /v1/models/NAME/metadata."
    )


def preflight(origin):
    """`(http_code, body)` of an OPTIONS request under `/v1/` (a CORS preflight) with the
    Origin header `origin` (None when absent), as TF Serving answers one (http_server.cc,
    `RestApiRequestDispatcher::ProcessRequest`): 200 and no body when the header holds
    `http://` or `https://` anywhere, else FAILED_PRECONDITION (400). No
    `Access-Control-*` headers: TF Serving adds them only with
    `--rest_api_enable_cors_support`, which is off by default.

    Example:

    >>> preflight("https://example.com")
    (200, '')
    >>> preflight(None)[0]
    400
    """
    if origin is not None and _PREFLIGHT_ORIGIN.search(origin):
        return 200, ""
    received = "no Origin header" if origin is None else f"Origin={origin[:200]!r}"
    return 400, error_json(
        "Origin header is missing in CORS preflight. Expected an Origin header holding "
        f"http:// or https:// (as a browser sends one). Received: {received}."
    )


def model_spec(match):
    """`(name, version, label)` of a `MODEL_PATH` match on a raw path, each segment decoded
    once (an encoded "/" splits nothing, "%2572" stays "%72"), as TF Serving does; a
    version beyond int64 is INVALID_ARGUMENT, as in TF Serving.

    Example:

    >>> model_spec(re.fullmatch(MODEL_PATH, "gen%2572e%2Fversions%2F1"))
    ('gen%72e/versions/1', None, None)
    """
    name, label = (match[key] and urllib.parse.unquote(match[key]) for key in ("name", "label"))
    version = match["version"] and int(match["version"])
    if version is not None and version > _INT64_MAX:
        raise invalid_argument(
            f"Failed to convert version: {match['version']} to numeric. Expected a version "
            f"of at most {_INT64_MAX}."
        )
    return name, version, label


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


def api_path(request):
    """The request's path and query string as sent: what TF Serving matches its REST API
    regexes against (`EvHTTPRequest::uri_path` is the path and the query), so
    `GET /v1/models/genre?x=1` asks for a model named "genre?x=1"."""
    query = request.scope.get("query_string") or b""
    path = raw_path(request)
    return f"{path}?{query.decode('utf-8', 'replace')}" if query else path


def _proto_json(message):
    # As TF Serving prints protos: proto field names, default values included.
    options = dict(always_print_fields_with_no_presence=True, preserving_proto_field_name=True)
    return json_format.MessageToDict(message, **options)


def _answer(store, limits, routed, body, call):
    """The JSON answer to a routed API request; tells `call` what it served.

    In TF Serving's order: the body of a predict, classify or regress request is parsed
    (its JSON and `signature_name`; classify's and regress's examples too) before the
    model is looked up, so a malformed body is a 400 even for an unknown model."""
    api, name, version, label = routed
    if api == "status":
        status = store.status(name, version)  # before labelling: only known versions
        call.version = "" if version is None else version
        return json.dumps(_proto_json(status))
    if api == "metadata":
        servable = store.get(name, version, label)
        call.served_by(servable)
        metadata = _proto_json(servable.metadata())
        metadata["metadata"]["signature_def"].pop("@type")
        return json.dumps(metadata)
    doc = json_bytes.parse(body)
    signature_name = rest_json.signature_name(doc)
    if api == "predict":
        servable = store.get(name, version, label)
        call.served_by(servable)
        specs = servable.input_specs(signature_name)
        limits.check_json(doc, inputs=specs)  # the signature's inputs: TF ignores others
        inputs, form = rest_json.predict_inputs(doc, specs, signature_name)
        _, outputs = servable.predict(inputs, signature_name, limits=limits)
        call.predicted_from(outputs, servable.classes)
        return rest_json.predict_response(outputs, form)
    limits.check_json(doc)
    examples, context = rest_json.examples(doc, api)
    servable = store.get(name, version, label)
    call.served_by(servable)
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


def create_app(store, executor, limits, metrics, budget=None, explain_executor=None):
    """The Starlette app over a `ModelStore`, running requests in `executor` (a
    `concurrent.futures` executor) within `Limits`, recording them in `ServingMetrics`;
    request bodies take their bytes from `budget` (a `BodyBudget`, shared with gRPC; by
    default one of `limits.max_body_bytes_in_flight` for this app alone). The web page's
    explanations run in `explain_executor` (by default threads of their own), so that
    API requests never wait behind them.

    Example:

    >>> app = create_app(store, ThreadPoolExecutor(4), Limits(), ServingMetrics())  # doctest: +SKIP
    """
    budget = budget or BodyBudget(limits.max_body_bytes_in_flight)
    # One thread more than may explain at once: a request beyond answers 429 at once.
    explain_executor = explain_executor or ThreadPoolExecutor(
        MAX_EXPLAINING + 1, thread_name_prefix="explain"
    )

    def json_response(code, text):
        headers = {"retry-after": "1"} if code in (429, 503) else None  # an overload: retry
        return Response(text, status_code=code, headers=headers, media_type="application/json")

    def endpoint(api, resolve, answer, path=raw_path, pool=executor, slots=None):
        """An endpoint for the requests `resolve(method, path(request))` routes to `(api,
        name, version, label)` (or refuses: a `ServingStatusError`); it reads the body within
        the limits and the budget, runs `answer(routed, body, call)` in `pool` (holding one
        of `slots`, a semaphore, until it returns: without one free, 429 `BUSY` at once) and
        records the request in the metrics (under `api` until it is routed). With `slots`,
        `answer` also takes `should_stop`, which returns True once the client has left."""

        async def answered(request, routed, body, call):
            if slots is not None and not slots.acquire(blocking=False):
                return 429, error_json(BUSY)
            stop = threading.Event()
            work = answer if slots is None else functools.partial(answer, should_stop=stop.is_set)
            try:
                future = pool.submit(_answered, work, routed, body, call)
            except BaseException:
                if slots is not None:
                    slots.release()
                raise
            if slots is None:
                return await asyncio.wrap_future(future)
            # Released when the work ends: once the client left, it is told to stop.
            future.add_done_callback(lambda _: slots.release())
            return await stop_on_disconnect(request, future, stop)

        async def handle(request):
            call = metrics.start("rest", api)
            try:
                routed = resolve(request.method, path(request))
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
                        code, text = await answered(request, routed, body, call)
            call.finish(code)
            return json_response(code, text)

        return handle

    api = endpoint("", route, functools.partial(_answer, store, limits), path=api_path)
    explain = endpoint(
        "explain",
        explain_route,
        ExplainRoute(store, limits).answer,
        pool=explain_executor,
        slots=threading.BoundedSemaphore(MAX_EXPLAINING),
    )

    async def api_or_not_found(request):
        # TF Serving hands every path matching (?i)/v1/.* (query included) to its API.
        if _API_PATHS.fullmatch(api_path(request)):
            if request.method == "OPTIONS":  # TF Serving answers it before its handler
                call = metrics.start("rest", api="preflight")
                code, text = preflight(request.headers.get("origin"))
                call.finish(code)
                return json_response(code, text) if text else Response(status_code=code)
            return await api(request)
        if request.url.path in ("/", METRICS_PATH):  # their GET routes took no other method
            raise HTTPException(405, headers={"Allow": "GET, HEAD"})
        return json_response(
            404,
            error_json(
                f"No route {request.method} {request.url.path}: the API is under /v1/models/, "
                f"the metrics at {METRICS_PATH} and the web page at /."
            ),
        )

    class Explain(HTTPEndpoint):
        # An endpoint class: its Route takes every method, so another one than POST gets
        # Starlette's 405 (`Allow: POST`) rather than Mount("/web")'s 404 for a file name.
        async def post(self, request):
            return await explain(request)

    async def http_error(request, exc):
        """Starlette's own 404 and 405 (the web files, a method a route does not take),
        as `{"error"}` like every other error of this server."""
        if exc.status_code == 405:
            message = f"Method {request.method} is not allowed on {request.url.path}."
            if (exc.headers or {}).get("Allow"):
                message += f" Allowed: {exc.headers['Allow']}."
        elif exc.status_code == 404:
            message = f"No file or route {request.method} {request.url.path}."
        else:
            message = str(exc.detail)
        return Response(
            error_json(message),
            status_code=exc.status_code,
            headers=exc.headers,
            media_type="application/json",
        )

    page = os.path.join(WEB_DIR, "index.html")
    return Starlette(
        exception_handlers={HTTPException: http_error},
        routes=[
            Route("/", lambda request: FileResponse(page, media_type="text/html")),
            Route("/web/models.json", lambda request: JSONResponse(store.models())),
            Route("/web/explain/{path:path}", Explain),
            Mount("/web", app=StaticFiles(directory=WEB_DIR), name="web"),
            Route(METRICS_PATH, lambda request: Response(**metrics.exposition())),
            Route("/{path:path}", api_or_not_found, methods=ALL_METHODS),
        ],
    )
