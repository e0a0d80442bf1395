"""The cascade over real files: provenance, unlabelled rows kept, resume, the LLM stage.

The LLM is augment's local OpenAI-compatible server on 127.0.0.1 (a real
socket); the killed run is a real `genreclf label` subprocess sent SIGKILL.
"""

import csv
import json
import os
import random
import signal
import subprocess
import sys
import time

import pytest

from genreclf.augment.fake_server import fake_synopsis
from genreclf.labelling.api import build_cascade
from genreclf.labelling.api import label
from genreclf.labelling.label_file import LabelFile
from genreclf.labelling.label_file import read_labelled

PROVENANCE = {"id", "line", "text", "labels", "stage", "confidence", "threshold", "runner_up"}


def test_provenance_and_unlabelled_rows_kept(texts_csv, genres_yaml, tmp_path):
    out = tmp_path / "labelled.jsonl"
    result = label(
        texts_csv,
        out=out,
        genres=genres_yaml,
        stages=("keywords",),
        thresholds={"keywords": 0.6},
    )
    rows = {r["id"]: r for r in read_labelled(out)}
    assert sorted(rows) == ["a1", "a2", "a3", "a4", "a5", "a6"]  # none dropped
    assert result.by_stage == {"keywords": 4, "unlabelled": 2}
    assert abs(result.coverage - 4 / 6) < 1e-9
    a1 = rows["a1"]
    assert PROVENANCE <= set(a1) and a1["stage"] == "keywords" and a1["labels"] == ["horror"]
    assert a1["confidence"] == round(2 / 3, 6) and a1["threshold"] == 0.6 and a1["line"] == 2
    assert a1["tried"] == [
        {"stage": "keywords", "labels": ["horror"], "confidence": round(2 / 3, 6), "claimed": True}
    ]
    a4 = rows["a4"]
    assert a4["labels"] == [] and a4["stage"] is None and a4["reason"] == "no_stage"


def test_an_llm_stage_without_a_key_is_refused_before_any_row_is_labelled(
    texts_csv, genres_yaml, tmp_path, monkeypatch
):
    from genreclf.errors import ConfigError

    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    out = tmp_path / "labelled.jsonl"
    with pytest.raises(ConfigError, match="OPENAI_API_KEY"):
        label(texts_csv, out=out, genres=genres_yaml, llm="gpt-4o-mini", budget_usd=1.0)
    assert not out.exists()  # the cheap stages did not run first


@pytest.mark.parametrize("where", ["folder", "under_a_file"])
def test_a_cache_that_cannot_be_a_file_is_refused_before_any_row_is_labelled(
    texts_csv, genres_yaml, tmp_path, server, where
):
    # Under a file, it was a FileExistsError at the first paid answer: that answer (and
    # every one in flight) was lost, and a rerun paid for it again.
    from genreclf.errors import ConfigError

    (tmp_path / "folder").mkdir()
    (tmp_path / "notes.txt").write_text("mine\n")
    cache = tmp_path / ("folder" if where == "folder" else "notes.txt/cache.jsonl")
    out = tmp_path / "labelled.jsonl"
    with pytest.raises(ConfigError, match=r"cache must be a file path .*Received: cache="):
        label(
            texts_csv,
            out=out,
            genres=genres_yaml,
            stages=("keywords", "llm"),
            llm="gpt-4o-mini",
            base_url=server.url,
            cache=str(cache),
        )
    assert not out.exists() and server.requests == []


def test_a_rerun_skips_rows_already_written_and_cuts_a_torn_line(texts_csv, genres_yaml, tmp_path):
    out = tmp_path / "labelled.jsonl"
    args = dict(genres=genres_yaml, stages=("keywords",), thresholds={"keywords": 0.6})
    label(texts_csv, out=out, **args)
    lines = out.read_text().splitlines(keepends=True)
    out.write_text("".join(lines[:3]) + lines[3][:20])  # killed while writing row 4
    # A reader (label audit, a script) leaves the unfinished line alone: it may be a
    # live run's row being written.
    assert len(read_labelled(out)) == 3 and out.read_text().endswith(lines[3][:20])
    result = label(texts_csv, out=out, **args)
    assert result.resumed == 3
    ids = [json.loads(line)["id"] for line in out.read_text().splitlines()]
    assert sorted(ids) == ["a1", "a2", "a3", "a4", "a5", "a6"]


def test_a_rerun_on_rows_whose_ids_now_hold_other_texts_is_refused(genres_yaml, tmp_path):
    # Rows without an id column are keyed by line: after the input was sorted, the
    # rerun kept every written label, each now under another text's line.
    from genreclf.errors import ConfigError

    texts = ["A ghost haunts a lighthouse.", "Two rivals fall in love.", "A heist in Rome."]
    data, out = tmp_path / "texts.csv", tmp_path / "labelled.jsonl"
    data.write_text("overview\n" + "\n".join(texts) + "\n", encoding="utf-8")
    args = dict(genres=genres_yaml, stages=("keywords",), out=out)
    label(data, **args)
    assert label(data, **args).resumed == 3  # the same input resumes
    data.write_text("overview\n" + "\n".join(sorted(texts)) + "\n", encoding="utf-8")
    before = out.read_text()
    with pytest.raises(
        ConfigError, match=r"2 of the rows it holds have another text .*line 3: 'Two rivals"
    ) as caught:
        label(data, **args)
    assert "ids are their line numbers" in str(caught.value)
    assert out.read_text() == before
    # The way out it names: drop the changed rows' lines; they are labelled again, the rest kept.
    now = {str(i + 2): text for i, text in enumerate(sorted(texts))}
    kept = [
        line
        for line in before.splitlines()
        if json.loads(line)["text"] == now.get(json.loads(line)["id"])
    ]
    out.write_text("".join(line + "\n" for line in kept), encoding="utf-8")
    assert label(data, **args).resumed == len(kept) == 1
    # With an id column, an edited text is no sorting: the advice says so.
    data.write_text("id,overview\na,A ghost.\nb,A heist.\n", encoding="utf-8")
    out2 = tmp_path / "by_id.jsonl"
    label(data, **{**args, "out": out2})
    data.write_text("id,overview\na,A ghost story.\nb,A heist.\n", encoding="utf-8")
    with pytest.raises(
        ConfigError,
        match=r"Restore the input's texts, write to another --out, or to label the changed",
    ):
        label(data, **{**args, "out": out2})


def test_llm_stage_labels_what_is_left_with_few_shot_and_its_cache(
    texts_csv, genres_yaml, tmp_path, server
):
    out = tmp_path / "labelled.jsonl"
    args = dict(
        genres=genres_yaml,
        stages=("keywords", "llm"),
        thresholds={"keywords": 0.6},
        llm="gpt-4o-mini",
        base_url=server.url,
        budget_usd=1.0,
        concurrency=2,
    )
    result = label(texts_csv, out=out, **args)
    assert result.by_stage == {"keywords": 4, "llm": 2, "unlabelled": 0}
    assert result.llm["sent"] == 2 and result.llm["spent_usd"] > 0
    rows = {r["id"]: r for r in read_labelled(out)}
    llm_row = rows["a4"]
    assert llm_row["stage"] == "llm" and llm_row["labels"][0] in ("horror", "comedy", "western")
    provenance = llm_row["llm"]
    assert provenance["model"] == "gpt-4o-mini" and len(provenance["prompt_hash"]) == 16
    assert provenance["response_id"].startswith("chatcmpl-") and provenance["few_shot"] == 4
    assert [t["stage"] for t in llm_row["tried"]] == ["keywords", "llm"]
    # The few-shot examples are the keyword stage's confident rows, and the cached
    # responses were asked with exactly those prompts.
    assert few_shot_texts(server, genres_yaml, out) == {
        rows[i]["text"] for i in ("a1", "a2", "a3", "a5")
    }
    # A fresh output with the same cache pays for nothing.
    again = label(
        texts_csv, out=tmp_path / "again.jsonl", cache=str(out) + ".llm-cache.jsonl", **args
    )
    assert again.llm["sent"] == 0 and again.llm["cached"] == 2
    assert len(server.requests) == 2


def few_shot_texts(server, genres_yaml, out):
    cached = {
        json.loads(line)["key"] for line in open(str(out) + ".llm-cache.jsonl", encoding="utf-8")
    }
    labeller = build_cascade(genres_yaml, llm="gpt-4o-mini", stages=("llm",)).llm
    rows = read_labelled(out)
    examples = labeller.examples(rows)
    keys = {
        labeller.stage.request(r["id"], r["text"], examples).key("gpt-4o-mini")
        for r in rows
        if r["stage"] == "llm"
    }
    assert keys == cached
    return {text for text, _ in examples}


def test_budget_stop_writes_unlabelled_rows_that_a_rerun_retries(
    texts_csv, genres_yaml, tmp_path, server
):
    out = tmp_path / "labelled.jsonl"
    args = dict(
        genres=genres_yaml,
        stages=("keywords", "llm"),
        thresholds={"keywords": 0.6},
        llm="gpt-4o-mini",
        base_url=server.url,
        concurrency=1,
    )
    first = label(texts_csv, out=out, budget_tokens=1, **args)
    assert first.by_stage["unlabelled"] == 2 and first.llm["stopped"] == "budget"
    assert {r["reason"] for r in read_labelled(out) if not r["labels"]} == {"llm_budget"}
    assert "stopped: the budget was reached" in first.summary()  # said, not only in the file
    # The cap is the job's: the tokens earlier runs spent count against a rerun's.
    server.usage = (300, 20)
    spent = label(texts_csv, out=out, budget_tokens=500, **args)
    assert spent.llm["succeeded"] == 1 and spent.llm["stopped"] == "budget"
    held = label(texts_csv, out=out, budget_tokens=500, **args)
    assert held.llm["sent"] == 0 and held.llm["stopped"] == "budget"  # 320 spent: none fits
    second = label(texts_csv, out=out, budget_tokens=100_000, **args)
    assert second.by_stage == {"keywords": 4, "llm": 2, "unlabelled": 0}
    assert second.llm["sent"] == 1  # the row answered within the first cap is not paid again
    assert "stopped" not in second.summary()
    ids = [json.loads(line)["id"] for line in out.read_text().splitlines()]
    assert len(ids) == len(set(ids)) == 6  # compacted: one row per id


def test_unusable_answers_count_against_a_reruns_budget(texts_csv, genres_yaml, tmp_path, server):
    """An LLM answer that cannot be used is paid for and not cached: the cache records
    its charge, so reruns under one cap do not spend the cap again."""
    server.usage, server.default = (300, 20), "malformed"
    args = dict(
        out=tmp_path / "labelled.jsonl",
        genres=genres_yaml,
        stages=("keywords", "llm"),
        thresholds={"keywords": 0.6},
        llm="gpt-4o-mini",
        base_url=server.url,
        concurrency=1,
        backoff_base=0.0,
        budget_tokens=2000,
    )
    first = label(texts_csv, **args)
    assert first.llm["sent"] == len(server.requests) > 1 and first.by_stage["unlabelled"] == 2
    assert [label(texts_csv, **args).llm["sent"] for _ in range(2)] == [0, 0]
    assert len(server.requests) * 320 <= 2000


def _many_rows_csv(path, n):
    rng = random.Random(0)
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["id", "overview"])
        for i in range(n):
            w.writerow([f"r{i:03d}", fake_synopsis(rng)])


def test_kill_9_mid_run_resumes_without_paying_twice(genres_yaml, tmp_path):
    from genreclf.augment.fake_server import FakeChatServer

    data = tmp_path / "many.csv"
    _many_rows_csv(data, 40)
    out = tmp_path / "labelled.jsonl"
    concurrency = 2
    with FakeChatServer(latency=0.15) as server:
        command = [
            sys.executable,
            "-m",
            "genreclf",
            "label",
            str(data),
            "--genres",
            str(genres_yaml),
            "--stages",
            "keywords,llm",
            "--llm",
            "gpt-4o-mini",
            "--base-url",
            server.url,
            "--concurrency",
            str(concurrency),
            "--out",
            str(out),
            "--quiet",
        ]
        proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.time() + 180  # a loaded machine starts Python slowly
        while len(server.requests) < 8 and time.time() < deadline and proc.poll() is None:
            time.sleep(0.02)
        assert proc.poll() is None, proc.stderr.read().decode()[-2000:]
        assert len(server.requests) >= 8, "the labelling run never reached the LLM stage"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        proc.stderr.close()
        paid_before = len(server.requests)
        written_before = LabelFile(out).rows if out.exists() else {}
        assert 0 < len(written_before) < 40, len(written_before)
        rerun = subprocess.run(command, capture_output=True, text=True, timeout=120)
        assert rerun.returncode == 0, rerun.stderr[-2000:]
        counts = server.counts()
    twice = [h for h, c in counts.items() if c > 1]
    assert len(twice) <= concurrency and all(counts[h] == 2 for h in twice)
    assert len(counts) == 40 - sum(1 for r in written_before.values() if r["stage"] == "keywords")
    assert sum(counts.values()) < paid_before + len(counts)  # the rerun skipped what was paid
    ids = [json.loads(line)["id"] for line in out.read_text().splitlines()]
    assert len(ids) == len(set(ids)) == 40


def test_a_rejected_key_stops_the_llm_stage_with_a_clear_error(
    texts_csv, genres_yaml, tmp_path, server, capsys
):
    from genreclf.cli import main

    server.default = "401"
    out = tmp_path / "labelled.jsonl"
    argv = ["label", str(texts_csv), "--genres", str(genres_yaml), "--stages", "keywords,llm",
            "--thresholds", "keywords=0.6", "--llm", "gpt-4o-mini", "--base-url", server.url,
            "--concurrency", "1", "--out", str(out), "--quiet"]  # fmt: skip
    assert main(argv) == 1
    assert "HTTP 401" in capsys.readouterr().err
    rows = {r["id"]: r for r in read_labelled(out)}
    assert rows["a4"]["labels"] == [] and rows["a4"]["reason"] == "llm_failed"
    assert len(server.requests) == 1  # a 401 is not retried, and stops the other requests


def keywords_then_llm(texts_csv, genres_yaml, out, base_url, **options):
    """`label` with the keywords stage, then the LLM at `base_url`, one request at a time."""
    return label(
        texts_csv,
        out=out,
        genres=genres_yaml,
        stages=("keywords", "llm"),
        thresholds={"keywords": 0.6},
        llm="gpt-4o-mini",
        base_url=base_url,
        concurrency=1,
        backoff_base=0.01,
        **options,
    )


def test_an_llm_server_that_is_not_there_stops_the_stage_after_one_rows_retries(
    texts_csv, genres_yaml, tmp_path, closed_port_url
):
    result = keywords_then_llm(
        texts_csv, genres_yaml, tmp_path / "labelled.jsonl", closed_port_url, max_attempts=3
    )
    assert result.llm["stopped"] == "fatal" and result.llm["sent"] == 3
    assert f"could not connect to {closed_port_url}" in result.llm["error"]
    rows = {r["id"]: r for r in read_labelled(tmp_path / "labelled.jsonl")}
    assert {rows[i]["reason"] for i in ("a4", "a6")} == {"llm_failed"}  # a rerun retries them


def test_an_llm_that_answers_nothing_usable_is_said_and_the_command_fails(
    texts_csv, genres_yaml, tmp_path, server, capsys
):
    # Every answer malformed: every row unlabelled, exit 0, and only "0 answered" to show it.
    from genreclf.cli import main

    server.default = "malformed"
    result = keywords_then_llm(
        texts_csv, genres_yaml, tmp_path / "labelled.jsonl", server.url, max_attempts=2
    )
    assert result.llm_answered_nothing and result.by_stage["llm"] == 0
    assert f"no usable answer: {server.url} answered none of the 4 requests" in result.summary()
    assert "--response-format json_object" in result.summary()
    server.default = "ok"  # a rerun retries the rows and labels them
    again = keywords_then_llm(texts_csv, genres_yaml, tmp_path / "labelled.jsonl", server.url)
    assert not again.llm_answered_nothing and "no usable answer" not in again.summary()
    server.default = "malformed"
    argv = ["label", str(texts_csv), "--text", "overview", "--id", "id", "--genres"]
    argv += [str(genres_yaml), "--stages", "keywords,llm", "--llm", "gpt-4o-mini"]
    argv += ["--base-url", server.url, "--out", str(tmp_path / "cli.jsonl")]
    assert main(argv) == 1
    assert "the LLM stage labelled nothing" in capsys.readouterr().err


def test_llm_errors_are_retried_through_augments_client(texts_csv, genres_yaml, tmp_path, server):
    server.script = ["500", ("429", 0), "malformed"]  # then "ok"
    result = keywords_then_llm(texts_csv, genres_yaml, tmp_path / "labelled.jsonl", server.url)
    assert result.by_stage == {"keywords": 4, "llm": 2, "unlabelled": 0}
    assert result.llm["retries"] == {"5xx": 1, "429": 1, "bad_answer": 1}
    assert result.llm["sent"] == 5 and result.llm["succeeded"] == 2
    assert result.llm["spent_usd"] > 0  # priced without a dollar budget too (it said $0)
