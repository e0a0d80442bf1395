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


async def batch_api_failure(client):
    """How listing the batches of `client`'s server failed, or None where it answers the
    Batch API: a 404 for one batch from a server that does is of that batch, not of a
    wrong --base-url or API key."""
    import openai

    from genreclf.augment.transport import server_said

    try:
        await client.batches.list(limit=1)
    except openai.APIStatusError as e:  # a 404 (no Batch API there), a 401
        return f"{_call(e)}: HTTP {e.status_code}: {server_said(e)}"
    except openai.APIError as e:  # no connection
        return f"{_call(e)}: {type(e).__name__}: {e}"
    return None


def batch_not_here(error, record, state_path, server, listing):
    """One line for a recorded batch (`record`) that `server` answered 404 for, and whose
    Batch API does not answer either (`listing`: how): the state file is left as it was."""
    from genreclf.augment.transport import server_said

    return (
        f"batch {record['id']}, recorded in {state_path}, is unknown to {server} "
        f"({_call(error)}: HTTP {error.status_code}: {server_said(error)}), and {server} "
        f"does not answer the Batch API either ({listing}): is --base-url the "
        "server that made the batch (with its /v1), and is the API key right? Nothing was "
        f"changed in {state_path}: rerun with --batch, the --base-url and the key that made "
        "the batch, to collect it."
    )


def batch_gone(error, record, was, state_path, server, anew):
    """One line for a recorded batch (`record`, `was` its status before) that `server`
    answered 404 for (reading it or its results), now recorded as `GONE`; `anew`: how many
    of its requests are not cached (the next run sends them again)."""
    from genreclf.augment.transport import server_said

    return (
        f"batch {record['id']}, recorded in {state_path}, is unknown to {server} "
        f"({_call(error)}: HTTP {error.status_code}: {server_said(error)}): it expired, "
        "or was made with another API key or --base-url. It is now recorded there as "
        f"{GONE!r}, so the next run sends {anew} of its {len(record['keys'])} requests anew "
        "(those not answered yet), with or without --batch (those the batch answered were "
        f'paid for). To collect it instead, set its "status" back to "{was}" in that file '
        "and rerun with --batch and the key and --base-url that made it."
    )
