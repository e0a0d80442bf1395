"""`generate`: plan → prompts → cached calls → filters → provenance-stamped JSONL."""

import asyncio
import collections
import dataclasses
import json
import logging
import os

from genreclf.augment.answers import refused
from genreclf.augment.answers import unusable_reason
from genreclf.augment.cache import ResponseCache
from genreclf.augment.client import Budget
from genreclf.augment.client import ChatCaller
from genreclf.augment.corpus import as_dataset
from genreclf.augment.event_loop import run_coroutine
from genreclf.augment.filters import FilterConfig
from genreclf.augment.filters import filter_rows
from genreclf.augment.generate_result import GenerateResult
from genreclf.augment.plan import plan as make_plan
from genreclf.augment.prompts import PromptBuilder
from genreclf.augment.prompts import clipped_examples
from genreclf.augment.prompts import estimate_input_tokens
from genreclf.augment.prompts import parse_synopses

logger = logging.getLogger("genreclf.augment")


def generate(
    data,
    *,
    out,
    target_count=None,
    min_count=None,
    genres=None,
    model="gpt-4o-mini",
    base_url=None,
    api_key=None,
    concurrency=16,
    timeout=60.0,
    max_attempts=6,
    backoff_base=1.0,
    budget_usd=None,
    budget_tokens=None,
    max_tokens=None,
    per_request=5,
    length_words=80,
    few_shot=3,
    overgenerate=1.2,
    temperature=1.0,
    template=None,
    seed=0,
    cache=None,
    prices=None,
    filters=None,
    predictor=None,
    dedup_against=(),
    batch=False,
    poll_interval=30.0,
    batch_max_wait=None,
    response_format="json_schema",
    **load_args,
):
    """Generates synthetic synopses for rare genres and writes them as JSONL.

    Every response is appended to the cache (`cache`, default
    `<out>.cache.jsonl`) the moment it arrives, so a rerun after a crash or a
    budget stop pays only for what is missing. The output file is rewritten
    from the cache at the end of each run (atomically), deterministic given
    the cache. Each row: `{"id", "text", "labels", "genre", "source":
    "synthetic", "model", "prompt_hash", "cache_key", "request_id",
    "response_id", "created_at"}`. Synthetic rows are for training only:
    `genreclf.train(..., augment=out)` keeps them out of validation and test.

    Args:
        data: the real training data, a `TextDataset` or a file path.
        out: the output JSONL path.
        target_count, min_count, genres, per_request, length_words, few_shot,
            overgenerate, max_tokens, prices: see `augment.plan`.
        model, base_url, api_key, concurrency, timeout, max_attempts,
            backoff_base: see `ChatCaller`.
        budget_usd, budget_tokens: hard caps on this run's spend.
        temperature, template, seed, response_format: see `PromptBuilder`.
        cache: the cache path.
        filters: a `FilterConfig` (or a dict of its fields).
        predictor: optional classifier for the agreement filter.
        dedup_against: more real texts, datasets or data files (validation,
            test) that generated rows must not duplicate.
        batch: send the requests through the Batch API (half price, results
            within 24 h) instead of one call each; see `augment.batch`.
        poll_interval: seconds between batch status checks.
        batch_max_wait: stop waiting for a batch after this many seconds (a
            rerun collects it); `None` waits until it ends.
        **load_args: `text`, `label`, `format`, `sep`, `multi_label`,
            `skip_bad_rows` for `data` (and `dedup_against`).

    Returns:
        A `GenerateResult`.

    Example:

    >>> # with a local OpenAI-compatible server (see augment.fake_server):
    >>> # result = generate("movies.csv", label="genres", target_count=300,
    >>> #                   out="aug.jsonl", base_url="http://127.0.0.1:8000/v1")
    """
    coro = agenerate(**{k: v for k, v in locals().items() if k != "load_args"}, **load_args)
    return run_coroutine(coro)


async def agenerate(data, *, out, **options):
    """The async form of `generate` (same arguments).

    An `out` or `cache` that is a folder, or lies inside a file, is refused
    before anything is read or sent. A second run writing the same `out`, or
    appending to the same response cache, is refused while this one runs (`genreclf.output_lock`): it would
    send the requests this one is sending.
    """
    from genreclf.augment.file_paths import check_file_path
    from genreclf.output_lock import output_lock

    check_file_path(out, "out", what="the output JSONL", example="aug.jsonl")
    if options.get("cache"):
        check_file_path(
            options["cache"], "cache", what="the response cache", example="aug.cache.jsonl"
        )
    options["cache"] = options.get("cache") or str(out) + ".cache.jsonl"
    with output_lock(out, "genreclf augment run"):
        with output_lock(options["cache"], "genreclf augment run"):
            return await _agenerate(data, out=out, **options)


async def _agenerate(
    data,
    *,
    out,
    target_count=None,
    min_count=None,
    genres=None,
    model="gpt-4o-mini",
    base_url=None,
    api_key=None,
    concurrency=16,
    timeout=60.0,
    max_attempts=6,
    backoff_base=1.0,
    budget_usd=None,
    budget_tokens=None,
    max_tokens=None,
    per_request=5,
    length_words=80,
    few_shot=3,
    overgenerate=1.2,
    temperature=1.0,
    template=None,
    seed=0,
    cache=None,
    prices=None,
    filters=None,
    predictor=None,
    dedup_against=(),
    batch=False,
    poll_interval=30.0,
    batch_max_wait=None,
    response_format="json_schema",
    **load_args,
):
    dataset = as_dataset(data, **load_args)
    p = make_plan(
        dataset,
        target_count=target_count,
        min_count=min_count,
        genres=genres,
        model=model,
        per_request=per_request,
        length_words=length_words,
        few_shot=few_shot,
        overgenerate=overgenerate,
        max_tokens=max_tokens,
        prices=prices,
    )
    # The filters' settings and the texts to deduplicate against are read
    # before the first paid request: a mistake in either costs nothing.
    config = filters if isinstance(filters, FilterConfig) else FilterConfig(**(filters or {}))
    corpus = list(dataset.texts)
    # A model may copy an example as the prompt showed it: clipped, a prefix
    # of its row too short to be that row's near duplicate.
    corpus += clipped_examples(dataset.texts)
    for extra in dedup_against:
        corpus += (
            list(extra)
            if isinstance(extra, (list, tuple))
            else list(as_dataset(extra, **load_args).texts)
        )
    builder = PromptBuilder(
        dataset,
        template=template,
        few_shot=few_shot,
        per_request=per_request,
        length_words=length_words,
        temperature=temperature,
        max_tokens=p.max_tokens,
        seed=seed,
        response_format=response_format,
    )
    per_class = [builder.requests(c.label, c.requests) for c in p.classes]
    # Round-robin over genres: a budget stop leaves every genre partly served.
    requests = [r for group in _interleave(per_class) for r in group]
    keys = [r.key(model) for r in requests]

    store = ResponseCache(cache)  # `agenerate` resolved the default
    # Prompts without a usable cached answer are asked (again): an old empty
    # or unparseable answer was paid for but gave nothing.
    pending = [
        (r, k) for r, k in zip(requests, keys) if k not in store or unusable_reason(store.get(k))
    ]
    cached = len(requests) - len(pending)
    logger.info("%d requests planned: %d cached, %d to send", len(requests), cached, len(pending))
    if not batch and pending:
        from genreclf.augment.batch import refuse_while_open

        refuse_while_open(store.path, [k for _, k in pending])

    budget = Budget(max_usd=budget_usd, max_tokens=budget_tokens, price=p.price)
    planned = set(keys)
    prior = store.recorded_usage(lambda entry: entry.get("key") in planned)
    budget.count_prior(*prior)  # earlier runs of this job: the caps are the job's
    if sum(prior) and (budget_usd is not None or budget_tokens is not None):
        logger.info("earlier runs of this job spent %d tokens: counted against the budget",
                    sum(prior))  # fmt: skip
    caller = ChatCaller(
        model,
        base_url=base_url,
        api_key=api_key,
        concurrency=concurrency,
        timeout=timeout,
        max_attempts=max_attempts,
        backoff_base=backoff_base,
        budget=budget,
    )
    done = [0]

    async def one(request, key):
        estimate = estimate_input_tokens(request)
        about = {
            "key": key,
            "model": model,
            "genre": request.genre,
            "labels": request.labels,
            "index": request.index,
            "prompt_hash": request.prompt_hash,
        }

        async def keep(resp):
            await store.aput({**about, **resp})

        resp = await caller.call(
            request,
            estimate,
            check=unusable_reason,
            keep=keep,
            lost=lambda usage: store.put_charge(about, usage),
        )
        if resp is None:
            return
        done[0] += 1
        if done[0] % 50 == 0:
            logger.info("%d/%d responses", done[0], len(pending))

    batch_stats = None
    try:
        if batch:
            from genreclf.augment.batch import send_through_batch

            batch_stats = await send_through_batch(
                caller,
                model,
                pending,
                store,
                p.price,
                budget_usd,
                budget_tokens,
                poll_interval,
                batch_max_wait,
                prior,
            )
            done[0] = batch_stats.succeeded
        else:
            await asyncio.gather(*(one(r, k) for r, k in pending))
    finally:
        await caller.aclose()
        store.close()

    rows, failures, missing = _rows_from_cache(requests, keys, store, model)
    for reason, n in caller.stats.failed.items():
        failures[reason] += n
    kept, summary = filter_rows(rows, corpus, config=config, predictor=predictor)

    per_genre, final = {}, []
    written = collections.Counter()
    for c in p.classes:
        per_genre[c.label] = {"have": c.count, "planned": c.to_add, "written": 0}
    for row in kept:
        if written[row["genre"]] < per_genre[row["genre"]]["planned"]:
            written[row["genre"]] += 1
            final.append(row)
    for g, n in written.items():
        per_genre[g]["written"] = n
    if cached or done[0]:
        _write_jsonl(out, final)
    # else: no response at all (a bad key, every request failed): no file.
    return GenerateResult(
        out=str(out),
        rows=len(final),
        per_genre=per_genre,
        plan=p,
        cached=cached,
        fresh=done[0],
        missing=missing,
        calls=caller.stats.to_dict(),
        failures=dict(failures),
        filters=summary,
        stopped=caller.stopped,
        error=caller.fatal,
        spent_usd=round(budget.spent_usd, 6),
        spent_tokens=budget.spent_tokens,
        batch=None if batch_stats is None else dataclasses.asdict(batch_stats),
    )


def _interleave(groups):
    longest = max((len(g) for g in groups), default=0)
    for i in range(longest):
        yield [g[i] for g in groups if i < len(g)]


def _rows_from_cache(requests, keys, store, model):
    rows, failures, missing = [], collections.Counter(), 0
    for request, key in zip(requests, keys):
        entry = store.get(key)
        if entry is None:
            missing += 1
            continue
        if refused(entry):
            failures["refusal"] += 1
            continue
        if unusable_reason(entry):  # paid but empty: asked again next run
            missing += 1
            continue
        synopses, reason = parse_synopses(entry["content"])
        if reason:
            failures[reason] += 1
            continue
        for j, text in enumerate(synopses):
            rows.append(
                {
                    "id": f"syn-{key[:12]}-{j}",
                    "text": text,
                    "labels": list(entry.get("labels") or request.labels),
                    "genre": request.genre,
                    "source": "synthetic",
                    "model": entry.get("model", model),
                    "prompt_hash": entry.get("prompt_hash", request.prompt_hash),
                    "cache_key": key,
                    "request_id": entry.get("request_id"),
                    "response_id": entry.get("id"),
                    "created_at": entry.get("created_at"),
                }
            )
    return rows, failures, missing


def _write_jsonl(path, rows):
    path = str(path)
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
