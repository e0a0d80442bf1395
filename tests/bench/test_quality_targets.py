"""bench/quality.py's target lines: the gaps' paired bootstrap intervals."""

import pathlib
import sys

import numpy as np
import pytest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "bench"))

from quality_targets import BASELINES  # noqa: E402
from quality_targets import dataset_of  # noqa: E402
from quality_targets import fold_name  # noqa: E402
from quality_targets import mean_gap_interval  # noqa: E402
from quality_targets import pooled_rows  # noqa: E402
from quality_targets import rare_class_table  # noqa: E402
from quality_targets import splits_summary  # noqa: E402
from quality_targets import targets_check  # noqa: E402

from genreclf.metrics import paired_bootstrap  # noqa: E402

LABELS = ["action", "comedy", "drama", "horror"]


def wrong_on(targets, rows):
    out = targets.copy()
    out[rows] = np.roll(targets[rows], 1, axis=1)
    return out


def dataset_rows(name, seed):
    """Rows of one split: the default right on every row, the baselines wrong on some."""
    rng = np.random.default_rng(seed)
    targets = np.eye(4, dtype="int64")[rng.integers(0, 4, 120)]
    rows = []
    for model, wrong in zip([*BASELINES, "genreclf auto (stack)"], [40, 30, 20, 0]):
        predicted = wrong_on(targets, range(wrong))
        rows.append(
            {
                "dataset": name,
                "model": model,
                "macro_f1": 1.0 - wrong / 120,
                "micro_or_acc": 1.0 - wrong / 120,
                "rare_f1": 1.0 - wrong / 120,
                "fit_s": 1.0,
                "targets": targets,
                "predictions": predicted,
                "rare_classes": ["horror"],
                "labels": LABELS,
            }
        )
    return rows


def test_one_split_interval_is_paired_bootstraps():
    rows = dataset_rows("x", 0)
    targets, worse, best = rows[0]["targets"], rows[2]["predictions"], rows[3]["predictions"]
    expected = paired_bootstrap(targets, worse, best, "macro_f1")["macro_f1"]
    low, high = mean_gap_interval([(targets, worse, best, None)])
    assert (low, high) == pytest.approx((expected["low"], expected["high"]))
    assert 0 < low <= high


def test_target_lines_carry_intervals_and_the_mean_over_splits_one_more():
    rows = dataset_rows("x", 0) + dataset_rows("x/s1", 1)
    lines = targets_check(rows).splitlines()
    assert "95% interval +" in lines[0] and "(target ≥ 0, 95% interval" in lines[0]
    summary = splits_summary(rows)
    gap = next(line for line in summary.splitlines() if "default − max(a,b,c)" in line)
    assert "over 2 splits: mean " in gap and "(95% interval +" in gap
    rare = next(line for line in summary.splitlines() if "rare − (c)" in line)
    assert "(95% interval" in rare


def test_pooled_rows_score_every_fold_row_once_in_the_first_folds_column_order():
    first, second = dataset_rows("x/f0", 0), dataset_rows("x/f1", 1)
    second_targets = second[0]["targets"].copy()
    for r in second:  # the second fold lists its classes in another order
        order = [3, 2, 1, 0]
        r["labels"] = [LABELS[k] for k in order]
        r["targets"], r["predictions"] = r["targets"][:, order], r["predictions"][:, order]
    pooled = {r["model"]: r for r in pooled_rows(first + second)}
    assert all(r["dataset"] == "x/pooled" for r in pooled.values())
    default, avg = pooled["genreclf auto (stack)"], pooled[BASELINES[2]]
    assert default["targets"].shape == (240, 4) and default["labels"] == LABELS
    # the second fold's rows, back in the first fold's column order
    assert np.array_equal(default["targets"][120:], second_targets)
    assert np.array_equal(default["targets"][:120], first[0]["targets"])
    assert np.array_equal(default["targets"], default["predictions"])
    assert default["macro_f1"] == pytest.approx(1.0) and default["fit_s"] == 2.0
    # (c) is wrong on its first 20 rows of each fold: 40 of 240, the same accuracy pooled
    assert avg["micro_or_acc"] == pytest.approx(200 / 240)
    assert default["rare_classes"] == [LABELS[int(np.argmin(default["targets"].sum(axis=0)))]]
    assert "95% interval +" in targets_check(list(pooled.values()))
    summary = splits_summary(first + second)
    assert "over 2 folds: mean" in summary and "splits" not in summary


def test_pooled_rows_refuse_folds_with_other_models():
    first, second = dataset_rows("x/f0", 0), dataset_rows("x/f1", 1)
    second[-1]["model"] = "genreclf auto (ngram)"
    with pytest.raises(ValueError, match="x/f1: every fold must have the same models"):
        pooled_rows(first + second)


def test_pooled_rows_refuse_folds_that_score_different_classes():
    first, second = dataset_rows("x/f0", 0), dataset_rows("x/f1", 1)
    for r in second:
        r["labels"] = ["action", "comedy", "drama", "western"]
    with pytest.raises(ValueError, match="x/f1: every fold must score the same classes"):
        pooled_rows(first + second)


def test_folds_and_pooled_columns_name_their_dataset():
    assert dataset_of(fold_name("imdb_genre27", 3)) == "imdb_genre27"
    assert dataset_of("imdb_genre27/pooled") == "imdb_genre27"


def test_rare_class_table_counts_each_models_hits_on_the_rare_classes():
    rows = dataset_rows("x/pooled", 0)
    targets = rows[0]["targets"]
    horror = int(targets[:, 3].sum())
    table = rare_class_table(rows).splitlines()
    assert table[0] == "x/pooled: rare classes"
    assert table[1].startswith("| class | rows | (a) tfidf+lr hits, F1 |")
    line = next(line for line in table if line.startswith("| horror |"))
    cells = line.strip("| ").split(" | ")
    assert cells[1] == str(horror)
    assert cells[-1] == f"{horror}, 1.000"  # the default is right on every row
    # (a) is wrong on its first 40 rows, which rolls each of those rows' class by one
    hits = horror - int(targets[:40, 3].sum())
    assert cells[2].startswith(f"{hits}, ")
