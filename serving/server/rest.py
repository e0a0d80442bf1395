"""The REST side of the local server: Starlette app, body cap, threads, metrics, web page.

Routes:

* `/v1/...`: TF Serving's REST API (`serving.server.rest_api`), every method;
  the handler runs in a thread pool so model calls run concurrently and never
  block the event loop. Each request is recorded in the `ServingMetrics`.
* `/monitoring/prometheus/metrics`: the metrics, at TF Serving's path.
* `/`: the web page (`serving/web/index.html`); `/web/...` its static files;
  `/web/models.json` the served models (TF Serving has no list-models call);
  `POST /web/explain/{model}` a text's words (`serving.server.explain_route`).
* anything else: 404.

Request bodies over `max_body_bytes` get HTTP 413 and an `{"error": ...}` body
before the model sees them; a body that does not arrive within `body_timeout`
seconds gets 408; a connection that sends no complete request head within
`header_timeout` seconds (a new or an idle one) is closed (`head_timeout_protocol`).
"""

import asyncio
import os

from starlette.applications import Starlette
from starlette.responses import FileResponse
from starlette.responses import JSONResponse
from starlette.responses import Response
from starlette.routing import Mount
from starlette.routing import Route
from starlette.staticfiles import StaticFiles
from uvicorn.protocols.http.h11_impl import H11Protocol

from genreclf.serving.server.explain_route import explain_endpoint
from genreclf.serving.server.json_values import error_response
from genreclf.serving.server.limits import Limits
from genreclf.serving.server.metrics import METRICS_PATH
from genreclf.serving.server.metrics import ServingMetrics
from genreclf.serving.server.rest_api import RestApiHandler
from genreclf.serving.server.rest_api import route
from genreclf.serving.server.status import ServingStatusError

WEB_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "web")
ALL_METHODS = ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"]


def head_timeout_protocol(header_timeout):
    """uvicorn's h11 protocol, closing connections that send no request head in time.

    uvicorn times out idle keep-alive connections but not a new connection that
    never sends (or trickles) its request line and headers. This protocol arms
    a timer when a connection opens and re-arms it while requests complete: if
    no new request head arrived and none is in flight when it fires, the
    connection is closed.

    Example:

    >>> config = uvicorn.Config(app, http=head_timeout_protocol(10.0))  # doctest: +SKIP
    """

    class HeadTimeoutH11Protocol(H11Protocol):
        _head_timer = None
        _head_cycle = None

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
                return
            self._arm_head_timer()

        def connection_lost(self, exc):
            if self._head_timer is not None:
                self._head_timer.cancel()
            super().connection_lost(exc)

    return HeadTimeoutH11Protocol


class BodyTooLarge(Exception):
    """The request body is over the server's limit."""


async def read_body(request, limit):
    """Reads a request body, refusing it once it passes `limit` bytes."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise BodyTooLarge(int(declared))
    chunks = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge(size)
        chunks.append(chunk)
    return b"".join(chunks)


def create_app(store, executor, limits=None, metrics=None):
    """The Starlette app serving TF Serving's REST API, the metrics and the web page.

    Args:
        store: the `ModelStore`.
        executor: a `concurrent.futures` executor for request handling.
        limits: the server's `Limits` (`max_body_bytes`, `body_timeout`, ...).
        metrics: the `ServingMetrics` to record requests in and to serve.

    Example:

    >>> from concurrent.futures import ThreadPoolExecutor
    >>> app = create_app(store, ThreadPoolExecutor(4))  # doctest: +SKIP
    """
    limits = limits or Limits()
    handler = RestApiHandler(store, limits)
    metrics = metrics or ServingMetrics()

    async def answer(request, call):
        try:
            routed = route(request.method, request.url.path)
        except ServingStatusError as err:
            return err.http_code, error_response(err.message)
        call.api = routed[0]
        try:
            body = await asyncio.wait_for(
                read_body(request, limits.max_body_bytes), limits.body_timeout
            )
        except asyncio.TimeoutError:
            return 408, error_response(
                f"Request body not received within {limits.body_timeout:g} seconds. Send the "
                "whole body promptly, or start the server with a larger --body-timeout."
            )
        except BodyTooLarge as err:
            return 413, error_response(
                f"Request body of {err.args[0]} bytes is larger than the server's limit of "
                f"{limits.max_body_bytes} bytes. Send fewer instances per request, or start the "
                "server with a larger --max-body-bytes."
            )
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(executor, handler.process, routed, body, call)

    async def api(request):
        call = metrics.start("rest")
        code, text = await answer(request, call)
        call.finish(code)
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

    routes = [
        Route("/", index, methods=["GET", "HEAD"]),
        Route("/web/models.json", models, methods=["GET"]),
        Route(
            "/web/explain/{path:path}", explain_endpoint(store, executor, limits), methods=["POST"]
        ),
        Mount("/web", app=StaticFiles(directory=WEB_DIR), name="web"),
        Route(METRICS_PATH, prometheus, methods=["GET"]),
        Route("/v1/{path:path}", api, methods=ALL_METHODS),
        Route("/{path:path}", not_found, methods=ALL_METHODS),
    ]
    return Starlette(routes=routes)
