"""`wait_for`: polls a condition a server reaches in its own time (a load, a poll, a warning).

Deadlines are generous (a slow 2-core CI), and a test asserts the result, so a
condition never reached fails with the server's log rather than hanging.
"""

import time


def wait_for(predicate, timeout=120.0, interval=0.2):
    """True once `predicate()` is, polling every `interval` seconds; False after `timeout`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return False
