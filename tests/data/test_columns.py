"""`resolve_column`: which column a role reads, named or found by its usual names."""

import json
import logging

import pandas as pd
import pytest

from genreclf.data.columns import LABEL_COLUMNS
from genreclf.data.columns import TEXT_COLUMNS
from genreclf.data.columns import resolve_column
from genreclf.data.readers import load_dataset
from genreclf.data.unlabelled import read_unlabelled
from genreclf.errors import DataError


def write_jsonl(tmp_path, rows):
    path = tmp_path / "m.jsonl"
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    return path


def test_the_first_usual_name_present_is_read_an_exact_name_before_another_case():
    columns = ["Genre", "genres", "overview"]
    assert resolve_column(columns, None, LABEL_COLUMNS, "label", "m.csv") == "genres"
    assert resolve_column(["Overview", "Genre"], None, TEXT_COLUMNS, "text", "m.csv") == "Overview"


def test_a_usual_name_every_row_has_comes_before_one_some_rows_lack():
    columns = ["text", "label", "genre"]
    chosen = resolve_column(columns, None, LABEL_COLUMNS, "label", "m.jsonl", {"label"})
    assert chosen == "genre"
    # every candidate partial: the candidates' order decides, as without the rule
    both = {"label", "genre"}
    assert resolve_column(columns, None, LABEL_COLUMNS, "label", "m.jsonl", both) == "label"
    # a named column is read even when some rows lack it
    assert resolve_column(columns, "label", LABEL_COLUMNS, "label", "m.jsonl", {"label"}) == "label"


def test_no_usual_name_is_an_error_naming_the_columns_present():
    with pytest.raises(DataError, match=r"No label column found.*Columns present: \['text'\]"):
        resolve_column(["text"], None, LABEL_COLUMNS, "label", "m.csv")


def test_a_jsonl_label_key_on_a_few_lines_does_not_win_over_a_genre_key_on_every_line(
    tmp_path, caplog
):
    rows = [{"text": f"Plot {i}.", "genre": "drama" if i % 2 else "comedy"} for i in range(6)]
    rows[2]["label"] = "note"  # a stray key a few lines carry
    with caplog.at_level(logging.WARNING, logger="genreclf.data"):
        dataset = load_dataset(write_jsonl(tmp_path, rows))
    assert dataset.labels == [["comedy"], ["drama"]] * 3
    # said, since it may also turn a single-label task into a multi-label one
    assert "column 'label' is missing on some rows; reading the label from column 'genre'" in (
        caplog.text
    )
    assert "Pass label='label' (`--label label`) to read 'label' instead." in caplog.text


def test_explain_data_reads_the_runs_own_text_column_even_where_some_lines_lack_it(tmp_path):
    rows = [{"overview": "A heist.", "text": "Heat"}, {"text": "Alien"}]
    path = write_jsonl(tmp_path, rows)
    examples = read_unlabelled(path, default_text="overview", skip_bad_rows=True)
    assert [e.text for e in examples] == ["A heist."]


def test_a_jsonl_text_key_on_a_few_lines_does_not_win_over_an_overview_on_every_line(tmp_path):
    rows = [{"overview": "A heist."}, {"overview": "A duel.", "text": "draft"}]
    examples = read_unlabelled(write_jsonl(tmp_path, rows))
    assert [e.text for e in examples] == ["A heist.", "A duel."]


def test_a_name_not_found_names_the_column_it_was_likely_meant_to_be():
    # label=["genre"] said "Column ['genre'] not found" beside a column 'genre', and
    # text="Overview" only listed the columns.
    frame = pd.DataFrame({"overview": ["A heist.", "A duel."], "genre": ["crime", "war"]})
    with pytest.raises(
        DataError, match=r"label= takes one column's name, not a list: pass label='genre'\."
    ):
        load_dataset(frame, text="overview", label=["genre"])
    with pytest.raises(DataError, match=r"Did you mean 'overview'\? Names match exactly"):
        load_dataset(frame, text="Overview", label="genre")
    with pytest.raises(DataError, match=r"Did you mean 'genre'\?"):
        resolve_column(["overview", "genre"], "genre ", LABEL_COLUMNS, "label", "m.csv")
    with pytest.raises(DataError) as info:
        resolve_column(["overview", "genre"], "plot", TEXT_COLUMNS, "text", "m.csv")
    assert "Did you mean" not in str(info.value)
