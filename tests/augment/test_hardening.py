"""Augmentation never overspends or hides failure (issue 11, items 8-10).

Against a real local chat-completions server (`FakeChatServer`) that bills
every request it finishes, as a real API does.
"""

import json
import os

import pytest

from genreclf import augment
from genreclf.augment.cache import ResponseCache
from genreclf.augment.cli import main

BILL = (100, 50)  # what the server reports (and bills) per finished request


def generate_with(server, data, tmp_path, **kw):
    """`augment.generate` of `data` against `server`, quick retries, into tmp_path/aug.jsonl."""
    kw.setdefault("target_count", 10)
    kw.setdefault("per_request", 3)
    kw.setdefault("backoff_base", 0.01)
    return augment.generate(data, out=tmp_path / "aug.jsonl", base_url=server.url, **kw)


def test_timed_out_attempts_are_charged_at_their_worst_case(server, corpus, tmp_path):
    server.usage = BILL
    server.default = ("slow", 1.0)  # every attempt outlives the client's timeout
    res = generate_with(
        server, corpus, tmp_path, timeout=0.2, max_attempts=3, concurrency=2, budget_tokens=3000
    )
    billed = len(server.requests) * sum(BILL)
    assert len(server.requests) >= 1
    # What the tool reports is an upper bound of what the server can bill ...
    assert res.spent_tokens >= billed
    # ... and never more than the budget: it stopped sending.
    assert res.spent_tokens <= 3000
    assert res.stopped == "budget"
    assert res.calls["charged_unanswered"] == len(server.requests)


def test_empty_or_unparseable_responses_are_retried_not_cached(server, corpus, tmp_path):
    server.script = ["empty_choices", "malformed", "ok", "bad_schema"]
    res = generate_with(server, corpus, tmp_path, concurrency=1, max_attempts=6)
    assert res.calls["retries"] == {"empty": 1, "malformed_json": 1, "bad_schema": 1}
    assert res.failures == {} and res.rows == 10
    cache = ResponseCache(tmp_path / "aug.jsonl.cache.jsonl")
    assert len(cache) == res.plan.total_requests
    assert all(entry["content"] for entry in cache._entries.values())
    # Paid for: the three unusable answers count in the spend.
    assert res.calls["sent"] == res.plan.total_requests + 3


def test_a_rerun_asks_again_for_prompts_that_produced_nothing(server, corpus, tmp_path):
    server.script = ["malformed"] * 3  # the first prompt: three unusable answers
    res = generate_with(server, corpus, tmp_path, concurrency=1, max_attempts=6, overgenerate=1.0)
    assert res.failures == {"malformed_json": 1} and res.missing == 1
    sent = len(server.requests)
    res = generate_with(server, corpus, tmp_path, concurrency=1, overgenerate=1.0)
    assert len(server.requests) == sent + 1  # only the missing prompt, once
    assert res.missing == 0 and res.failures == {}


def test_unusable_entries_in_an_old_cache_are_asked_again(server, corpus, tmp_path):
    generate_with(server, corpus, tmp_path)
    cache_path = tmp_path / "aug.jsonl.cache.jsonl"
    entries = [json.loads(line) for line in open(cache_path, encoding="utf-8")]
    entries[0]["content"] = ""  # as an old version cached a paid-but-empty answer
    with open(cache_path, "w", encoding="utf-8") as handle:
        handle.write("".join(json.dumps(e) + "\n" for e in entries))
    sent = len(server.requests)
    res = generate_with(server, corpus, tmp_path)
    assert len(server.requests) == sent + 1 and res.failures == {}


def run_with(server, corpus_csv, tmp_path, *extra):
    """`genreclf augment run` of `corpus_csv` against `server`; returns its exit code."""
    return main(
        [
            "run",
            str(corpus_csv),
            "--label",
            "genre",
            "--target-count",
            "10",
            "--out",
            str(tmp_path / "out" / "aug.jsonl"),
            "--base-url",
            server.url,
            "--per-request",
            "3",
            "--backoff",
            "0.01",
            *extra,
        ]
    )


def test_a_run_where_every_request_fails_exits_nonzero(server, corpus_csv, tmp_path, capsys):
    server.default = "500"
    assert run_with(server, corpus_csv, tmp_path, "--max-attempts", "2") == 1
    captured = capsys.readouterr()
    assert "every request failed" in captured.err
    assert "retries_exhausted" in captured.err


@pytest.mark.parametrize("behaviour", ["malformed", "bad_schema"])
def test_every_answer_unusable_names_the_server_and_the_format_options(
    server, corpus_csv, tmp_path, capsys, behaviour
):
    # Was "every request failed: ...; failures: malformed_json x4": no server, no fix.
    server.default = behaviour
    assert run_with(server, corpus_csv, tmp_path, "--max-attempts", "2") == 1
    err = capsys.readouterr().err
    assert f"{server.url} answered, but not with the JSON" in err
    assert "--response-format json_object" in err and "--model" in err


def test_replies_not_json_at_all_name_the_base_url_not_the_format_options(
    server, corpus_csv, tmp_path, capsys
):
    server.default = "garbage"  # a 200 whose body is no JSON: no --response-format mends it
    assert run_with(server, corpus_csv, tmp_path, "--max-attempts", "2") == 1
    err = capsys.readouterr().err
    assert "sent replies that are no chat completion at all" in err and "--base-url" in err
    assert "--response-format" not in err  # (was said beside it)


def test_401_leaves_no_files_behind(server, corpus_csv, tmp_path, capsys):
    server.default = "401"
    assert run_with(server, corpus_csv, tmp_path) == 1
    assert "HTTP 401" in capsys.readouterr().err
    out = tmp_path / "out"
    assert not out.exists() or os.listdir(out) == []


def test_a_cancelled_call_in_flight_is_charged_its_worst_case(server, corpus):
    import asyncio

    from genreclf.augment.client import Budget
    from genreclf.augment.client import ChatCaller
    from genreclf.augment.prompts import PromptBuilder

    server.default = ("slow", 2.0)
    budget = Budget(max_tokens=10_000)
    caller = ChatCaller("gpt-4o-mini", base_url=server.url, budget=budget)
    (request,) = PromptBuilder(corpus, per_request=3, max_tokens=100).requests("war", 1)

    async def go():
        task = asyncio.create_task(caller.call(request, 50))
        for _ in range(200):  # until the request is on the server
            if server.requests:
                break
            await asyncio.sleep(0.05)
        task.cancel()
        try:
            await task
        except asyncio.CancelledError:
            pass
        await caller.aclose()

    asyncio.run(go())
    assert len(server.requests) == 1
    assert budget.spent_tokens == 50 + 100


def test_a_server_that_is_not_there_is_named_with_the_flag_to_check(
    corpus_csv, tmp_path, capsys, closed_port_url
):
    url = closed_port_url
    argv = ["run", str(corpus_csv), "--label", "genre", "--target-count", "10"]
    argv += ["--out", str(tmp_path / "aug.jsonl"), "--base-url", url, "--per-request", "3"]
    assert main(argv + ["--max-attempts", "2", "--backoff", "0.01"]) == 1
    err = capsys.readouterr().err
    assert f"could not connect to {url} in 2 attempts" in err, err
    assert "check --base-url" in err and err.count("could not connect") == 1, err


def test_a_rerun_counts_what_unusable_answers_cost_against_the_jobs_budget(
    server, corpus, tmp_path
):
    """Paid attempts that leave no cached response are recorded as charges: three reruns
    under one cap pay at most the cap in all, not one cap each."""
    server.usage = BILL
    server.default = "malformed"  # every answer paid for and unusable
    cap = 2000
    runs = [
        generate_with(server, corpus, tmp_path, concurrency=1, budget_tokens=cap) for _ in range(3)
    ]
    assert all(res.stopped == "budget" for res in runs)
    assert runs[0].calls["sent"] == len(server.requests) > 1
    assert [res.calls["sent"] for res in runs[1:]] == [0, 0]  # the first run spent the cap
    assert runs[0].spent_tokens == len(server.requests) * sum(BILL) <= cap
    cache = ResponseCache(tmp_path / "aug.jsonl.cache.jsonl")
    assert len(cache) == 0 and cache.recorded_usage() == (
        BILL[0] * len(server.requests),
        BILL[1] * len(server.requests),
    )


def test_bad_filter_settings_are_refused_before_any_request(server, corpus_csv, tmp_path, capsys):
    assert run_with(server, corpus_csv, tmp_path, "--near-dup", "1.5") == 1
    err = capsys.readouterr().err
    assert "near_dup_threshold (`--near-dup`) must be a number above 0 and at most 1" in err
    assert "Received: near_dup_threshold=1.5" in err
    assert run_with(server, corpus_csv, tmp_path, "--min-words", "50", "--max-words", "40") == 1
    assert "Expected min_words <= max_words" in capsys.readouterr().err
    assert run_with(server, corpus_csv, tmp_path, "--few-shot", "0") == 1
    assert "Received: few_shot=0" in capsys.readouterr().err
    assert server.requests == []  # nothing paid for
