"""Bad rows: skipping with counts and logs, and the streaming reader."""

import logging

import pytest

from genreclf.data import iter_examples
from genreclf.data import load_dataset
from genreclf.errors import DataError


def write(tmp_path, name, content):
    path = tmp_path / name
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return path


# --- skipping bad rows ---------------------------------------------------------


def test_skip_bad_rows_counts_and_logs(tmp_path, caplog):
    path = write(
        tmp_path,
        "m.csv",
        b"text,label,year\n"
        b"good,x,1\n"
        b",x,2\n"  # empty text
        b"bad \xff,y,3\n"  # not UTF-8
        b"fine,y,four\n"  # bad feature
        b"also good,,5\n"  # empty label
        b"extra,x,6,7\n"  # malformed
        b"last,y,8\n",
    )
    with caplog.at_level(logging.WARNING, logger="genreclf.data"):
        ds = load_dataset(path, features=["year"], skip_bad_rows=True)
    assert ds.texts == ["good", "last"]
    assert ds.lines == [2, 8]
    assert ds.skipped == {
        "bad_feature": 1,
        "empty_label": 1,
        "empty_text": 1,
        "invalid_utf8": 1,
        "malformed_line": 1,
    }
    messages = [r.getMessage() for r in caplog.records]
    assert len(messages) == 6  # five rows, then the summary
    assert f"{path}:3: field 'text': empty text" in messages[0]
    assert "Skipped 5 bad row(s)" in messages[-1]
    # Each skipped row is named without the advice to skip such rows: they were.
    assert not any("--skip-bad-rows" in m or ";." in m for m in messages), messages


def test_skip_bad_rows_logs_at_most_twenty_then_summary(tmp_path, caplog):
    content = "text,label\n" + "".join(",x\n" for _ in range(30)) + "ok,x\n"
    path = write(tmp_path, "m.csv", content)
    with caplog.at_level(logging.WARNING, logger="genreclf.data"):
        ds = load_dataset(path, skip_bad_rows=True)
    assert len(ds) == 1
    assert ds.skipped == {"empty_text": 30}
    messages = [r.getMessage() for r in caplog.records]
    assert len(messages) == 22
    assert "Skipped 30 bad row(s)" in messages[-1]


def test_all_rows_bad_is_an_error_even_when_skipping(tmp_path):
    path = write(tmp_path, "m.csv", "text,label\n,x\n")
    with pytest.raises(DataError, match="all 1 rows were bad"):
        load_dataset(path, skip_bad_rows=True)


def test_missing_column_is_never_skipped(tmp_path):
    path = write(tmp_path, "m.csv", "text,label\nA,x\n")
    with pytest.raises(DataError, match="not found"):
        load_dataset(path, label="genre", skip_bad_rows=True)


# --- streaming ------------------------------------------------------------------


def test_iter_examples_streams_like_load_dataset(tmp_path):
    path = write(tmp_path, "m.csv", 'text,label\n"A\nB",x|y\nC,z\n')
    assert list(iter_examples(path)) == [("A\nB", ["x", "y"], 2), ("C", ["z"], 4)]


def test_iter_examples_raises_at_the_bad_row(tmp_path):
    path = write(tmp_path, "m.csv", "text,label\nA,x\n,y\n")
    rows = iter_examples(path)
    assert next(rows) == ("A", ["x"], 2)
    with pytest.raises(DataError, match=r"m\.csv:3: field 'text'"):
        next(rows)


def test_iter_examples_skips(tmp_path):
    path = write(tmp_path, "m.csv", "text,label\nA,x\n,y\nB,z\n")
    assert [t for t, _, _ in iter_examples(path, skip_bad_rows=True)] == ["A", "B"]


# --- text that is not valid Unicode ---------------------------------------------


@pytest.mark.parametrize(
    "row, field",
    [
        ('{"id": "7", "text": "A ghost \\udfac.", "label": "horror"}', "text"),
        ('{"id": "7", "text": "A ghost.", "label": "hor\\ud83cror"}', "label"),
        ('{"id": "7", "text": "A ghost.", "label": ["horror", "\\ud83c"]}', "label"),
        ('{"id": "7\\ud800", "text": "A ghost.", "label": "horror"}', "id"),
    ],
)
def test_jsonl_lone_surrogate_is_an_invalid_utf8_row(tmp_path, row, field):
    # Valid JSON, but no UTF-8 text (nor a tensor) can hold a lone surrogate.
    good = '{"id": "%d", "text": "A heist.", "label": "crime"}\n'
    path = write(tmp_path, "m.jsonl", good % 1 + row + "\n" + good % 3)
    with pytest.raises(DataError) as info:
        load_dataset(path)
    message = str(info.value)
    assert message.startswith(f"{path}:2: field '{field}': text is not valid Unicode"), message
    assert "lone surrogate" in message and "--skip-bad-rows" in message
    ds = load_dataset(path, skip_bad_rows=True)
    assert ds.lines == [1, 3]
    assert ds.skipped == {"invalid_utf8": 1}
    assert all(text.encode("utf-8") for text in ds.texts)


def test_csv_encoded_surrogate_is_an_invalid_utf8_row(tmp_path):
    path = write(tmp_path, "m.csv", b"text,label\nA heist.,crime\nA ghost \xed\xa0\x80.,horror\n")
    with pytest.raises(DataError, match=r"m\.csv:3: field 'text': text is not valid UTF-8"):
        load_dataset(path)
    assert load_dataset(path, skip_bad_rows=True).skipped == {"invalid_utf8": 1}


def write_raw_parquet(path, **columns):
    """A Parquet file of string columns given as raw bytes, maybe not UTF-8."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    arrays = {}
    for name, values in columns.items():
        raw = pa.array(values, type=pa.binary())
        arrays[name] = pa.Array.from_buffers(pa.string(), len(raw), raw.buffers())  # unchecked
    pq.write_table(pa.table(arrays), path)
    return path


def test_parquet_cell_that_is_not_utf8_is_an_invalid_utf8_row(tmp_path):
    texts = [b"A heist.", b"A ghost \xed\xa0\x80.", b"A storm \xff.", b"A duel."]
    path = write_raw_parquet(tmp_path / "m.parquet", text=texts, label=[b"a", b"b", b"c", b"d"])
    with pytest.raises(DataError) as info:
        load_dataset(path)
    assert str(info.value).startswith(f"{path}:2: field 'text': text is not valid UTF-8.")
    assert "Received: byte 0xed at byte offset 8 of the cell." in str(info.value)
    ds = load_dataset(path, skip_bad_rows=True)
    assert ds.texts == ["A heist.", "A duel."]
    assert ds.lines == [1, 4]
    assert ds.skipped == {"invalid_utf8": 2}


def test_parquet_cell_that_is_not_utf8_in_an_unused_column_is_accepted(tmp_path):
    path = write_raw_parquet(
        tmp_path / "m.parquet",
        notes=[b"ok", b"caf\xe9"],
        text=[b"A heist.", b"A ghost."],
        label=[b"crime", b"horror"],
    )
    ds = load_dataset(path)
    assert ds.texts == ["A heist.", "A ghost."]
    assert ds.skipped == {}


# --- every row error says how to fix the row --------------------------------------


@pytest.mark.parametrize(
    "name, content, start, fix",
    [
        (
            "m.csv",
            "text,label\nA,x\nB,\n",
            ":3: field 'label': empty label",
            "Fill in the label, or remove the blank one between separators",
        ),
        (
            "m.jsonl",
            '{"text": "A", "label": "x"}\n{"text": "B", "label": null}\n',
            ":2: field 'label': missing label (null).",
            "Fill it in",
        ),
        (
            "m.jsonl",
            '{"text": "A", "label": "x"}\n{"text": "B"}\n',
            ":2: field 'label': the row has no field 'label'",
            "Add 'label' to this row",
        ),
        (
            "m.csv",
            "text,label\nA,x\nB,y,extra\n",
            ":3: expected 2 fields (text, label) separated by ',', found 3.",
            "Quote the cell that holds the separator, or remove the extra fields",
        ),
        (
            "m.csv",
            "text,label\nA,x\nB\n",
            ":3: expected 2 fields (text, label) separated by ',', found 1.",
            "Add the missing fields, or check the separator",
        ),
        (
            "m.jsonl",
            '{"text": "A", "label": "x"}\n{"text": \n',
            ":2: invalid JSON (Expecting value at column 10).",
            "Fix the JSON on this line (an object may not span lines)",
        ),
        (
            "m.jsonl",
            '{"text": "A", "label": "x"}\n["B", "y"]\n',
            ":2: expected a JSON object with named fields. Received: a JSON list.",
            'Write the row as an object, like {"text": "...", "label": "drama"}',
        ),
        (
            "train_data.txt",
            "1 ::: T ::: x ::: A\n2 ::: T ::: A plot.\n",
            ":2: expected 4 fields separated by ':::'",
            "Add the genre after the title",
        ),
        (
            "train_data.txt",
            "1 ::: T ::: x ::: A\n2 ::: T ::: x ::: Part one ::: part two\n",
            ":2: expected 4 fields separated by ':::'",
            "Replace the ':::' inside the text (for example by ' - ')",
        ),
    ],
)
def test_row_errors_say_how_to_fix_the_row(tmp_path, name, content, start, fix):
    path = write(tmp_path, name, content)
    with pytest.raises(DataError) as info:
        load_dataset(path)
    message = str(info.value)
    assert message.startswith(f"{path}{start}"), message
    assert f"{fix}, or pass skip_bad_rows=True (`--skip-bad-rows`)" in message, message
    assert load_dataset(path, skip_bad_rows=True).lines == [1 if name != "m.csv" else 2]


def test_several_labels_in_a_single_label_task_say_to_train_a_multi_label_model(tmp_path):
    # The hint fits every command that reads labels: only `train` (and `tune`,
    # `label`, `labels check`) take --multi-label; `evaluate` reads as its run was trained.
    path = tmp_path / "rows.csv"
    path.write_text("overview,genre\nA heist.,crime|drama\n")
    with pytest.raises(DataError, match=r"rows.csv:2: .*train --multi-label"):
        load_dataset(path, text="overview", label="genre", sep="|", multi_label=False)


def test_a_jsonl_field_named_twice_with_different_values_is_a_bad_row(tmp_path, caplog):
    # json.loads keeps the last of a repeated key: the row trained on "b" alone.
    path = write(
        tmp_path,
        "m.jsonl",
        '{"text": "A heist.", "labels": ["a"]}\n'
        '{"text": "A storm.", "labels": ["a"], "labels": ["b"]}\n'
        '{"text": "A duel.", "labels": ["b"], "labels": ["b"], "note": 1, "note": 2}\n',
    )
    with pytest.raises(DataError) as info:
        load_dataset(path)
    assert str(info.value).startswith(f"{path}:2: field 'labels': the object names field ")
    assert "2 times, with different values: ['a'], ['b']" in str(info.value)
    with caplog.at_level(logging.WARNING):
        ds = load_dataset(path, skip_bad_rows=True)
    # The same value twice, or a field not read, loses nothing: those rows stay.
    assert list(ds.lines) == [1, 3] and ds.labels[1] == ["b"]
    assert ds.skipped == {"malformed_line": 1}
    assert f"{path}:2: field 'labels'" in caplog.text


def test_a_jsonl_object_inside_a_field_is_named_a_dict_and_its_repeats_are_not_the_rows(
    tmp_path, caplog
):
    # The duplicate-key hook made every object a `_JsonObject`: "(a _JsonObject)".
    path = write(
        tmp_path,
        "m.jsonl",
        '{"text": {"a": 1}, "label": "x"}\n'
        '{"text": "A storm.", "label": "y", "meta": {"k": 1, "k": 2}}\n',
    )
    with pytest.raises(DataError) as info:
        load_dataset(path)
    assert str(info.value).startswith(f"{path}:1: field 'text': expected the text as a string.")
    assert "Received: {'a': 1} (a dict)." in str(info.value)
    with caplog.at_level(logging.WARNING):
        ds = load_dataset(path, skip_bad_rows=True)
    # A nested object's repeated key is not a repeat of the row's own fields.
    assert ds.texts == ["A storm."] and ds.skipped == {"malformed_line": 1}
