"""`genreclf explain` on a tiny trained run: words per label in the terminal, JSON, HTML."""

import io
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


@pytest.mark.parametrize("where", ["folder", "under_a_file"])
def test_an_html_path_that_cannot_be_written_is_refused_before_explaining(
    where, trained_run, tmp_path, monkeypatch, capsys
):
    # The page is written last: a folder there failed after every text was explained.
    import genreclf.explaining

    def never(*args, **kwargs):
        raise AssertionError("explained before checking --html")

    monkeypatch.setattr(genreclf.explaining, "explain", never)
    (tmp_path / "a_file").write_text("x")
    html = str(tmp_path) if where == "folder" else str(tmp_path / "a_file" / "e.html")
    assert main(["explain", str(trained_run.path), TEXT, "--html", html]) == 1
    err = capsys.readouterr().err
    assert f"Received: --html {html!r}" in err and "Pass a file name" in err, err


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


@pytest.mark.parametrize(
    "name, content, where, words",
    [
        ("ragged.csv", "overview,year\nA ghost.,1999\nA heist.,2000,extra\n", 3, "found 3"),
        ("latin.csv", b"overview\nA ghost.\nA caf\xe9 heist.\n", 3, "not valid UTF-8"),
        ("mixed.jsonl", '{"overview": "A ghost."}\n[1]\n', 2, "a JSON list"),
        ("number.ndjson", '{"overview": "A ghost."}\n{"overview": 1999}\n', 2, "as a string"),
        ("cells.csv", 'overview\n"A ghost.\n\nhaunts."\n""\n', 5, "empty text"),
    ],
)
def test_bad_rows_of_an_unlabelled_file_are_named_or_skipped(
    trained_run, tmp_path, capsys, name, content, where, words
):
    data = tmp_path / name
    data.write_bytes(content.encode() if isinstance(content, str) else content)
    argv = ["explain", str(trained_run.path), "--data", str(data), "--json"]
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert f"genreclf explain: error: {data}:{where}: " in err and words in err
    assert "--skip-bad-rows" in err and "Traceback" not in err
    assert main([*argv, "--skip-bad-rows"]) == 0, capsys.readouterr().err
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [row["text"] for row in rows] == [
        "A ghost.\n\nhaunts." if "cells" in name else "A ghost."
    ]


def test_kaggle_test_lines_without_genre_are_explained(trained_run, tmp_path, capsys, caplog):
    data = tmp_path / "test_data.txt"
    data.write_text("1 ::: Heat ::: A heist in the city.\n2 ::: X ::: A ghost haunts a house.\n")
    assert main(["explain", str(trained_run.path), "--data", str(data), "--json"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [row["text"] for row in rows] == ["A heist in the city.", "A ghost haunts a house."]
    assert "reading the texts from its column 'description'" in caplog.text


def test_labels_of_a_data_file_are_not_read(trained_run, tmp_path, capsys):
    data = tmp_path / "labels.csv"  # a blank label, and one the run never saw
    data.write_text("overview,genre\nA ghost.,\nA heist.,musical\n")
    argv = ["explain", str(trained_run.path), "--data", str(data), "--json", "--limit", "1"]
    assert main(argv) == 0, capsys.readouterr().err
    assert [json.loads(line)["text"] for line in capsys.readouterr().out.splitlines()] == [
        "A ghost."
    ]


@pytest.mark.parametrize("html", [False, True])
def test_no_texts_is_one_clear_error(trained_run, tmp_path, monkeypatch, capsys, html):
    page = ["--html", str(tmp_path / "page.html")] if html else []
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(b"")))
    assert main(["explain", str(trained_run.path), "-", *page]) == 1
    err = capsys.readouterr().err
    assert "genreclf explain: error: <stdin>: no texts: standard input was empty." in err
    data = tmp_path / "header.csv"
    data.write_text("overview\n")
    assert main(["explain", str(trained_run.path), "--data", str(data), *page]) == 1
    err = capsys.readouterr().err
    assert f"genreclf explain: error: {data}: no texts: the file has no rows." in err
    assert not (tmp_path / "page.html").exists()


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


@pytest.mark.parametrize("flag", ["--top-k", "--words", "--steps", "--limit"])
def test_a_count_under_one_is_a_usage_error_as_in_predict(flag, capsys):
    # explain said "--top-k must be at least 1" with exit 1; predict --top-k 0 is argparse's 2.
    with pytest.raises(SystemExit) as exit:
        main(["explain", "no/such/run", "A ghost.", flag, "0"])
    assert exit.value.code == 2
    err = capsys.readouterr().err
    assert f"genreclf explain: error: argument {flag}: expected a whole number of at least 1" in err
    assert "Received: '0'" in err


def test_texts_are_explained_and_printed_a_chunk_at_a_time(trained_run, monkeypatch, capsys):
    # Every text of stdin was explained before the first was printed (2,000 lines: minutes
    # of silence), and `| head` ended in "error: ... Broken pipe. Check the paths ...".
    import genreclf.explaining

    sizes = []
    explain_all = genreclf.explaining.explain

    def counted(run, texts, **kwargs):
        sizes.append(len(texts))
        return explain_all(run, texts, **kwargs)

    monkeypatch.setattr(genreclf.explaining, "explain", counted)
    monkeypatch.setattr("genreclf.cli.explain.CHUNK", 2)
    lines = [f"A ghost story, part {i}." for i in range(5)]
    stdin = "".join(f"{line}\n" for line in lines).encode()
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(stdin)))
    assert main(["explain", str(trained_run.path), "-", "--json", "--top-k", "1"]) == 0
    assert sizes == [2, 2, 1]
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [row["text"] for row in rows] == lines


def test_a_reader_that_stops_early_ends_the_command_quietly(trained_run):
    command = [sys.executable, "-m", "genreclf", "explain", str(trained_run.path), "-"]
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"}
    process = subprocess.Popen(
        command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env
    )
    process.stdin.write(b"A ghost story about a lighthouse keeper.\n" * 100)
    process.stdin.close()
    assert process.stdout.readline().startswith(b"A ghost story")
    process.stdout.close()
    stderr = process.stderr.read().decode("utf-8", "replace")
    assert process.wait(timeout=600) == 0, stderr
    assert "error" not in stderr and "Traceback" not in stderr, stderr


def test_data_from_standard_input_is_refused_naming_what_reads_it(capsys):
    # "-: File not found. Check the path": '-' reads stdin for texts, not for --data.
    assert main(["explain", "no/such/run", "--data", "-"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("genreclf explain: error: --data takes a file of rows; standard input")
    assert "as `genreclf explain RUN -`" in err
    assert main(["evaluate", "no/such/run", "--data", "-"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("genreclf evaluate: error: --data takes a labelled file; standard input")


def test_a_hybrid_run_takes_its_features_as_flags_as_in_predict(
    trained_run, trained_hybrid_run, sample_csv, capsys
):
    import genreclf

    run = trained_hybrid_run
    assert main(["explain", str(run.path), TEXT]) != 0
    err = capsys.readouterr().err
    assert "--feature year=VALUE" in err and "rows of a file with their own values" in err
    assert main(["explain", str(run.path), TEXT, "--feature", "year=1994", "--json"]) == 0
    (row,) = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    (expected,) = genreclf.explain(run, [TEXT], features={"year": [1994.0]})
    assert row == json.loads(json.dumps(expected.to_dict()))
    (other,) = genreclf.explain(run, [TEXT], features={"year": [1920.0]})
    assert other.to_dict()["labels"] != row["labels"]  # the value given is the one explained
    # A file's rows bring their own values; a text-only run has no feature to take.
    code = main(["explain", str(run.path), "--data", str(sample_csv), "--feature", "year=1"])
    assert code != 0 and "with their own feature columns" in capsys.readouterr().err
    assert main(["explain", str(trained_run.path), TEXT, "--feature", "year=1994"]) != 0
    assert "no feature 'year'" in capsys.readouterr().err


def test_data_is_read_in_the_runs_format_by_the_public_rule(tmp_path):
    # explain imported genreclf.evaluation's private _format_for, and training's reading
    # had its own: each now calls genreclf.data.read_options.recorded_format.
    import inspect
    import types

    import genreclf.evaluation
    import genreclf.training.reading
    from genreclf.cli import explain

    for module in (explain, genreclf.evaluation, genreclf.training.reading):
        assert not hasattr(module, "_format_for")
    assert "from genreclf.evaluation import _" not in inspect.getsource(explain)
    (tmp_path / "test.tsv").write_text('text\n"Quoted" start\n')  # a quote read as it is
    config = {"format": "tsv-unquoted", "data": "train.tsv", "text": "text"}
    run = types.SimpleNamespace(config=config)
    assert explain._file_texts(run, tmp_path / "test.tsv", None, 5) == (['"Quoted" start'], None)
