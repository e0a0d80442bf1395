import json

import numpy as np
import pytest

from genreclf.data import load_dataset
from genreclf.data.readers import detect_format
from genreclf.errors import ConfigError
from genreclf.errors import DataError


def write(tmp_path, name, content):
    path = tmp_path / name
    if isinstance(content, str):
        content = content.encode("utf-8")
    path.write_bytes(content)
    return path


# --- formats ---------------------------------------------------------------


def test_csv_defaults_and_multi_label_separator(tmp_path):
    path = write(
        tmp_path,
        "movies.csv",
        "id,title,overview,genres\n"
        "m1,Heat,A heist goes wrong.,Crime|Drama\n"
        "m2,Up,A house flies.,Animation\n",
    )
    ds = load_dataset(path)
    assert ds.texts == ["A heist goes wrong.", "A house flies."]
    assert ds.labels == [["Crime", "Drama"], ["Animation"]]
    assert ds.multi_label is True
    assert ds.ids == ["m1", "m2"]
    assert ds.lines == [2, 3]
    assert ds.sources == ["real", "real"]
    assert ds.path == str(path)
    assert ds.skipped == {}


def test_csv_single_label_auto_detected(tmp_path):
    path = write(tmp_path, "m.csv", "plot,tag\nA ghost.,horror\nA heist.,crime\n")
    ds = load_dataset(path)
    assert ds.multi_label is False
    assert ds.labels == [["horror"], ["crime"]]
    assert ds.ids == ["2", "3"]  # no id column: the row's line


def test_csv_line_numbers_count_quoted_multiline_cells(tmp_path):
    path = write(
        tmp_path,
        "m.csv",
        'text,label\n"line one\nline two\nline three",drama\n\n"x, y",comedy\n',
    )
    ds = load_dataset(path)
    assert ds.lines == [2, 6]
    assert ds.texts[0] == "line one\nline two\nline three"
    assert ds.texts[1] == "x, y"


def test_csv_crlf_and_bom(tmp_path):
    path = write(tmp_path, "m.csv", b"\xef\xbb\xbftext,label\r\nA b,c\r\nD e,f\r\n")
    ds = load_dataset(path)
    assert ds.texts == ["A b", "D e"]
    assert ds.labels == [["c"], ["f"]]
    assert ds.lines == [2, 3]


def test_csv_json_list_labels(tmp_path):
    path = write(tmp_path, "m.csv", 'text,labels\nA b,"[""x"", ""y""]"\nC d,"[""x""]"\n')
    ds = load_dataset(path)
    assert ds.multi_label is True
    assert ds.labels == [["x", "y"], ["x"]]


def test_tsv(tmp_path):
    path = write(tmp_path, "m.tsv", "synopsis\tgenre\nA, b\tdrama\n")
    ds = load_dataset(path)
    assert ds.texts == ["A, b"]
    assert ds.labels == [["drama"]]


@pytest.mark.parametrize("separator", [";", "|"])
def test_a_header_split_by_another_separator_says_how_to_read_it(tmp_path, separator):
    path = tmp_path / "m.csv"
    path.write_text(separator.join(["id", "overview", "genre"]) + "\n1" + separator + "A.\n")
    hint = f"The header holds {separator!r}: CSV files are read comma-separated."
    with pytest.raises(DataError, match="No text column found") as info:
        load_dataset(path)
    assert hint in str(info.value) and f"sep={separator!r})`" in str(info.value)
    with pytest.raises(DataError, match="Column 'overview' not found") as info:
        load_dataset(path, text="overview")
    assert hint in str(info.value)


def test_explicit_columns_features_categorical_and_id(tmp_path):
    path = write(
        tmp_path,
        "m.csv",
        "key,body,kind,year,lang\nk1,A b,x,1999,en\nk2,C d,y,2001.5,fr\n",
    )
    ds = load_dataset(
        path,
        text="body",
        label="kind",
        features=["year"],
        categorical=["lang"],
        id_column="key",
    )
    assert ds.ids == ["k1", "k2"]
    assert ds.features["year"].dtype == np.float32
    np.testing.assert_allclose(ds.features["year"], [1999.0, 2001.5])
    assert list(ds.features["lang"]) == ["en", "fr"]


def test_a_missing_id_column_names_the_flag_that_sets_it(tmp_path):
    # `genreclf labels check --id` is the command line's way to set id_column.
    path = write(tmp_path, "m.csv", "overview,genre\nA b,x\n")
    with pytest.raises(DataError, match=r"Pass id_column= one of them \(`--id` on the command"):
        load_dataset(path, id_column="key")


def test_jsonl_lists_sources_and_lines(tmp_path):
    rows = [
        {"text": "A b", "labels": ["x", "y"], "source": "synthetic"},
        {"text": "C d", "labels": ["y"]},
    ]
    content = json.dumps(rows[0]) + "\n\n" + json.dumps(rows[1]) + "\n"
    path = write(tmp_path, "aug.jsonl", content)
    ds = load_dataset(path, text="text", label="labels")
    assert ds.multi_label is True
    assert ds.labels == [["x", "y"], ["y"]]
    assert ds.lines == [1, 3]
    assert ds.sources == ["synthetic", "real"]
    assert ds.is_synthetic().tolist() == [True, False]


def test_parquet(tmp_path):
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    table = pa.table(
        {
            "id": [10, 11, 12],
            "overview": ["A b", "C d", "E f"],
            "genres": [["x"], ["x", "y"], ["y"]],
            "year": [1990, 2000, 2010],
        }
    )
    path = tmp_path / "m.parquet"
    pq.write_table(table, path)
    ds = load_dataset(path, features=["year"])
    assert ds.ids == ["10", "11", "12"]
    assert ds.labels == [["x"], ["x", "y"], ["y"]]
    assert ds.multi_label is True
    assert ds.lines == [1, 2, 3]
    np.testing.assert_allclose(ds.features["year"], [1990, 2000, 2010])


def test_a_parquet_decimal_column_is_a_numeric_feature(tmp_path):
    import decimal

    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    budget = pa.array([decimal.Decimal("1.5"), decimal.Decimal("20.25")], pa.decimal128(6, 2))
    path = tmp_path / "m.parquet"
    pq.write_table(pa.table({"text": ["A", "B"], "label": ["x", "y"], "budget": budget}), path)
    np.testing.assert_allclose(
        load_dataset(path, features=["budget"]).features["budget"], [1.5, 20.25]
    )


def test_whitespace_only_lines_before_a_csv_header_are_skipped(tmp_path):
    path = write(tmp_path, "m.csv", "   \n\t\noverview,genre\nA heist.,crime\n")
    ds = load_dataset(path)
    assert ds.read_options["text"] == "overview" and ds.labels == [["crime"]] and ds.lines == [4]


def test_parquet_null_text_names_row(tmp_path):
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    path = tmp_path / "m.parquet"
    pq.write_table(pa.table({"text": ["A", None], "label": ["x", "y"]}), path)
    with pytest.raises(DataError, match=r"m\.parquet:2: field 'text': missing text"):
        load_dataset(path)


def test_detect_format(tmp_path):
    kaggle = write(tmp_path, "k.txt", "1 ::: T ::: drama ::: D\n")
    plain = write(tmp_path, "p.txt", "just text\n")
    assert detect_format("a.CSV") == "csv"
    assert detect_format("a.ndjson") == "jsonl"
    assert detect_format("a.tsv") == "tsv"
    assert detect_format("a.parquet") == "parquet"
    assert detect_format("a.tar.gz") == "aclimdb"
    assert detect_format(tmp_path) == "aclimdb"
    assert detect_format(kaggle) == "kaggle-genre"
    with pytest.raises(ConfigError, match="Cannot tell the format"):
        detect_format(plain)


def test_format_overrides_extension(tmp_path):
    path = write(tmp_path, "data.dat", "text,label\nA,b\n")
    assert load_dataset(path, format="csv").texts == ["A"]
    with pytest.raises(ConfigError, match="format='xml'"):
        load_dataset(path, format="xml")


def test_single_label_forced_keeps_separator_text(tmp_path):
    path = write(tmp_path, "m.csv", "text,label\nA,x|y\n")
    ds = load_dataset(path, multi_label=False)
    assert ds.labels == [["x|y"]]


def test_custom_separator_and_stripping(tmp_path):
    path = write(tmp_path, "m.csv", 'text,label\nA," x ; y "\nB, z \n')
    ds = load_dataset(path, sep=";")
    assert ds.labels == [["x", "y"], ["z"]]
    assert ds.multi_label is True


def test_multi_label_forced_with_single_labels(tmp_path):
    path = write(tmp_path, "m.csv", "text,label\nA,x\nB,y\n")
    assert load_dataset(path, multi_label=True).multi_label is True


# --- bad input ---------------------------------------------------------------


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


def test_default_columns_are_case_insensitive(tmp_path):
    path = write(tmp_path, "m.csv", "Overview,Genre\nA,b\n")
    ds = load_dataset(path)
    assert ds.texts == ["A"] and ds.labels == [["b"]]


@pytest.mark.parametrize("text", ['""', '"   "'])
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


def test_empty_file_and_header_only(tmp_path):
    with pytest.raises(DataError, match="empty"):
        load_dataset(write(tmp_path, "e.csv", ""))
    with pytest.raises(DataError, match="no rows"):
        load_dataset(write(tmp_path, "h.csv", "text,label\n"))


def test_duplicate_column_names(tmp_path):
    with pytest.raises(DataError, match="unique"):
        load_dataset(write(tmp_path, "d.csv", "text,text,label\nA,B,c\n"))


def test_folder_given_as_csv_is_a_data_error(tmp_path):
    with pytest.raises(DataError, match="Cannot read the csv data"):
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


def test_bundled_sample_single_and_multi_label():
    sample = pytest.importorskip("genreclf.data.sample")
    single = load_dataset(sample.sample_path())
    assert single.multi_label is False and len(single) > 100
    multi = load_dataset(sample.sample_path(), label="genres")
    assert multi.multi_label is True
    assert multi.ids == single.ids


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
