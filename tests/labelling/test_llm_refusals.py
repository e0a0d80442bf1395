"""An LLM stage whose every answer is a refusal labelled nothing: said, and `label` exits 1.

Against augment's local OpenAI-compatible server on 127.0.0.1 (a real
socket). A stage that got no usable answer at all is `llm_answered_nothing`
(test_cascade.py); these stages got answers, every one a refusal.
"""

from genreclf.cli import main
from genreclf.labelling.label_file import read_labelled
from tests.labelling.test_cascade import keywords_then_llm


def _argv(texts_csv, genres_yaml, out, server, *extra):
    argv = ["label", str(texts_csv), "--text", "overview", "--id", "id", "--genres"]
    argv += [str(genres_yaml), "--stages", "keywords,llm", "--llm", "gpt-4o-mini"]
    argv += ["--thresholds", "keywords=0.6", "--concurrency", "1"]
    return argv + ["--base-url", server.url, "--out", str(out), "--quiet", *extra]


def test_every_answer_a_refusal_is_in_the_result(texts_csv, genres_yaml, tmp_path, server):
    server.default = "refusal"
    out = tmp_path / "labelled.jsonl"
    result = keywords_then_llm(texts_csv, genres_yaml, out, server.url)
    assert result.by_stage["llm"] == 0 and not result.llm_answered_nothing
    assert result.llm["all_refused"] and result.llm["refused"] == result.llm["answered"] == 2
    reasons = [r["reason"] for r in read_labelled(out) if r["stage"] is None]
    assert reasons == ["llm_refused"] * 2


def test_refusals_and_requests_that_failed_label_nothing(texts_csv, genres_yaml, tmp_path, server):
    # The first row's request fails (two unusable answers), the other is refused.
    server.script = ["malformed", "malformed"]
    server.default = "refusal"
    result = keywords_then_llm(
        texts_csv, genres_yaml, tmp_path / "labelled.jsonl", server.url, max_attempts=2
    )
    assert not result.llm_answered_nothing  # one row was answered
    assert result.llm["all_refused"] and result.llm["refused"] == result.llm["answered"] == 1


def test_every_answer_a_refusal_exits_1_naming_the_server_and_the_fix(
    texts_csv, genres_yaml, tmp_path, server, capsys
):
    # Was exit 0 with every row unlabelled and "2 answered" in the summary.
    server.default = "refusal"
    cache = tmp_path / "llm-cache.jsonl"
    out = tmp_path / "a.jsonl"
    assert main(_argv(texts_csv, genres_yaml, out, server, "--cache", str(cache))) == 1
    captured = capsys.readouterr()
    assert "llm refused: 2 of the 2 rows it answered" in captured.out
    err = captured.err
    assert f"the LLM stage labelled nothing: {server.url} refused every one of the 2 rows" in err
    assert "--llm" in err and "--genres" in err and "llm_refused" in err
    # Into a new --out, the cached refusals (not asked again) fail the same way.
    sent = len(server.requests)
    out = tmp_path / "b.jsonl"
    assert main(_argv(texts_csv, genres_yaml, out, server, "--cache", str(cache))) == 1
    assert len(server.requests) == sent
    assert "refused every one of the 2 rows" in capsys.readouterr().err


def test_some_refusals_exit_0_and_are_counted(texts_csv, genres_yaml, tmp_path, server, capsys):
    server.script = ["refusal"]  # then "ok"
    cache = tmp_path / "llm-cache.jsonl"
    out = tmp_path / "a.jsonl"
    assert main(_argv(texts_csv, genres_yaml, out, server, "--cache", str(cache))) == 0
    captured = capsys.readouterr()
    assert "llm refused: 1 of the 2 rows it answered" in captured.out
    assert "labelled nothing" not in captured.err
    # From the cache into a new --out: the same, nothing sent.
    sent = len(server.requests)
    out = tmp_path / "b.jsonl"
    assert main(_argv(texts_csv, genres_yaml, out, server, "--cache", str(cache))) == 0
    assert len(server.requests) == sent
    assert "llm refused: 1 of the 2 rows" in capsys.readouterr().out


def test_a_run_resumed_from_its_cache_is_unaffected(texts_csv, genres_yaml, tmp_path, server):
    cache = tmp_path / "llm-cache.jsonl"
    first = keywords_then_llm(texts_csv, genres_yaml, tmp_path / "a.jsonl", server.url, cache=cache)
    assert first.by_stage["llm"] == 2 and first.llm["refused"] == 0
    assert not first.llm["all_refused"]
    again = keywords_then_llm(texts_csv, genres_yaml, tmp_path / "b.jsonl", server.url, cache=cache)
    assert again.llm["cached"] == 2 and again.llm["sent"] == 0
    assert again.by_stage["llm"] == 2 and not again.llm["all_refused"]


def test_a_refusal_in_plain_text_is_a_refusal_not_asked_again(
    texts_csv, genres_yaml, tmp_path, server
):
    # A server without the `refusal` field declines in the content: it was a bad_answer,
    # asked again max_attempts times, then "no usable answer ... --response-format".
    server.default = "refusal_text"
    out = tmp_path / "labelled.jsonl"
    result = keywords_then_llm(texts_csv, genres_yaml, out, server.url, max_attempts=3)
    assert len(server.requests) == 2 and not result.llm_answered_nothing
    assert result.llm["all_refused"] and result.llm["refused"] == 2
    reasons = [r["reason"] for r in read_labelled(out) if r["stage"] is None]
    assert reasons == ["llm_refused"] * 2
