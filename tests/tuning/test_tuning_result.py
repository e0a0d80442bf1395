"""`genreclf.tuning.tuning_result`: `TuningResult` and `finish` (results files, k-fold scores)."""

import json
import shutil

import pytest

import genreclf
from genreclf.tuning.tuning_result import TuningResult
from genreclf.tuning.tuning_result import finish


def test_a_tuning_result_prints_as_a_summary(finished):
    text = repr(finished)
    assert text.startswith(f"TuningResult('{finished.directory}': 2 trials, 2 completed, 0 failed;")
    best = finished.leaderboard[0]
    assert f"best val_macro_f1={best['score']:.4g} (trial {best['trial']})" in text
    assert "hyperparameters" not in text and len(text) < 200


def test_kfold_top_cross_validates_the_best_trials_and_a_rerun_keeps_their_folds(
    finished, tmp_path
):
    folder = tmp_path / "copy"
    shutil.copytree(finished.directory, folder)
    result = finish(folder, kfold_top=2, folds=2, verbose=0)
    assert sorted(row["trial"] for row in result.kfold) == sorted(
        row["trial"] for row in finished.leaderboard
    )
    means = [row["macro_f1_mean"] for row in result.kfold]
    assert means == sorted(means, reverse=True)  # best mean first
    assert json.loads((folder / "kfold.json").read_text()) == result.kfold
    models = sorted(folder.glob("kfold/trial_*/folds/fold_*/model.keras"))
    assert len(models) == 4  # 2 trials x 2 folds
    for row in result.kfold:
        run = genreclf.load_run(row["run"])
        assert run.metrics["cross_validation"]["k"] == 2
        assert run.metrics["cross_validation"]["summary"]["macro_f1"]["mean"] == pytest.approx(
            row["macro_f1_mean"]
        )
    trained = {path: path.stat().st_mtime_ns for path in models}
    written = {name: (folder / name).stat().st_ino for name in ("kfold.json", "best.json")}
    again = finish(folder, kfold_top=2, folds=2, verbose=0)  # e.g. after a kill
    assert again.kfold == result.kfold
    # Replaced whole (a new file renamed over the old one): a kill leaves no half file.
    assert all((folder / name).stat().st_ino != inode for name, inode in written.items())
    assert {path: path.stat().st_mtime_ns for path in models} == trained  # kept, not retrained


def test_the_search_module_still_offers_them():
    from genreclf.tuning import TuningResult as lazy
    from genreclf.tuning import search

    assert search.TuningResult is TuningResult and lazy is TuningResult
    assert search.finish is finish
