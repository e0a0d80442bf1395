"""`run_coroutine`: run a coroutine to completion from synchronous code.

`asyncio.run` refuses to start inside a running event loop (a Jupyter
notebook has one), so the synchronous entry points (`augment.generate`,
`genreclf.label`'s LLM stage) run the coroutine in a thread of its own there.

Example:

>>> async def answer():
...     return 42
>>> run_coroutine(answer())
42
"""

import asyncio
import threading


def run_coroutine(coro):
    """Runs `coro` and returns its result (its exception is re-raised here)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    box = {}

    def runner():
        try:
            box["result"] = asyncio.run(coro)
        except BaseException as e:  # re-raised in the caller's thread
            box["error"] = e

    thread = threading.Thread(target=runner)
    thread.start()
    thread.join()
    if "error" in box:
        raise box["error"]
    return box["result"]
