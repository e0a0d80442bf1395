"""`genreclf label` end to end on tiny CSVs: mine keywords, label, audit, train on the result."""

import json

import pytest

from genreclf.cli import main
from genreclf.errors import DataError
from genreclf.labelling.label_file import read_labelled


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
