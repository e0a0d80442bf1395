"""`stop_on_disconnect`: work in a thread, told to stop when its HTTP client leaves.

An explanation runs in a thread for up to minutes and holds the server's only
explaining slot until it returns. A client that closes its connection (a
browser tab closed) wants no answer, so the route waits for the work *or* the
client's ASGI `http.disconnect` message, whichever comes first: on a disconnect
it sets a `threading.Event` the work asks between its passes through the model
(`Explainer.explain(should_stop=event.is_set)`), then waits for the work to
stop, so that its slot is free once the work is (the slot is released when the
thread's future is done, not when the client leaves).

The message is read with the request's public `receive` as Starlette's own
`StreamingResponse` listens for a disconnect. Once the body has been read, an
ASGI server sends nothing more until the client is gone (uvicorn: the
connection lost, or a half-closed one), so waiting for it costs no polling.
"""

import asyncio
import logging

logger = logging.getLogger("genreclf.serving.server")


async def client_left(request):
    """Returns once the client of `request` has closed its connection (after its body).

    Example:

    >>> class Closed:  # a request whose client has closed the connection
    ...     async def receive(self):
    ...         return {"type": "http.disconnect"}
    >>> asyncio.run(client_left(Closed()))  # at once
    """
    while (await request.receive())["type"] != "http.disconnect":
        pass


async def stop_on_disconnect(request, future, stop):
    """The result of `future` (a `concurrent.futures.Future` of work running in a thread);
    if the client of `request` leaves first, `stop` (a `threading.Event`) is set and the
    work is awaited to its end (which it reaches soon when it asks `stop.is_set`). A
    handler cancelled meanwhile (uvicorn's shutdown grace over) sets `stop` too.

    Args:
        request: the Starlette request, its body already read.
        future: the work, submitted to a thread pool.
        stop: the event the work asks whether to stop.

    Returns:
        What the work returned (the work should answer a client gone as it sees fit).

    Example:

    >>> import threading, types
    >>> from concurrent.futures import ThreadPoolExecutor
    >>> class Closed:  # a request whose client has closed the connection
    ...     url = types.SimpleNamespace(path="/web/explain/genre")
    ...     async def receive(self):
    ...         return {"type": "http.disconnect"}
    >>> stop = threading.Event()
    >>> future = ThreadPoolExecutor(1).submit(lambda: "stopped" if stop.wait(60) else "done")
    >>> asyncio.run(stop_on_disconnect(Closed(), future, stop))
    'stopped'
    """
    work = asyncio.wrap_future(future)
    watch = asyncio.ensure_future(client_left(request))
    try:
        await asyncio.wait({work, watch}, return_when=asyncio.FIRST_COMPLETED)
    except asyncio.CancelledError:  # the server's shutdown grace is over: nobody waits
        stop.set()
        raise
    finally:
        if not watch.done():
            watch.cancel()
    left = watch.done() and not watch.cancelled() and watch.exception() is None
    if left and not work.done():
        stop.set()
        logger.info(
            "Client closed the connection during %s: stopping its work.", request.url.path[:200]
        )
    return await work
