"""bench/quality.py's target lines: the gaps' paired bootstrap intervals."""

import pathlib
import sys

import numpy as np
import pytest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "bench"))

from quality_targets import BASELINES  # noqa: E402
from quality_targets import mean_gap_interval  # noqa: E402
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
