"""`GenerateResult`: what one `genreclf augment run` did, spent and wrote."""

import dataclasses
import os


@dataclasses.dataclass
class GenerateResult:
    """What `generate` did.

    Attributes:
        out: the JSONL file written.
        rows: rows written.
        per_genre: `{genre: {"have", "planned", "written"}}`.
        plan: the `Plan` followed.
        cached: responses reused from the cache (not paid again).
        fresh: responses received in this run.
        missing: requests with no response (budget stop or failures).
        calls: `CallStats.to_dict()` of this run.
        failures: `{reason: count}` for responses that gave no rows
            (`refusal`, `malformed_json`, `bad_schema`, `empty`) and requests
            that got no response (`retries_exhausted`, `http_400`, ...).
        filters: the summary of `filter_rows`.
        stopped: `None`, `"budget"` or `"fatal"` (with `error`).
        spent_usd, spent_tokens: usage reported by this run's responses.
    """

    out: str
    rows: int
    per_genre: dict
    plan: object
    cached: int
    fresh: int
    missing: int
    calls: dict
    failures: dict
    filters: dict
    stopped: str = None
    error: str = None
    spent_usd: float = 0.0
    spent_tokens: int = 0
    batch: dict = None

    @property
    def waiting(self):
        """True when the run's batch is still running at the Batch API (rerun to collect it)."""
        from genreclf.augment.batch import CREATING
        from genreclf.augment.batch import OPEN

        return bool(self.batch) and self.batch.get("status") in (*OPEN, CREATING)

    @property
    def all_failed(self):
        """True when requests were planned and not one got a usable answer
        (and none is still coming from a batch)."""
        return self.missing > 0 and self.cached == 0 and self.fresh == 0 and not self.waiting

    @property
    def answered(self):
        """Requests with an answer, from this run or the cache (refusals included)."""
        return self.cached + self.fresh

    @property
    def refused(self):
        """Answers that were refusals (they give no rows, and are cached: not asked again)."""
        return self.failures.get("refusal", 0)

    @property
    def nothing_written(self):
        """True when requests were answered (in this run or from the cache) and not one
        row came of them: every answer was a refusal or unusable, or the filters dropped
        every synopsis. (`all_failed` is the run that got no answer at all; a batch
        still running is neither.) `nothing_written_summary` says why."""
        return self.answered > 0 and self.rows == 0 and not self.waiting

    def nothing_written_summary(self, server="the server"):
        """One line for a run whose answers gave no row: what they were, and what to check."""
        parts = [
            f"{server} answered {self.answered} of {self.plan.total_requests} requests "
            f"({self.fresh} in this run, {self.cached} from the cache) and not one row came "
            "of them"
        ]
        unusable = {k: v for k, v in self.failures.items() if k != "refusal"}
        if self.refused:
            parts.append(
                f"{self.refused} answers were refusals: check --model (one that will write "
                f"these synopses), the genres asked ({', '.join(self.per_genre)}) and the "
                "prompt (--template); a rerun with the same model and prompt reuses the "
                "cached refusals"
            )
        drops = {k: v for k, v in self.filters.get("dropped", {}).items() if v}
        if self.filters.get("input"):
            fixes = []
            if drops.get("refusal"):
                fixes.append(
                    f"{drops['refusal']} were the model declining ('I'm sorry, but I "
                    "can't ...'): check --model, the genres asked and --template"
                )
            if set(drops) - {"refusal"}:
                fixes.append(
                    "check --model, and --min-words/--max-words, --near-dup, "
                    "--no-language-check or --filter-run"
                )
            parts.append(
                f"the filters dropped all {self.filters['input']} synopses"
                + (" of the other answers" if self.refused else "")
                + " ("
                + ", ".join(f"{k} x{v}" for k, v in sorted(drops.items()))
                + "): "
                + "; ".join(fixes)
            )
        if self.missing or unusable:
            parts.append(
                f"{self.missing} requests got no usable answer"
                + (
                    " (" + ", ".join(f"{k} x{v}" for k, v in sorted(unusable.items())) + ")"
                    if unusable
                    else ""
                )
            )
        if self.stopped == "budget":
            parts.append("the budget stopped the run before every request was sent")
        return "; ".join(parts)

    def failure_summary(self):
        """One line saying what went wrong, for a run that produced nothing."""
        calls = self.calls or {}
        what = {**dict(calls.get("failed", {})), **{k: v for k, v in self.failures.items()}}
        parts = [f"{self.missing} of {self.plan.total_requests} requests got no usable answer"]
        if what:
            parts.append("failures: " + ", ".join(f"{k} x{v}" for k, v in sorted(what.items())))
        if calls.get("retries"):
            parts.append(
                "retries: " + ", ".join(f"{k} x{v}" for k, v in sorted(calls["retries"].items()))
            )
        # The HTTP errors' last words, whatever their failures were counted as (a 5xx
        # retried to the end is retries_exhausted).
        for kind, said in sorted((calls.get("said") or {}).items()):
            if said not in (self.error or ""):  # (a fatal error names it)
                parts.append(f"the server said ({kind}): {said}")
        if self.error:
            parts.append(self.error)
        elif self.stopped == "budget":
            parts.append("the budget allowed no request; raise --budget-usd/--budget-tokens")
        return "; ".join(parts)

    def summary(self):
        """A JSON-ready dict of the result."""
        d = dataclasses.asdict(self)
        d["plan"] = self.plan.to_dict()
        d["nothing_written"] = self.nothing_written
        return d

    def to_table(self):
        """A plain-text report (what `genreclf augment run` prints)."""
        lines = [f"{'genre':<20} {'have':>6} {'planned':>8} {'written':>8}"]
        for g, c in self.per_genre.items():
            lines.append(f"{g:<20} {c['have']:>6} {c['planned']:>8} {c['written']:>8}")
        drops = {k: v for k, v in self.filters.get("dropped", {}).items() if v}
        lines += [
            f"rows written: {self.rows} -> {self.out}"
            if self.rows or os.path.exists(self.out)
            else "rows written: 0 (no response yet: no output file)",
            f"responses: {self.fresh} new, {self.cached} from cache, {self.missing} missing",
            f"spent this run: {self.spent_tokens} tokens, ${self.spent_usd:.4f}",
            f"retries: {self.calls.get('retries', {})}",
            f"failures: {self.failures}",
            f"filtered out: {drops}",
        ]
        if self.refused:
            lines.append(
                f"refused: {self.refused} of {self.answered} answers (no rows from them; "
                "cached, so a rerun with the same model and prompt does not ask again)"
            )
        if self.batch and self.batch["batch_id"]:  # none when every request was cached
            lines.append(
                f"batch {self.batch['batch_id']}: {self.batch['status']}, "
                f"{self.batch['succeeded']}/{self.batch['submitted']} answered"
                + (" (resumed)" if self.batch["resumed"] else "")
            )
        if self.waiting:
            lines.append(
                "waiting: the batch is still running; rerun with --batch to collect "
                "it (it is not sent or paid for again)."
            )
        if self.stopped == "budget":
            lines.append(
                "stopped: the budget was reached; rerun with a larger "
                "budget to continue (cached responses are reused)."
            )
        elif self.stopped == "fatal":
            lines.append(f"stopped: {self.error}")
        elif self.missing and not self.waiting:
            lines.append(
                f"incomplete: {self.missing} requests got no usable answer (failures, retries "
                "above); rerun the same command to ask for them again (the answered ones come "
                "from the cache, not paid again)."
            )
        return "\n".join(lines)
