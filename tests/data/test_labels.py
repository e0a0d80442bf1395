import numpy as np
import pytest

from genreclf.data import LabelVocabulary
from genreclf.errors import ConfigError
from genreclf.errors import DataError


def test_order_is_alphabetical_and_stable():
    a = LabelVocabulary.from_rows([["war"], ["drama"], ["comedy"]])
    b = LabelVocabulary.from_rows([["comedy"], ["war"], ["drama"]])
    assert a.labels == b.labels == ["comedy", "drama", "war"]
    assert a == b and len(a) == 3 and "war" in a


def test_ratings_are_ordered_by_value_not_as_text():
    from genreclf.data import TextDataset

    ratings = LabelVocabulary.from_rows([["10"], ["2"], ["1"], ["7"], ["4"]])
    assert ratings.labels == ["1", "2", "4", "7", "10"]
    halves = LabelVocabulary.from_rows([["4.5"], ["-1"], ["10"], ["0.5"]])
    assert halves.labels == ["-1", "0.5", "4.5", "10"]
    # a name that is not a finite number: every name is ordered as text
    assert LabelVocabulary.from_rows([["10"], ["2"], ["inf"]]).labels == ["10", "2", "inf"]
    assert LabelVocabulary.from_rows([["10"], ["2"], ["x"]]).labels == ["10", "2", "x"]
    # what Python's float() reads but nobody writes as a rating is a name too
    assert LabelVocabulary.from_rows([["2"], ["1_0"]]).labels == ["1_0", "2"]
    assert LabelVocabulary.from_rows([["2"], [" 10"]]).labels == [" 10", "2"]
    # "1.0" and "1" are two classes, in a stable order
    assert LabelVocabulary.from_rows([["1.0"], ["2"], ["1"]]).labels == ["1", "1.0", "2"]
    counts = TextDataset(["a", "b", "c"], [["10"], ["9"], ["10"]]).label_counts()
    assert list(counts.items()) == [("9", 1), ("10", 2)]


def test_encode_single_and_multi_label():
    single = LabelVocabulary(["a", "b", "c"])
    np.testing.assert_array_equal(single.encode([["b"], ["c"]]), [[0, 1, 0], [0, 0, 1]])
    multi = LabelVocabulary(["a", "b", "c"], multi_label=True)
    targets = multi.encode([["a", "c"], []])
    assert targets.dtype == np.float32
    np.testing.assert_array_equal(targets, [[1, 0, 1], [0, 0, 0]])


def test_unknown_label_names_file_line_field():
    vocab = LabelVocabulary(["a"])
    with pytest.raises(DataError, match=r"m\.csv:9: field 'genre': Unknown label 'z'"):
        vocab.encode([["a"], ["z"]], path="m.csv", lines=[2, 9], field="genre")


def test_single_label_rejects_several_labels():
    with pytest.raises(DataError, match="exactly one label"):
        LabelVocabulary(["a", "b"]).encode([["a", "b"]])


def test_decode():
    single = LabelVocabulary(["a", "b"])
    assert single.decode([[0.2, 0.8], [0.9, 0.1]]) == [["b"], ["a"]]
    multi = LabelVocabulary(["a", "b"], multi_label=True)
    assert multi.decode([[0.6, 0.4]]) == [["a"]]
    assert multi.decode([[0.6, 0.4]], threshold=[0.7, 0.3]) == [["b"]]


def test_save_load_round_trip(tmp_path):
    vocab = LabelVocabulary(["Ação", "drama"], multi_label=True)
    vocab.save(tmp_path / "labels.json")
    assert LabelVocabulary.load(tmp_path / "labels.json") == vocab
    assert LabelVocabulary.from_config(vocab.get_config()) == vocab


def test_bad_vocabularies():
    with pytest.raises(ConfigError, match="at least one class"):
        LabelVocabulary([])
    with pytest.raises(ConfigError, match="duplicates"):
        LabelVocabulary(["a", "a"])


def test_rows_without_lines_are_named_by_their_index():
    # Without lines, the error said which label but not which row.
    vocab = LabelVocabulary(["a", "b"])
    with pytest.raises(DataError, match=r"^Unknown label 'z' \(row 2\)"):
        vocab.encode([["a"], ["b"], ["z"]])
    with pytest.raises(DataError, match=r"labels=\['a', 'b'\] \(row 0\)"):
        vocab.encode([["a", "b"]])
    with pytest.raises(DataError, match=r"^m\.csv:9: Unknown label 'z':"):
        vocab.encode([["a"], ["z"]], path="m.csv", lines=[2, 9])
