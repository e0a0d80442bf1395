"""`load_cascade_labels`: bad rows in what `genreclf label` wrote, named by line and field."""

import json
import logging

import pytest

from genreclf.data.cascade_labels import load_cascade_labels
from genreclf.errors import DataError


def row(row_id, text, labels=("horror",)):
    return {
        "id": row_id,
        "text": text,
        "labels": list(labels),
        "stage": "keywords",
        "confidence": 0.9,
        "tried": [],
    }


def write_rows(path, rows):
    path.write_bytes(b"".join(json.dumps(r).encode() + b"\n" for r in rows))
    return path


def test_lone_surrogate_names_line_and_field(tmp_path):
    rows = [row("1", "A ghost."), row("2", "A heist \ud800."), row("3", "x \udfac", labels=())]
    path = write_rows(tmp_path / "labelled.jsonl", rows)
    with pytest.raises(DataError) as info:
        load_cascade_labels(path)
    message = str(info.value)
    assert message.startswith(f"{path}:2: field 'text': text is not valid Unicode: a lone")
    assert message.endswith(
        "Fix the escape (write the whole pair, or the character itself), or pass "
        "skip_bad_rows=True (`--skip-bad-rows`) to skip such rows."
    )
    ds = load_cascade_labels(path, skip_bad_rows=True)
    assert ds.texts == ["A ghost."]
    assert ds.skipped == {"invalid_utf8": 1, "unlabelled": 1}


def test_lone_surrogate_in_a_label(tmp_path):
    path = write_rows(tmp_path / "labelled.jsonl", [row("1", "A.", labels=("hor\ud83cror",))])
    with pytest.raises(DataError, match=r"labelled\.jsonl:1: field 'labels': .*lone surrogate"):
        load_cascade_labels(path)


def test_bytes_that_are_not_utf8_name_line_and_field(tmp_path):
    path = write_rows(tmp_path / "labelled.jsonl", [row("1", "A ghost."), row("2", "A heist.")])
    path.write_bytes(path.read_bytes().replace(b"A heist", b"A h\xe9ist"))
    with pytest.raises(DataError, match=r":2: field 'text': text is not valid UTF-8\..* byte 0xe9"):
        load_cascade_labels(path)


def test_unlabelled_rows_are_left_out_whatever_their_text(tmp_path, caplog):
    rows = [row("1", "A ghost."), row("2", "x \udfac", labels=())]
    caplog.set_level(logging.INFO, logger="genreclf.data")
    ds = load_cascade_labels(write_rows(tmp_path / "labelled.jsonl", rows))
    assert ds.texts == ["A ghost."]
    assert ds.skipped == {"unlabelled": 1}
    # left out by design, but said: how many were kept, and why the others were not
    assert "Kept 1 of the 2 rows of" in caplog.text
    assert "left out 1 unlabelled (the cascade decided no genre)." in caplog.text


def test_rows_under_min_confidence_are_counted_in_the_log(tmp_path, caplog):
    rows = [row("1", "A ghost."), {**row("2", "A heist."), "confidence": 0.5}]
    caplog.set_level(logging.INFO, logger="genreclf.data")
    ds = load_cascade_labels(write_rows(tmp_path / "l.jsonl", rows), min_confidence=0.8)
    assert ds.texts == ["A ghost."] and ds.skipped == {"below_min_confidence": 1}
    assert "left out 1 below --min-confidence 0.8." in caplog.text


@pytest.mark.parametrize(
    "text, expected",
    [
        (None, "missing text (null)."),
        (5, "expected the text as a string. Received: 5."),
        (["A", "ghost"], 'expected the text as a string. Received: ["A", "ghost"].'),
        ("   ", "empty text."),
        ("\u200b\u200d", "empty text."),  # zero-width: only TextDataset refused it, unskippable
    ],
)
def test_bad_text_names_file_line_and_field(tmp_path, text, expected):
    path = write_rows(tmp_path / "labelled.jsonl", [row("1", "A ghost."), row("2", text)])
    with pytest.raises(DataError) as info:
        load_cascade_labels(path)
    assert str(info.value).startswith(f"{path}:2: field 'text': {expected}")
    assert "--skip-bad-rows" in str(info.value)


@pytest.mark.parametrize(
    "row_id, expected",
    [
        (["1", "2"], 'Received: ["1", "2"].'),
        ({"a": 1}, 'Received: {"a": 1}.'),
        (None, "Received: null."),
        (True, "Received: true."),
    ],
)
def test_an_id_that_is_not_a_string_names_file_line_and_field(tmp_path, row_id, expected):
    path = write_rows(tmp_path / "labelled.jsonl", [row("1", "A ghost."), row(row_id, "A heist.")])
    with pytest.raises(DataError) as info:
        load_cascade_labels(path)
    message = str(info.value)
    assert message.startswith(f"{path}:2: field 'id': expected the row's id as a string."), message
    assert expected in message


def test_bad_labels_and_confidence_name_their_field(tmp_path):
    bad_labels = dict(row("2", "A heist."), labels="crime")  # a string, not a list
    bad_confidence = dict(row("3", "A war."), confidence="high")
    path = write_rows(tmp_path / "labelled.jsonl", [row("1", "A ghost."), bad_labels])
    with pytest.raises(DataError, match=r":2: field 'labels': expected the labels as a list"):
        load_cascade_labels(path)
    path = write_rows(tmp_path / "labelled.jsonl", [row("1", "A ghost."), bad_confidence])
    with pytest.raises(DataError, match=r":2: field 'confidence': expected the confidence as a"):
        load_cascade_labels(path)


def test_skip_bad_rows_counts_and_logs_them(tmp_path, caplog):
    rows = [row("1", "A ghost."), row("2", None), row(["3"], "A war."), row("4", "A heist.")]
    path = write_rows(tmp_path / "labelled.jsonl", rows)
    with path.open("a") as f:
        f.write("not json\n")
    with caplog.at_level(logging.WARNING, logger="genreclf.data"):
        ds = load_cascade_labels(path, skip_bad_rows=True)
    assert ds.texts == ["A ghost.", "A heist."] and ds.lines == [1, 4]
    assert ds.skipped == {"invalid_json": 1, "malformed_line": 1, "missing_value": 1}
    messages = [r.getMessage() for r in caplog.records]
    assert f"{path}:2: field 'text': missing text (null)." in messages[-2]
    assert (
        messages[-1]
        == f"Skipped 3 bad row(s) in {path}: invalid_json=1, malformed_line=1, missing_value=1"
    )


def test_a_bad_row_rewritten_later_is_not_an_error(tmp_path):
    # The newest row of an id wins: a rerun of `genreclf label` replaces the bad one.
    rows = [row("1", None), row("2", "A heist."), row("1", "A ghost.")]
    ds = load_cascade_labels(write_rows(tmp_path / "labelled.jsonl", rows))
    assert ds.texts == ["A ghost.", "A heist."] and ds.lines == [3, 2]
