"""`read_unlabelled`: texts of files with or without labels, through genreclf's record readers."""

import logging

import numpy as np
import pytest

from genreclf.data.unlabelled import read_unlabelled
from genreclf.errors import ConfigError
from genreclf.errors import DataError


def write(tmp_path, name, content):
    path = tmp_path / name
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return path


def texts(examples):
    return [(e.line, e.text) for e in examples]


def test_lines_count_multi_line_cells_and_labels_are_not_read(tmp_path):
    path = write(
        tmp_path,
        "m.csv",
        'overview,genre\n"A ghost haunts\na house.",horror\nA heist.,\nA duel.,never-seen\n',
    )
    examples = read_unlabelled(path)
    assert texts(examples) == [(2, "A ghost haunts\na house."), (4, "A heist."), (5, "A duel.")]
    assert all(e.labels == [] for e in examples)


@pytest.mark.parametrize(
    "name, content, where, words",
    [
        ("r.csv", "overview,year\nA ghost.,1999\nA heist.,2000,extra\n", "r.csv:3", "found 3"),
        ("u.csv", b"overview\nA caf\xe9 ghost.\nA heist.\n", "u.csv:2", "not valid UTF-8"),
        ("b.csv", 'overview\n"A ghost\n\nhaunts."\n""\n', "b.csv:5", "empty text"),
        ("l.jsonl", '{"overview": "A ghost."}\n[1]\n', "l.jsonl:2", "a JSON list"),
        ("n.jsonl", '{"overview": "A ghost."}\n{"overview": 7}\n', "n.jsonl:2", "as a string"),
    ],
)
def test_a_bad_row_is_named_or_skipped_with_skip_bad_rows(
    tmp_path, caplog, name, content, where, words
):
    path = write(tmp_path, name, content)
    with pytest.raises(DataError, match="skip-bad-rows") as error:
        read_unlabelled(path, text="overview")
    assert str(error.value).startswith(f"{tmp_path}/{where}") and words in str(error.value)
    with caplog.at_level(logging.WARNING, logger="genreclf.data"):
        examples = read_unlabelled(path, text="overview", skip_bad_rows=True)
    assert len(examples) == 1 and f"Skipped a bad row: {tmp_path}/{where}" in caplog.text


def test_ndjson_and_jsonl_whose_first_object_lacks_a_key(tmp_path):
    path = write(tmp_path, "m.ndjson", '{"id": "1"}\n{"id": "2", "overview": "A ghost."}\n')
    with pytest.raises(DataError, match=r"m\.ndjson:1: field 'overview': the row has no field"):
        read_unlabelled(path)
    assert texts(read_unlabelled(path, skip_bad_rows=True)) == [(2, "A ghost.")]


def test_kaggle_test_lines_without_genre_fall_back_to_the_description(tmp_path, caplog):
    path = write(tmp_path, "test_data.txt", "1 ::: Heat ::: A heist.\n2 ::: X ::: A ghost.\n")
    with caplog.at_level(logging.WARNING, logger="genreclf.data"):
        examples = read_unlabelled(path, default_text="overview")
    assert texts(examples) == [(1, "A heist."), (2, "A ghost.")]
    assert [e.id for e in examples] == ["1", "2"]
    assert "has no column 'overview': reading the texts from its column 'description'" in (
        caplog.text
    )


def test_the_default_text_column_is_read_when_present_and_named_when_nothing_fits(tmp_path):
    path = write(tmp_path, "m.csv", "plot,synopsis_en\nA ghost.,Un fantôme.\n")
    assert read_unlabelled(path, default_text="synopsis_en")[0].text == "Un fantôme."
    with pytest.raises(DataError, match=r"expected one of \['body', 'text'") as error:
        read_unlabelled(write(tmp_path, "n.csv", "body2\nA.\n"), default_text="body")
    assert "--text" in str(error.value)


def test_no_rows_or_only_bad_ones_is_a_no_texts_error(tmp_path):
    with pytest.raises(DataError, match=r"h\.csv: no texts: the file has no rows"):
        read_unlabelled(write(tmp_path, "h.csv", "overview\n"))
    bad = write(tmp_path, "b.csv", 'overview\n""\n')
    with pytest.raises(DataError, match=r"b\.csv: no texts: all 1 rows were bad"):
        read_unlabelled(bad, skip_bad_rows=True)


def test_limit_reads_no_further_and_features_are_converted(tmp_path):
    path = write(tmp_path, "m.csv", "overview,year,studio\nA.,1999,x\nB.,2001,y\nC.,oops,z\n")
    examples = read_unlabelled(path, features=["year"], categorical=["studio"], limit=2)
    assert [e.features for e in examples] == [
        {"year": 1999.0, "studio": "x"},
        {"year": 2001.0, "studio": "y"},
    ]  # row 4's year is never read
    assert np.isfinite([e.features["year"] for e in examples]).all()
    with pytest.raises(ConfigError, match="limit=0"):
        read_unlabelled(path, limit=0)
