"""When a repeated eager computation should run as a traced graph from then on.

An explainer runs the same computation once per text. Eagerly, a small model's
whole attribution costs less than tracing it; a BiLSTM steps through its
tokens in Python and takes seconds per synopsis, where traced it takes a
fraction (`bench/RESULTS.md`). `TraceWhenSlow` times the eager calls and
switches once one of them is slow. The first call does not decide: it also
builds what a model builds once (a tokenizer's graph). Both `Explainer`'s
shown scores and `IntegratedGradients`' passes use it, each with its own bar.
"""

import contextlib
import time


class TraceWhenSlow:
    """Times eager calls; `traced` is set once a call other than the first took over a bar.

    Example:

    >>> switch = TraceWhenSlow()
    >>> with switch.timing(slower_than=0.0):
    ...     pass  # the first call builds what a model builds once: it does not decide
    >>> switch.traced
    False
    >>> with switch.timing(slower_than=0.0):
    ...     pass
    >>> switch.traced
    True
    """

    def __init__(self):
        self.traced = False
        self.eager_calls = 0

    @contextlib.contextmanager
    def timing(self, slower_than):
        """Times one eager call; a call after the first that took over `slower_than` seconds sets `traced`.

        The bar is given per call, so a module constant read at call time
        (`TRACE_AFTER_SECONDS`) can be changed for a session or a test.
        """
        began = time.perf_counter()
        yield
        self.eager_calls += 1
        if self.eager_calls > 1 and time.perf_counter() - began > slower_than:
            self.traced = True
