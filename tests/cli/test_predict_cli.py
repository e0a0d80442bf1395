"""`genreclf predict` on bad input: one clear error line, never a traceback (issue 11, item 7)."""

import io
import json
import os
import shutil
import subprocess
import sys

import pytest

from genreclf.data.utf8 import STDIN
from genreclf.data.utf8 import not_utf8_file_error
from genreclf.errors import ConfigError

ENV = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"}


def predict(*args, stdin=None):
    command = [sys.executable, "-m", "genreclf", "predict", *args]
    result = subprocess.run(command, capture_output=True, env=ENV, input=stdin, timeout=600)
    return (
        result.returncode,
        result.stdout.decode("utf-8", "replace"),
        result.stderr.decode("utf-8", "replace"),
    )


def error_lines(stderr):
    return [line for line in stderr.splitlines() if line.startswith("genreclf predict: error")]


def assert_one_clear_error(code, stderr, *words):
    assert code != 0
    assert "Traceback" not in stderr, stderr
    (line,) = error_lines(stderr)
    for word in words:
        assert word in line, line


def test_invalid_utf8_argument(trained_run):
    code, _, stderr = predict(str(trained_run.path), "A ghost.", b"A caf\xe9 story")
    assert_one_clear_error(
        code,
        stderr,
        "text 2: text is not valid UTF-8. Expected UTF-8 text. Received: byte 0xe9 at byte "
        "offset 5 of text 2.",
    )


def test_invalid_utf8_stdin_is_worded_as_the_data_readers_word_it(trained_run):
    # predict had its own wording ("stdin:2: not valid UTF-8: byte 0xe9 at byte 6");
    # the readers and augment share genreclf.data.utf8's: line, byte, offset, the fix.
    stdin = b"A fine story.\r\nA caf\xe9 story\r\nA spy.\n"
    code, stdout, stderr = predict(str(trained_run.path), "-", stdin=stdin)
    assert_one_clear_error(code, stderr)
    expected = not_utf8_file_error(STDIN, (2, 0xE9, 5), "one synopsis per line")
    assert error_lines(stderr) == [f"genreclf predict: error: {expected}"]
    assert error_lines(stderr)[0].startswith(
        "genreclf predict: error: <stdin>:2: text is not valid UTF-8. Expected one synopsis "
        "per line, as UTF-8 text. Received: byte 0xe9 at byte offset 5 of line 2. Binary "
        "data, or text in another encoding: check what is piped in, or convert it to UTF-8 "
        "on its way in (for Latin-1 text, `iconv -f latin1 -t utf-8 FILE | ...`)."
    )
    assert stdout == ""  # nothing predicted from the lines before it


def test_a_utf16_file_piped_in_names_its_first_byte(trained_run):
    stdin = "A ghost story.\n".encode("utf-16")  # b"\xff\xfeA\x00..."
    code, _, stderr = predict(str(trained_run.path), "-", "--json", stdin=stdin)
    assert_one_clear_error(
        code, stderr, "<stdin>:1: text is not valid UTF-8.", "byte 0xff at byte offset 0"
    )


def test_empty_text_is_an_error(trained_run):
    code, _, stderr = predict(str(trained_run.path), "A ghost story.", "  ")
    assert_one_clear_error(code, stderr, "empty text", "text 2")
    code, _, stderr = predict(str(trained_run.path), "-", stdin=b"A ghost story.\n\nA spy.\n")
    assert_one_clear_error(code, stderr, "<stdin>:2: empty text")


def test_a_blank_text_is_shown_as_received():
    # It said "empty text. Every synopsis needs some text; remove the empty one." for a text
    # of spaces too, without what was received.
    from genreclf.cli.predict import argument_texts
    from genreclf.cli.predict import stdin_texts
    from genreclf.errors import DataError

    with pytest.raises(DataError) as caught:
        argument_texts(["A ghost story.", " \t "])
    assert str(caught.value) == (
        "text 2: empty text. Expected a synopsis with some words. Received: ' \\t ' (only "
        "spaces or invisible marks). Remove the argument or fill it in."
    )
    with pytest.raises(DataError) as caught:  # zero-width: it was named as texts[0] only
        stdin_texts(io.BytesIO("\u200b\nA ghost story.\n".encode()))
    assert str(caught.value).startswith(
        "<stdin>:1: empty text. Expected a synopsis with some words. Received: '\\u200b' (only"
    )
    with pytest.raises(DataError) as caught:
        stdin_texts(io.BytesIO(b"A ghost story.\n\n"))
    assert str(caught.value) == (
        "<stdin>:2: empty text. Expected a synopsis with some words. Received: ''. Remove the "
        "line or fill it in."
    )


def test_empty_stdin_is_an_error_not_silent_success(monkeypatch, capsys):
    # Read before the run loads: no run folder is needed to tell there is nothing to score.
    from genreclf.cli import main

    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(b"")))
    assert main(["predict", "no/such/run", "-"]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith(
        "genreclf predict: error: <stdin>: no texts: standard input was empty. Expected one "
        "synopsis per line. Received: 0 lines."
    )


def test_nul_byte_is_reported(trained_run):
    code, _, stderr = predict(str(trained_run.path), "-", stdin=b"A ghost\x00 story.\n")
    assert_one_clear_error(code, stderr, "<stdin>:1: the text holds a NUL byte")


def test_truncated_model_file(trained_run, tmp_path):
    broken = tmp_path / "run"
    shutil.copytree(trained_run.path, broken)
    model = broken / "model.keras"
    model.write_bytes(model.read_bytes()[: model.stat().st_size // 2])
    code, _, stderr = predict(str(broken), "A ghost story.")
    assert_one_clear_error(code, stderr, "model.keras", "damaged")


def test_good_input_still_predicts(trained_run):
    code, stdout, stderr = predict(str(trained_run.path), "A caf\u00e9 story about a ghost.")
    assert code == 0, stderr
    assert "labels:" in stdout


def test_top_k_under_one_is_a_usage_error():
    for value in ("0", "-1"):
        code, _, stderr = predict("no/such/run", "--top-k", value, "A ghost story.")
        assert code == 2 and "Traceback" not in stderr
        assert (
            "genreclf predict: error: argument --top-k: expected a whole number of at least 1"
            in (stderr)
        )
        assert f"Received: '{value}'" in stderr


def test_options_may_come_between_the_texts(trained_run):
    run = str(trained_run.path)
    code, stdout, stderr = predict(run, "A ghost story.", "--json", "A spy.", "--top-k", "1")
    assert code == 0, stderr
    rows = [json.loads(line) for line in stdout.splitlines()]
    assert [row["text"] for row in rows] == ["A ghost story.", "A spy."]
    assert all(len(row["top_labels"]) == 1 for row in rows)


def test_a_text_that_names_a_file_is_scored_with_a_warning(tmp_path, monkeypatch, caplog):
    from genreclf.cli.predict import argument_texts

    (tmp_path / "test.csv").write_text("overview,genre\nA ghost.,horror\n")
    monkeypatch.chdir(tmp_path)
    assert argument_texts(["test.csv", "A ghost story."]) == ["test.csv", "A ghost story."]
    (record,) = caplog.records
    assert record.levelname == "WARNING" and "text 1 ('test.csv') is the name of a file" in (
        record.getMessage()
    )
    assert "pass it with --data FILE to `genreclf explain` or `genreclf evaluate`" in (
        record.getMessage()
    )
    assert "`genreclf predict RUN - < FILE`" in record.getMessage()
    caplog.clear()
    argument_texts(["missing.csv"])  # no such file: an odd synopsis, scored in silence
    assert not caplog.records


def test_a_hybrid_run_takes_its_features_as_flags(trained_hybrid_run):
    run = trained_hybrid_run
    text = "A detective hunts a killer through a rainy city."
    code, _, stderr = predict(str(run.path), text)
    assert_one_clear_error(code, stderr, "hybrid run", "['year']", "--feature year=VALUE")
    code, _, stderr = predict(str(run.path), text, "--feature", "year=soon")
    assert_one_clear_error(code, stderr, "'year' is numeric", "a finite number")
    code, _, stderr = predict(str(run.path), text, "--feature", "yaer=1994")
    assert_one_clear_error(code, stderr, "no feature 'yaer'", "['year']")
    code, stdout, stderr = predict(str(run.path), text, "--feature", "year=1994", "--json")
    assert code == 0, stderr
    expected = run.predict([text], features={"year": [1994.0]})[0]
    assert json.loads(stdout)["top_scores"] == expected["top_scores"]
    # In Python, the features left out or not one per text are refused as clearly.
    with pytest.raises(ConfigError, match=r"also reads the features \['year'\].*features=None"):
        run.predict([text])
    with pytest.raises(ConfigError, match=r"features\['year'\] must hold one value per text"):
        run.predict([text, text], features={"year": 1994.0})


def test_texts_are_scored_and_printed_a_chunk_at_a_time(trained_run, monkeypatch, capsys):
    # All results were built before the first was printed: memory grew with every line.
    from genreclf.cli import main
    from genreclf.run import Run

    sizes = []
    predict_all = Run.predict_names  # the class names, as the served model answers

    def counted(self, texts, **kwargs):
        sizes.append(len(texts))
        return predict_all(self, texts, **kwargs)

    monkeypatch.setattr(Run, "predict_names", counted)
    monkeypatch.setattr("genreclf.cli.predict.CHUNK", 2)
    lines = [f"A ghost story, part {i}." for i in range(5)]
    stdin = "".join(f"{line}\n" for line in lines).encode()
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(stdin)))
    assert main(["predict", str(trained_run.path), "-", "--json", "--top-k", "1"]) == 0
    assert sizes == [2, 2, 1]
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [row["text"] for row in rows] == lines
    assert rows[4]["top_labels"] == trained_run.predict(lines[4], top_k=1)[0]["top_labels"]


def test_a_reader_that_stops_early_ends_the_command_quietly(trained_run):
    # `genreclf predict RUN - < many.txt | head -1` said "error: A file operation failed:
    # Broken pipe. Check the paths given on the command line" and exited 1.
    command = [sys.executable, "-m", "genreclf", "predict", str(trained_run.path), "-", "--json"]
    stdin = b"A ghost story about a lighthouse keeper.\n" * 5000
    process = subprocess.Popen(
        command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=ENV
    )
    process.stdin.write(stdin)
    process.stdin.close()
    assert json.loads(process.stdout.readline())["text"].startswith("A ghost story")
    process.stdout.close()
    stderr = process.stderr.read().decode("utf-8", "replace")
    assert process.wait(timeout=600) == 0, stderr
    assert "error" not in stderr and "Traceback" not in stderr, stderr
