"""Checks on a dataset's labels as a whole: null-like labels, too few classes."""

import logging

import pytest

from genreclf.data import TextDataset
from genreclf.data import check_trainable
from genreclf.data import load_dataset
from genreclf.errors import DataError


def write(tmp_path, name, content):
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    return path


def test_null_like_labels_warn_naming_file_column_and_values(tmp_path, caplog):
    content = "overview,genre\nA.,drama\nB.,NaN\nC.,horror\nD.,None\nE.,null\nF.,N/A\nG.,nan\n"
    path = write(tmp_path, "m.csv", content)
    with caplog.at_level(logging.WARNING, logger="genreclf.data"):
        ds = load_dataset(path)
    assert len(ds) == 7  # a warning, not a refusal: a genre could have such a name
    [message] = [r.getMessage() for r in caplog.records]
    assert message.startswith(f"{path}: the label column 'genre' holds values that usually")
    assert "{'N/A': 1, 'NaN': 1, 'None': 1, 'nan': 1, 'null': 1} (5 rows" in message
    assert "the first at line 3" in message


def test_null_like_label_in_a_multi_label_cell_warns(tmp_path, caplog):
    path = write(tmp_path, "m.csv", "plot,genres\nA.,drama|None\nB.,horror\n")
    with caplog.at_level(logging.WARNING, logger="genreclf.data"):
        load_dataset(path)
    assert any(
        "'genres'" in r.getMessage() and "'None': 1" in r.getMessage() for r in caplog.records
    )


def test_ordinary_labels_do_not_warn(tmp_path, caplog):
    path = write(tmp_path, "m.csv", "plot,genre\nA.,drama\nB.,nanny-noir\n")
    with caplog.at_level(logging.WARNING, logger="genreclf.data"):
        load_dataset(path)
    assert caplog.records == []


def test_one_class_is_refused_for_training_naming_column_and_class(tmp_path):
    path = write(tmp_path, "m.csv", "plot,genre\n" + "".join(f"P{i}.,drama\n" for i in range(40)))
    ds = load_dataset(path)  # reading it (to evaluate on, say) is fine
    with pytest.raises(DataError) as info:
        check_trainable(ds)
    message = str(info.value)
    assert message.startswith(f"{path}: field 'genre': a classifier needs at least two classes")
    assert "every row has the label 'drama'" in message and "classes=['drama']" in message


def test_multi_label_rows_all_with_the_same_labels_are_refused():
    ds = TextDataset(["a", "b", "c"], [["drama", "crime"]] * 3, multi_label=True)
    with pytest.raises(DataError, match=r"field 'label': .*labels=\['crime', 'drama'\] on every"):
        check_trainable(ds)
    with pytest.raises(DataError, match="at least two classes"):
        check_trainable(TextDataset(["a", "b"], [["drama"], ["drama"]], multi_label=True))


@pytest.mark.parametrize(
    "labels, multi_label",
    [
        ([["drama"], ["crime"], ["drama"]], False),
        ([["drama", "crime"], ["drama"], ["drama", "crime"]], True),  # crime varies
    ],
)
def test_two_classes_are_trainable(labels, multi_label):
    check_trainable(TextDataset(["a", "b", "c"], labels, multi_label=multi_label))


def test_a_genre_spelt_in_several_cases_warns_naming_each_spelling(tmp_path, caplog):
    rows = ["A.,Drama", "B.,drama", "C.,DRAMA ", "D.,horror", "E.,drama", "F.,Sci-Fi", "G.,sci-fi"]
    path = write(tmp_path, "m.csv", "overview,genre\n" + "\n".join(rows) + "\n")
    with caplog.at_level(logging.WARNING, logger="genreclf.data"):
        ds = load_dataset(path)
    assert len(ds.vocabulary().labels) == 6  # a warning: the spellings stay classes
    [message] = [r.getMessage() for r in caplog.records]
    assert message.startswith(f"{path}: the label column 'genre' spells 2 label(s) in several")
    assert "'DRAMA' 1, 'Drama' 1, 'drama' 2; 'Sci-Fi' 1, 'sci-fi' 1 (rows of each)" in message


def test_a_label_column_of_titles_warns_when_training(tmp_path, caplog):
    path = write(
        tmp_path, "m.csv", "overview,title\n" + "".join(f"P{i}.,T{i}\n" for i in range(60))
    )
    ds = load_dataset(path, label="title")
    with caplog.at_level(logging.WARNING, logger="genreclf.data"):
        check_trainable(ds)
    [message] = [r.getMessage() for r in caplog.records]
    assert "'title' has 60 classes for 60 rows, and 60 rows are the only row" in message
    assert "looks like names or ids, not genres" in message
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="genreclf.data"):
        check_trainable(load_dataset(genreclf_sample(), text="overview", label="genre"))
    assert caplog.records == []


def genreclf_sample():
    import genreclf

    return genreclf.sample_path()


@pytest.mark.parametrize(
    "rows, multi_label, warned",
    [
        (['"drama"', '["western"]', '"horror"'], None, True),  # one list: all multi-label
        (['["drama"]', '["western"]', '["horror"]'], None, False),  # a multi-label file
        (['"drama"', '["western"]', '"horror"'], True, False),  # asked for
    ],
)
def test_a_list_among_string_labels_is_said_once(tmp_path, caplog, rows, multi_label, warned):
    # One list label turned the whole file multi-label without a word.
    path = tmp_path / "m.jsonl"
    texts = ["A family drama.", "A lone rider.", "A haunted house."]
    path.write_text("".join(f'{{"text": "{t}", "label": {r}}}\n' for t, r in zip(texts, rows)))
    with caplog.at_level(logging.WARNING, logger="genreclf.data"):
        dataset = load_dataset(path, multi_label=multi_label)
    assert dataset.multi_label
    said = [r.getMessage() for r in caplog.records if "as a list" in r.getMessage()]
    assert bool(said) == warned, said
    if warned:
        assert said[0].startswith(
            f"{path}: 1 of 3 rows hold their labels as a list (first: line 2)"
        )


def test_a_few_rows_of_joined_labels_that_make_every_row_multi_label_are_named(tmp_path, caplog):
    # One stray "science-fiction|thriller" among 300 single genres made the whole dataset
    # multi-label (sigmoid scores, per-class thresholds) without a word.
    rows = [f"A synopsis number {i}.,{['drama', 'comedy', 'western'][i % 3]}" for i in range(300)]
    rows[7] = "A synopsis number 7.,science-fiction|thriller"
    path = tmp_path / "m.csv"
    path.write_text("overview,genre\n" + "\n".join(rows) + "\n")
    with caplog.at_level(logging.WARNING, logger="genreclf.data"):
        assert load_dataset(path).multi_label
    assert (
        "m.csv: only 1 of 300 rows holds several labels joined by '|' (first: line 9, "
        "'science-fiction|thriller'), and that makes every row multi-label"
    ) in caplog.text
    assert "pass multi_label=False" in caplog.text
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="genreclf.data"):
        assert not load_dataset(path, multi_label=False).multi_label  # asked: nothing said
        rows[8] = rows[9] = rows[10] = "A synopsis.,drama|comedy"  # 4 of 300: a column of them
        path.write_text("overview,genre\n" + "\n".join(rows) + "\n")
        assert load_dataset(path).multi_label
    assert "joined by" not in caplog.text


def test_joined_labels_of_a_single_label_dataset_made_in_memory_are_named(caplog):
    # TextDataset(texts, frame["genres"]) made 'action|comedy' a class of its own, one per
    # combination, and trained on them without a word (load_dataset warns as it reads).
    texts = [f"A synopsis number {i}." for i in range(8)]
    joined = ["crime|drama", "drama|romance", "drama", "crime"] * 2
    with caplog.at_level(logging.WARNING, logger="genreclf.data"):
        check_trainable(TextDataset(texts, joined))
    assert "2 of the 4 classes hold '|' as if several labels were joined" in caplog.text
    assert "TextDataset(texts, [cell.split('|') for cell in labels], multi_label=True)" in (
        caplog.text
    )
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="genreclf.data"):
        check_trainable(TextDataset(texts, [c.split("|") for c in joined], multi_label=True))
        check_trainable(TextDataset(texts, ["crime", "drama"] * 4))
    assert caplog.text == ""
