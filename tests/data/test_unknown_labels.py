import logging

import pytest

from genreclf.data import LabelVocabulary
from genreclf.data import drop_unknown_labels
from genreclf.data import load_dataset
from genreclf.errors import DataError


def test_drop_unknown_labels(tmp_path, caplog):
    path = tmp_path / "test.csv"
    path.write_text("text,label\nA,x\nB,news\nC,x|y\n")
    ds = load_dataset(path, skip_bad_rows=True)
    vocab = LabelVocabulary(["x", "y"], multi_label=True)
    with caplog.at_level(logging.WARNING, logger="genreclf.data"):
        kept = drop_unknown_labels(ds, vocab)
    assert kept.texts == ["A", "C"]
    assert kept.lines == [2, 4]
    assert kept.skipped == {"unknown_label": 1}
    assert f"{path}:3: field 'label': unknown label 'news'" in caplog.records[0].getMessage()
    with pytest.raises(DataError, match=r"test\.csv:3: field 'genre': unknown label 'news'"):
        drop_unknown_labels(ds, vocab, skip_bad_rows=False, field="genre")


def test_all_known_keeps_everything():
    from genreclf.data import TextDataset

    ds = TextDataset(["a", "b"], [["x"], ["x"]])
    kept = drop_unknown_labels(ds, LabelVocabulary(["x"]))
    assert kept.texts == ds.texts and kept.skipped == {}


def test_no_row_of_a_known_label_is_an_error_not_an_empty_dataset(tmp_path):
    # `evaluate --skip-bad-rows` on a file of other classes scored zero rows: a bare
    # "ValueError: not enough values to unpack" from the model.
    path = tmp_path / "other.csv"
    path.write_text("text,genre\nA,news\nB,sport\n")
    ds = load_dataset(path, label="genre", skip_bad_rows=True)
    with pytest.raises(DataError, match=r"other\.csv: field 'genre': None of the 2 rows") as e:
        drop_unknown_labels(ds, LabelVocabulary(["x", "y"]), field="genre")
    assert "Expected labels among ['x', 'y']. Received: labels 'news', 'sport'" in str(e.value)


def test_a_rating_written_with_a_decimal_point_is_named_with_the_fix(tmp_path):
    # pandas' to_csv writes ratings with a missing value as 2.0; the run's classes are 1..3:
    # "Unknown label '2.0' ... Expected one of ['1', '2', '3']" said nothing of why.
    path = tmp_path / "test.csv"
    path.write_text("text,rating\nA heist.,2.0\nA ghost.,3.0\n")
    ratings = LabelVocabulary(["1", "2", "3"])
    data = load_dataset(path, label="rating")
    note = r"'2\.0' is the class '2' written with a decimal point, .*astype\('Int64'\)"
    with pytest.raises(DataError, match=rf"test\.csv:2: field 'rating': Unknown .*{note}"):
        ratings.encode(data.labels, path=str(path), lines=data.lines, field="rating")
    with pytest.raises(DataError, match=rf"unknown label '2\.0'.*{note}"):
        drop_unknown_labels(data, ratings, skip_bad_rows=False, field="rating")
    with pytest.raises(DataError, match=rf"None of the 2 rows .*{note}"):
        drop_unknown_labels(data, ratings, field="rating")
    with pytest.raises(DataError) as error:  # no class '2': no note
        LabelVocabulary(["1", "3"]).encode([["2.0"]])
    assert "decimal point" not in str(error.value)
