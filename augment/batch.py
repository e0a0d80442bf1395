"""`run_batch`, `send_through_batch`: big jobs through the Batch API (half price, up to 24 h).

The requests go up as one JSONL file (`custom_id` = cache key), one batch is
created, polled until it ends, and every successful result is appended to
the response cache, exactly as the direct path does. The state is saved
beside the cache (`<cache>.batches.json`): the uploaded file's id before the
batch is created, the batch's id right after, so a process killed while
waiting resumes polling the same batch instead of paying for a second one,
and one killed between the two finds its batch among the server's by that
file id.
"""

import asyncio
import dataclasses
import json
import logging
import os

from genreclf.augment.batch_failures import GONE
from genreclf.augment.batch_failures import BatchAPIError
from genreclf.augment.batch_failures import api_failure
from genreclf.augment.batch_failures import batch_api_failure
from genreclf.augment.batch_failures import batch_gone
from genreclf.augment.batch_failures import batch_not_here
from genreclf.augment.replies import without_lone_surrogates

logger = logging.getLogger("genreclf.augment")

OPEN = ("validating", "in_progress", "finalizing", "cancelling")
CREATING = "creating"  # saved state: the file is uploaded, the batch maybe not created
BATCH_DISCOUNT = 0.5  # Batch API tokens cost half the standard price


@dataclasses.dataclass
class BatchStats:
    """What a batch job did."""

    batch_id: str = None
    status: str = None
    submitted: int = 0
    succeeded: int = 0
    failed: int = 0
    resumed: bool = False
    input_tokens: int = 0
    output_tokens: int = 0


def _state_path(cache_path):
    return str(cache_path) + ".batches.json"


def _load_state(path):
    if not os.path.exists(path):
        return []
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def _save_state(path, state):
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(state, f, indent=1)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


async def run_batch(
    client, model, pending, store, *, poll_interval=30.0, max_wait=None, metadata=None
):
    """Sends `pending` `(request, key)` pairs as one batch; caches the results.

    Args:
        client: an `openai.AsyncOpenAI`.
        model: the model name.
        pending: `(prompts.Request, key)` pairs not in the cache yet.
        store: the `ResponseCache`.
        poll_interval: seconds between status checks.
        max_wait: stop waiting after this many seconds (the batch keeps
            running server-side; a rerun resumes it), or `None`.
        metadata: dict attached to the batch.

    Returns:
        A `BatchStats`.

    Example:

    >>> # stats = await run_batch(client, "gpt-4o-mini", pending, cache)
    """
    stats = BatchStats()
    state_path = _state_path(store.path)
    os.makedirs(os.path.dirname(os.path.abspath(state_path)), exist_ok=True)  # before paying
    state = _load_state(state_path)
    wanted = {k for _, k in pending}
    for record in state:
        if record["status"] == CREATING and set(record["keys"]) & wanted:
            await _find_created(client, record)
    state = [b for b in state if b["status"] != CREATING]  # never created: send anew
    open_batch = next((b for b in state if b["status"] in OPEN and set(b["keys"]) & wanted), None)
    if open_batch is not None:
        stats.resumed = True
        batch_id = open_batch["id"]
        logger.info("resuming batch %s (%d requests)", batch_id, len(open_batch["keys"]))
    else:
        if not pending:
            return stats
        lines = []
        for request, key in pending:
            body = {"model": model, "messages": request.messages, **request.params}
            lines.append(
                json.dumps(
                    {
                        "custom_id": key,
                        "method": "POST",
                        "url": "/v1/chat/completions",
                        "body": body,
                    }
                )
            )
        data = ("\n".join(lines) + "\n").encode("utf-8")
        uploaded = await client.files.create(file=("augment_batch.jsonl", data), purpose="batch")
        open_batch = {
            "id": None,
            "status": CREATING,
            "input_file_id": uploaded.id,
            "keys": [k for _, k in pending],
        }
        state.append(open_batch)
        _save_state(state_path, state)
        batch = await client.batches.create(
            input_file_id=uploaded.id,
            endpoint="/v1/chat/completions",
            completion_window="24h",
            metadata=metadata or {"tool": "genreclf augment"},
        )
        batch_id = open_batch["id"] = batch.id
        open_batch["status"] = batch.status
        _save_state(state_path, state)
        logger.info("created batch %s with %d requests", batch_id, len(pending))
    stats.batch_id = batch_id
    stats.submitted = len(open_batch["keys"])
    by_key = {k: r for r, k in pending}

    import openai

    try:
        batch, waited = await _wait(client, batch_id, poll_interval, max_wait)
        stats.status = batch.status
        if batch.status in OPEN:
            logger.info("batch %s still %s; rerun later to collect it", batch_id, batch.status)
            return stats
        await _collect(client, batch, model, by_key, store, stats)
    except openai.NotFoundError as e:
        # Expired, or made with another key or server: polled again, it never ends. Unless
        # the server answers no Batch API at all (a wrong --base-url): then nothing changes.
        server = str(getattr(client, "base_url", None) or "the server").rstrip("/")
        listing = await batch_api_failure(client)
        if listing is not None:
            not_here = batch_not_here(e, open_batch, state_path, server, listing)
            raise BatchAPIError(not_here) from None
        was, open_batch["status"] = open_batch["status"], GONE
        _save_state(state_path, state)
        anew = sum(1 for k in open_batch["keys"] if k not in store)  # (some may be cached)
        raise BatchAPIError(batch_gone(e, open_batch, was, state_path, server, anew)) from None
    open_batch["status"] = batch.status
    _save_state(state_path, state)
    held = set(open_batch["keys"])
    rest = [(r, k) for r, k in pending if k not in held]
    if stats.resumed and rest:
        # A rerun that plans more than the batch it resumed (a higher --target-count,
        # more genres): the rest go in a batch of their own, not left missing.
        logger.info("%d requests were not in batch %s: sending them", len(rest), batch_id)
        left = None if max_wait is None else max(max_wait - waited, 0.0)
        more = await run_batch(
            client,
            model,
            rest,
            store,
            poll_interval=poll_interval,
            max_wait=left,
            metadata=metadata,
        )
        stats = _joined(stats, more)
    return stats


async def _wait(client, batch_id, poll_interval, max_wait):
    """`(batch, seconds waited)`: the batch once it has ended, or still open after
    `max_wait` seconds."""
    waited = 0.0
    while True:
        batch = await client.batches.retrieve(batch_id)
        if batch.status not in OPEN or (max_wait is not None and waited >= max_wait):
            return batch, waited
        await asyncio.sleep(poll_interval)
        waited += poll_interval


async def _collect(client, batch, model, by_key, store, stats):
    """Caches an ended batch's results, counting them in `stats`."""
    if batch.output_file_id:
        content = await client.files.content(batch.output_file_id)
        for line in content.text.splitlines():
            if not line.strip():
                continue
            try:
                key, entry = _result_entry(json.loads(line), model, by_key)
                known = key in store
            except (ValueError, AttributeError, TypeError, IndexError):
                # No result (a line cut off, another shape): a rerun asks its request again.
                stats.failed += 1
                logger.warning("batch %s: an output line is no result: %.80s", batch.id, line)
                continue
            if known:  # (answered already)
                continue
            if entry is None:  # the request failed at the Batch API
                stats.failed += 1
                continue
            store.put(entry)  # (a write that fails stops the run: the batch stays open)
            stats.succeeded += 1
            stats.input_tokens += entry["usage"][0]
            stats.output_tokens += entry["usage"][1]
    if batch.error_file_id:
        errors = await client.files.content(batch.error_file_id)
        stats.failed += sum(1 for line in errors.text.splitlines() if line.strip())


def _joined(resumed, more):
    """The `BatchStats` of a resumed batch and of the batch sent after it, as one."""
    return BatchStats(
        batch_id=f"{resumed.batch_id}, {more.batch_id}",
        status=more.status,
        submitted=resumed.submitted + more.submitted,
        succeeded=resumed.succeeded + more.succeeded,
        failed=resumed.failed + more.failed,
        resumed=True,
        input_tokens=resumed.input_tokens + more.input_tokens,
        output_tokens=resumed.output_tokens + more.output_tokens,
    )


def refuse_while_open(cache_path, keys):
    """Refuses to send `keys` one by one while a batch holding some of them is open.

    Such a batch is paid for once the Batch API finishes it; sending its
    requests again would pay twice. A `--batch` rerun collects it (and
    records a batch cancelled on the server, so the next run sends what it
    left).

    Raises:
        ConfigError: a batch saved in `<cache>.batches.json` holds some of
            `keys` and was open (or being created) when last seen.

    Example:

    >>> import tempfile, os
    >>> refuse_while_open(os.path.join(tempfile.mkdtemp(), "cache.jsonl"), ["k1"])
    """
    from genreclf.errors import ConfigError

    path = _state_path(cache_path)
    wanted = set(keys)
    for record in _load_state(path):
        held = wanted & set(record["keys"])
        if held and record["status"] in (*OPEN, CREATING):
            name = record["id"] or f"from file {record['input_file_id']}"
            raise ConfigError(
                f"Expected no open batch holding the requests to send. Received: "
                f"{len(held)} of them are in batch {name} ({record['status']} when last "
                f"seen, recorded in {path}), which is paid for when it finishes; sending "
                "them one by one would pay twice. Rerun with --batch (batch=True) to "
                "collect it (--batch-max-wait to wait for it). If it was cancelled on "
                "the server, a --batch rerun records that and the next run sends what "
                "it left."
            )


async def _find_created(client, record):
    """Fills in `record` (saved before its batch was created) from the server's batch
    created from its file, if there is one (the process died right after creating it)."""
    async for batch in client.batches.list(limit=100):
        if batch.input_file_id == record["input_file_id"]:
            record["id"], record["status"] = batch.id, batch.status
            logger.info("found batch %s created before the process stopped", batch.id)
            return


def _result_entry(result, model, by_key):
    """`(key, cache entry)` of one output line's `result`; the entry None for a request
    that failed at the Batch API."""
    key = result.get("custom_id")
    response = result.get("response") or {}
    body = response.get("body") or {}
    if result.get("error") or response.get("status_code") != 200:
        return key, None
    choice = (body.get("choices") or [{}])[0]
    message = choice.get("message") or {}
    request = by_key.get(key)
    usage = _usage(body.get("usage"), request)
    entry = {
        "key": key,
        "model": model,
        "batch": True,
        "id": body.get("id"),
        "request_id": response.get("request_id"),
        "content": without_lone_surrogates(message.get("content")),
        "refusal": without_lone_surrogates(message.get("refusal")),
        "finish_reason": choice.get("finish_reason"),
        "usage": usage,
    }
    if request is not None:
        entry.update(
            genre=request.genre,
            labels=request.labels,
            index=request.index,
            prompt_hash=request.prompt_hash,
        )
    return key, entry


def _usage(reported, request):
    """A result's `[prompt_tokens, completion_tokens]` as `ChatCaller` reads them: the
    reported counts, else (none, or counts that are no counts: text, negative, absurd)
    the request's worst case, as the budget reserved it (0 for a request not planned)."""
    from types import SimpleNamespace

    from genreclf.augment.replies import usage_counts

    reported = reported if isinstance(reported, dict) else {}
    counts = usage_counts(
        SimpleNamespace(usage=SimpleNamespace(**{k: reported.get(k) for k in USAGE_KEYS}))
    )
    if counts is not None:
        return list(counts)
    return [0, 0] if request is None else list(_worst_case(request))


def _worst_case(request):
    """`(prompt_tokens, completion_tokens)` a request may cost at most, as the budget
    reserves it."""
    from genreclf.augment.prompts import estimate_input_tokens

    return estimate_input_tokens(request), int(request.params.get("max_tokens", 0))


USAGE_KEYS = ("prompt_tokens", "completion_tokens")


async def send_through_batch(
    caller, model, pending, store, price, budget_usd, budget_tokens, poll_interval, max_wait, prior
):
    """`generate`'s Batch API path: `run_batch` on the `pending` requests its budget admits
    at batch prices, its outcome recorded in `caller`'s budget and stats.

    Args:
        caller: the run's `ChatCaller` (its client; its budget and stats get the outcome).
        price: the model's standard `Price`, or None.
        prior: the usage earlier runs of the job recorded, counted against the budget.
        model, pending, store, budget_usd, budget_tokens, poll_interval, max_wait: as
            `run_batch` and `generate` take them.
    """
    from genreclf.augment.budget import Budget
    from genreclf.augment.prices import Price

    if price is not None:
        price = Price(price.input * BATCH_DISCOUNT, price.output * BATCH_DISCOUNT)
    budget = Budget(max_usd=budget_usd, max_tokens=budget_tokens, price=price)
    budget.count_prior(*prior)
    fit = []
    for request, key in pending:
        if not budget.reserve(*_worst_case(request)):
            break
        fit.append((request, key))
    import openai

    try:
        stats = await run_batch(
            caller._get_client(), model, fit, store, poll_interval=poll_interval, max_wait=max_wait
        )
    except openai.APIError as e:  # (was a traceback: openai.NotFoundError, ...)
        raise BatchAPIError(api_failure(e, caller.base_url or "the OpenAI API")) from None
    caller.budget.exhausted = len(fit) < len(pending)
    caller.budget.settle((0, 0), (stats.input_tokens, stats.output_tokens))
    if price is not None:  # settle() priced at the standard rate
        caller.budget.spent_usd = price.cost(stats.input_tokens, stats.output_tokens)
    caller.stats.sent += stats.submitted
    caller.stats.succeeded += stats.succeeded
    if stats.failed:
        caller.stats.failed["batch_failed"] += stats.failed
    return stats
