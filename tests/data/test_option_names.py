"""`option_names`: every hint of `genreclf.data` names its option through it.

Outside a block every message is as it always was (pinned below, site by
site); inside one renaming every option, no hint names an option by its own
name; and no string in `genreclf.data` names an option without the module.
"""

import ast
import logging
import pathlib
import re
import tarfile

import pandas as pd
import pytest

from genreclf.data import LabelVocabulary
from genreclf.data import TextDataset
from genreclf.data import check_trainable
from genreclf.data import detect_format
from genreclf.data import load_dataset
from genreclf.data.label_checks import warn_on_unsplit_labels
from genreclf.data.option_names import argument
from genreclf.data.option_names import example_row
from genreclf.data.option_names import flag
from genreclf.data.option_names import jsonl_rows
from genreclf.data.option_names import option_names
from genreclf.errors import ConfigError
from genreclf.errors import DataError

OPTIONS = (
    "text",
    "label",
    "format",
    "sep",
    "multi_label",
    "skip_bad_rows",
    "features",
    "categorical",
    "id_column",
    "aclimdb_label",
    "split",
)
FLAGS = "|".join(option.replace("_", "-") for option in (*OPTIONS, "id"))
FORMATS = "['csv', 'tsv', 'tsv-unquoted', 'jsonl', 'parquet', 'kaggle-genre', 'aclimdb']"


def test_the_names_outside_a_block_are_load_dataset_s():
    assert [argument(option) for option in OPTIONS] == list(OPTIONS)
    assert flag("label") == "--label" and flag("multi_label") == "--multi-label"
    assert flag("skip_bad_rows") == "--skip-bad-rows" and flag("id_column") == "--id"


def test_blocks_nest_and_end_even_on_an_error():
    with option_names(arguments={"label": "judge_label"}, flags={"label": "--judge-label"}):
        with pytest.raises(ConfigError):
            with option_names(arguments={"format": "judge_format"}):
                assert argument("label") == "judge_label" and argument("format") == "judge_format"
                raise ConfigError("inside")
        assert argument("format") == "format"  # the inner block ended
        assert (argument("label"), flag("label")) == ("judge_label", "--judge-label")
        assert flag("format") == "--format"  # a flag left out keeps its name
    assert (argument("label"), flag("label")) == ("label", "--label")


def write(path, content):
    path.write_text(content, encoding="utf-8")
    return path


def message_of(call):
    with pytest.raises((DataError, ConfigError)) as caught:
        call()
    return str(caught.value)


def site_messages(tmp_path, caplog):
    """`{site: message}`: one message from every hint site of `genreclf.data`."""
    csv = write(tmp_path / "m.csv", "overview,genre\nA heist.,crime|drama\nA ghost.,horror\n")
    empty = tmp_path / "imdb.tar.gz"
    with tarfile.open(empty, "w:gz") as archive:  # no `train/` in it
        archive.add(write(tmp_path / "README", "reviews"), "aclImdb/README")
    (tmp_path / "imdb" / "aclImdb" / "test" / "pos").mkdir(parents=True, exist_ok=True)
    one = TextDataset(["a", "b"], [["drama"], ["drama"]], path="m.csv")
    same = TextDataset(["a", "b"], [["a", "b"], ["a", "b"]], multi_label=True, path="m.csv")
    vocabulary = LabelVocabulary(["crime", "drama"])
    messages = {
        "detect_format": message_of(lambda: detect_format("m.dat")),
        "frame_format": message_of(
            lambda: load_dataset(pd.DataFrame({"text": ["a"], "label": ["b"]}), format="csv")
        ),
        "unknown_format": message_of(lambda: load_dataset(csv, format="xls")),
        "aclimdb_label": message_of(lambda: load_dataset(csv, aclimdb_label="stars")),
        "split": message_of(lambda: load_dataset(tmp_path / "imdb", split="dev")),
        "aclimdb_folder_split": message_of(lambda: load_dataset(tmp_path / "imdb")),
        "aclimdb_archive_split": message_of(lambda: load_dataset(empty)),
        "folder_format": message_of(lambda: load_dataset(tmp_path / "imdb", format="csv")),
        "named_column": message_of(lambda: load_dataset(csv, label="kind")),
        "found_column": message_of(
            lambda: load_dataset(write(tmp_path / "n.csv", "overview,kind\na,b\n"))
        ),
        "tab_hint": message_of(
            lambda: load_dataset(write(tmp_path / "t.csv", "overview\tgenre\na\tb\n"))
        ),
        "same_columns": message_of(lambda: load_dataset(csv, text="genre", label="genre")),
        "features": message_of(lambda: load_dataset(csv, features=["year"])),
        "categorical": message_of(lambda: load_dataset(csv, categorical=["country"])),
        "id_column": message_of(lambda: load_dataset(csv, id_column="key")),
        "too_many_labels": message_of(lambda: load_dataset(csv, multi_label=False, sep="|")),
        "unquoted_tsv": message_of(
            lambda: load_dataset(write(tmp_path / "q.tsv", 'overview\tgenre\n"Run," a.\tb\n'))
        ),
        "skip_advice": message_of(
            lambda: load_dataset(write(tmp_path / "e.csv", "overview,genre\n,b\n"))
        ),
        "one_class": message_of(lambda: check_trainable(one)),
        "same_labels": message_of(lambda: check_trainable(same)),
        "vocabulary_one_label": message_of(lambda: vocabulary.encode([["crime", "drama"]])),
        "vocabulary_unknown": message_of(lambda: vocabulary.encode([["musical"]])),
    }
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="genreclf.data"):
        warn_on_unsplit_labels({"crime|drama", "drama|romance", "drama"}, ",", "m.csv")
    [messages["unsplit_labels"]] = [record.getMessage() for record in caplog.records]
    return messages


def test_every_plain_hint_is_as_it_was(tmp_path, caplog):
    messages = site_messages(tmp_path, caplog)
    expected = {
        "detect_format": "Cannot tell the format of 'm.dat' from its name. Expected one of .csv, "
        ".tsv, .jsonl, .ndjson, .parquet, a .txt in the Kaggle `ID ::: TITLE ::: GENRE ::: "
        "DESCRIPTION` format, an aclImdb folder, .tar.gz or .tar. Pass format= one of "
        f"{FORMATS} (`--format`).",
        "frame_format": "A DataFrame is read as it is: format applies to files. Received: "
        "format='csv' with a DataFrame. Drop format=.",
        "unknown_format": f"Unknown data format. Expected 'auto' or one of {FORMATS}. "
        "Received: format='xls'. Pass format= one of them (`--format`), or 'auto' to tell it "
        "from the file's name.",
        "aclimdb_label": "aclimdb_label must be 'rating' (labels '1'..'10') or 'polarity' "
        "('pos'/'neg'). Received: aclimdb_label='stars'.",
        "split": "split must be 'train' or 'test'. Received: split='dev'.",
        "aclimdb_folder_split": f"{tmp_path / 'imdb'}: No aclImdb reviews for split 'train': "
        "expected folders `aclImdb/train/pos` and `.../neg` (or `train/pos`, `train/neg`) "
        "holding files ID_RATING.txt. Found: ['aclImdb']. Pass split='train' or split='test' to match.",
        "aclimdb_archive_split": f"{tmp_path / 'imdb.tar.gz'}: No aclImdb reviews for split "
        "'train' in the archive: expected members like `aclImdb/train/pos/0_9.txt`. Pass "
        "split='train' or split='test' to match the archive.",
        "folder_format": f"{tmp_path / 'imdb'}: This is a folder, not a csv file: a folder is "
        "read only as an aclImdb folder (its reviews in `train/pos`, `train/neg`, `test/pos` "
        "and `test/neg`). Received: format='csv'. It holds aclImdb reviews: drop format= "
        "(`--format`) to read them, or pass the csv file itself.",
        "named_column": f"{tmp_path / 'm.csv'}: field 'kind': Column 'kind' not found. Columns "
        "present: ['overview', 'genre']. Pass label= one of them (`--label` on the command "
        "line).",
        "found_column": f"{tmp_path / 'n.csv'}: No label column found: expected one of "
        "['label', 'labels', 'genre', 'genres', 'tag']. Columns present: ['overview', 'kind']. "
        "Pass label= the column to use (`--label` on the command line).",
        "tab_hint": f"{tmp_path / 't.csv'}: No text column found: expected one of ['text', "
        "'overview', 'plot', 'description', 'synopsis']. Columns present: "
        "['overview\\tgenre']. Pass text= the column to use (`--text` on the command line). "
        "The header holds tabs: for a tab-separated file pass format='tsv' (`--format tsv`).",
        "same_columns": "The text and label columns must differ. Received: text='genre', "
        "label='genre'.",
        "features": f"{tmp_path / 'm.csv'}: field 'year': Column 'year' not found. Columns "
        "present: ['overview', 'genre']. Pass features= one of them (`--features` on the "
        "command line).",
        "categorical": f"{tmp_path / 'm.csv'}: field 'country': Column 'country' not found. "
        "Columns present: ['overview', 'genre']. Pass categorical= one of them "
        "(`--categorical` on the command line).",
        "id_column": f"{tmp_path / 'm.csv'}: field 'key': Column 'key' not found. Columns "
        "present: ['overview', 'genre']. Pass id_column= one of them (`--id` on the command "
        "line).",
        "too_many_labels": f"{tmp_path / 'm.csv'}:2: field 'genre': a single-label task needs "
        "one label per row. Received: ['crime', 'drama']. Keep one label, or train a "
        "multi-label model for rows with several labels (multi_label=True, `train "
        "--multi-label`), or pass skip_bad_rows=True (`--skip-bad-rows`) to skip such rows.",
        "unquoted_tsv": f"{tmp_path / 'q.tsv'}:2: field 'overview': a quote in this cell is "
        "followed by text instead of '\\t'. Expected a quoted cell to end at its closing "
        "quote, with the quotes inside it doubled. Quote the whole cell and double the quotes "
        'inside it ("A ""big"" heist"), or, if the file uses no quoting at all, read it with '
        "format='tsv-unquoted' (`--format tsv-unquoted`), or pass skip_bad_rows=True "
        "(`--skip-bad-rows`) to skip such rows.",
        "skip_advice": f"{tmp_path / 'e.csv'}:2: field 'overview': empty text. Every row "
        "needs a non-blank text. Fill it in, or pass skip_bad_rows=True (`--skip-bad-rows`) "
        "to skip such rows.",
        "one_class": "m.csv: field 'label': a classifier needs at least two classes, but "
        "every row has the label 'drama'. Received: classes=['drama'] in 2 rows. Check that "
        "this is the genre column (pass label=, `--label`), or add rows of other classes.",
        "same_labels": "m.csv: field 'label': a multi-label classifier needs rows that lack "
        "some of the classes, but every one of the 2 rows carries the same labels. Received: "
        "labels=['a', 'b'] on every row. Check the label column (label=, `--label`) and the "
        "separator (sep=, `--sep`), or add rows with other labels.",
        "vocabulary_one_label": "A single-label task needs exactly one label per row. "
        "Received: labels=['crime', 'drama'] (row 0). If rows may carry several labels, "
        "train a multi-label model (multi_label=True, `train --multi-label`).",
        "vocabulary_unknown": "Unknown label 'musical' (row 0): it was not seen at training "
        "time. Expected one of ['crime', 'drama']. Drop such rows (skip_bad_rows=True, "
        "`--skip-bad-rows`, counts and skips them) or retrain with them included.",
        "unsplit_labels": "m.csv: 2 of 3 labels contain '|' (e.g. 'crime|drama') but labels "
        "are split on ','. If a cell lists several labels, pass sep='|' (`--sep '|'`).",
    }
    assert messages == expected


# Every option renamed, as a caller reading another file would: `X_label=`, `--x-label`.
RENAMED_ARGUMENTS = {option: f"X_{option}" for option in OPTIONS}
RENAMED_FLAGS = {option: "--x-" + option.replace("_", "-") for option in OPTIONS}


def test_inside_a_block_every_hint_names_the_caller_s_options(tmp_path, caplog):
    plain = site_messages(tmp_path, caplog)
    with option_names(arguments=RENAMED_ARGUMENTS, flags=RENAMED_FLAGS):
        renamed = site_messages(tmp_path, caplog)
    assert renamed.keys() == plain.keys()
    for site, message in renamed.items():
        assert message != plain[site], site
        # What is left of an option's own names: `label=`, `--label`.
        own = re.findall(rf"(?<![\w-])(?:(?:{'|'.join(OPTIONS)})=|--(?:{FLAGS})\b)", message)
        assert own == [], (site, message)
    assert renamed["named_column"].endswith(
        "Pass X_label= one of them (`--x-label` on the command line)."
    )
    assert renamed["unsplit_labels"].endswith("pass X_sep='|' (`--x-sep '|'`).")
    assert renamed["same_columns"].endswith("Received: X_text='genre', X_label='genre'.")


# Strings of `genreclf.data` that name what is not `load_dataset`'s option: another
# function's argument (TextDataset's, LabelVocabulary's), a repr, a call written out.
NOT_HINTS = {
    ("dataset.py", "If rows may carry several labels, pass multi_label=True."),
    ("dataset.py", "a multi-label dataset. Received: multi_label="),
    ("dataset_columns.py", "genreclf.load_dataset(frame, text=..., label=...)."),
    ("dataset.py", "genreclf.load_dataset(frame, text=..., label=..., sep="),  # the call's
    ("dataset_columns.py", "LabelVocabulary(class_names, multi_label=...).decode(array)"),
    ("dataset.py", "features="),  # TextDataset's repr
    ("labels.py", ", multi_label="),  # LabelVocabulary's repr
    ("inputs.py", "pass the DataFrame with text= and label= naming its columns"),  # the call's
    ("columns.py", "(`pandas.read_csv(path, sep="),  # pandas' option, not genreclf's `sep`
    ("read_options.py", "load_dataset(path_or_frame, text=..., label=..., ...)."),  # the call's
}
# `label=`, `format='tsv'`, `--label`, `` `train --multi-label` ``: an option named directly.
NAMED = re.compile(r"(?<![\w.-])(?:" + "|".join(OPTIONS) + r")=|`(?:train )?--(?:" + FLAGS + r")\b")


def strings(tree):
    """The string constants of a module, its docstrings left out."""
    docstrings = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                docstrings.add(id(first.value))
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            if id(node) not in docstrings:
                yield node.value


def test_no_string_in_genreclf_data_names_an_option_without_option_names():
    import genreclf.data

    package = pathlib.Path(genreclf.data.__file__).parent
    found = {
        (path.name, value)
        for path in sorted(package.glob("*.py"))
        if path.name != "option_names.py"
        for value in strings(ast.parse(path.read_text(encoding="utf-8")))
        if NAMED.search(value)
    }
    explained = {
        (name, snippet)
        for name, value in found
        for module, snippet in NOT_HINTS
        if name == module and snippet in value
    }
    unexplained = {
        (name, value)
        for name, value in found
        if not any(name == module and snippet in value for module, snippet in NOT_HINTS)
    }
    assert unexplained == set()  # a hint naming an option: use `argument` and `flag`
    assert explained == NOT_HINTS  # each exception still exists


def test_a_caller_without_a_split_is_told_what_is_read_instead(tmp_path, caplog):
    # `genreclf label`'s files take no split: `Pass split='train' or split='test'` misled.
    plain = site_messages(tmp_path, caplog)
    with option_names(arguments={"split": None}):
        lacking = site_messages(tmp_path, caplog)
        assert argument("split") == "split"  # its own name, for the rare hint left
    changed = {site for site in plain if lacking[site] != plain[site]}
    assert changed == {"aclimdb_folder_split", "aclimdb_archive_split"}
    assert lacking["aclimdb_folder_split"] == plain["aclimdb_folder_split"].replace(
        "Pass split='train' or split='test' to match.",
        "No split can be chosen for this file, so only `train/` is read: for another split's "
        "reviews, pass the folder holding their pos/ and neg/ (e.g. `aclImdb/test`).",
    )
    assert lacking["aclimdb_archive_split"] == plain["aclimdb_archive_split"].replace(
        "Pass split='train' or split='test' to match the archive.",
        "No split can be chosen for this file, so only the archive's `train/` reviews are read.",
    )


def test_a_caller_without_text_and_label_options_is_shown_its_row(tmp_path, caplog):
    # `train --augment` reads fixed fields: `Pass label= ... (`--label`)` named the
    # training file's option, and the JSONL hints showed the training file's row.
    plain = site_messages(tmp_path, caplog)
    row = {"text": "A cowboy rides.", "labels": ["western"]}
    with option_names(arguments={"text": None, "label": None}, row=row):
        lacking = site_messages(tmp_path, caplog)
        assert jsonl_rows() == (
            'one JSON object per line with "text" and "labels", like '
            '{"text": "A cowboy rides.", "labels": ["western"]}'
        )
        assert example_row() == '{"text": "A cowboy rides.", "labels": ["western"]}'
    changed = {site for site in plain if lacking[site] != plain[site]}
    assert changed == {"named_column", "found_column", "tab_hint"}
    assert lacking["named_column"] == plain["named_column"].replace(
        "Pass label= one of them (`--label` on the command line).",
        'Expected one JSON object per line with "text" and "labels", like '
        '{"text": "A cowboy rides.", "labels": ["western"]}.',
    )
    for site in ("found_column", "tab_hint"):
        assert "(`--text`" not in lacking[site] and "(`--label`" not in lacking[site]
        assert 'Expected one JSON object per line with "text" and "labels"' in lacking[site]
    assert example_row() == '{"text": "...", "label": "drama"}'  # the block ended


def test_only_options_whose_hints_say_what_else_may_be_lacking():
    with pytest.raises(ValueError) as caught:
        with option_names(arguments={"split": None, "sep": None, "label": "judge_label"}):
            pass
    assert str(caught.value) == (
        "Only ['split', 'text', 'label'] may be None in arguments= (an option the caller "
        "lacks): the hints of other options name them. Received: arguments with {'sep': "
        "None}. Pass the caller's argument for each, or leave it out to keep its own name."
    )
    assert argument("sep") == "sep"  # no block was entered
