"""The REST side of the local server: Starlette app, body cap, threads, web page.

Routes:

* `/v1/...`: TF Serving's REST API (`serving.server.rest_api.RestApiHandler`),
  every method; the handler runs in a thread pool so model calls run
  concurrently and never block the event loop.
* `/`: the web page (`serving/web/index.html`); `/web/...` its static files;
  `/web/models.json` the served models (TF Serving has no list-models call).
* anything else: 404, as TF Serving (libevent) answers.

Request bodies over `max_body_bytes` are refused with HTTP 413 and a TF-style
`{"error": ...}` body before the model sees them. TF Serving itself sets no
limit (libevent answers 413 when one is set).
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

from genreclf.serving.server.json_values import error_response
from genreclf.serving.server.rest_api import API_PATH
from genreclf.serving.server.rest_api import RestApiHandler

WEB_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "web")
ALL_METHODS = ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"]


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


def create_app(store, executor, max_body_bytes):
    """The Starlette app serving TF Serving's REST API and the web page.

    Args:
        store: the `ModelStore`.
        executor: a `concurrent.futures` executor for request handling.
        max_body_bytes: the largest request body accepted.

    Returns:
        A Starlette app (serve it with uvicorn).

    Example:

    >>> from concurrent.futures import ThreadPoolExecutor
    >>> app = create_app(store, ThreadPoolExecutor(4), 8 << 20)  # doctest: +SKIP
    """
    handler = RestApiHandler(store)

    async def api(request):
        path = request.url.path
        if request.url.query:
            path += "?" + request.url.query  # TF Serving matches path and query
        if not API_PATH.fullmatch(path):
            return Response("Not Found", status_code=404, media_type="text/plain")
        try:
            body = await read_body(request, max_body_bytes)
        except BodyTooLarge as err:
            message = (
                f"Request body of {err.args[0]} bytes is larger than the server's limit of "
                f"{max_body_bytes} bytes. Send fewer instances per request, or start the "
                "server with a larger --max-body-bytes."
            )
            return Response(error_response(message), status_code=413, media_type="application/json")
        loop = asyncio.get_running_loop()
        code, text = await loop.run_in_executor(
            executor, handler.process, request.method, path, body
        )
        return Response(text, status_code=code, media_type="application/json")

    async def index(request):
        return FileResponse(os.path.join(WEB_DIR, "index.html"), media_type="text/html")

    async def models(request):
        return JSONResponse(store.models())

    routes = [
        Route("/", index, methods=["GET", "HEAD"]),
        Route("/web/models.json", models, methods=["GET"]),
        Mount("/web", app=StaticFiles(directory=WEB_DIR), name="web"),
        Route("/{path:path}", api, methods=ALL_METHODS),
    ]
    return Starlette(routes=routes)

