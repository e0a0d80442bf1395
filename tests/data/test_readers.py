"""`load_dataset` reads each format: default and named columns, labels, ids, lines and features."""

import json

import numpy as np
import pandas as pd
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


def test_a_parquet_binary_text_column_says_how_to_store_it_as_strings(tmp_path):
    # The hint was the DataFrame's, `value.decode('utf-8')`, for a column of a file.
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    pd = pytest.importorskip("pandas")
    path = tmp_path / "m.parquet"
    pq.write_table(pa.table({"plot": [b"A heist.", b"A storm."], "label": ["x", "y"]}), path)
    with pytest.raises(DataError) as info:
        load_dataset(path)
    message = str(info.value)
    assert message.startswith(
        f"{path}:1: field 'plot': expected the text as a string. Received: b'A heist.' (a bytes). "
        "Store the column as strings: it is binary in the file (in pandas, `df['plot'] = "
        "df['plot'].str.decode('utf-8')`, then write the Parquet file again)"
    ), message
    frame = pd.read_parquet(path)
    frame["plot"] = frame["plot"].str.decode("utf-8")  # the command the hint gives
    frame.to_parquet(path)
    assert load_dataset(path).texts == ["A heist.", "A storm."]
    # A DataFrame's bytes keep the DataFrame's hint.
    with pytest.raises(DataError, match=r"Decode it to a string first"):
        load_dataset(pd.DataFrame({"plot": [b"A heist."], "label": ["x"]}))


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


def test_default_columns_are_case_insensitive(tmp_path):
    path = write(tmp_path, "m.csv", "Overview,Genre\nA,b\n")
    ds = load_dataset(path)
    assert ds.texts == ["A"] and ds.labels == [["b"]]


def test_bundled_sample_single_and_multi_label():
    sample = pytest.importorskip("genreclf.data.sample")
    single = load_dataset(sample.sample_path())
    assert single.multi_label is False and len(single) > 100
    multi = load_dataset(sample.sample_path(), label="genres")
    assert multi.multi_label is True
    assert multi.ids == single.ids


def test_detect_format_of_what_is_no_path_says_so_without_quoting_it():
    # detect_format(frame) quoted the whole table: "Cannot tell the format of '   id ...'".
    frame = pd.DataFrame({"text": ["A heist. " * 50] * 100, "label": ["crime"] * 100})
    with pytest.raises(
        ConfigError, match=r"a DataFrame of 100 rows and 2 columns, which has no"
    ) as info:
        detect_format(frame)
    assert len(str(info.value)) < 300 and "A heist" not in str(info.value)
    with pytest.raises(ConfigError, match=r"takes a file path .*Received: None\.$"):
        detect_format(None)


def test_a_leading_tilde_is_the_home_folder_as_pandas_reads_it(tmp_path, monkeypatch):
    # A notebook's load_dataset("~/movies.csv") said only "relative paths start from <cwd>".
    monkeypatch.setenv("HOME", str(tmp_path))
    write(tmp_path, "movies.csv", "overview,genres\nA heist.,crime\nA ghost.,horror\n")
    assert load_dataset("~/movies.csv").texts == ["A heist.", "A ghost."]
    with pytest.raises(DataError, match="File not found") as info:
        load_dataset("~/nope.csv")
    assert str(tmp_path / "nope.csv") in str(info.value)  # the path it looked at
