"""`genreclf predict` on bad input: one clear error line, never a traceback (issue 11, item 7)."""

import json
import os
import shutil
import subprocess
import sys

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
    code, _, stderr = predict(str(trained_run.path), b"A caf\xe9 story")
    assert_one_clear_error(code, stderr, "UTF-8", "0xe9")


def test_invalid_utf8_stdin(trained_run):
    code, _, stderr = predict(str(trained_run.path), "-", stdin=b"A fine story.\nA caf\xe9 story\n")
    assert_one_clear_error(code, stderr, "stdin:2", "UTF-8")


def test_empty_text_is_an_error(trained_run):
    code, _, stderr = predict(str(trained_run.path), "A ghost story.", "  ")
    assert_one_clear_error(code, stderr, "empty text", "text 2")
    code, _, stderr = predict(str(trained_run.path), "-", stdin=b"A ghost story.\n\nA spy.\n")
    assert_one_clear_error(code, stderr, "stdin:2", "empty text")


def test_nul_byte_is_reported(trained_run):
    code, _, stderr = predict(str(trained_run.path), "-", stdin=b"A ghost\x00 story.\n")
    assert_one_clear_error(code, stderr, "stdin:1", "NUL")


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
