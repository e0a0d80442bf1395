"""`genreclf explain` on a tiny trained run: words per label in the terminal, JSON, HTML."""

import json
import os
import pty
import subprocess
import sys

import pytest

from genreclf.cli import main

TEXT = "A detective hunts a killer through a rainy city."


def test_prints_each_top_label_with_its_words_plain_when_not_a_terminal(trained_run, capsys):
    assert main(["explain", str(trained_run.path), TEXT, "--top-k", "2"]) == 0
    out = capsys.readouterr().out
    assert "\033[" not in out
    lines = out.splitlines()
    assert lines[0] == TEXT
    label_lines = [line for line in lines if "for:" in line]
    assert len(label_lines) == 2
    assert all(line.split()[0] in trained_run.labels for line in label_lines)
    assert "exact" in lines[-1] and "in logit units" in lines[-1]


def test_json_lines_hold_complete_exact_attributions(trained_run, capsys):
    assert main(["explain", str(trained_run.path), TEXT, "A ghost ship.", "--json"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [row["text"] for row in rows] == [TEXT, "A ghost ship."]
    for row in rows:
        assert row["units"] == "logit"
        for label in row["labels"]:
            total = sum(label["attributions"]) + label["unplaced"] + label["baseline"]
            assert abs(total - label["value"]) < 1e-5


def test_a_text_of_no_known_word_is_explained_by_the_bias(trained_run, capsys):
    assert main(["explain", str(trained_run.path), "zzzz qqqq", "--json"]) == 0
    (row,) = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [w["text"] for w in row["words"]] == ["zzzz", "qqqq"] and len(row["labels"]) == 3
    for label in row["labels"]:
        assert label["attributions"] == [0.0, 0.0] and label["unplaced"] == 0.0
        assert label["value"] == label["baseline"]  # the bias: no n-gram of the vocabulary
    assert main(["explain", str(trained_run.path), "zzzz qqqq"]) == 0
    assert "for: -   against: -" in capsys.readouterr().out


def test_html_page_from_a_data_file(trained_run, sample_csv, tmp_path, capsys):
    page = tmp_path / "explain.html"
    code = main(
        [
            "explain",
            str(trained_run.path),
            "--data",
            str(sample_csv),
            "--text",
            "overview",
            "--limit",
            "3",
            "--html",
            str(page),
        ]
    )
    assert code == 0
    assert "wrote" in capsys.readouterr().out
    html = page.read_text(encoding="utf-8")
    assert html.count("<section>") == 3
    assert '<span class="w pos"' in html and '<span class="w neg"' in html


def test_texts_and_data_together_or_neither_is_one_clear_error(trained_run, capsys):
    assert main(["explain", str(trained_run.path)]) != 0
    err = capsys.readouterr().err
    assert "genreclf explain: error" in err and "--data FILE" in err


def test_options_may_come_before_between_or_after_the_texts(trained_run, capsys):
    run = str(trained_run.path)
    assert main(["explain", run, "--json", TEXT, "--top-k", "1", "A ghost ship."]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [row["text"] for row in rows] == [TEXT, "A ghost ship."]
    assert all(len(row["labels"]) == 1 for row in rows)


def test_a_data_file_without_the_runs_label_column_is_explained(trained_run, tmp_path, capsys):
    data = tmp_path / "unlabelled.csv"
    data.write_text('id,overview\n1,"A ghost haunts a lighthouse."\n2,"Two chefs fall in love."\n')
    argv = ["explain", str(trained_run.path), "--data", str(data), "--text", "overview", "--json"]
    assert main(argv) == 0, capsys.readouterr().err
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [row["text"] for row in rows] == [
        "A ghost haunts a lighthouse.",
        "Two chefs fall in love.",
    ]


def test_skip_bad_rows_explains_the_readable_rows_of_a_file(trained_run, tmp_path, capsys):
    data = tmp_path / "latin.csv"
    data.write_bytes(
        b'overview,genre\n"A ghost haunts a lighthouse.",horror\n'
        b'"Caf\xe9 owners fall in love.",romance\n"Two chefs fall in love.",musical\n'
    )  # musical: a genre the run never saw, not a reason to skip a text
    argv = ["explain", str(trained_run.path), "--data", str(data), "--json"]
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert "latin.csv:3" in err and "--skip-bad-rows" in err  # the fix it names ...
    assert main([*argv, "--skip-bad-rows"]) == 0, capsys.readouterr().err  # ... exists
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [row["text"] for row in rows] == [
        "A ghost haunts a lighthouse.",
        "Two chefs fall in love.",
    ]


@pytest.mark.large  # a second process loading TensorFlow: 5-25 s
def test_colour_on_a_real_terminal(trained_run):
    """A pseudo-terminal as stdout: words come out in ANSI green and red."""
    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    env["TF_CPP_MIN_LOG_LEVEL"] = "3"
    leader, follower = pty.openpty()
    command = [sys.executable, "-m", "genreclf", "explain", str(trained_run.path), TEXT]
    process = subprocess.Popen(command, stdout=follower, stderr=subprocess.DEVNULL, env=env)
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 4096)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(leader)
    assert process.wait(timeout=600) == 0
    out = b"".join(chunks).decode("utf-8")
    assert "\033[1;32m" in out  # each label's strongest word, bold green
    assert "\033[31m" in out or "\033[1;31m" in out
