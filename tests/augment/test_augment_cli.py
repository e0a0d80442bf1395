"""`genreclf augment plan|run|audit` (augment.cli.main and `python -m genreclf.augment`)."""

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from genreclf.augment.cli import main

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _env():
    env = dict(os.environ)
    env["PYTHONPATH"] = ROOT + os.pathsep + env.get("PYTHONPATH", "")
    env.pop("OPENAI_API_KEY", None)
    return env


def test_plan_prints_a_table_and_json(corpus_csv, capsys):
    assert main(["plan", str(corpus_csv), "--label", "genre", "--target-count", "10"]) == 0
    out = capsys.readouterr().out
    assert "news" in out and "war" in out and "total" in out and "USD" in out
    assert "nothing to generate" not in out
    assert main(["plan", str(corpus_csv), "--label", "genre", "--target-count", "1"]) == 0
    assert "No genre has fewer than 1 rows: nothing to generate" in capsys.readouterr().out
    assert (
        main(
            [
                "plan",
                str(corpus_csv),
                "--label",
                "genre",
                "--target-count",
                "10",
                "--genres",
                "war",
                "--json",
            ]
        )
        == 0
    )
    plan = json.loads(capsys.readouterr().out)
    assert [c["label"] for c in plan["classes"]] == ["war"]


def test_errors_are_reported_with_exit_code_1(corpus_csv, capsys):
    assert (
        main(
            [
                "plan",
                str(corpus_csv),
                "--label",
                "genre",
                "--target-count",
                "10",
                "--genres",
                "Western",
            ]
        )
        == 1
    )
    assert "Received: genres=['Western']" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["run", str(corpus_csv), "--target-count", "10"])  # --out missing
    capsys.readouterr()
    run = ["run", str(corpus_csv), "--target-count", "10", "--out", "aug.jsonl"]
    for option, value in (("--budget-usd", "0"), ("--budget-tokens", "-5"), ("--concurrency", "0")):
        with pytest.raises(SystemExit):  # refused before any planning
            main([*run, option, value])
        assert f"argument {option}: expected a" in capsys.readouterr().err


def test_a_budget_that_allows_no_request_is_refused_in_python_too():
    from genreclf.augment.budget import Budget
    from genreclf.errors import ConfigError

    with pytest.raises(ConfigError, match=r"max_tokens must be a number above 0.*Received: "):
        Budget(max_tokens=0)
    with pytest.raises(ConfigError, match=r"max_usd must be a number above 0"):
        Budget(max_usd="100")
    assert Budget(max_tokens=1).max_tokens == 1


@pytest.mark.parametrize(
    "option, where",
    [
        ("--out", "folder"),
        ("--out", "under_a_file"),
        ("--cache", "folder"),
        ("--cache", "under_a_file"),
    ],
)
def test_an_out_or_cache_that_cannot_be_a_file_is_refused_before_any_request(
    server, corpus_csv, tmp_path, capsys, option, where
):
    # Were IsADirectoryError / FileExistsError after every request was paid (and a cache
    # that could not be written lost the responses, so a rerun paid for them again).
    (tmp_path / "folder").mkdir()
    (tmp_path / "notes.txt").write_text("mine\n")
    bad = tmp_path / ("folder" if where == "folder" else "notes.txt/cache.jsonl")
    paths = {"--out": str(tmp_path / "aug.jsonl"), option: str(bad)}
    run = ["run", str(corpus_csv), "--label", "genre", "--target-count", "10"]
    run += ["--base-url", server.url, "--out", paths["--out"]]
    assert main([*run, "--cache", paths.get("--cache", str(tmp_path / "c.jsonl"))]) == 1
    err = capsys.readouterr().err
    name = option.strip("-")
    assert f"{name} must be a file path" in err and f"Received: {name}={str(bad)!r}" in err
    assert server.requests == []
    assert (tmp_path / "notes.txt").read_text() == "mine\n"


def test_run_then_audit_with_manual_labels(server, corpus_csv, tmp_path, capsys):
    out = tmp_path / "aug.jsonl"
    code = main(
        [
            "run",
            str(corpus_csv),
            "--label",
            "genre",
            "--target-count",
            "10",
            "--model",
            "gpt-4o-mini",
            "--out",
            str(out),
            "--budget-usd",
            "2",
            "--base-url",
            server.url,
            "--concurrency",
            "4",
            "--per-request",
            "3",
        ]
    )
    assert code == 0
    assert "rows written: 10" in capsys.readouterr().out
    rows = [json.loads(l) for l in open(out)]
    labels = tmp_path / "manual.csv"
    labels.write_text(
        "id,label\n"
        + "".join(f"{r['id']},{r['genre'] if i % 3 else 'drama'}\n" for i, r in enumerate(rows))
    )
    assert main(["audit", str(out), "--labels", str(labels), "--sample", "100", "--json"]) == 0
    res = json.loads(capsys.readouterr().out)
    assert res["n"] == 10 and res["agree"] == 6
    assert res["low"] < 0.6 < res["high"]


def _cache_lines(path):
    if not os.path.exists(path):
        return []
    out = []
    for line in open(path, encoding="utf-8"):
        try:
            out.append(json.loads(line))
        except ValueError:
            pass  # a line torn by the kill
    return out


@pytest.mark.large
def test_resume_after_kill_9_repeats_no_paid_call(server, corpus_csv, tmp_path):
    server.latency = 0.3
    out, cache = tmp_path / "aug.jsonl", tmp_path / "cache.jsonl"
    cmd = [
        sys.executable,
        "-m",
        "genreclf.augment",
        "run",
        str(corpus_csv),
        "--label",
        "genre",
        "--target-count",
        "16",
        "--per-request",
        "2",
        "--model",
        "gpt-4o-mini",
        "--out",
        str(out),
        "--cache",
        str(cache),
        "--base-url",
        server.url,
        "--concurrency",
        "2",
    ]
    proc = subprocess.Popen(
        cmd, cwd=ROOT, env=_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    deadline = time.time() + 180  # start-up may import TensorFlow on a busy machine
    while len(_cache_lines(cache)) < 4 and time.time() < deadline:
        assert proc.poll() is None, proc.communicate()
        time.sleep(0.02)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL
    finished = _cache_lines(cache)
    # news: ceil(12 * 1.2 / 2) = 8 requests, war: ceil(10 * 1.2 / 2) = 6.
    assert 4 <= len(finished) < 14 and not out.exists()
    rerun = subprocess.run(cmd, cwd=ROOT, env=_env(), capture_output=True, text=True, timeout=300)
    assert rerun.returncode == 0, rerun.stderr
    counts = server.counts(status=200)
    # Every response finished before the kill was paid exactly once.
    for entry in finished:
        digest = [h for h in counts if entry["id"] == f"chatcmpl-{h[:24]}"]
        assert len(digest) == 1 and counts[digest[0]] == 1
    # Only requests in flight at the kill (at most --concurrency) were repeated.
    assert len(counts) == 14
    assert sum(counts.values()) - len(counts) <= 2
    rows = [json.loads(l) for l in open(out)]
    assert len(rows) == 12 + 10
    assert len({r["id"] for r in rows}) == len(rows)
    assert len({r["text"] for r in rows}) == len(rows)
    assert f"14 requests planned: {len(finished)} cached" in rerun.stderr
    assert len(_cache_lines(cache)) == 14


def test_run_through_the_batch_api(server, corpus_csv, tmp_path, capsys):
    out = tmp_path / "aug.jsonl"
    assert (
        main(
            [
                "run",
                str(corpus_csv),
                "--label",
                "genre",
                "--target-count",
                "10",
                "--out",
                str(out),
                "--base-url",
                server.url,
                "--batch",
                "--poll-interval",
                "0.01",
            ]
        )
        == 0
    )
    text = capsys.readouterr().out
    assert "batch batch_1: completed" in text and "rows written: 10" in text


def test_a_budget_that_allows_no_request_names_no_output_file(server, corpus_csv, tmp_path, capsys):
    out = tmp_path / "aug.jsonl"
    argv = ["run", str(corpus_csv), "--label", "genre", "--target-count", "10"]
    argv += ["--out", str(out), "--budget-usd", "0.000000001", "--base-url", server.url]
    main(argv)
    text = capsys.readouterr().out
    assert not out.exists()
    assert "rows written: 0 (no response yet: no output file)" in text and "stopped" in text
