"""`LLMLabeller`: sends the rows the cheap stages left to an `LLMStage`, cached and budgeted.

The calls go through `genreclf.augment`'s `ChatCaller` (retries, bounded
concurrency), `Budget` and `ResponseCache`: a response is fsynced to the
cache before its request gives up its concurrency slot, and its row appended
to the output, so a rerun after `kill -9` pays again for at most
`concurrency` requests: those in flight.
"""

import collections
import logging

from genreclf.augment.prompts import estimate_input_tokens
from genreclf.labelling.cascade import labelled
from genreclf.labelling.cascade import unlabelled

logger = logging.getLogger("genreclf.labelling")


class LLMLabeller:
    """The cascade's LLM stage, with its client, budget and cache.

    Args:
        stage: the `LLMStage` (prompts and answers).
        cache: the response cache path (JSONL; default `<out>.llm-cache.jsonl`).
        base_url, api_key, concurrency, timeout, max_attempts, backoff_base:
            see `genreclf.augment.client.ChatCaller`.
        budget_usd, budget_tokens: hard caps on what this run spends.
        prices: a price table for `budget_usd` (see `genreclf.augment.prices`).
        few_shot: examples per prompt, drawn from the most confident rows
            the cheap stages labelled (at most one per genre first).

    Example:

    >>> from genreclf.labelling.genre_spec import Genre
    >>> from genreclf.labelling.llm_stage import LLMStage
    >>> labeller = LLMLabeller(LLMStage([Genre("horror")], "gpt-4o-mini"),
    ...                        base_url="http://127.0.0.1:9/v1", cache="c.jsonl")
    >>> labeller.few_shot
    4
    """

    def __init__(
        self,
        stage,
        cache=None,
        base_url=None,
        api_key=None,
        concurrency=8,
        timeout=60.0,
        max_attempts=6,
        backoff_base=1.0,
        budget_usd=None,
        budget_tokens=None,
        prices=None,
        few_shot=4,
    ):
        from genreclf.setting import number
        from genreclf.setting import whole

        # Checked before the cheap stages run: a timeout of 0 hung, nan failed every request.
        whole(1).check("concurrency", concurrency, fix="Pass e.g. --concurrency 8.")
        number(above=0).check("timeout", timeout, fix="Pass e.g. --timeout 60 (seconds).")
        whole(0).check("few_shot", few_shot, fix="Pass e.g. --few-shot 4, or 0 for none.")
        self.stage = stage
        self.cache = cache
        self.base_url = base_url
        self.api_key = api_key
        self.concurrency = int(concurrency)
        self.timeout = float(timeout)
        self.max_attempts = int(max_attempts)
        self.backoff_base = float(backoff_base)
        self.budget_usd = budget_usd
        self.budget_tokens = budget_tokens
        self.prices = prices
        self.few_shot = int(few_shot)
        self._budget()  # a cap that allows no request fails here, before the cheap stages run
        if cache is not None:  # likewise a cache that cannot be appended to
            from genreclf.augment.file_paths import check_file_path

            check_file_path(
                cache, "cache", what="the LLM response cache", example="llm-cache.jsonl"
            )

    def examples(self, rows):
        """`(text, labels)` few-shot pairs from confidently labelled rows (deterministic)."""
        candidates = [r for r in rows if r.get("stage") not in (None, "llm") and r.get("labels")]
        candidates.sort(key=lambda r: (-float(r["confidence"]), str(r["id"])))
        picked, genres = [], set()
        for r in candidates:  # the best row of each genre first
            if len(picked) < self.few_shot and r["labels"][0] not in genres:
                picked.append(r)
                genres.add(r["labels"][0])
        for r in candidates:
            if len(picked) >= self.few_shot:
                break
            if r not in picked:
                picked.append(r)
        picked.sort(key=lambda r: str(r["id"]))
        return [(r["text"], list(r["labels"])) for r in picked]

    def _budget(self):
        from genreclf.augment.client import Budget
        from genreclf.augment.prices import load_prices

        # The price whenever one is known: the summary's dollars spent need it too.
        price = load_prices(self.prices).get(self.stage.model)
        return Budget(max_usd=self.budget_usd, max_tokens=self.budget_tokens, price=price)

    async def label(self, rows, confident, store):
        """Labels `rows` through the LLM, appending each to `store`; returns call stats.

        The stats: `rows`, `cached`, `sent`, `succeeded`, `failed`, `retries`,
        `spent_usd`, `spent_tokens`, `stopped`, `error`, `server`, and `answered`
        (rows with an answer, from this run or the cache), `refused` (answers that
        were refusals) and `all_refused` (rows were answered and every answer was a
        refusal: the LLM labelled nothing).

        The response cache is held (`genreclf.output_lock`) while the rows are
        labelled: a second job appending to the same cache would pay for the
        requests this one is paying for.
        """
        from genreclf.output_lock import output_lock

        cache_path = self.cache or store.path + ".llm-cache.jsonl"
        with output_lock(cache_path, "genreclf label (its LLM cache)"):
            return await self._label(rows, confident, store, cache_path)

    async def _label(self, rows, confident, store, cache_path):
        import asyncio

        from genreclf.augment.cache import ResponseCache
        from genreclf.augment.client import ChatCaller

        try:
            import openai  # noqa: F401
        except ImportError:
            from genreclf.errors import ConfigError

            raise ConfigError(
                "The LLM stage (--llm) needs the openai client. Install it: "
                "pip install 'genreclf[augment]'."
            ) from None

        examples = self.examples(confident)
        cache = ResponseCache(cache_path)
        budget = self._budget()
        # The caps are the job's: what earlier runs paid for this output's rows counts.
        job = {row["id"] for row in rows} | set(store.rows)
        budget.count_prior(*cache.recorded_usage(lambda entry: entry.get("row_id") in job))
        caller = ChatCaller(
            self.stage.model,
            base_url=self.base_url,
            api_key=self.api_key,
            concurrency=self.concurrency,
            timeout=self.timeout,
            max_attempts=self.max_attempts,
            backoff_base=self.backoff_base,
            budget=budget,
        )
        counts = collections.Counter()

        async def one(row):
            request = self.stage.request(row["id"], row["text"], examples)
            key = request.key(self.stage.model)
            entry = cache.get(key)
            if entry is not None and not self.stage.unusable_reason(entry):
                counts["cached"] += 1
            else:
                about = {
                    "key": key,
                    "model": self.stage.model,
                    "row_id": row["id"],
                    "prompt_hash": request.prompt_hash,
                }

                async def keep(response):
                    await cache.aput({**about, **response})

                response = await caller.call(
                    request,
                    estimate_input_tokens(request),
                    check=self.stage.unusable_reason,
                    keep=keep,
                    lost=lambda usage: cache.put_charge(about, usage),
                )
                if response is None:
                    code = "llm_budget" if caller.stopped == "budget" else "llm_failed"
                    why = caller.fatal or (
                        "the budget was spent" if code == "llm_budget" else "the request failed"
                    )
                    store.write(unlabelled(row, f"LLM: {why}", code=code))
                    return
                entry = cache.get(key)
            counts["answered"] += 1
            provenance = {
                "llm": {
                    "model": entry.get("model", self.stage.model),
                    "prompt_hash": entry.get("prompt_hash", request.prompt_hash),
                    "response_id": entry.get("id"),
                    "request_id": entry.get("request_id"),
                    "cache_key": key,
                    "few_shot": len(examples),
                }
            }
            decision = self.stage.parse(entry.get("content"))
            if decision is None:  # a refusal
                counts["refused"] += 1
                store.write(unlabelled(row, "LLM refused", code="llm_refused", extra=provenance))
                return
            _runner_up(decision, row["tried"])
            row["tried"].append(
                {
                    "stage": "llm",
                    "labels": list(decision.labels),
                    "confidence": decision.confidence,
                    "claimed": decision.claimed,
                }
            )
            if decision.claimed:
                store.write(labelled(row, "llm", decision, self.stage.threshold, provenance))
            else:
                store.write(
                    unlabelled(
                        row,
                        "LLM confidence below its threshold",
                        code="llm_low_confidence",
                        extra=provenance,
                    )
                )

        try:
            await asyncio.gather(*(one(r) for r in rows))
        finally:
            await caller.aclose()
            cache.close()
        stats = caller.stats.to_dict()
        return {
            "rows": len(rows),
            "cached": counts["cached"],
            "sent": stats["sent"],
            "succeeded": stats["succeeded"],
            "failed": stats["failed"],
            "retries": stats["retries"],
            "said": stats["said"],  # what the server's HTTP errors said, by kind
            "spent_usd": round(budget.spent_usd, 6),
            "spent_tokens": budget.spent_tokens,
            "stopped": caller.stopped,
            "error": caller.fatal,
            "server": self.base_url or "the OpenAI API",
            "max_tokens": self.stage.max_tokens,  # an answer's cap (a cut-off answer's)
            # Rows answered (this run or from the cache), and those answered with a refusal
            # (written unlabelled, reason llm_refused: final, not asked again).
            "answered": counts["answered"],
            "refused": counts["refused"],
            "all_refused": counts["answered"] > 0 and counts["refused"] == counts["answered"],
        }


def _runner_up(decision, tried):
    """The LLM has no second choice: the runner-up is the most confident other genre an
    earlier stage proposed."""
    best = None
    for t in tried:
        for label in t["labels"]:
            if label not in decision.labels and (best is None or t["confidence"] > best[1]):
                best = (label, t["confidence"])
    if best is not None:
        decision.runner_up, decision.runner_up_score = best
