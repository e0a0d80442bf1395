"""The options of the labelled files `genreclf label` reads besides its input:
`--calibrate-text` and `--calibrate-sep` for `--calibrate`, `--sep` for
`label audit --judge`; their hints and warnings name them."""

import logging
import re

import pytest

from genreclf.cli import main
from genreclf.cli.label import build_audit_parser
from genreclf.cli.label import build_parser
from genreclf.labelling.label_file import read_labelled

GENRES = (
    "genres:\n  horror: {keywords: [ghost]}\n  comedy: {keywords: [chefs]}\n"
    "  western: {keywords: [sheriff]}\n"
)
# The input's text column is `story`, which no reader finds by itself.
UNLABELLED = "id\tstory\nm1\tA ghost cooks for two chefs.\nm2\tThe sheriff meets a ghost.\n"
# Several labels a cell, joined by `;`; the calibration file's text column is `blurb`.
CALIBRATION = (
    "blurb,kind\n"
    + "A ghost haunts two chefs.,horror;comedy\n" * 6
    + "A sheriff hunts a ghost.,western;horror\n" * 6
    + "A ghost.,horror\n" * 2
)


def flags_in(message):
    """The command-line flags a message suggests, e.g. `--calibrate-sep ';'`."""
    return set(re.findall(r"`(--[a-z][a-z-]*)", message))


def accepted(parser):
    return {flag for action in parser._actions for flag in action.option_strings}


@pytest.fixture
def files(tmp_path):
    genres = tmp_path / "genres.yaml"
    genres.write_text(GENRES)
    unlabelled = tmp_path / "unlabelled.tsv"
    unlabelled.write_text(UNLABELLED)
    calibration = tmp_path / "calibration.csv"
    calibration.write_text(CALIBRATION)
    return genres, unlabelled, calibration


def label_argv(files, out, *flags):
    genres, unlabelled, calibration = files
    argv = ["label", str(unlabelled), "--text", "story", "--genres", str(genres)]
    argv += ["--stages", "keywords", "--multi-label", "--calibrate", str(calibration)]
    argv += ["--calibrate-label", "kind", "--target-precision", "0.99", "--out", str(out)]
    return [*argv, *flags]


def test_calibrate_text_names_the_calibration_file_s_text_column(files, tmp_path, capsys):
    out = tmp_path / "out.jsonl"
    argv = label_argv(files, out, "--calibrate-sep", ";")
    assert main(argv) == 1  # `--text story` is the calibration file's text column too
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert "Column 'story' not found. Columns present: ['blurb', 'kind']." in line
    assert line.endswith(
        "Pass calibrate_text= one of them (`--calibrate-text` on the command line)."
    )
    assert flags_in(line) == {"--calibrate-text"} <= accepted(build_parser())
    assert main([*argv, "--calibrate-text", "blurb", "--quiet"]) == 0  # the hint works
    assert [row["text"] for row in read_labelled(out)] == [
        "A ghost cooks for two chefs.",
        "The sheriff meets a ghost.",
    ]


def test_calibrate_text_defaults_to_text(files, tmp_path):
    genres, unlabelled, calibration = files
    calibration.write_text(CALIBRATION.replace("blurb,", "story,"))
    argv = label_argv(files, tmp_path / "out.jsonl", "--calibrate-sep", ";", "--quiet")
    assert main(argv) == 0


def test_calibrate_sep_splits_the_calibration_labels(files, tmp_path, capsys, caplog):
    out = tmp_path / "out.jsonl"
    argv = label_argv(files, out, "--calibrate-text", "blurb")
    with caplog.at_level(logging.WARNING, logger="genreclf.data"):
        assert main(argv) == 1  # labels split on `|`: `horror;comedy` is one, unknown, label
    error = capsys.readouterr().err
    # Several genres joined by `;`: refused (they would count as mistakes), with the fix.
    assert (
        "calibration.csv:2: field 'kind': the labels 'horror;comedy', 'western;horror' of the "
        "calibration file are not among the genres of"
    ) in error
    assert error.endswith("Pass calibrate_sep=';' (`--calibrate-sep ';'`).\n")
    assert not out.exists()
    [warning] = [r.getMessage() for r in caplog.records if "labels contain" in r.getMessage()]
    assert warning.endswith(
        "labels are split on '|'. If a cell lists several labels, pass calibrate_sep=';' "
        "(`--calibrate-sep ';'`)."
    )
    assert flags_in(warning) == {"--calibrate-sep"} <= accepted(build_parser())

    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="genreclf.data"):
        assert main([*argv, "--calibrate-sep", ";"]) == 0  # the hint works
    printed = capsys.readouterr().out
    assert "calibrated keywords: threshold 0.500 (precision 1.000 on 14/14 rows)" in printed
    assert not [r for r in caplog.records if "labels contain" in r.getMessage()]
    rows = {row["id"]: row for row in read_labelled(out)}
    assert sorted(rows["m1"]["labels"]) == ["comedy", "horror"]
    assert sorted(rows["m2"]["labels"]) == ["horror", "western"]
    assert rows["m1"]["threshold"] == 0.5


def test_the_python_api_takes_calibrate_text_and_calibrate_sep(files, tmp_path):
    from genreclf.errors import DataError
    from genreclf.labelling import label

    genres, unlabelled, calibration = files
    options = dict(
        text="story",
        genres=genres,
        stages=("keywords",),
        multi_label=True,
        calibrate=calibration,
        calibrate_label="kind",
        target_precision=0.99,
    )
    with pytest.raises(DataError) as caught:
        label(unlabelled, out=tmp_path / "a.jsonl", calibrate_sep=";", **options)
    assert str(caught.value).endswith(
        "Pass calibrate_text= one of them (`--calibrate-text` on the command line)."
    )
    result = label(
        unlabelled, out=tmp_path / "b.jsonl", calibrate_text="blurb", calibrate_sep=";", **options
    )
    assert result.by_stage["keywords"] == 2


# `label audit --sep`: a judge file whose cells list several labels.
JUDGE = (
    "id,overview,kind\nm1,A ghost.,horror;comedy\nm2,A sheriff.,western;horror\n"
    "m3,A ghost.,horror\n"
)


def test_audit_sep_splits_the_judge_s_labels(files, tmp_path, capsys, caplog):
    genres, unlabelled, _ = files
    out = tmp_path / "labelled.jsonl"
    argv = ["label", str(unlabelled), "--text", "story", "--genres", str(genres), "--quiet"]
    argv += ["--stages", "keywords", "--multi-label", "--thresholds", "keywords=0.5"]
    assert main([*argv, "--out", str(out)]) == 0
    judge = tmp_path / "judge.csv"
    judge.write_text(JUDGE)
    argv = ["label", "audit", str(out), "--judge", str(judge), "--label", "kind"]
    with caplog.at_level(logging.WARNING, logger="genreclf.data"):
        assert main(argv) == 1  # it counted every row as a disagreement: `| all | 2 | 4 | 0 |`
    error = capsys.readouterr().err
    assert "the labels 'horror;comedy', 'western;horror' of the judge file" in error
    assert error.endswith("Pass judge_sep=';' (`--sep ';'`).\n")
    assert flags_in(error) == {"--sep"}
    [warning] = [r.getMessage() for r in caplog.records if "labels contain" in r.getMessage()]
    assert warning == (
        f"{judge}: 2 of 3 labels contain ';' (e.g. 'horror;comedy') but labels are split on "
        "'|'. If a cell lists several labels, pass judge_sep=';' (`--sep ';'`)."
    )
    assert flags_in(warning) == {"--sep"} <= accepted(build_audit_parser())
    assert main([*argv, "--sep", ";"]) == 0  # the hint works
    assert "| all | 2 | 4 | 4 | 1.000 |" in capsys.readouterr().out


def test_the_audit_api_takes_judge_sep(files, tmp_path):
    from genreclf.errors import DataError
    from genreclf.labelling import label
    from genreclf.labelling.auditing import audit

    genres, unlabelled, _ = files
    out = tmp_path / "labelled.jsonl"
    label(
        unlabelled,
        out=out,
        text="story",
        genres=genres,
        stages=("keywords",),
        multi_label=True,
        thresholds={"keywords": 0.5},
    )
    judge = tmp_path / "judge.csv"
    judge.write_text(JUDGE)
    with pytest.raises(DataError, match=r"Pass judge_sep=';' \(`--sep ';'`\)\.$"):
        audit(out, judge, judge_label="kind")
    assert audit(out, judge, judge_label="kind", judge_sep=";").overall["agree"] == 4
