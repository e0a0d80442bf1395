"""`Cascade`: stages in order of cost; each claims the rows it is confident about.

Rows go through the stages in chunks. A stage's decision on a row is kept
when its confidence clears the stage's threshold; the remaining rows go to
the next stage. Every decided row is appended to the output at once
(`LabelFile`), with its provenance: the deciding stage, its confidence, the
runner-up genre, the threshold, and what each earlier stage said. Rows no
stage claims are written as unlabelled, never dropped. With an LLM stage, the
rows the cheap stages left are asked last, after every cheap decision is
written, with few-shot examples drawn from the most confident of them.
"""

import collections
import dataclasses
import logging
import os

from genreclf.errors import ConfigError
from genreclf.labelling.label_file import LabelFile
from genreclf.labelling.output_settings import cascade_settings
from genreclf.labelling.output_settings import check_or_record

logger = logging.getLogger("genreclf.labelling")


@dataclasses.dataclass
class LabelResult:
    """What a labelling run did.

    Attributes:
        out: the output file.
        rows: rows in the output.
        resumed: rows found already labelled in the output (skipped).
        by_stage: rows decided by each stage, this run and earlier ones
            (`"unlabelled"` counts the rest).
        llm: the LLM stage's call statistics (None without one).
        thresholds: each stage's threshold.
    """

    out: str
    rows: int
    resumed: int
    by_stage: dict
    llm: dict = None
    thresholds: dict = None

    @property
    def llm_answered_nothing(self):
        """Whether the LLM stage sent requests and none was answered usably (nor cached)."""
        llm = self.llm or {}
        sent, usable = llm.get("sent"), llm.get("succeeded") or llm.get("cached")
        return bool(sent) and not usable and llm.get("stopped") is None

    @property
    def coverage(self):
        """Share of rows labelled."""
        labelled = sum(n for s, n in self.by_stage.items() if s != "unlabelled")
        return labelled / self.rows if self.rows else 0.0

    def summary(self):
        """A few lines for the terminal."""
        lines = [f"{self.rows} rows in {self.out} ({self.resumed} already there)"]
        for stage, n in self.by_stage.items():
            share = n / self.rows if self.rows else 0.0
            threshold = (self.thresholds or {}).get(stage)
            at = f"  (threshold {threshold:.3f})" if threshold is not None else ""
            lines.append(f"  {stage:<11} {n:>7}  {share:6.1%}{at}")
        if self.llm:
            lines.append(
                "  llm calls: {sent} sent, {cached} from the cache, {succeeded} answered, "
                "${spent_usd:.4f} spent".format(**self.llm)
            )
            if self.llm_answered_nothing:
                failed = ", ".join(f"{kind} x{n}" for kind, n in self.llm["failed"].items())
                said = self.llm.get("said") or {}
                failed += "".join(f"; {k}: {v}" for k, v in said.items())  # (5xx: retries)
                fix = (
                    "--llm, or pass --response-format json_object (or none) for a server "
                    "without JSON-schema support"
                )
                if {"bad_response", "too_large"} & set(self.llm["failed"]):
                    fix = (
                        "--base-url (an OpenAI-compatible server's /v1): its replies were no "
                        "chat completion at all (not JSON, a web page, or over 8 MiB)"
                    )
                rerun = "a rerun retries them"
                if "truncated" in self.llm["failed"]:
                    fix = (
                        f"--llm: its answers were cut off at the {self.llm.get('max_tokens')} "
                        "tokens label asks for (finish_reason 'length'), as a reasoning "
                        "model's are, spent thinking"
                    )
                    rerun = (
                        "a rerun with this --llm is cut off again (temperature 0): label them "
                        "again into a new --out with a model that answers without thinking "
                        "first (gpt-4o-mini, a local instruct model)"
                    )
                lines.append(
                    f"  no usable answer: {self.llm.get('server')} answered none of the "
                    f"{self.llm['sent']} requests as asked ({failed or 'no answer'}); check "
                    f"{fix}. The rows are written unlabelled (reason llm_failed): {rerun}"
                )
            if self.llm.get("stopped") == "budget":
                lines.append(
                    "  stopped: the budget was reached before every row left for the LLM got "
                    "an answer (reason llm_budget); rerun with a larger --budget-usd or "
                    "--budget-tokens: answered rows are kept and cached calls are not paid again"
                )
        return "\n".join(lines)


class Cascade:
    """Runs stages in order over rows of text and writes labelled JSONL.

    Args:
        stages: the cheap stages, in order (`KeywordStage`, `ZeroShotStage`,
            `ClassifierStage`), each with `name`, `threshold` and
            `decide(texts)`.
        llm: an optional `LLMCaller` (the last stage).
        chunk_size: rows per pass through the cheap stages.
        genres: the `KnownGenres` the stages choose among, and where they
            come from (`build_cascade` passes them; default: the stages' names).

    Example:

    >>> from genreclf.labelling.genre_spec import Genre
    >>> from genreclf.labelling.keyword_stage import KeywordStage
    >>> import tempfile, os
    >>> out = os.path.join(tempfile.mkdtemp(), "labelled.jsonl")
    >>> cascade = Cascade([KeywordStage([Genre("horror", keywords=["ghost"])], threshold=0.5)])
    >>> result = cascade.run([{"id": "1", "line": 2, "text": "A ghost."},
    ...                       {"id": "2", "line": 3, "text": "A heist."}], out)
    >>> result.by_stage
    {'keywords': 1, 'unlabelled': 1}
    """

    def __init__(self, stages, llm=None, chunk_size=512, genres=None):
        self.stages = [s for s in stages if getattr(s, "available", True)]
        self.llm = llm
        self.chunk_size = int(chunk_size)
        self.genres = genres

    @property
    def known(self):
        """The genres the stages choose among, as a `KnownGenres` (what a
        calibration file's labels are compared with)."""
        from genreclf.labelling.known_genres import KnownGenres

        if self.genres is not None:
            return self.genres
        stages = self.stages + ([self.llm.stage] if self.llm is not None else [])
        names = dict.fromkeys(n for stage in stages for n in stage.names)
        return KnownGenres(tuple(names), "the cascade", "add {it} to the cascade's genres")

    @property
    def thresholds(self):
        out = {s.name: s.threshold for s in self.stages}
        if self.llm is not None:
            out["llm"] = self.llm.stage.threshold
        return out

    @property
    def settings(self):
        """What decides the labels (`genreclf.labelling.output_settings.cascade_settings`)."""
        return cascade_settings(self)

    def run(self, rows, out, verbose=0):
        """Labels `rows` (`{"id", "line", "text"}` dicts) into `out`; returns a `LabelResult`.

        Rows already in `out` are skipped, so rerunning a killed run resumes it. The
        settings that decide the labels are recorded beside a new `out`
        (`<out>.settings.json`); a rerun with other settings is refused (`ConfigError`,
        naming each change) before anything is written, as resuming would mix them.
        """
        started = os.path.exists(str(out)) and os.path.getsize(str(out)) > 0
        check_or_record(out, self.settings, started)
        store = LabelFile(out)
        _check_same_texts(rows, store)
        _check_same_ids(rows, store)
        retry = self.llm is not None
        todo = [r for r in rows if not store.done(r["id"], retry_llm=retry)]
        resumed = len(rows) - len(todo)
        if resumed:
            logger.info("%s: %d of %d rows already labelled; resuming", out, resumed, len(rows))
        deferred = []
        llm_stats = None
        try:
            for start in range(0, len(todo), self.chunk_size):
                chunk = todo[start : start + self.chunk_size]
                deferred += self._cheap_stages(chunk, store)
                if verbose:
                    print(f"cheap stages: {start + len(chunk)}/{len(todo)} rows", flush=True)
            if self.llm is not None:
                ids = {r["id"] for r in rows}
                confident = [r for i, r in store.rows.items() if i in ids]
                llm_stats = _run_async(self.llm.label(deferred, confident, store))
            else:
                for row in deferred:
                    store.write(unlabelled(row, "no stage cleared its threshold"))
        finally:
            store.close()
        counts = collections.Counter()
        for row in rows:
            written = store.rows.get(row["id"])
            counts[(written or {}).get("stage") or "unlabelled"] += 1
        order = [s.name for s in self.stages] + (["llm"] if self.llm else []) + ["unlabelled"]
        by_stage = {name: counts.get(name, 0) for name in order}
        return LabelResult(
            out=str(out),
            rows=len(rows),
            resumed=resumed,
            by_stage=by_stage,
            llm=llm_stats,
            thresholds=self.thresholds,
        )

    def _cheap_stages(self, chunk, store):
        pending = [dict(row, tried=[]) for row in chunk]
        for stage in self.stages:
            if not pending:
                break
            decisions = stage.decide([r["text"] for r in pending])
            left = []
            for row, decision in zip(pending, decisions):
                row["tried"].append({"stage": stage.name, **_brief(decision)})
                if decision.claimed:
                    store.write(labelled(row, stage.name, decision, stage.threshold))
                else:
                    left.append(row)
            pending = left
        return pending


def labelled(row, stage, decision, threshold, extra=None):
    """The output row of a decision, with its provenance."""
    out = {
        "id": row["id"],
        "line": row.get("line"),
        "text": row["text"],
        "labels": list(decision.labels),
        "stage": stage,
        "confidence": round(float(decision.confidence), 6),
        "threshold": float(threshold),
        "runner_up": decision.runner_up,
        "runner_up_score": None
        if decision.runner_up_score is None
        else round(float(decision.runner_up_score), 6),
        "tried": row.get("tried", []),
    }
    if extra:
        out.update(extra)
    return out


def unlabelled(row, reason, code=None, extra=None):
    """The output row of a text no stage claimed."""
    best = max(row.get("tried", []), key=lambda t: t["confidence"], default=None)
    out = {
        "id": row["id"],
        "line": row.get("line"),
        "text": row["text"],
        "labels": [],
        "stage": None,
        "confidence": None,
        "threshold": None,
        "runner_up": (best or {}).get("labels", [None])[0] if best and best["labels"] else None,
        "runner_up_score": None if best is None else best["confidence"],
        "tried": row.get("tried", []),
        "reason": code or "no_stage",
        "reason_text": reason,
    }
    if extra:
        out.update(extra)
    return out


def _check_same_texts(rows, store):
    """Refuses to resume `store` when a row's id now holds another text (rows keyed by
    line number, and the input sorted or edited since): its label is another text's."""
    changed = [r for r in rows if store.rows.get(r["id"], r).get("text", r["text"]) != r["text"]]
    if changed:
        first, written = changed[0], store.rows[changed[0]["id"]]["text"]
        by_line = all(r["id"] == str(r.get("line")) for r in changed)
        how = (
            "The rows' ids are their line numbers, so sorting or editing the input moves "
            "texts between ids: give them stable ids (an id column, --id-column), restore "
            "the input, or write to another --out. "
            if by_line
            else "Restore the input's texts, write to another --out, or "
        )
        raise ConfigError(
            f"{store.path} was labelled from other texts: {len(changed)} of the rows it "
            f"holds have another text under the same id now (id {first['id']!r}, line "
            f"{first.get('line')}: {written[:60]!r} there, {first['text'][:60]!r} here), so "
            f"resuming would keep labels of other texts. Expected the input it was started "
            f"with. {how}{'To' if by_line else 'to'} label the changed rows again, remove "
            f"their lines from {store.path} (or delete it to start over): the rest are kept."
        )


def _check_same_ids(rows, store):
    """Refuses to resume `store` when it holds texts of `rows` under ids the rows no longer
    have (another --id-column, an id column added or dropped): every row would be labelled
    again under its new id, and the file would hold those texts twice."""
    ids = {r["id"] for r in rows}
    unlabelled = {}  # text -> the first row of it the file does not hold
    for r in rows:
        if r["id"] not in store.rows:
            unlabelled.setdefault(r["text"], r)
    # A row held under an id the input lacks is moved only when its text would be
    # labelled again here: a text the input holds twice (ids a1, a2) and now once is not.
    moved = [
        (w, unlabelled[w.get("text")])
        for i, w in store.rows.items()
        if i not in ids and w.get("text") in unlabelled
    ]
    if moved:
        written, row = moved[0]
        raise ConfigError(
            f"{store.path} was labelled with other ids: {len(moved)} of the rows it holds "
            f"are texts of this input under another id (id {written['id']!r} there, "
            f"{row['id']!r} here, line {row.get('line')}: {row['text'][:60]!r}), so resuming "
            "would label them again and hold each twice. Expected the ids it was started "
            "with: rerun with the same --id-column (without one, the rows are keyed by "
            "their `id` column if the input has one, else by line), write to another "
            f"--out, or delete {store.path} to label the input again under these ids."
        )


def _brief(decision):
    return {
        "labels": list(decision.labels),
        "confidence": round(float(decision.confidence), 6),
        "claimed": bool(decision.claimed),
    }


def _run_async(coro):
    from genreclf.augment.event_loop import run_coroutine  # the LLM stage needs augment

    return run_coroutine(coro)
