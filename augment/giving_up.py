"""What `ChatCaller` says when a request has used every attempt: the run's stop message
(`ChatCaller.fatal`), or None where the run goes on without that request."""

from genreclf.augment.transport import cause_text

# Retried failures that stop the run when a request exhausts its attempts on them
# before any request has succeeded.
SERVER_TROUBLE = ("5xx", "429", "timeout", "408", "409", "dropped")
HTTP_CAUSES = ("5xx", "429", "408", "409")  # retried HTTP errors: the server said something


def retries_used_up(caller, cause, connection_error, said):
    """The stop message for a request whose last attempt failed with `cause` (a
    `connection_error` for "connection"; `said`: `(kind, text)` of its last HTTP error
    reply, or None), or None.

    Example:

    >>> from types import SimpleNamespace as Caller
    >>> caller = Caller(base_url="http://h/v1", max_attempts=2, answered=True)
    >>> caller.stats = Caller(succeeded=1, retries={"5xx": 1})
    >>> retries_used_up(caller, "5xx", None, ("http_500", "busy"))  # (one succeeded: go on)
    >>> caller.stats.succeeded = 0
    >>> retries_used_up(caller, "5xx", None, ("http_500", "busy"))[:61]
    'http://h/v1 failed all 2 attempts of a request (the last: 5xx'
    """
    server = caller.base_url or "the OpenAI API"
    if cause == "connection" and not caller.answered:
        return (
            f"could not connect to {server} in {caller.max_attempts} attempts "
            f"({cause_text(connection_error)}); check --base-url and that the server "
            "is running"
        )
    if cause not in SERVER_TROUBLE or caller.stats.succeeded:
        return None
    # Every attempt of a request failed and none ever succeeded (an out-of-quota
    # 429, a server down behind its proxy): stop, not every row's retries.
    last = cause
    if cause in HTTP_CAUSES and said is not None:
        last += f", the server said ({said[0]}): {said[1]}"
    elif cause == "dropped" and connection_error is not None:
        last += f": {cause_text(connection_error)}"
    check = "the server (its log, --model, your quota)"
    if not caller.answered and cause == "timeout":  # no reply in time: slow, not wrong
        check = (
            f"--timeout (now {caller.timeout:g} s; no reply has come in time: a local server "
            "may still be loading its model), then " + check
        )
    elif not caller.answered:  # not one HTTP reply: perhaps no HTTP server (a TLS port)
        check = (
            "--base-url (not one whole HTTP reply has come from it: is it an OpenAI-compatible "
            "server's /v1, and http:// or https:// as that port speaks?), then " + check
        )
    retries = ", ".join(f"{k} x{n}" for k, n in sorted(caller.stats.retries.items()))
    return (
        f"{server} failed all {caller.max_attempts} attempts of a request (the "
        f"last: {last}; retries of all requests so far: {retries}) "
        f"and has not answered one yet; check {check} and rerun: answers already "
        "received are not paid again"
    )
