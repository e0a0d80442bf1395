"""Unclosed quotes in CSV/TSV, and line endings: errors that name the lines lost."""

import logging

import pytest

from genreclf.data import iter_examples
from genreclf.data import load_dataset
from genreclf.errors import DataError

# The review's example: the quote on line 2 is never closed, and the quote on
# line 4 (followed by the separator) closes it: three rows became one.
MERGED = (
    'overview,genre\n"A heist,crime\nA ghost story,horror\nA love story,",romance\nA war.,war\n'
)


def write(tmp_path, name, content):
    path = tmp_path / name
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return path


def summary(caplog):
    return [r.getMessage() for r in caplog.records if r.getMessage().startswith("Skipped ")][-1]


# --- a quote that merges rows -----------------------------------------------------


@pytest.mark.parametrize("name, sep", [("x.csv", ","), ("x.tsv", "\t")])
def test_unclosed_quote_that_merges_rows_is_a_row_error(tmp_path, caplog, name, sep):
    path = write(tmp_path, name, MERGED.replace(",", sep))
    with pytest.raises(DataError) as info:
        load_dataset(path)
    message = str(info.value)
    assert message.startswith(
        f"{path}:2: field 'overview': the quoted cell that opens on line 2 runs to line 4 "
        "(3 lines), and lines 2 and 3 in it read as rows of their own"
    ), message
    unquoted = (
        ", or, if the file uses no quoting at all, read it with format='tsv-unquoted' "
        "(`--format tsv-unquoted`)"
    )
    fix = "Close the quote on line 2" + (unquoted if sep == "\t" else "")
    assert f"{fix}, or pass skip_bad_rows=True" in message
    with caplog.at_level(logging.WARNING, logger="genreclf.data"):
        ds = load_dataset(path, skip_bad_rows=True)
    assert ds.texts == ["A war."] and ds.lines == [5]
    assert ds.skipped == {"malformed_line": 1}
    assert summary(caplog).startswith("Skipped 1 bad row(s) (3 lines) in ")


def test_unclosed_quote_is_found_while_streaming(tmp_path):
    rows = iter_examples(write(tmp_path, "x.csv", MERGED))
    with pytest.raises(DataError, match=r"x\.csv:2: field 'overview': the quoted cell"):
        next(rows)


def test_one_swallowed_row_with_a_known_label_is_an_unclosed_quote(tmp_path):
    path = write(
        tmp_path,
        "m.csv",
        "id,overview,genre\n"
        "1,A ghost.,horror\n"
        '2,"A heist, gone wrong,crime\n'  # the quote is never closed...
        "3,A haunted house,horror\n"  # ...so this row is swallowed
        '4,A love story,",romance\n'  # ...up to this quote
        "5,A war.,war\n",
    )
    with pytest.raises(DataError) as info:
        load_dataset(path)
    message = str(info.value)
    assert message.startswith(
        f"{path}:3: field 'overview': the quoted cell that opens on line 3 runs to line 5 "
        "(3 lines), and line 4 in it reads as a row of its own (line 4: '3,A haunted house,"
        "horror')"
    ), message
    assert load_dataset(path, skip_bad_rows=True).lines == [2, 6]


@pytest.mark.parametrize(
    "cell",
    [
        "He came home.\nThen, at last, he slept.\nThe end.",  # a space after the comma
        "A crew of thieves,\nthe best in town,\nplans one last job.",  # an empty field
        "A heist.\nThey steal $50,000\nand run.",  # a number, not two fields
        "A heist.\nNelson,Crowe and Co.\nThey run.",  # reads as a row; no known label
        'A heist.\n""Run,horror\nThey run.',  # a known label, but a quote in the line
    ],
)
def test_synopses_with_line_breaks_are_not_taken_for_unclosed_quotes(tmp_path, cell):
    content = f'overview,genre\nA ghost.,horror\n"{cell}",drama\nA war.,war\n'
    for name, text in [("m.csv", content), ("crlf.csv", content.replace("\n", "\r\n"))]:
        ds = load_dataset(write(tmp_path, name, text))
        assert ds.lines == [2, 3, 3 + cell.count("\n") + 1]
        assert ds.texts[1].replace("\r\n", "\n") == cell.replace('""', '"')


# --- a quote open to the end of the file, or closed far away -------------------------


def test_quote_open_at_the_end_of_the_file_names_the_lines_it_swallowed(tmp_path, caplog):
    path = write(
        tmp_path,
        "eof.csv",
        'overview,genre\nA war.,war\n"A heist,crime\nA ghost story,horror\nA love,romance\n',
    )
    with pytest.raises(DataError) as info:
        load_dataset(path)
    message = str(info.value)
    assert message.startswith(
        f"{path}:3: field 'overview': the quote that opens this cell on line 3 is never "
        "closed: the cell swallowed lines 3-5 (3 lines, to the end of the file)."
    ), message
    assert "unexpected end of data" not in message
    assert "Close the quote on line 3" in message
    with caplog.at_level(logging.WARNING, logger="genreclf.data"):
        ds = load_dataset(path, skip_bad_rows=True)
    assert ds.texts == ["A war."]
    assert summary(caplog).startswith("Skipped 1 bad row(s) (3 lines) in ")


def test_quote_open_on_the_last_line_says_so_without_a_range_of_one(tmp_path):
    # It said "swallowed lines 3-3 (1 lines, to the end of the file)".
    path = write(tmp_path, "eof.csv", 'overview,genre\nA war.,war\n"A heist,crime\n')
    with pytest.raises(DataError) as info:
        load_dataset(path)
    assert str(info.value).startswith(
        f"{path}:3: field 'overview': the quote that opens this cell on line 3 is never "
        "closed: the cell runs to the end of the file (its last line). Expected a quote where "
        "the cell ends. Close the quote on line 3"
    ), str(info.value)
    assert load_dataset(path, skip_bad_rows=True).texts == ["A war."]


def test_quote_closed_lines_later_by_a_quote_followed_by_text(tmp_path):
    path = write(
        tmp_path,
        "late.csv",
        'overview,genre\n"A heist, gone wrong,crime\nA ghost,horror\n"A love, story",romance\n'
        "A war.,war\n",
    )
    with pytest.raises(DataError) as info:
        load_dataset(path)
    message = str(info.value)
    assert message.startswith(
        f"{path}:2: field 'overview': the quote that opens this cell on line 2 is closed "
        "only on line 4, by a quote followed by text instead of ','"
    ), message
    assert "lines 2-4 (3 lines)" in message and "Close the quote on line 2" in message
    ds = load_dataset(path, skip_bad_rows=True)
    assert ds.texts == ["A war."]


def test_quote_in_an_unquoted_cell_says_how_to_quote(tmp_path):
    path = write(tmp_path, "q.csv", 'overview,genre\nA ghost.,horror\n"A heist" and more,crime\n')
    with pytest.raises(DataError) as info:
        load_dataset(path)
    message = str(info.value)
    assert message.startswith(f"{path}:3: field 'overview': a quote in this cell is followed")
    assert 'double the quotes inside it ("A ""big"" heist")' in message
    assert "--skip-bad-rows" in message


# --- line endings --------------------------------------------------------------------


def test_old_mac_cr_line_endings_are_read(tmp_path):
    path = write(
        tmp_path, "cr.csv", 'overview,genre\rA heist.,drama\r"two\rlines",horror\rA ghost.,x\r'
    )
    ds = load_dataset(path)
    assert ds.texts == ["A heist.", "two\rlines", "A ghost."]
    assert ds.labels == [["drama"], ["horror"], ["x"]]
    assert ds.lines == [2, 3, 5]
    kaggle = write(
        tmp_path,
        "train_data.txt",
        "1 ::: Heat ::: crime ::: A heist.\r2 ::: Up ::: animation ::: A house flies.\r",
    )
    assert load_dataset(kaggle).texts == ["A heist.", "A house flies."]


def test_mixed_line_endings_are_a_clear_row_error(tmp_path):
    path = write(tmp_path, "mixed.csv", b"overview,genre\nA heist.,drama\nA\rghost.,horror\n")
    with pytest.raises(DataError) as info:
        load_dataset(path)
    message = str(info.value)
    assert message.startswith(f"{path}:3: a carriage return (\\r) ends a line inside an unquoted")
    assert "universal-newline" not in message and "?." not in message
    assert "Re-save the file with one kind of line ending" in message
    assert load_dataset(path, skip_bad_rows=True).texts == ["A heist."]


@pytest.mark.parametrize("name, sep", [("l.csv", ","), ("l.tsv", "\t")])
def test_multi_line_texts_after_the_label_column_load(tmp_path, name, sep):
    # The first line of a multi-line cell, joined to the cells before it, is
    # the row's own start ("drama,A retired cop returns."), never a row swallowed.
    content = 'genre,overview\ndrama,"A retired cop returns.\nHe fights back."\ncomedy,One line.\n'
    ds = load_dataset(write(tmp_path, name, content.replace(",", sep)))
    assert ds.texts == ["A retired cop returns.\nHe fights back.", "One line."]
    assert ds.labels == [["drama"], ["comedy"]]


def test_lines_ending_in_cr_cr_lf_are_not_old_mac_lines(tmp_path):
    # What Python's csv.writer writes on Windows without newline="".
    path = write(
        tmp_path, "w.csv", b"overview,genre\r\r\nA heist.,drama\r\r\nA ghost.,horror\r\r\n"
    )
    ds = load_dataset(path)
    assert ds.texts == ["A heist.", "A ghost."] and ds.lines == [2, 3]
