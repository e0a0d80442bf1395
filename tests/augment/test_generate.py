"""genreclf.augment.generate end to end against a real local chat-completions server."""

import json
import logging

from genreclf import augment
from genreclf.augment.cache import ResponseCache
from genreclf.data.dataset import TextDataset

PROVENANCE = {
    "id",
    "text",
    "labels",
    "genre",
    "source",
    "model",
    "prompt_hash",
    "cache_key",
    "request_id",
    "response_id",
    "created_at",
}


def _read(path):
    return [json.loads(l) for l in open(path, encoding="utf-8")]


def _gen(server, data, tmp_path, **kw):
    kw.setdefault("target_count", 10)
    kw.setdefault("per_request", 3)
    kw.setdefault("backoff_base", 0.01)
    return augment.generate(data, out=tmp_path / "aug.jsonl", base_url=server.url, **kw)


def test_rows_reach_the_target_with_provenance(server, corpus, tmp_path):
    res = _gen(server, corpus, tmp_path)
    rows = _read(tmp_path / "aug.jsonl")
    assert res.rows == len(rows) == 10
    assert res.per_genre == {
        "news": {"have": 4, "planned": 6, "written": 6},
        "war": {"have": 6, "planned": 4, "written": 4},
    }
    for row in rows:
        assert set(row) == PROVENANCE
        assert row["source"] == "synthetic"
        assert row["labels"] == [row["genre"]] and row["model"] == "gpt-4o-mini"
        assert row["created_at"].endswith("+00:00") and row["request_id"].startswith("req_")
    assert len({r["id"] for r in rows}) == 10 and len({r["text"] for r in rows}) == 10
    assert res.fresh == len(server.requests) == res.plan.total_requests
    assert res.spent_tokens > 0 and res.stopped is None


def test_rerun_pays_nothing_and_writes_the_same_rows(server, corpus, tmp_path):
    _gen(server, corpus, tmp_path)
    first = (tmp_path / "aug.jsonl").read_text()
    sent = len(server.requests)
    res = _gen(server, corpus, tmp_path)
    assert len(server.requests) == sent
    assert res.cached == sent and res.fresh == 0 and res.spent_tokens == 0
    assert (tmp_path / "aug.jsonl").read_text() == first


def test_failures_are_counted_not_fatal(server, corpus, tmp_path):
    server.script = ["refusal", "malformed", "bad_schema", ("429", 0), "500"]
    res = _gen(server, corpus, tmp_path, concurrency=1, per_request=2, overgenerate=2.0)
    # A refusal is an answer (cached); unparseable answers are asked again.
    assert res.failures == {"refusal": 1}
    assert res.calls["retries"] == {"malformed_json": 1, "bad_schema": 1, "429": 1, "5xx": 1}
    # Over-generation made up for the lost response.
    assert res.rows == 10


def test_a_run_with_requests_left_unanswered_says_to_rerun_and_the_rerun_asks_only_them(
    server, corpus, tmp_path
):
    # It ended with "responses: ... 1 missing" and exit 0, nothing saying what to do.
    server.script = ["malformed", "malformed"]  # the first request's every attempt
    res = _gen(server, corpus, tmp_path, concurrency=1, max_attempts=2)
    assert res.missing == 1 and res.stopped is None and not res.all_failed
    assert "incomplete: 1 requests got no usable answer" in res.to_table()
    assert "rerun the same command to ask for them again" in res.to_table()
    sent = len(server.requests)
    again = _gen(server, corpus, tmp_path, concurrency=1, max_attempts=2)
    assert len(server.requests) == sent + 1 and again.missing == 0
    assert "incomplete" not in again.to_table()


def test_duplicates_of_the_corpus_and_of_each_other_are_dropped(server, corpus, tmp_path):
    server.default = "copy_examples"  # a lazy model that returns its examples
    res = _gen(server, corpus, tmp_path)
    assert res.rows == 0
    assert res.filters["dropped"]["exact_dup_corpus"] == res.filters["input"] > 0
    server.default = "near_copies"
    res = _gen(server, corpus, tmp_path / "b", per_request=4)
    dropped = res.filters["dropped"]
    assert dropped["near_dup_generated"] == 3 * res.plan.total_requests
    assert res.filters["kept"] == res.plan.total_requests


def test_a_copy_of_a_clipped_example_is_a_duplicate_of_its_row(server, make_corpus, tmp_path):
    """A prompt shows a long example's first 600 characters: copied, that prefix is too
    short to be its whole row's near duplicate, and is caught as the excerpt's copy."""
    plots = make_corpus({"x": 48}, seed=1).texts  # war plots of 8 different synopses each
    war = [" ".join(plots[i : i + 8]) for i in range(0, 48, 8)]
    drama = make_corpus({"drama": 30})
    corpus = TextDataset(drama.texts + war, drama.labels + [["war"]] * 6)
    assert min(len(t) for t, g in zip(corpus.texts, corpus.labels) if g == ["war"]) > 1200
    server.default = "copy_examples"
    res = _gen(server, corpus, tmp_path, filters={"max_words": 1000})
    assert res.filters["input"] > 0 and res.rows == 0
    assert res.filters["dropped"]["exact_dup_corpus"] == res.filters["input"]


def test_dedup_against_other_real_files(server, corpus, tmp_path):
    # Validation/test texts (here: the corpus itself, as a list) are guarded too.
    server.default = "copy_examples"
    tiny = TextDataset(corpus.texts[30:], corpus.labels[30:])  # only war/news rows
    res = _gen(
        server,
        tiny,
        tmp_path,
        target_count=8,
        filters={"min_words": 5},
        dedup_against=[corpus.texts],
    )
    assert res.rows == 0 and res.filters["dropped"]["exact_dup_corpus"] > 0


def test_synthetic_rows_stay_marked_for_training_only(server, corpus, tmp_path):
    """Leakage guard: every row says source=synthetic, and the core loader keeps it."""
    _gen(server, corpus, tmp_path)
    from genreclf.data import load_dataset

    ds = load_dataset(str(tmp_path / "aug.jsonl"), text="text", label="labels")
    assert len(ds) == 10
    assert all(r["source"] == "synthetic" for r in _read(tmp_path / "aug.jsonl"))
    assert ds.sources is not None and all(s == "synthetic" for s in ds.sources)


def test_budget_stop_then_resume(server, corpus, tmp_path):
    server.usage = (100, 50)
    res = _gen(server, corpus, tmp_path, concurrency=1, budget_tokens=1500)
    assert res.stopped == "budget" and 0 < res.fresh < res.plan.total_requests
    assert res.spent_tokens <= 1500 and res.missing == res.plan.total_requests - res.fresh
    assert "budget was reached" in res.to_table()
    # The cap is the job's: a rerun (after a budget stop or a kill) under the same
    # cap counts what the first run spent, and sends nothing more.
    sent = len(server.requests)
    again = _gen(server, corpus, tmp_path, concurrency=1, budget_tokens=1500)
    assert again.stopped == "budget" and again.fresh == 0 and len(server.requests) == sent
    res2 = _gen(server, corpus, tmp_path, concurrency=1)
    assert res2.stopped is None and res2.rows == 10
    assert res2.cached == res.fresh
    assert max(server.counts(status=200).values()) == 1  # nothing paid twice


def test_api_key_never_reaches_files_or_logs(server, corpus, tmp_path, monkeypatch, caplog):
    secret = "sk-test-DO-NOT-LEAK-1234567890"
    monkeypatch.setenv("OPENAI_API_KEY", secret)
    with caplog.at_level(logging.DEBUG):
        res = _gen(server, corpus, tmp_path)
    assert server.requests[0]["authorization"] == f"Bearer {secret}"  # it was used
    for path in tmp_path.iterdir():
        assert secret not in path.read_text(), path
    assert secret not in caplog.text
    assert secret not in json.dumps(res.summary(), default=str)


def test_multi_label_rows_carry_co_occurring_genres(server, tmp_path, make_corpus):
    base = make_corpus({"x": 12})
    labels = [["Western", "Music"]] * 2 + [["Western", "Action"]] * 2 + [["Drama"]] * 8
    ds = TextDataset(base.texts, labels, multi_label=True)
    _gen(server, ds, tmp_path, target_count=12, genres=["Western"], per_request=2)
    rows = _read(tmp_path / "aug.jsonl")
    assert len(rows) == 8
    assert {tuple(r["labels"]) for r in rows} <= {("Western", "Music"), ("Western", "Action")}
    assert all(r["genre"] == "Western" for r in rows)


def test_corrupted_cache_line_is_not_fatal(server, corpus, tmp_path, caplog):
    _gen(server, corpus, tmp_path)
    cache = tmp_path / "aug.jsonl.cache.jsonl"
    lines = cache.read_text().splitlines(keepends=True)
    cache.write_text("".join(lines[:-1]) + lines[-1][: len(lines[-1]) // 2])
    sent = len(server.requests)
    with caplog.at_level(logging.WARNING, logger="genreclf.augment"):
        res = _gen(server, corpus, tmp_path)
    assert "torn last line" in caplog.text
    assert len(server.requests) == sent + 1  # only the torn response is asked again
    assert res.rows == 10 and len(ResponseCache(cache)) == len(lines)


def test_plan_generate_audit_are_the_package_api():
    assert callable(augment.plan) and callable(augment.generate) and callable(augment.audit)
    from genreclf.augment.plan import Plan  # the module stays importable by name

    assert Plan.__name__ == "Plan"
