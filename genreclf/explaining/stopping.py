"""`should_stop`: how a caller stops an explanation it no longer wants.

An explanation of a long text can take minutes (a forward and a backward pass
per integrated-gradients step and label). `Explainer.explain` and
`IntegratedGradients.attribute` take `should_stop`, a function of no
arguments: it is asked before each text and between passes through the model
(and, run eagerly, between the labels of a pass), and once it answers True the
call raises `ExplanationStopped` instead of finishing. The local server passes
a `threading.Event`'s `is_set` and sets the event when the client of a
`POST /web/explain/...` closes its connection, so the one explanation it runs at
a time stops within a pass rather than holding its slot to the end.
"""

from genreclf.errors import ConfigError
from genreclf.errors import GenreclfError


class ExplanationStopped(GenreclfError):
    """An explanation stopped before it finished because its `should_stop` answered True.

    Example:

    >>> import threading
    >>> stop = threading.Event()
    >>> stop.set()
    >>> stop_if_asked(stop.is_set)
    Traceback (most recent call last):
    ...
    genreclf.explaining.stopping.ExplanationStopped: The explanation was stopped: its should_stop() returned True.
    """


def check_should_stop(should_stop):
    """Returns `should_stop`: None or a function of no arguments; else a `ConfigError`.

    Example:

    >>> check_should_stop(None) is None
    True
    >>> check_should_stop(True)
    Traceback (most recent call last):
    ...
    genreclf.errors.ConfigError: should_stop must be None or a function ... Received: should_stop=True. ...
    """
    if should_stop is None or callable(should_stop):
        return should_stop
    raise ConfigError(
        "should_stop must be None or a function of no arguments that returns True to stop. "
        f"Received: should_stop={should_stop!r}. Pass e.g. a threading.Event's is_set "
        "(not the event itself)."
    )


def stop_if_asked(should_stop):
    """Raises `ExplanationStopped` when `should_stop` (None: never) returns True.

    Example:

    >>> stop_if_asked(None)
    >>> stop_if_asked(lambda: False)
    """
    if should_stop is not None and should_stop():
        raise ExplanationStopped("The explanation was stopped: its should_stop() returned True.")
