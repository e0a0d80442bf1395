"""A search by another objective than macro-F1: best.json keeps epochs by it too."""

import csv
import json

import keras_tuner

import genreclf
from genreclf.data import train_val_split
from genreclf.tuning import FamilyHyperModel

from .conftest import TINY_NGRAM
from .conftest import tiny_search

# Validation loss falls for all 6 epochs while validation macro-F1 peaks early
# (on the bundled sample, the retrain kept epoch 2 of 6 before `monitor`).
FIXED = {**TINY_NGRAM, "ngrams": 1, "lr": 0.02, "epochs": 6, "warmup_epochs": 0, "patience": 10}


def test_train_config_keeps_the_objective_when_it_is_not_the_default(sample_data):
    _, train, _ = sample_data
    hp = keras_tuner.HyperParameters()
    by_loss = FamilyHyperModel("ngram", train, max_epochs=2, objective="val_loss", **TINY_NGRAM)
    assert by_loss.train_config(hp).monitor == "val_loss"
    default = FamilyHyperModel("ngram", train, max_epochs=2, **TINY_NGRAM)
    assert default.train_config(hp).monitor is None


def _kept_epoch(run_dir, monitor):
    with open(run_dir / "history.csv") as f:
        rows = list(csv.DictReader(f))
    values = [float(r[monitor]) for r in rows]
    best = min(values) if monitor.endswith("loss") else max(values)
    return values.index(best), len(rows)


def test_retraining_best_json_of_a_val_loss_search_keeps_the_trials_epoch(tmp_path):
    result = tiny_search(
        tmp_path / "tune",
        objective="val_loss",
        max_trials=1,
        max_epochs=6,
        search_space=FIXED,
        search_defaults=False,
    )
    best = json.loads(result.best_config_path.read_text())
    assert best["monitor"] == "val_loss"
    run = genreclf.train(config=str(result.best_config_path), out=tmp_path / "run", verbose=0)
    epoch, trained = _kept_epoch(run.path, "val_loss")
    assert trained == 6 and epoch == 5
    # The run's scores are the kept epoch's: those of the trial.
    data = genreclf.load_dataset(genreclf.sample_path(), label="genre")
    _, val = train_val_split(data, 0.1, seed=0)
    assert len(val) == run.metrics["num_examples"]
    assert abs(run.metrics["macro_f1"] - result.leaderboard[0]["metrics"]["val_macro_f1"]) < 2e-3


def test_best_json_written_without_the_hypermodel_reads_the_detected_task(tmp_path):
    # finish(directory) without a hypermodel guessed single-label from an undetected
    # multi_label (None): val_macro_f1 on multi-label data was left as the default monitor.
    from genreclf.tuning.results import best_config

    spec = {"model": "ngram", "objective": "val_macro_f1", "max_epochs": 2}
    spec["data"] = {"data": str(tmp_path / "movies.csv"), "multi_label": None, "sep": None}
    (tmp_path / "tune.json").write_text(json.dumps({**spec, "multi_label": True}))
    assert best_config(tmp_path, {"hyperparameters": {}})["monitor"] == "val_macro_f1"
    (tmp_path / "tune.json").write_text(json.dumps({**spec, "multi_label": False}))
    assert best_config(tmp_path, {"hyperparameters": {}})["monitor"] is None
