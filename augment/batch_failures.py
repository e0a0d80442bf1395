"""What `--batch` says when a Batch or Files API call fails (`BatchAPIError`)."""

from genreclf.errors import GenreclfError

GONE = "gone"  # saved state: the server no longer knows the batch (404): never resumed


class BatchAPIError(GenreclfError):
    """A Batch or Files API call failed (the server has no Batch API, or failed)."""


def _call(error):
    request = getattr(error, "request", None)
    return f"{request.method} {request.url.path}" if request is not None else "a call"


def api_failure(error, server):
    """One line: which Batch/Files API call failed at `server`, how, and what to do.

    "Leave --batch out" is said for a 404 (405, 501) creating or listing files or
    batches, as a server without the Batch API answers; a 404 for one recorded batch
    is `batch_gone`'s.
    """
    import openai

    from genreclf.augment.transport import server_said

    if isinstance(error, openai.APIStatusError):
        what = f"HTTP {error.status_code}: {server_said(error)}"
    else:
        what = f"{type(error).__name__}: {error}"
    if getattr(error, "status_code", None) in (404, 405, 501):
        fix = (
            "--batch needs a server with the Batch and Files APIs (api.openai.com); "
            "leave --batch out for one without them"
        )
    else:
        fix = "rerun with --batch: a batch the server created is collected, not sent again"
    return f"the Batch API at {server} failed ({_call(error)}: {what}); {fix}"


def batch_gone(error, record, was, state_path, server):
    """One line for a recorded batch (`record`, `was` its status before) that `server`
    answered 404 for (reading it or its results), now recorded as `GONE`."""
    from genreclf.augment.transport import server_said

    return (
        f"batch {record['id']}, recorded in {state_path}, is unknown to {server} "
        f"({_call(error)}: HTTP {error.status_code}: {server_said(error)}): it expired, "
        "or was made with another API key or --base-url. It is now recorded there as "
        f"{GONE!r}, so the next run sends its {len(record['keys'])} requests anew, with "
        "or without --batch (those the batch answered were paid for). To collect it "
        f'instead, set its "status" back to "{was}" in that file and rerun with --batch '
        "and the key and --base-url that made it."
    )
