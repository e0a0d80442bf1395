"""Bad input to `load_dataset`: each error names the file, line and field; messy rows are handled."""

import gzip
import json

import pandas as pd
import pytest

from genreclf.data import jsonl_records
from genreclf.data import load_dataset
from genreclf.errors import ConfigError
from genreclf.errors import DataError
from tests.data.test_readers import write


def test_missing_file(tmp_path):
    with pytest.raises(DataError, match=r"nope\.csv: File not found"):
        load_dataset(tmp_path / "nope.csv")


def test_missing_explicit_column_lists_columns(tmp_path):
    path = write(tmp_path, "m.csv", "overview,genres\nA,b\n")
    with pytest.raises(DataError) as info:
        load_dataset(path, text="synopsis")
    message = str(info.value)
    assert "field 'synopsis'" in message
    assert "['overview', 'genres']" in message
    assert info.value.path == str(path)


def test_no_default_label_column_lists_columns(tmp_path):
    path = write(tmp_path, "m.csv", "overview,category\nA,b\n")
    with pytest.raises(DataError, match=r"No label column.*\['overview', 'category'\]"):
        load_dataset(path)


@pytest.mark.parametrize("text", ['""', '"   "', '"\u200b \ufeff\u2060"'])
def test_empty_text_names_file_line_field(tmp_path, text):
    path = write(tmp_path, "m.csv", f'id,overview,genre\n1,"ok",x\n2,{text},y\n')
    with pytest.raises(DataError) as info:
        load_dataset(path)
    assert str(info.value).startswith(f"{path}:3: field 'overview': empty text")
    assert (info.value.line, info.value.field) == (3, "overview")


def test_empty_label_and_blank_label_between_separators(tmp_path):
    path = write(tmp_path, "m.csv", "text,label\nA,\n")
    with pytest.raises(DataError, match=r"m\.csv:2: field 'label': empty label"):
        load_dataset(path)
    path = write(tmp_path, "n.csv", "text,label\nA,x\nB,x||y\n")
    with pytest.raises(DataError, match=r"n\.csv:3: field 'label': empty label"):
        load_dataset(path)


def test_non_utf8_names_line_field_and_byte(tmp_path):
    path = write(tmp_path, "m.csv", b'text,label\nok,x\n"first\ncaf\xe9",y\n')
    with pytest.raises(DataError) as info:
        load_dataset(path)
    message = str(info.value)
    # The row starts on line 3; the bad byte is on line 4, at byte offset 3.
    assert message.startswith(f"{path}:4: field 'text': text is not valid UTF-8")
    assert "byte 0xe9 at byte offset 3" in message


def test_non_utf8_in_unused_column_is_accepted(tmp_path):
    path = write(tmp_path, "m.csv", b"text,label,note\nok,x,caf\xe9\n")
    assert load_dataset(path).texts == ["ok"]


def test_wrong_field_count_is_malformed_line(tmp_path):
    path = write(tmp_path, "m.csv", "text,label\nA,x\nB,y,extra\n")
    with pytest.raises(DataError, match=r"m\.csv:3: expected 2 fields .* found 3"):
        load_dataset(path)


def test_unterminated_quote_names_its_line(tmp_path):
    path = write(tmp_path, "m.csv", 'text,label\nA,x\n"B,y\nC,z\n')
    expected = r"m\.csv:3: field 'text': the quote that opens this cell on line 3 is never closed"
    with pytest.raises(DataError, match=expected):
        load_dataset(path)


def test_invalid_json_line(tmp_path):
    path = write(tmp_path, "m.jsonl", '{"text": "A", "label": "x"}\n{"text": \n')
    with pytest.raises(DataError, match=r"m\.jsonl:2: invalid JSON"):
        load_dataset(path)


def test_jsonl_row_missing_field(tmp_path):
    path = write(tmp_path, "m.jsonl", '{"text": "A", "label": "x"}\n{"text": "B"}\n')
    with pytest.raises(DataError, match=r"m\.jsonl:2: field 'label': the row has no field"):
        load_dataset(path)


def test_jsonl_columns_are_the_keys_of_every_object_not_the_first(tmp_path):
    # Spark leaves a null field out of the line: line 1 has no "genre" key.
    path = write(
        tmp_path,
        "spark.jsonl",
        '{"overview": "A heist."}\n{"overview": "A ghost.", "genre": "horror"}\n'
        '{"overview": "Two chefs.", "genre": "romance"}\n',
    )
    with pytest.raises(DataError) as error:
        load_dataset(path, label="genre")
    assert str(error.value).startswith(f"{path}:1: field 'genre': the row has no field 'genre'")
    assert "--skip-bad-rows" in str(error.value)
    ds = load_dataset(path, label="genre", skip_bad_rows=True)
    assert ds.labels == [["horror"], ["romance"]] and ds.lines == [2, 3]
    assert ds.skipped == {"missing_value": 1}
    with pytest.raises(
        DataError, match=r"Column 'tag' not found\. Columns present: \['overview', 'genre'\]"
    ):
        load_dataset(path, label="tag")  # absent from every object: the whole file's error


def test_an_id_key_some_json_lines_leave_out_is_a_null_id(tmp_path):
    path = write(
        tmp_path,
        "ids.jsonl",
        '{"text": "A heist.", "label": "crime"}\n{"id": "m2", "text": "A ghost.", "label": "horror"}\n',
    )
    assert load_dataset(path).ids == ["", "m2"]  # found, not named: left out reads as null
    with pytest.raises(DataError, match=r"ids.jsonl:1: field 'id': the row has no field 'id'"):
        load_dataset(path, id_column="id")  # named: every row must have it


@pytest.mark.parametrize("name, sep", [("all.csv", ","), ("all.tsv", "\t")])
def test_a_header_repeated_inside_the_file_is_skipped_and_logged(tmp_path, caplog, name, sep):
    # `cat part1.csv part2.csv`: the second part's header (with its BOM) is no row.
    part = f"overview{sep}genre\n"
    content = (
        f"\ufeff{part}A heist.{sep}crime\n\ufeff{part}A ghost.{sep}horror\n {part}".encode()
        + f"A duel.{sep}western\n".encode()
    )
    path = write(tmp_path, name, content)
    ds = load_dataset(path)
    assert ds.texts == ["A heist.", "A ghost.", "A duel."] and ds.lines == [2, 4, 6]
    assert sorted({l for row in ds.labels for l in row}) == ["crime", "horror", "western"]
    logged = [r.getMessage() for r in caplog.records if "repeated header" in r.getMessage()]
    assert [m.split(": ")[0] for m in logged] == [f"{path}:3", f"{path}:5"]
    assert all(
        r.levelname == "WARNING" for r in caplog.records if "repeated header" in r.getMessage()
    )


def test_many_repeated_headers_are_logged_then_summed_up(tmp_path, caplog):
    from genreclf.data.skip_log import MAX_LOGGED_SKIPS

    parts = "".join(f"text,label\nA{i}.,x\n" for i in range(MAX_LOGGED_SKIPS + 3))
    ds = load_dataset(write(tmp_path, "parts.csv", parts))
    assert len(ds.texts) == MAX_LOGGED_SKIPS + 3 and ds.texts[:2] == ["A0.", "A1."]
    logged = [r.getMessage() for r in caplog.records]
    assert sum("skipped a repeated header line" in m for m in logged) == MAX_LOGGED_SKIPS
    assert f"Skipped {MAX_LOGGED_SKIPS + 2} repeated header lines in" in logged[-1]


def test_non_numeric_feature(tmp_path):
    path = write(tmp_path, "m.csv", "text,label,year\nA,x,1999\nB,y,soon\n")
    with pytest.raises(DataError, match=r"m\.csv:3: field 'year': expected a finite number"):
        load_dataset(path, features=["year"])


def test_forced_single_label_rejects_several_labels(tmp_path):
    path = write(tmp_path, "m.csv", 'text,label\nA,"[""x"",""y""]"\n')
    with pytest.raises(DataError, match=r"m\.csv:2: field 'label': a single-label task"):
        load_dataset(path, multi_label=False)


def test_malformed_json_list_cell(tmp_path):
    path = write(tmp_path, "m.csv", 'text,label\nA,"[x, y]"\n')
    expected = r"m\.csv:2: field 'label': the label cell looks like a JSON list"
    with pytest.raises(DataError, match=expected):
        load_dataset(path)


def test_a_python_list_repr_cell_is_named_as_one_with_the_fix(tmp_path):
    # pandas' to_csv writes a list column as "['crime', 'drama']"; the error told to
    # quote each label, which the cell does (with single quotes).
    frame = pd.DataFrame({"text": ["A heist.", "A duel."], "genres": [["crime", "drama"], ["war"]]})
    frame.to_csv(tmp_path / "m.csv", index=False)
    expected = (
        r"m\.csv:2: field 'genres': .*Received: \"\['crime', 'drama'\]\"\. .*It is a Python "
        r"list's repr, as pandas' to_csv writes a column of lists\. Turn the cells into lists, "
        r"frame\['genres'\]\.map\(ast\.literal_eval\), or write them as JSON"
    )
    with pytest.raises(DataError, match=expected):
        load_dataset(tmp_path / "m.csv")
    with pytest.raises(DataError, match=r"^DataFrame:1: .*It is a Python list's repr"):
        load_dataset(pd.read_csv(tmp_path / "m.csv"))
    with pytest.raises(DataError) as info:  # not a list of strings: the JSON advice
        load_dataset(write(tmp_path, "n.csv", 'text,label\nA,"[x, y]"\n'))
    assert "Python" not in str(info.value) and "quote each label" in str(info.value).lower()


def test_empty_file_and_header_only(tmp_path):
    with pytest.raises(DataError, match="empty"):
        load_dataset(write(tmp_path, "e.csv", ""))
    with pytest.raises(DataError, match="no rows"):
        load_dataset(write(tmp_path, "h.csv", "text,label\n"))


def test_duplicate_column_names(tmp_path):
    with pytest.raises(DataError, match="unique"):
        load_dataset(write(tmp_path, "d.csv", "text,text,label\nA,B,c\n"))


def test_folder_given_as_csv_is_a_data_error(tmp_path):
    with pytest.raises(DataError, match="This is a folder, not a csv file"):
        load_dataset(tmp_path, format="csv")
    path = write(tmp_path, "m.csv", "text,label\nA,x\n")
    with pytest.raises(DataError, match="Cannot read the aclimdb data"):
        load_dataset(path, format="aclimdb")


def test_wrong_forced_format_is_a_data_error(tmp_path):
    path = write(tmp_path, "m.csv", "text,label\nA,x\n")
    with pytest.raises(DataError, match="No JSON object"):
        load_dataset(path, format="jsonl")
    with pytest.raises(DataError, match="Parquet"):
        load_dataset(path, format="parquet")
    with pytest.raises(DataError, match=r"m\.csv:1: expected 4 fields"):
        load_dataset(path, format="kaggle-genre")


def test_a_wrong_label_separator_is_named_with_the_likely_one(tmp_path, caplog):
    path = write(tmp_path, "m.csv", "text,genres\nA,crime|drama\nB,drama\nC,drama|romance\n")
    dataset = load_dataset(path, sep=",")
    assert len(dataset.vocabulary().labels) == 3  # still read as asked: a warning, not an error
    assert "m.csv: 2 of 3 labels contain '|'" in caplog.text and "--sep '|'" in caplog.text
    caplog.clear()
    load_dataset(path)
    load_dataset(write(tmp_path, "s.csv", "text,genre\nA,Action/Adventure\nB,sci-fi\n"))
    assert "labels contain" not in caplog.text


def test_a_tab_separated_file_read_as_csv_is_named(tmp_path):
    path = write(tmp_path, "m.csv", "id\ttitle\tgenre\n1\tA heist\tcrime\n")
    with pytest.raises(DataError, match=r"holds tabs.*`--format tsv`"):
        load_dataset(path, text="title")
    with pytest.raises(DataError, match=r"No text column found.*holds tabs"):
        load_dataset(path)
    assert load_dataset(path, text="title", format="tsv").texts == ["A heist"]


_ROWS = "text,label\nA heist.,crime\nA storm.,drama\n"


@pytest.mark.parametrize(
    "name, content, options, expected",
    [
        # a gzip file named as text: was "byte 0x8b ... re-save from Latin-1"
        (
            "m.csv",
            gzip.compress(_ROWS.encode()),
            {},
            "m.csv:1: Expected a CSV file, as UTF-8 text. Received: a gzip-compressed file "
            "(it starts with bytes 1f 8b). Decompress it first (`gzip -dc m.csv > "
            "unpacked-m.csv`)",
        ),
        # ... or as JSONL: was "No JSON object found"
        (
            "m.jsonl",
            gzip.compress(b'{"text": "A", "label": "b"}\n'),
            {},
            "m.jsonl:1: Expected a JSONL file (one JSON object per line), as UTF-8 text. "
            "Received: a gzip-compressed file",
        ),
        # ... or with its own name: was "Cannot tell the format of ... from its name"
        ("m.csv.gz", gzip.compress(_ROWS.encode()), {}, "`gzip -dc m.csv.gz > m.csv`"),
        ("m.csv", b"PAR1\x15\x04", {}, "Received: a Parquet file (it starts with PAR1). Pass "),
        ("m.csv", b"PK\x03\x04\x14\x00", {}, "Received: a ZIP archive, such as an Excel .xlsx"),
        (
            "m.tsv",
            _ROWS.replace(",", "\t").encode("utf-16"),
            {},
            "Received: UTF-16 text (it starts with the byte order mark ff fe). Convert it to "
            "UTF-8 (`iconv -f utf-16 -t utf-8 m.tsv > utf8-m.tsv`)",
        ),
        # without a byte order mark: was "No text column found ... 't\x00e\x00x\x00t\x00'"
        (
            "m.csv",
            _ROWS.encode("utf-16-le"),
            {"format": "csv"},
            "Received: UTF-16 text without a byte order mark, or binary data",
        ),
        # an empty .txt: was "Cannot tell the format of ... from its name"
        ("m.txt", b"\n\n", {}, "m.txt: The file is empty (blank lines only)"),
    ],
    ids=[
        "gzip-csv",
        "gzip-jsonl",
        "csv.gz",
        "parquet",
        "xlsx",
        "utf16",
        "utf16-no-bom",
        "empty-txt",
    ],
)
def test_a_file_that_is_not_text_says_what_it_is(tmp_path, name, content, options, expected):
    path = write(tmp_path, name, content)
    for skip in (False, True):
        with pytest.raises(DataError) as info:
            load_dataset(path, skip_bad_rows=skip, **options)
        assert expected in str(info.value)
        assert info.value.path == str(path)


def test_a_nul_or_latin1_byte_inside_a_text_file_is_not_taken_for_binary(tmp_path):
    path = write(tmp_path, "m.csv", _ROWS.replace("heist", "hei\x00st").encode())
    assert load_dataset(path).texts[0] == "A hei\x00st."
    path = write(tmp_path, "l.csv", _ROWS.replace("storm", "stérm").encode("latin-1"))
    with pytest.raises(DataError, match=r"l\.csv:3: field 'text': text is not valid UTF-8"):
        load_dataset(path)


@pytest.mark.parametrize("indent", [None, 2], ids=["one-line", "pretty-printed"])
def test_a_json_array_given_as_jsonl_says_so_and_how_to_convert_it(tmp_path, indent):
    # It said "No JSON object found" alone, though the file holds nothing but objects.
    rows = [{"text": "A heist.", "label": "crime"}, {"text": "A storm.", "label": "drama"}]
    path = write(tmp_path, "m.jsonl", json.dumps(rows, indent=indent))
    with pytest.raises(DataError) as info:
        load_dataset(path, skip_bad_rows=True)
    message = str(info.value)
    assert message.startswith(
        f"{path}: No line is a JSON object. Expected one JSON object per line"
    )
    assert "Received: one JSON array of 2 object(s) over " in message
    assert "a JSON file, not JSON Lines" in message
    assert "(`jq -c '.[]' m.jsonl > m-lines.jsonl`)" in message


def test_a_pipe_without_a_format_is_not_read_to_tell_what_it_is(tmp_path):
    # Only a regular file is opened to tell a compressed or empty one: a pipe's bytes
    # would be taken (and its open would wait for a writer).
    import errno
    import os
    import threading
    import time

    fifo = tmp_path / "rows"
    os.mkfifo(fifo)
    wrote = []

    def writer():  # writes gzip bytes if (and only if) someone opens the pipe to read
        deadline = time.monotonic() + 1.0
        while time.monotonic() < deadline:
            try:
                fd = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
            except OSError as e:
                if e.errno != errno.ENXIO:
                    raise
                time.sleep(0.02)
                continue
            os.write(fd, gzip.compress(b"text,label\n"))
            os.close(fd)
            wrote.append(True)
            return

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        with pytest.raises(ConfigError, match="Cannot tell the format"):
            load_dataset(fifo)
    finally:
        thread.join()
    assert not wrote


@pytest.mark.parametrize("indent", [None, 2], ids=["one-line", "pretty-printed"])
def test_a_json_file_over_the_size_limit_is_judged_by_its_head_not_parsed_whole(
    tmp_path, monkeypatch, indent
):
    # The hint parsed a multi-GB file whole, and read it again to count lines.
    monkeypatch.setattr(jsonl_records, "_WHOLE_JSON_BYTES", 10)
    monkeypatch.setattr(jsonl_records, "_WHOLE_JSON_HEAD", 120)
    rows = [{"text": f"A heist, part {n}.", "label": "crime"} for n in range(20)]
    path = write(tmp_path, "m.jsonl", json.dumps(rows, indent=indent))
    with pytest.raises(DataError) as info:
        load_dataset(path, skip_bad_rows=True)
    message = str(info.value)
    assert message.startswith(f"{path}: No line is a JSON object. Expected one JSON object")
    assert (
        "Received: a file over 10 bytes that starts as a JSON array of objects (not read whole "
        "to count them), a JSON file, not JSON Lines." in message
    )
    assert "`jq -cn --stream 'fromstream(1|truncate_stream(inputs))' m.jsonl > m-lines.jsonl`" in (
        message
    )
    # One object pretty-printed: its first line is "{" alone.
    path.write_text(json.dumps({"rows": rows}, indent=2))
    with pytest.raises(DataError, match=r"starts as a JSON object spread over lines, a JSON"):
        load_dataset(path)
    # An array whose first item is no object, or one longer than the head, gets no hint.
    for content in [json.dumps([1, *rows]), json.dumps([{"text": "x" * 200}, *rows])]:
        path.write_text(content)
        with pytest.raises(DataError, match=r": No JSON object found\. Expected .*\}\.$"):
            load_dataset(path)
