"""`genreclf label` end to end on tiny CSVs: mine keywords, label, audit, train on the result."""

import csv
import json

import pytest

from genreclf.cli import main
from genreclf.errors import DataError
from genreclf.labelling.label_file import read_labelled

ROWS = [
    ("m1", "A ghost haunts the old house at night.", "horror"),
    ("m2", "A ghost and a demon haunt a quiet village.", "horror"),
    ("m3", "The ghost of a sailor haunts a lighthouse.", "horror"),
    ("m4", "A demon is summoned in a haunted school.", "horror"),
    ("m5", "Two chefs compete in a cooking contest and fall in love.", "comedy"),
    ("m6", "Chefs plan a wedding that goes wrong in every way.", "comedy"),
    ("m7", "Rival chefs swap kitchens for a week of pranks.", "comedy"),
    ("m8", "A wedding singer and two chefs start a food truck.", "comedy"),
]


@pytest.fixture
def files(tmp_path):
    labelled = tmp_path / "labelled.csv"
    with open(labelled, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["id", "overview", "genre"])
        w.writerows(ROWS)
    unlabelled = tmp_path / "unlabelled.csv"
    with open(unlabelled, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["id", "overview"])
        w.writerows((i, t) for i, t, _ in ROWS)
        w.writerow(["m9", "An accountant files taxes."])
    return labelled, unlabelled


def _two_genres(tmp_path, horror_keywords):
    """A genres file: horror by `horror_keywords` (comma-separated), comedy by "chefs"."""
    path = tmp_path / "genres.yaml"
    path.write_text(
        f"genres:\n  horror: {{keywords: [{horror_keywords}]}}\n  comedy: {{keywords: [chefs]}}\n",
        encoding="utf-8",
    )
    return path


def test_keywords_label_audit_and_train(files, tmp_path, capsys):
    labelled, unlabelled = files
    genres = tmp_path / "genres.yaml"
    assert (
        main(
            [
                "label",
                "keywords",
                str(labelled),
                "--label",
                "genre",
                "--out",
                str(genres),
                "--min-df",
                "2",
                "--top-k",
                "5",
            ]
        )
        == 0
    )
    assert "horror: ghost" in capsys.readouterr().out
    out = tmp_path / "out.jsonl"
    code = main(
        [
            "label",
            str(unlabelled),
            "--text",
            "overview",
            "--genres",
            str(genres),
            "--stages",
            "keywords",
            "--thresholds",
            "keywords=0.5",
            "--out",
            str(out),
        ]
    )
    assert code == 0
    printed = capsys.readouterr().out
    assert "keywords" in printed and "unlabelled" in printed
    rows = {r["id"]: r for r in read_labelled(out)}
    assert rows["m1"]["labels"] == ["horror"] and rows["m5"]["labels"] == ["comedy"]
    assert rows["m9"]["labels"] == [] and rows["m9"]["stage"] is None
    report = tmp_path / "audit.json"
    assert (
        main(
            [
                "label",
                "audit",
                str(out),
                "--judge",
                str(labelled),
                "--label",
                "genre",
                "--sample",
                "100",
                "--report",
                str(report),
            ]
        )
        == 0
    )
    assert "95% CI (Wilson)" in capsys.readouterr().out
    audit = json.loads(report.read_text())
    assert audit["overall"]["agree"] == audit["overall"]["trials"] == 8
    # rerunning the same command is a no-op resume
    assert (
        main(
            [
                "label",
                str(unlabelled),
                "--genres",
                str(genres),
                "--stages",
                "keywords",
                "--thresholds",
                "keywords=0.5",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    assert "(9 already there)" in capsys.readouterr().out


def test_train_on_cascade_labels_with_min_confidence(files, tmp_path, capsys):
    from genreclf.data.cascade_labels import load_cascade_labels

    labelled, unlabelled = files
    out = tmp_path / "out.jsonl"
    genres = tmp_path / "genres.yaml"
    genres.write_text(
        "genres:\n  horror: {keywords: [ghost, demon, haunt, haunts, haunted]}\n"
        "  comedy: {keywords: [chefs, wedding, pranks]}\n"
    )
    assert (
        main(
            [
                "label",
                str(unlabelled),
                "--genres",
                str(genres),
                "--stages",
                "keywords",
                "--thresholds",
                "keywords=0.5",
                "--out",
                str(out),
                "--quiet",
            ]
        )
        == 0
    )
    kept = load_cascade_labels(out, min_confidence=0.7)
    assert 0 < len(kept) < 8 and kept.skipped["unlabelled"] == 1
    # A torn last line (a killed `label`) is skipped with a warning; a bad line elsewhere is not.
    torn = tmp_path / "torn.jsonl"
    torn.write_text(out.read_text() + '{"id": "x9", "text": "A gh')
    assert len(load_cascade_labels(torn, min_confidence=0.7)) == len(kept)
    torn.write_text('{"id": "x9", "te\n' + out.read_text())
    with pytest.raises(DataError, match="torn.jsonl:1: not a labelled row"):
        load_cascade_labels(torn, min_confidence=0.7)
    run = tmp_path / "run"
    assert (
        main(
            [
                "train",
                str(out),
                "--min-confidence",
                "0.5",
                "--model",
                "ngram",
                "--epochs",
                "1",
                "--set",
                "max_tokens=200",
                "--out",
                str(run),
                "--quiet",
            ]
        )
        == 0
    )
    config = json.loads((run / "config.json").read_text())
    assert config["min_confidence"] == 0.5
    assert sorted(json.loads((run / "labels.json").read_text())["labels"]) == ["comedy", "horror"]


def test_nothing_to_label_with_is_a_clear_error(files, tmp_path, capsys):
    _, unlabelled = files
    assert main(["label", str(unlabelled), "--out", str(tmp_path / "o.jsonl")]) == 1
    assert "Pass --genres" in capsys.readouterr().err


@pytest.mark.parametrize(
    "flags,words",
    [
        (["--thresholds", "keywords=5"], ["argument --thresholds", "at most 1", "keywords=5.0"]),
        (["--thresholds", "keywords=0.5,classifier=-0.1"], ["classifier=-0.1"]),
        (["--target-precision", "2"], ["argument --target-precision", "above 0", "=2.0"]),
        (["--target-precision", "0"], ["target_precision=0.0", "--target-precision 0.9"]),
    ],
)
def test_thresholds_and_target_precision_out_of_range_are_usage_errors(
    flags, words, files, tmp_path, capsys
):
    labelled, unlabelled = files
    out = tmp_path / "o.jsonl"
    argv = ["label", str(unlabelled), "--out", str(out), "--genres", str(tmp_path / "g.yaml")]
    with pytest.raises(SystemExit) as exit_:
        main([*argv, "--calibrate", str(labelled), *flags])
    assert exit_.value.code == 2
    (line,) = [x for x in capsys.readouterr().err.splitlines() if "error" in x]
    assert line.startswith("genreclf label: error: argument ")
    for word in words:
        assert word in line, line
    assert not out.exists()


@pytest.mark.parametrize("option, value", [("--top-k", "0"), ("--min-df", "0"), ("--min-df", "x")])
def test_keywords_counts_below_one_are_usage_errors(option, value, files, tmp_path, capsys):
    labelled, _ = files
    out = tmp_path / "g.yaml"
    with pytest.raises(SystemExit) as exit_:
        main(
            [
                "label",
                "keywords",
                str(labelled),
                "--label",
                "genre",
                "--out",
                str(out),
                option,
                value,
            ]
        )
    assert exit_.value.code == 2
    (line,) = [x for x in capsys.readouterr().err.splitlines() if "error" in x]
    assert line.startswith(f"genreclf label keywords: error: argument {option}: expected a whole ")
    assert f"Received: {value!r}. Pass e.g." in line
    assert not out.exists()


def test_keywords_that_leave_every_genre_empty_are_an_error_not_a_file(files, tmp_path, capsys):
    labelled, _ = files
    out = tmp_path / "g.yaml"
    argv = ["label", "keywords", str(labelled), "--label", "genre", "--out", str(out)]
    assert main([*argv, "--min-df", "1000"]) == 1
    err = capsys.readouterr().err
    assert "No genre got a keyword" in err and "Lower min_df (`--min-df 3`, the default)" in err
    assert not out.exists()
    assert main([*argv, "--min-df", "2", "--top-k", "1"]) == 0
    assert "horror:" in capsys.readouterr().out and out.exists()


def test_the_python_api_refuses_thresholds_and_target_precision_out_of_range(files, tmp_path):
    from genreclf.errors import ConfigError
    from genreclf.labelling import build_cascade
    from genreclf.labelling import label

    genres = {"horror": {"keywords": ["ghost"]}}
    with pytest.raises(ConfigError, match=r"at most 1\. Received: keywords=1\.5\."):
        build_cascade(genres, stages=("keywords",), thresholds={"keywords": 1.5})
    _, unlabelled = files
    with pytest.raises(ConfigError, match=r"Received: target_precision=1\.2\."):
        label(unlabelled, out=tmp_path / "o.jsonl", genres=genres, target_precision=1.2)
    assert not (tmp_path / "o.jsonl").exists()


def test_help_and_the_keyword_stage_load_no_tensorflow(files, tmp_path):
    import subprocess
    import sys

    _, unlabelled = files
    genres = _two_genres(tmp_path, "ghost")
    script = f"""
import contextlib, io, sys
from genreclf.cli import main
with contextlib.redirect_stdout(io.StringIO()):
    for argv in (["label", "--help"], ["label", "audit", "--help"], ["label", "keywords", "--help"]):
        try:
            main(argv)
        except SystemExit as e:
            assert e.code == 0, argv
    assert main(["label", {str(unlabelled)!r}, "--genres", {str(genres)!r}, "--stages",
                 "keywords", "--out", {str(tmp_path / "o.jsonl")!r}, "--quiet"]) == 0
import genreclf
assert callable(genreclf.label)
assert "tensorflow" not in sys.modules and "keras" not in sys.modules
"""
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-2000:]


def test_calibrate_chooses_thresholds_on_labelled_rows(files, tmp_path, capsys):
    labelled, unlabelled = files
    genres = tmp_path / "genres.yaml"
    genres.write_text(
        "genres:\n  horror: {keywords: [ghost, demon, haunted, haunts]}\n"
        "  comedy: {keywords: [chefs, wedding, ghost]}\n"
    )
    out = tmp_path / "out.jsonl"
    calibration = tmp_path / "calibration.csv"  # calibration needs 10 rows or more
    lines = labelled.read_text().splitlines()
    calibration.write_text("\n".join(lines[:1] + lines[1:] * 3) + "\n")
    argv = [
        "label",
        str(unlabelled),
        "--genres",
        str(genres),
        "--stages",
        "keywords",
        "--calibrate",
        str(calibration),
        "--calibrate-label",
        "genre",
        "--target-precision",
        "0.99",
        "--out",
        str(out),
    ]
    assert main(argv) == 0
    printed = capsys.readouterr().out
    assert "calibrated keywords: threshold" in printed and "precision 1.000" in printed
    rows = read_labelled(out)
    thresholds = {r["threshold"] for r in rows if r["stage"] == "keywords"}
    assert len(thresholds) == 1 and f"threshold {thresholds.pop():.3f}" in printed


def test_calibrating_on_the_classifiers_own_training_file_is_warned(
    files, tmp_path, capsys, caplog
):
    import genreclf

    labelled, unlabelled = files
    calibration = tmp_path / "calibration.csv"
    lines = labelled.read_text().splitlines()
    calibration.write_text("\n".join(lines[:1] + lines[1:] * 3) + "\n")
    run = genreclf.train(
        calibration, text="overview", label="genre", model="ngram", out=tmp_path / "run", verbose=0
    )
    argv = ["label", str(unlabelled), "--run", str(run.path), "--stages", "classifier"]
    argv += ["--calibrate", str(calibration), "--calibrate-label", "genre"]
    assert main(argv + ["--out", str(tmp_path / "out.jsonl")]) == 0
    assert "is the file the classifier" in caplog.text and "optimistic" in caplog.text


@pytest.mark.parametrize("option, value", [("--budget-usd", "0"), ("--budget-tokens", "-1")])
def test_a_budget_that_allows_no_request_is_a_usage_error(option, value, capsys):
    from genreclf.cli.label import build_audit_parser
    from genreclf.cli.label import build_parser

    with pytest.raises(SystemExit):  # before any stage runs
        build_parser().parse_args(
            ["data.csv", "--genres", "g.yaml", "--out", "o.jsonl", option, value]
        )
    assert f"argument {option}: expected a" in capsys.readouterr().err
    if option == "--budget-usd":
        with pytest.raises(SystemExit):
            build_audit_parser().parse_args(["o.jsonl", "--judge", "llm", option, value])
        assert f"argument {option}: expected a number above 0" in capsys.readouterr().err


def test_a_rerun_with_other_settings_is_refused_and_the_same_resumes(files, tmp_path, capsys):
    labelled, unlabelled = files
    genres = _two_genres(tmp_path, "ghost, demon")
    out = tmp_path / "l.jsonl"
    argv = ["label", str(unlabelled), "--text", "overview", "--genres", str(genres)]
    argv += ["--stages", "keywords", "--out", str(out), "--quiet"]
    assert main(argv + ["--thresholds", "keywords=0.5"]) == 0
    before = out.read_bytes()
    capsys.readouterr()
    assert main(argv + ["--thresholds", "keywords=0.6"]) == 1
    err = capsys.readouterr().err
    assert "keywords threshold: 0.5 → 0.6" in err and "another --out" in err
    assert out.read_bytes() == before
    assert main(argv + ["--thresholds", "keywords=0.5"]) == 0
    assert "(9 already there)" in capsys.readouterr().out
    assert out.read_bytes() == before


@pytest.mark.parametrize(
    "stages,needs",
    [("keywords,classifier", "classifier needs run= (`--run RUN`)"), ("llm", "llm needs llm=")],
)
def test_stages_asked_for_that_cannot_run_are_refused(files, tmp_path, capsys, stages, needs):
    _, unlabelled = files
    genres = _two_genres(tmp_path, "ghost")
    out = tmp_path / "o.jsonl"
    argv = ["label", str(unlabelled), "--genres", str(genres), "--stages", stages]
    assert main(argv + ["--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert needs in err and "No stage can run" not in err
    assert not out.exists()
