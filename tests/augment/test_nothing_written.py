"""A run whose answers gave no row fails, saying why (refusals, filters); a partial one does not.

Against a real local chat-completions server (`FakeChatServer`). A run where
every request failed is `all_failed` (test_hardening.py); these runs got
answers, and not one row came of them.
"""

import json

from tests.augment.test_hardening import generate_with as _gen
from tests.augment.test_hardening import run_with


def _run(server, corpus_csv, tmp_path, *extra):
    return run_with(server, corpus_csv, tmp_path, "--concurrency", "1", *extra)


def test_every_answer_a_refusal_is_said_in_the_result(server, corpus, tmp_path):
    server.default = "refusal"
    res = _gen(server, corpus, tmp_path)
    total = res.plan.total_requests
    assert res.rows == 0 and res.fresh == total and not res.all_failed
    assert res.nothing_written and res.refused == total == res.answered
    assert res.summary()["nothing_written"] is True
    line = res.nothing_written_summary(server.url)
    assert f"{server.url} answered {total} of {total} requests" in line
    assert f"{total} answers were refusals" in line and "--model" in line


def test_every_answer_a_refusal_exits_1_naming_the_server_the_counts_and_the_fix(
    server, corpus_csv, tmp_path, capsys
):
    # Was exit 0, "rows written: 0" and "failures: {'refusal': 5}" in the table.
    server.default = "refusal"
    assert _run(server, corpus_csv, tmp_path) == 1
    captured = capsys.readouterr()
    err = captured.err
    assert "genreclf augment run: error: no rows written" in err
    assert f"{server.url} answered 5 of 5 requests (5 in this run, 0 from the cache)" in err
    assert "5 answers were refusals" in err
    assert "--model" in err and "--template" in err and "news, war" in err
    assert "refused: 5 of 5 answers" in captured.out
    # A rerun reads the cached refusals (sends nothing) and fails the same way.
    sent = len(server.requests)
    assert _run(server, corpus_csv, tmp_path) == 1
    assert len(server.requests) == sent
    assert "(0 in this run, 5 from the cache)" in capsys.readouterr().err


def test_every_synopsis_filtered_out_exits_1_naming_the_filters(
    server, corpus_csv, tmp_path, capsys
):
    server.default = "copy_examples"  # every synopsis a copy of the corpus
    assert _run(server, corpus_csv, tmp_path) == 1
    err = capsys.readouterr().err
    assert "no rows written" in err and "the filters dropped all 15 synopses" in err
    assert "exact_dup_corpus x15" in err and "--near-dup" in err and "--min-words" in err


def test_refusals_and_failed_requests_with_no_row_exit_1(server, corpus_csv, tmp_path, capsys):
    # Not all_failed (some answered), and still nothing written.
    server.script = ["refusal", "refusal", "500", "500"]
    server.default = "refusal"
    assert _run(server, corpus_csv, tmp_path, "--max-attempts", "2") == 1
    err = capsys.readouterr().err
    assert "answered 4 of 5 requests" in err and "4 answers were refusals" in err
    assert "1 requests got no usable answer (retries_exhausted x1)" in err


def test_some_refusals_exit_0_and_are_counted(server, corpus_csv, tmp_path, capsys):
    server.script = ["refusal", "refusal"]  # then "ok"
    assert _run(server, corpus_csv, tmp_path, "--json") == 0
    captured = capsys.readouterr()
    summary = json.loads(captured.out)
    assert summary["nothing_written"] is False and summary["rows"] > 0
    assert summary["failures"] == {"refusal": 2}
    assert "error" not in captured.err
    assert _run(server, corpus_csv, tmp_path) == 0  # resumed from the cache
    captured = capsys.readouterr()
    assert "refused: 2 of 5 answers" in captured.out and "error" not in captured.err


def test_a_resumed_run_from_the_cache_is_not_nothing_written(server, corpus, tmp_path):
    first = _gen(server, corpus, tmp_path)
    assert first.rows == 10 and not first.nothing_written
    sent = len(server.requests)
    again = _gen(server, corpus, tmp_path)
    assert len(server.requests) == sent and again.fresh == 0
    assert again.rows == 10 and not again.nothing_written and not again.all_failed


def test_synopses_that_are_refusals_are_dropped_and_the_run_exits_1(
    server, corpus_csv, tmp_path, capsys
):
    # A model forced into the JSON schema declines inside it: 15 apologies of 33
    # English words passed every filter and were written as rows.
    server.default = "refusal_synopses"
    assert _run(server, corpus_csv, tmp_path) == 1
    err = capsys.readouterr().err
    assert "no rows written" in err and "the filters dropped all 15 synopses (refusal x15)" in err
    assert "15 were the model declining" in err and "--template" in err
    assert "--near-dup" not in err  # no filter to loosen


def test_some_synopses_that_are_refusals_are_dropped_and_the_run_exits_0(
    server, corpus_csv, tmp_path, capsys
):
    server.script = ["refusal_synopses"]  # then "ok"
    assert _run(server, corpus_csv, tmp_path, "--json") == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["filters"]["dropped"]["refusal"] == 3 and summary["rows"] > 0
    rows = (tmp_path / "out" / "aug.jsonl").read_text(encoding="utf-8")
    assert "I'm sorry" not in rows


def test_a_refusal_in_plain_text_is_a_refusal_not_asked_again(server, corpus_csv, tmp_path, capsys):
    # A server without the `refusal` field declines in the content. It was taken for
    # malformed JSON: asked again up to --max-attempts times (each attempt paid), then
    # "not with the JSON asked for: ... pass --response-format json_object".
    server.default = "refusal_text"
    assert _run(server, corpus_csv, tmp_path, "--max-attempts", "3") == 1
    assert len(server.requests) == 5  # once per request
    captured = capsys.readouterr()
    assert "5 answers were refusals" in captured.err and "--template" in captured.err
    assert "--response-format" not in captured.err
    assert "refused: 5 of 5 answers" in captured.out
    assert _run(server, corpus_csv, tmp_path) == 1  # cached: not asked again
    assert len(server.requests) == 5
