"""Calibration rows whose labels are not the cascade's genres: warned about, named, or refused."""

import logging

import pytest

from genreclf.errors import DataError
from genreclf.labelling.api import build_cascade
from genreclf.labelling.calibration_file import read_calibration
from genreclf.labelling.cascade_calibration import calibrate_cascade
from tests.labelling.conftest import HORROR_COMEDY

GENRES_YAML = "genres:\n  horror: {keywords: [ghost]}\n  comedy: {keywords: [chefs]}\n"


def genres_file(tmp_path):
    path = tmp_path / "genres.yaml"
    path.write_text(GENRES_YAML)
    return path


def keyword_stage_before(genres, texts, labels, multi_label):
    """What calibrating the keyword stage gave before labels were compared with the genres:
    `thresholds.calibrate` on the rows as they are."""
    from genreclf.labelling.thresholds import calibrate

    stages = build_cascade(genres, stages=("keywords",), multi_label=multi_label).stages
    return calibrate(stages, texts, labels, 0.9)


# The reviewer's repro: a file labelled with more genres than genres.yaml (a run's training
# data with a smaller genres file). Each row carries one of the genres: it calibrated (every
# `thriller`, `romance` ignored), then was refused by the first check.
MORE_GENRES = "overview,genres\n" + (
    "A ghost haunts the house.,horror|thriller\nTwo chefs cook.,comedy|romance\n" * 40
)


@pytest.mark.parametrize("multi_label", [True, False], ids=["multi", "single"])
def test_a_file_labelled_with_more_genres_calibrates_as_before_with_a_warning(
    tmp_path, caplog, multi_label
):
    genres = genres_file(tmp_path)
    path = tmp_path / "more_genres.csv"
    path.write_text(MORE_GENRES)
    cascade = build_cascade(genres, stages=("keywords",), multi_label=multi_label)
    with caplog.at_level(logging.WARNING, logger="genreclf.labelling"):
        report = calibrate_cascade(cascade, path)
    texts, labels = read_calibration(path)
    assert report == keyword_stage_before(genres, texts, labels, multi_label)
    assert report["keywords"]["claimed"] == report["keywords"]["offered"] == 80
    assert report["keywords"]["precision"] == 1.0
    [warning] = [r.getMessage() for r in caplog.records if r.name == "genreclf.labelling"]
    assert warning == (
        f"{path}:2: field 'genres': the labels 'thriller', 'romance' of the calibration file are "
        f"not among the genres of {genres} ['horror', 'comedy']: no stage can choose them, so on "
        "the 80 rows that also carry a genre, they are ignored. Received: {'thriller': 40, "
        "'romance': 40} on 80 of 80 rows, the first at line 2. If they should be labelled, add "
        f"them to {genres}; otherwise this warning can be ignored."
    )


def test_the_reviewer_s_repro_through_the_command_line(tmp_path, capsys):
    from genreclf.cli import main

    genres = genres_file(tmp_path)
    path = tmp_path / "more_genres.csv"
    path.write_text(MORE_GENRES)
    (tmp_path / "in.csv").write_text("overview\nA ghost.\n")
    argv = ["label", str(tmp_path / "in.csv"), "--genres", str(genres), "--stages", "keywords"]
    argv += ["--multi-label", "--calibrate", str(path), "--out", str(tmp_path / "o.jsonl")]
    assert main(argv) == 0
    texts, labels = read_calibration(path)
    before = keyword_stage_before(genres, texts, labels, True)["keywords"]
    assert (
        f"calibrated keywords: threshold {before['threshold']:.3f} (precision 1.000 on 80/80 rows)"
    ) in capsys.readouterr().out


# 23 of the rows carry `musical`, which is no genre of genres.yaml: the 22 that carry nothing
# else count as mistakes wherever a stage claims them; beside `comedy` it is ignored.
UNKNOWN = (
    "overview,genres\n"
    + "A ghost.,horror\n" * 2
    + "Chefs sing.,comedy;musical\n"
    + "A ghost.,horror\nA ghost sings.,musical\n" * 22
    + "Chefs.,comedy\n" * 13
)


def test_rows_carrying_only_labels_outside_the_genres_are_warned_about(tmp_path, caplog):
    genres = genres_file(tmp_path)
    path = tmp_path / "labels_unknown.csv"
    path.write_text(UNKNOWN)
    cascade = build_cascade(genres, stages=("keywords",))
    with caplog.at_level(logging.WARNING, logger="genreclf.labelling"):
        report = calibrate_cascade(cascade, path, sep=";")
    texts, labels = read_calibration(path, sep=";")
    # As before: nothing claimed (a nan precision: compared as text).
    assert str(report) == str(keyword_stage_before(genres, texts, labels, False))
    [warning] = [r.getMessage() for r in caplog.records if r.name == "genreclf.labelling"]
    assert warning == (
        f"{path}:4: field 'genres': the label 'musical' of the calibration file is not among "
        f"the genres of {genres} ['horror', 'comedy']: no stage can choose it, so the 22 rows "
        "that carry only such labels count as mistakes wherever a stage claims them; on the 1 "
        "row that also carries a genre, it is ignored. Received: {'musical': 23} on 23 of 60 "
        f"rows, the first at line 4. If it should be labelled, add it to {genres}; otherwise "
        "this warning can be ignored."
    )


def test_labels_joined_by_another_separator_stop_the_run_naming_the_separator(tmp_path, capsys):
    # (a): `horror;comedy` split on `|` is one label, two genres joined by `;`.
    from genreclf.cli import main

    genres = genres_file(tmp_path)
    path = tmp_path / "calibration.csv"
    path.write_text("overview,kind\n" + "A ghost.,horror\nA ghost chef.,horror;comedy\n" * 10)
    (tmp_path / "in.csv").write_text("overview\nA ghost.\n")
    out = tmp_path / "o.jsonl"
    argv = ["label", str(tmp_path / "in.csv"), "--genres", str(genres), "--stages", "keywords"]
    argv += ["--calibrate", str(path), "--calibrate-label", "kind", "--out", str(out)]
    assert main(argv) == 1
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert line == (
        f"genreclf label: error: {path}:3: field 'kind': the label 'horror;comedy' of the "
        f"calibration file is not among the genres of {genres}: it lists several genres joined "
        "by ';', and labels are split on '|'. Expected labels among ['horror', 'comedy']. "
        "Received: {'horror;comedy': 10} on 10 of 20 rows, the first at line 3. Pass "
        "calibrate_sep=';' (`--calibrate-sep ';'`)."
    )
    assert not out.exists()  # refused before any row was labelled
    cascade = build_cascade(genres, stages=("keywords",))
    with pytest.raises(DataError) as caught:  # the Python API: a located DataError
        calibrate_cascade(cascade, path, label="kind")
    error = caught.value
    assert (error.path, error.line, error.field, error.reason) == (
        str(path),
        3,
        "kind",
        "unknown_label",
    )
    assert str(error).endswith("Pass sep=';' (`--calibrate-sep ';'`).")
    report = calibrate_cascade(cascade, path, label="kind", sep=";", target_precision=0.5)
    assert report["keywords"]["offered"] == 20  # the hint works
    assert main([*argv, "--calibrate-sep", ";", "--quiet"]) == 0


def test_a_label_that_is_a_genre_but_for_case_names_the_genre(tmp_path):
    # (b): `Comedy` is `comedy`: "add the genre to genres.yaml" would make a duplicate.
    genres = genres_file(tmp_path)
    path = tmp_path / "calibration.csv"
    path.write_text("overview,kind\n" + "A ghost.,horror\nChefs.,Comedy\n" * 10)
    with pytest.raises(DataError) as caught:
        calibrate_cascade(build_cascade(genres, stages=("keywords",)), path, label="kind")
    assert str(caught.value) == (
        f"{path}:3: field 'kind': the label 'Comedy' of the calibration file is not among the "
        f"genres of {genres}: it is the genre 'comedy' but for case or surrounding spaces: a "
        "label must be written exactly as its genre to be matched. Expected labels among "
        "['horror', 'comedy']. Received: {'Comedy': 10} on 10 of 20 rows, the first at line "
        "3. Write 'Comedy' as 'comedy' in those rows."
    )
    assert "add" not in str(caught.value).lower()
    cascade = build_cascade(HORROR_COMEDY, stages=("keywords",))
    with pytest.raises(DataError) as caught:  # in memory, spaces are kept
        calibrate_cascade(cascade, (["A ghost.", "Chefs."] * 5, [" horror", "comedy"] * 5))
    assert "Write ' horror' as 'horror' in those rows." in str(caught.value)


def test_a_file_with_no_row_carrying_a_genre_is_refused(tmp_path):
    # (c): the wrong column (here the ratings), or the wrong genres file.
    genres = genres_file(tmp_path)
    path = tmp_path / "calibration.csv"
    path.write_text("overview,genre,stars\n" + "A ghost.,horror,4\nChefs.,comedy,2\n" * 10)
    with pytest.raises(DataError) as caught:
        calibrate_cascade(build_cascade(genres, stages=("keywords",)), path, label="stars")
    assert str(caught.value) == (
        f"{path}:2: field 'stars': the labels '4', '2' of the calibration file are not among "
        f"the genres of {genres}: no row carries one of the genres, so there is nothing to "
        "calibrate against (every row a stage claimed would count as a mistake). Expected "
        "labels among ['horror', 'comedy']. Received: {'4': 10, '2': 10} on 20 of 20 rows, the "
        "first at line 2. If it is the wrong column, pass label= the genre column "
        f"(`--calibrate-label`); if these labels are the genres to label, add them to {genres}."
    )
    assert calibrate_cascade(build_cascade(genres, stages=("keywords",)), path, label="genre")


def test_calibration_rows_in_memory_with_labels_outside_the_genres_name_the_row(caplog):
    cascade = build_cascade(HORROR_COMEDY, stages=("keywords",))
    texts = ["A ghost.", "Chefs.", "A song."] * 5
    with caplog.at_level(logging.WARNING, logger="genreclf.labelling"):
        calibrate_cascade(cascade, (texts, [["horror"], ["comedy"], ["musical"]] * 5))
    [warning] = [r.getMessage() for r in caplog.records if r.name == "genreclf.labelling"]
    assert warning.startswith(
        "the label 'musical' of the calibration rows (calibrate=) is not among the genres of "
        "genres= ['horror', 'comedy']: no stage can choose it, so the 5 rows that carry only "
    )
    assert "the first at row 2. If it should be labelled, add it to genres=;" in warning
    with pytest.raises(DataError) as caught:  # (a), in memory: no separator option to name
        calibrate_cascade(cascade, (texts, [["horror;comedy"], ["comedy"], ["horror"]] * 5))
    assert str(caught.value).endswith(
        "the first at row 0. Give each row its genres as a list (['horror', 'comedy'], not "
        "'horror;comedy')."
    )


def test_one_name_per_row_in_memory_is_that_name_s_list():
    # Each row's labels were iterated: `horror` was 'h', 'o', 'r', ... none of them a genre.
    cascade = build_cascade(HORROR_COMEDY, stages=("keywords",))
    texts = ["A ghost.", "Chefs."] * 10
    as_names = calibrate_cascade(cascade, (texts, ["horror", "comedy"] * 10))
    as_lists = calibrate_cascade(cascade, (texts, [["horror"], ["comedy"]] * 10))
    assert as_names == as_lists and as_names["keywords"]["claimed"] == 20
