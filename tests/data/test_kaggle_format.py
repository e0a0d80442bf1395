import pytest

from genreclf.data import load_dataset
from genreclf.errors import DataError

LINES = (
    "1 ::: Heat (1995) ::: crime ::: A crew of thieves plans one last job.\n"
    "2 ::: Up (2009) :::  animation ::: An old man ties balloons to his house.\n"
    "\n"
    "3 ::: Jaws (1975) ::: thriller ::: A shark terrorises a beach town.\n"
)


def test_kaggle_genre_lines(tmp_path):
    path = tmp_path / "train_data.txt"
    path.write_text(LINES, encoding="utf-8")
    ds = load_dataset(path)  # .txt with ":::" is detected
    assert ds.ids == ["1", "2", "3"]
    assert ds.labels == [["crime"], ["animation"], ["thriller"]]
    assert ds.texts[0] == "A crew of thieves plans one last job."
    assert ds.lines == [1, 2, 4]
    assert ds.multi_label is False


def test_kaggle_genre_title_as_categorical(tmp_path):
    path = tmp_path / "train_data.txt"
    path.write_text(LINES, encoding="utf-8")
    ds = load_dataset(path, format="kaggle-genre", categorical=["title"])
    assert list(ds.features["title"]) == ["Heat (1995)", "Up (2009)", "Jaws (1975)"]


@pytest.mark.parametrize(
    "line, found",
    [
        ("9 ::: Title ::: An unlabelled test line.\n", 3),
        ("9 ::: Title ::: drama ::: Plot ::: more\n", 5),
    ],
)
def test_wrong_number_of_fields(tmp_path, line, found):
    path = tmp_path / "train_data.txt"
    path.write_text(LINES + line, encoding="utf-8")
    with pytest.raises(DataError) as info:
        load_dataset(path)
    assert str(info.value).startswith(f"{path}:5: expected 4 fields")
    assert f"found {found}" in str(info.value)


def test_texts_to_label_may_leave_the_genre_out(tmp_path):
    from genreclf.data.readers import open_records

    path = tmp_path / "test_data.txt"
    path.write_text(LINES + "9 ::: Title ::: An unlabelled test line.\n9b ::: Two\n")
    _, fmt, records = open_records(path, labelled=False)
    *rows, error = list(records)
    assert fmt == "kaggle-genre" and rows[-1].fields == {
        "id": "9",
        "title": "Title",
        "description": "An unlabelled test line.",
    }
    assert isinstance(error, DataError) and str(error).startswith(f"{path}:6: expected 4 fields")
    assert "or, for texts to label, 3 (ID ::: TITLE ::: DESCRIPTION), found 2." in str(error)


def test_empty_description_and_skip(tmp_path):
    path = tmp_path / "train_data.txt"
    path.write_text(LINES + "4 ::: T ::: drama :::   \n", encoding="utf-8")
    with pytest.raises(DataError, match=r":5: field 'description': empty text"):
        load_dataset(path)
    ds = load_dataset(path, skip_bad_rows=True)
    assert len(ds) == 3
    assert ds.skipped == {"empty_text": 1}


def test_non_utf8_description(tmp_path):
    path = tmp_path / "train_data.txt"
    path.write_bytes(LINES.encode() + b"4 ::: T ::: drama ::: Na\xefve plot\n")
    with pytest.raises(DataError, match=r":5: field 'description': text is not valid UTF-8"):
        load_dataset(path)


@pytest.mark.parametrize(
    "header",
    [
        "ID ::: TITLE ::: GENRE ::: DESCRIPTION\n",
        "id:::title:::genre:::description\n",
        "ID ::: TITLE ::: DESCRIPTION\n",  # the test format's header
    ],
)
def test_header_line_is_skipped(tmp_path, header):
    path = tmp_path / "train_data.txt"
    path.write_text(header + LINES, encoding="utf-8")
    ds = load_dataset(path)
    assert ds.labels == [["crime"], ["animation"], ["thriller"]]
    assert ds.lines == [2, 3, 5]
