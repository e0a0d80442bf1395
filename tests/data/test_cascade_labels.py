"""`load_cascade_labels`: text `genreclf label` wrote that is not valid Unicode."""

import json

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
    assert "--skip-bad-rows" not in message  # this reader does not skip rows
    assert message.endswith("Fix the escape (write the whole pair, or the character itself).")


def test_lone_surrogate_in_a_label(tmp_path):
    path = write_rows(tmp_path / "labelled.jsonl", [row("1", "A.", labels=("hor\ud83cror",))])
    with pytest.raises(DataError, match=r"labelled\.jsonl:1: field 'labels': .*lone surrogate"):
        load_cascade_labels(path)


def test_bytes_that_are_not_utf8_name_line_and_field(tmp_path):
    path = write_rows(tmp_path / "labelled.jsonl", [row("1", "A ghost."), row("2", "A heist.")])
    path.write_bytes(path.read_bytes().replace(b"A heist", b"A h\xe9ist"))
    with pytest.raises(DataError, match=r":2: field 'text': text is not valid UTF-8: byte 0xe9"):
        load_cascade_labels(path)


def test_unlabelled_rows_are_left_out_whatever_their_text(tmp_path):
    rows = [row("1", "A ghost."), row("2", "x \udfac", labels=())]
    ds = load_cascade_labels(write_rows(tmp_path / "labelled.jsonl", rows))
    assert ds.texts == ["A ghost."]
    assert ds.skipped == {"unlabelled": 1}
