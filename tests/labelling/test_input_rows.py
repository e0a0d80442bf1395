"""`read_texts`: its hints name `genreclf label`'s flags (`--id-column`, not `--id`), and it
refuses a text that is not a string as training does."""

import logging
import re

import numpy as np
import pandas as pd
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


@pytest.mark.parametrize(
    "cell, shown",
    [
        (["A heist.", "A ghost."], "['A heist.', 'A ghost.'] (a list)"),
        (("A heist.", "A ghost."), "('A heist.', 'A ghost.') (a tuple)"),
        ({"plot": "A heist."}, "{'plot': 'A heist.'} (a dict)"),
        (np.array(["A heist.", "A ghost."]), "(a NumPy array)"),
        (42, "42 (an int)"),  # numbers too: training refuses them as texts
        (3.5, "3.5 (a float)"),
    ],
)
def test_a_text_cell_that_is_not_a_string_is_refused_as_training_refuses_it(cell, shown):
    # It was labelled as its repr ("['A heist.', 'A ghost.']"), where training refuses it.
    frame = pd.DataFrame({"overview": ["A duel.", cell], "genre": ["drama", "crime"]})
    with pytest.raises(DataError) as caught:
        read_texts(frame)
    message = str(caught.value)
    assert message.startswith("DataFrame:2: field 'overview': expected the text as a string.")
    assert shown in message
    assert message.endswith("Write the text as one string (join a list of sentences into one).")
    with pytest.raises(DataError) as trained:  # the same words, less the skip advice
        load_dataset(frame, text="overview", label="genre")
    assert str(trained.value).startswith(message[: -len(".")] + ", or pass skip_bad_rows=True")


def test_a_column_of_numbers_and_a_jsonl_number_are_refused_too(tmp_path):
    frame = pd.DataFrame({"overview": [1994, 2004]})
    with pytest.raises(DataError, match=r"^DataFrame:1: field 'overview': .* 1994 \(an int\)"):
        read_texts(frame)
    path = tmp_path / "u.jsonl"
    path.write_text('{"overview": "A heist."}\n{"overview": 7}\n')
    with pytest.raises(
        DataError, match=rf"^{re.escape(str(path))}:2: field 'overview': .* 7 \(an int\)"
    ):
        read_texts(path)
    frame = pd.DataFrame({"overview": ["A heist.", "7"]})  # a number written as a string
    assert [row["text"] for row in read_texts(frame)] == ["A heist.", "7"]


def test_a_header_without_rows_is_refused_not_labelled_as_zero_rows(tmp_path):
    # `genreclf label` wrote an empty output and exited 0, as if the job were done.
    path = tmp_path / "u.csv"
    path.write_text("id,overview\n")
    with pytest.raises(DataError, match=r"u\.csv: no texts: the file has no rows.*'overview'"):
        read_texts(path)
    with pytest.raises(DataError, match=r"^DataFrame: no texts"):
        read_texts(pd.DataFrame({"overview": []}))


def test_a_missing_cell_is_an_empty_text_not_the_text_nan(tmp_path):
    frame = pd.DataFrame({"overview": ["A heist.", float("nan")]})
    with pytest.raises(DataError, match=r"^DataFrame:2: field 'overview': empty text"):
        read_texts(frame)
    path = tmp_path / "u.jsonl"
    path.write_text('{"overview": "A heist."}\n{"overview": NaN}\n')
    with pytest.raises(DataError, match=r":2: field 'overview': empty text"):
        read_texts(path)
    with pytest.raises(DataError, match=r"^DataFrame:2: field 'overview': empty text"):
        read_texts(pd.DataFrame({"overview": ["A heist.", "\u200b\u200c"]}))  # zero-width


def test_an_id_cell_holding_a_list_is_refused_not_keyed_by_its_repr():
    frame = pd.DataFrame({"id": [7, ["a", "b"]], "overview": ["A heist.", "A ghost."]})
    with pytest.raises(DataError, match=r"^DataFrame:2: field 'id': expected one id per row"):
        read_texts(frame)
    frame = pd.DataFrame({"id": [7, 8], "overview": ["A heist.", "A ghost."]})
    assert [row["id"] for row in read_texts(frame)] == ["7", "8"]  # numbers are ids
