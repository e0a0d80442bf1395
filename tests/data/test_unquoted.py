"""TSV without quoting (`format="tsv-unquoted"`): one row per line, a quote is a character."""

import logging

import pytest

from genreclf.data import iter_examples
from genreclf.data import load_dataset
from genreclf.errors import DataError

HINT = "if the file uses no quoting at all, read it with format='tsv-unquoted'"

# Texts that start with a quote, hold an odd number of quotes, or a lone one:
# what `cut`, awk or `to_csv(sep="\t", quoting=csv.QUOTE_NONE)` write.
UNQUOTED = (
    "id\toverview\tgenre\n"
    '1\t"Run," she said, and he ran.\tdrama\n'
    '2\t"The Heist\tcrime\n'
    "3\tA ghost story.\thorror\n"
    '4\tHe says "hi" and leaves."\tcomedy\n'
    '5\t"\tdrama\n'
)
TEXTS = [
    '"Run," she said, and he ran.',
    '"The Heist',
    "A ghost story.",
    'He says "hi" and leaves."',
    '"',
]


def write(tmp_path, name, content):
    path = tmp_path / name
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return path


def test_texts_with_unbalanced_quotes_load_exactly(tmp_path):
    path = write(tmp_path, "u.tsv", UNQUOTED)
    ds = load_dataset(path, format="tsv-unquoted")
    assert len(ds) == 5
    assert ds.texts == TEXTS
    assert ds.labels == [["drama"], ["crime"], ["horror"], ["comedy"], ["drama"]]
    assert ds.ids == ["1", "2", "3", "4", "5"] and ds.lines == [2, 3, 4, 5, 6]
    assert ds.read_options["format"] == "tsv-unquoted"
    assert [text for text, _, _ in iter_examples(path, format="tsv-unquoted")] == TEXTS


def test_the_same_file_read_as_tsv_names_the_format(tmp_path):
    path = write(tmp_path, "u.tsv", UNQUOTED)
    with pytest.raises(DataError, match=f"{HINT} \\(`--format tsv-unquoted`\\)"):
        load_dataset(path)


def test_crlf_lines_blank_lines_and_a_bom(tmp_path):
    content = '\ufeffoverview\tgenre\r\n\r\n"A heist\tcrime\r\nA ghost\thorror\r\n'
    ds = load_dataset(write(tmp_path, "w.tab", content), format="tsv-unquoted")
    assert ds.texts == ['"A heist', "A ghost"] and ds.lines == [3, 4]


def test_a_wrong_field_count_is_a_row_error_with_file_and_line(tmp_path, caplog):
    content = (
        'overview\tgenre\n"A heist\tcrime\nA ghost\thorror\textra\nA love story\n"A war\twar\n'
    )
    path = write(tmp_path, "bad.tsv", content)
    with pytest.raises(DataError) as info:
        load_dataset(path, format="tsv-unquoted")
    message = str(info.value)
    assert message.startswith(
        f"{path}:3: expected 2 fields (overview, genre) separated by tabs, found 3."
    ), message
    assert "Remove the extra tabs" in message and "skip_bad_rows=True" in message
    with caplog.at_level(logging.WARNING, logger="genreclf.data"):
        ds = load_dataset(path, format="tsv-unquoted", skip_bad_rows=True)
    assert ds.texts == ['"A heist', '"A war'] and ds.lines == [2, 5]
    assert ds.skipped == {"malformed_line": 2}
    assert any(f"{path}:4: expected 2 fields" in r.getMessage() for r in caplog.records)


def test_a_non_utf8_text_is_a_row_error(tmp_path):
    path = write(tmp_path, "b.tsv", b'overview\tgenre\n"Caf\xe9\tdrama\nOk\tdrama\n')
    with pytest.raises(DataError, match=r"b\.tsv:2: field 'overview': text is not valid UTF-8"):
        load_dataset(path, format="tsv-unquoted")
    assert load_dataset(path, format="tsv-unquoted", skip_bad_rows=True).texts == ["Ok"]


def test_an_empty_file_and_duplicate_columns_are_refused(tmp_path):
    with pytest.raises(DataError, match="The file is empty"):
        load_dataset(write(tmp_path, "e.tsv", "\n\n"), format="tsv-unquoted")
    with pytest.raises(DataError, match=r"d\.tsv:1: field 'text': Column names must be unique"):
        load_dataset(write(tmp_path, "d.tsv", "text\tlabel\ttext\n"), format="tsv-unquoted")


# --- the hint on a quote error in a TSV file --------------------------------------


@pytest.mark.parametrize(
    "content, line",
    [
        # a quote never closed: the cell runs to the end of the file
        ('overview\tgenre\nA heist\tcrime\n"A ghost\thorror\n', 3),
        # a quote closed by one followed by text, lines later
        ('overview\tgenre\n"A ghost\thorror\nA "big" heist\tcrime\n', 2),
        # a quote followed by text on its own line
        ('overview\tgenre\n"Run," she said\tdrama\n', 2),
        # an unclosed quote that swallows rows (they merge without a csv error)
        ('overview\tgenre\n"A heist\tcrime\nA ghost story\thorror\nA love"\tromance\n', 2),
        # a multi-line quoted cell whose row has too many fields
        ('overview\tgenre\n"A heist\tcrime\nA ghost"\thorror\textra\n', 2),
    ],
)
def test_a_quote_error_in_a_tsv_file_names_tsv_unquoted(tmp_path, content, line):
    path = write(tmp_path, "q.tsv", content)
    with pytest.raises(DataError) as info:
        load_dataset(path)
    message = str(info.value)
    assert message.startswith(f"{path}:{line}: "), message
    assert f"{HINT} (`--format tsv-unquoted`), or pass skip_bad_rows=True" in message, message


def test_a_quote_error_in_a_csv_file_does_not(tmp_path):
    path = write(tmp_path, "q.csv", 'overview,genre\nA heist,crime\n"A ghost,horror\n')
    with pytest.raises(DataError, match="Close the quote on line 3") as info:
        load_dataset(path)
    assert "tsv-unquoted" not in str(info.value)


@pytest.mark.parametrize("fmt", ["tsv", "tsv-unquoted"])
def test_a_header_that_is_not_utf8_names_line_and_byte(tmp_path, fmt):
    path = write(tmp_path, "h.tsv", b"over\xe9view\tgenre\nA\tb\n")
    with pytest.raises(DataError) as info:
        load_dataset(path, format=fmt)
    message = str(info.value)
    assert message.startswith(f"{path}:1: text is not valid UTF-8. Expected a header line")
    assert "Received: byte 0xe9 at byte offset 4 of line 1." in message
    assert "`iconv -f latin1 -t utf-8 h.tsv > utf8-h.tsv`" in message


def test_a_repeated_header_line_is_skipped_and_logged(tmp_path, caplog):
    # Parts joined with `cat`: the second header is no row (no class "genre").
    path = write(tmp_path, "all.tsv", "overview\tgenre\nA.\tcrime\noverview\tgenre\nB.\tdrama\n")
    ds = load_dataset(path, format="tsv-unquoted")
    assert ds.texts == ["A.", "B."] and ds.lines == [2, 4]
    assert f"{path}:3: skipped a repeated header line" in caplog.text
