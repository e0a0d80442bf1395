"""`read_texts`: its hints name `genreclf label`'s flags (`--id-column`, not `--id`)."""

import logging

import pytest

from genreclf.data import load_dataset
from genreclf.errors import DataError
from genreclf.labelling.input_rows import read_texts
from tests.labelling.conftest import FIXES


def test_a_missing_id_column_names_id_column(tmp_path):
    path = tmp_path / "u.csv"
    path.write_text("id,overview\nm1,A ghost.\n")
    with pytest.raises(DataError) as caught:
        read_texts(path, id_column="key")
    assert str(caught.value) == (
        f"{path}: field 'key': Column 'key' not found. Columns present: ['id', 'overview']. "
        "Pass id_column= one of them (`--id-column` on the command line)."
    )
    assert read_texts(path) == [{"id": "m1", "line": 2, "text": "A ghost."}]


def test_duplicate_ids_name_id_column(tmp_path):
    path = tmp_path / "u.csv"
    path.write_text("key,overview\nm1,A ghost.\nm1,Chefs.\n")
    with pytest.raises(DataError) as caught:
        read_texts(path, id_column="key")
    assert str(caught.value) == (
        f"{path}:3: field 'key': duplicate id 'm1' (first on line 2). Expected unique ids: "
        "the output is keyed by them. Fix the ids or pass --id-column."
    )


def test_the_name_holds_for_the_read_only(tmp_path):
    path = tmp_path / "u.csv"
    path.write_text("overview,genre\nA ghost.,horror\n")
    with pytest.raises(DataError, match=r"`--id-column` on the command line"):
        read_texts(path, id_column="key")
    with pytest.raises(DataError) as caught:  # other commands' `--id`, after it as before
        load_dataset(path, id_column="key")
    assert str(caught.value).endswith("Pass id_column= one of them (`--id` on the command line).")


@pytest.mark.parametrize("kind", ["folder", "archive"])
def test_an_aclimdb_input_without_train_says_what_is_read(imdb_test_only, kind):
    # `genreclf label` has no `--split`: the hint said `Pass split='train' or split='test'`.
    folder, archive = imdb_test_only
    with pytest.raises(DataError) as caught:
        read_texts(folder if kind == "folder" else archive)
    assert str(caught.value).endswith(FIXES[kind])
    assert len(read_texts(folder / "aclImdb" / "test")) == 2


def test_labels_in_the_input_are_not_read_so_never_warned_about(tmp_path, caplog):
    # The unsplit-labels warning names `--sep`, which `genreclf label` lacks: it never
    # fires on the input, whose label column, if any, is not read (`--calibrate-sep` and
    # `label audit --sep` are named for the files whose labels are read).
    path = tmp_path / "u.csv"
    path.write_text("overview,genre\nA heist.,crime;drama\nA ghost.,horror;drama\nA.,drama\n")
    with caplog.at_level(logging.WARNING, logger="genreclf.data"):
        assert [row["text"] for row in read_texts(path)] == ["A heist.", "A ghost.", "A."]
    assert caplog.records == []
    with caplog.at_level(logging.WARNING, logger="genreclf.data"):
        load_dataset(path, multi_label=True)  # a read of its labels warns
    assert "labels contain ';'" in caplog.text
