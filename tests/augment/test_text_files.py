"""Binary (non-UTF-8) files given to `genreclf augment`: one line naming file and line, exit 1."""

import gzip
import json
import os
import subprocess
import sys

import pytest

from genreclf.augment.audit import read_rows
from genreclf.augment.text_files import read_text
from genreclf.cli import main
from genreclf.data import load_dataset
from genreclf.errors import DataError

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ROWS = [{"id": f"r{i}", "text": f"text {i}", "genre": "war"} for i in range(3)]


def jsonl(rows):
    return "".join(json.dumps(row) + "\n" for row in rows).encode("utf-8")


@pytest.fixture
def rows_path(tmp_path):
    path = tmp_path / "aug.jsonl"
    path.write_bytes(jsonl(ROWS))
    return path


@pytest.fixture
def labels_path(tmp_path):
    path = tmp_path / "labels.csv"
    path.write_text("id,label\nr0,war\nr1,news\n")
    return path


@pytest.fixture
def binary_path(tmp_path):
    """A gzip file (bytes 1f 8b ...): what `aug.jsonl.gz` passed by mistake holds."""
    path = tmp_path / "aug.jsonl.gz"
    path.write_bytes(gzip.compress(jsonl(ROWS), mtime=0))
    return path


def _one_line(err):
    assert "Traceback" not in err and "UnicodeDecodeError" not in err, err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    return lines[0]


def test_audit_of_a_binary_file_through_the_command_line(binary_path, labels_path):
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.run(
        [sys.executable, "-m", "genreclf", "augment", "audit", str(binary_path)]
        + ["--labels", str(labels_path)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 1, proc.stderr
    line = _one_line(proc.stderr)
    assert line.startswith(
        f"genreclf augment audit: error: {binary_path}:1: text is not valid UTF-8. "
    )
    assert "Expected the JSONL `genreclf augment run` writes (--out)" in line
    assert "Received: byte 0x8b at byte offset 1 of line 1" in line


def test_a_binary_line_later_in_the_rows_is_named(tmp_path, labels_path, capsys):
    path = tmp_path / "aug.jsonl"
    path.write_bytes(jsonl(ROWS[:2]) + b"\x89PNG\r\n\x1a\n")
    assert main(["augment", "audit", str(path), "--labels", str(labels_path)]) == 1
    line = _one_line(capsys.readouterr().err)
    assert (
        f"{path}:3: text is not valid UTF-8" in line
        and "byte 0x89 at byte offset 0 of line 3" in line
    )


def test_a_binary_labels_file_is_named(rows_path, binary_path, capsys):
    assert main(["augment", "audit", str(rows_path), "--labels", str(binary_path)]) == 1
    line = _one_line(capsys.readouterr().err)
    assert f"{binary_path}:1: text is not valid UTF-8. Expected a CSV of manual labels" in line


def test_a_binary_prices_or_template_file_is_named(corpus_csv, binary_path, tmp_path, capsys):
    plan = ["plan", str(corpus_csv), "--label", "genre", "--target-count", "10"]
    assert main(["augment", *plan, "--prices", str(binary_path)]) == 1
    line = _one_line(capsys.readouterr().err)
    assert f"{binary_path}:1: text is not valid UTF-8. Expected a JSON price file" in line
    run = ["run", *plan[1:], "--out", str(tmp_path / "o.jsonl")]
    run += ["--base-url", "http://127.0.0.1:9/v1", "--template", str(binary_path)]
    assert main(["augment", *run]) == 1
    line = _one_line(capsys.readouterr().err)
    assert f"{binary_path}:1: text is not valid UTF-8. Expected a prompt template file" in line


def test_read_rows_keeps_reading_utf8_rows(tmp_path):
    path = tmp_path / "aug.jsonl"
    path.write_bytes(jsonl(ROWS).replace(b"\n", b"\r\n") + b"\n")
    assert read_rows(path) == ROWS
    path.write_bytes(jsonl(ROWS[:1]) + b'{"text": "caf\xe9"}\n')
    with pytest.raises(DataError, match=r"aug\.jsonl:2: text is not valid UTF-8"):
        read_rows(path)


def test_augment_and_the_data_readers_word_it_alike(tmp_path):
    path = tmp_path / "m.csv"
    path.write_bytes(b"text,label\ncaf\xe9,x\n")
    with pytest.raises(DataError) as data_error:
        load_dataset(path)
    with pytest.raises(DataError) as augment_error:
        read_text(path, "a CSV file")
    for error in (str(data_error.value), str(augment_error.value)):
        assert error.startswith(f"{path}:2: ") and "text is not valid UTF-8. Expected " in error
        assert "Received: byte 0xe9 at byte offset 3 of line 2." in error
        assert (
            "e-save the file as UTF-8 (for a Latin-1 file, `iconv -f latin1 -t utf-8 m.csv" in error
        )
