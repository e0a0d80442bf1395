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


def test_whole_number_class_names_are_an_int_vocabulary_that_round_trips(tmp_path):
    ratings = LabelVocabulary.from_rows([["10"], ["2"], ["-1"]])
    assert ratings.label_type == "int" and ratings.labels == ["-1", "2", "10"]
    assert [ratings.value(name) for name in ratings.labels] == [-1, 2, 10]
    assert ratings.value("unknown") == "unknown"  # an abstaining run's answer stays a str
    ratings.save(tmp_path / "labels.json")
    assert LabelVocabulary.load(tmp_path / "labels.json").label_type == "int"
    for names in (["1", "07"], ["1", "1.5"], ["+1", "2"], ["drama", "1"], ["1.0", "2.0"]):
        assert LabelVocabulary(names).label_type == "str", names
        assert "label_type" not in LabelVocabulary(names).get_config()  # labels.json as before
    assert LabelVocabulary(["1", "2"], label_type="str").value("1") == "1"


def test_a_labels_json_without_label_type_keeps_its_labels_as_strings(tmp_path):
    (tmp_path / "labels.json").write_text('{"labels": ["1", "2"], "multi_label": false}')
    older = LabelVocabulary.load(tmp_path / "labels.json")  # written before label types
    assert older.label_type == "str" and older.value("2") == "2"
    assert older == LabelVocabulary(["1", "2"])  # the same classes


@pytest.mark.parametrize(
    "labels, label_type, match",
    [
        (["a", "b"], "int", r"label_type='int' needs class names that are whole numbers"),
        (["1", "2"], "float", r"label_type must be one of \('str', 'int'\).*label_type='float'"),
    ],
)
def test_a_label_type_that_does_not_fit_is_refused(labels, label_type, match):
    with pytest.raises(ConfigError, match=match):
        LabelVocabulary(labels, label_type=label_type)
