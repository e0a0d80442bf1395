"""Cross-validation names each fold as its folder is, in what it prints and in its report."""

import json
import re

import genreclf

TINY = dict(
    text="overview",
    label="genre",
    model="ngram",
    epochs=1,
    model_config={"max_tokens": 500, "solver": "adamw"},
    verbose=1,
)


def _fold_lines(printed):
    return [line for line in printed.splitlines() if line.startswith("fold")]


def test_folds_are_named_as_their_folders_when_trained_kept_and_reported(tmp_path, capsys):
    out = tmp_path / "cv"
    genreclf.train(genreclf.sample_path(), out=out, folds=2, **TINY)
    trained = _fold_lines(capsys.readouterr().out)
    assert [line.split(":")[0] for line in trained] == ["fold_0 (1 of 2)", "fold_1 (2 of 2)"]
    assert all(
        re.fullmatch(r"fold_\d \(\d of 2\): \d+ train, \d+ validation", line) for line in trained
    )
    assert sorted(p.name for p in (out / "folds").iterdir()) == ["fold_0", "fold_1"]

    # A rerun with the same settings keeps both folds, and says so for each.
    genreclf.train(genreclf.sample_path(), out=out, folds=2, overwrite=True, **TINY)
    assert _fold_lines(capsys.readouterr().out) == [
        "fold_0 (1 of 2): finished before; kept",
        "fold_1 (2 of 2): finished before; kept",
    ]

    # best_fold stays 0-based, and the report names the folder it is.
    best = json.loads((out / "metrics.json").read_text())["cross_validation"]["best_fold"]
    assert best in (0, 1)
    report = (out / "report.md").read_text(encoding="utf-8")
    assert f"2 folds; the tables above are the best fold's, `folds/fold_{best}`." in report


def test_a_quiet_rerun_prints_no_fold_line(tmp_path, capsys):
    out = tmp_path / "cv"
    quiet = {**TINY, "verbose": 0}
    genreclf.train(genreclf.sample_path(), out=out, folds=2, **quiet)
    genreclf.train(genreclf.sample_path(), out=out, folds=2, overwrite=True, **quiet)
    assert _fold_lines(capsys.readouterr().out) == []
