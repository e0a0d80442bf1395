"""`read_texts`: its hints name `genreclf label`'s flags (`--id-column`, not `--id`)."""

import pytest

from genreclf.data import load_dataset
from genreclf.errors import DataError
from genreclf.labelling.input_rows import read_texts


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
