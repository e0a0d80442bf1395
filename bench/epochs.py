"""Held-out macro-F1 epoch by epoch for the from-scratch families, beside (a).

Same protocol as `bench/quality.py` (`quality_data.load`: split 0, or `--split`; the
same held-out rows and report code). Each seed trains the family with its
defaults but without early stopping (patience = epochs; the cosine schedule
spans the configured epochs either way, so the run is the one `genreclf
train` makes up to where it would stop), and scores the held-out rows after
every epoch, on the weights validation sees (the moving average where the
family keeps one). Early stopping is then replayed on the logged validation
macro-F1 (`kept_epoch`: the family's patience, from its first scored epoch),
and each seed's line shows:

- `kept`: the epoch early stopping keeps and its held-out macro-F1 — what
  `genreclf train` returns with this seed (bench/ema.py's number);
- `plateau`: the mean held-out macro-F1 over the last 10 epochs, the level
  the family settles at, free of which epoch the validation split picked;
- `best`: the best held-out epoch (no rule on validation scores can do better).

A seed's `kept` score minus its plateau is how much the validation split's
choice of epoch moved it, up or down.

Single-label datasets only (a multi-label set's held-out score needs
thresholds tuned on validation after every epoch).

Usage: python bench/epochs.py [--datasets imdb_genre27] [--models bilstm,transformer]
       [--seeds 0,1,2] [--split 0] [--epochs N] [--set KEY=VALUE]... [--train KEY=VALUE]...
       [--json FILE]
"""

import argparse
import json
import os
import pathlib
import statistics
import sys
import tempfile
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from baselines import baseline_scores  # noqa: E402  (bench/, the script's folder)
from baselines import tfidf_features  # noqa: E402
from quality_data import DATA  # noqa: E402
from quality_data import load  # noqa: E402

PLATEAU_EPOCHS = 10


def kept_epoch(values, patience, start_from_epoch):
    """The epoch (0-based) Keras' early stopping restores, replayed on logged values.

    `keras.callbacks.EarlyStopping(mode="max", restore_best_weights=True)`:
    epochs before `start_from_epoch` are not watched; training stops once
    `patience` watched epochs in a row fail to beat the best; the best is kept.

    Example:

    >>> kept_epoch([0.9, 0.1, 0.3, 0.2, 0.25, 0.5], patience=2, start_from_epoch=1)
    2
    >>> kept_epoch([0.1, 0.2], patience=6, start_from_epoch=2)  # too short: the last
    1
    """
    best, best_epoch, wait = None, None, 0
    for epoch, value in enumerate(values):
        if epoch < start_from_epoch:
            continue
        wait += 1
        if best is None or value > best:
            best, best_epoch, wait = value, epoch, 0
        if wait >= patience:
            break
    return len(values) - 1 if best_epoch is None else best_epoch


def seed_line(seed, test_scores, kept):
    """One seed's summary: kept epoch, plateau and best, 1-based epochs.

    Example:

    >>> seed_line(1, [0.1, 0.2, 0.25, 0.2], kept=2)
    'seed 1: kept epoch 3 0.2500 | plateau 0.1875 | best epoch 3 0.2500'
    """
    plateau = statistics.fmean(test_scores[-PLATEAU_EPOCHS:])
    best = max(range(len(test_scores)), key=test_scores.__getitem__)
    return (
        f"seed {seed}: kept epoch {kept + 1} {test_scores[kept]:.4f} | plateau {plateau:.4f} | "
        f"best epoch {best + 1} {test_scores[best]:.4f}"
    )


def held_out_callback(texts, targets, vocabulary):
    """A Keras callback scoring the held-out rows after every epoch (and logging validation's).

    `val` is validation macro-F1 (what early stopping watches); `val_logs` keeps
    every validation metric Keras logged that epoch (loss, accuracy, ...), so
    other stopping rules can be replayed from `--json`.
    """
    import keras

    from genreclf.metrics import classification_report

    class HeldOut(keras.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.test, self.val_logs = [], []

        @property
        def val(self):
            return [epoch["val_macro_f1"] for epoch in self.val_logs]

        def on_epoch_end(self, epoch, logs=None):
            scores = self.model.predict({"text": texts}, verbose=0, batch_size=256)
            self.test.append(classification_report(targets, scores, vocabulary)["macro_f1"])
            self.val_logs.append({k: float(v) for k, v in logs.items() if k.startswith("val_")})

    return HeldOut()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--datasets", default="imdb_genre27")
    parser.add_argument("--models", default="bilstm,transformer")
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--split", type=int, default=0)
    parser.add_argument(
        "--epochs",
        type=int,
        help="epochs (and the cosine schedule's length); default: the family's",
    )
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a model setting, as genreclf train --set (e.g. dropout=0.4)",
    )
    parser.add_argument(
        "--train",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a training setting (a TrainConfig field, e.g. weight_decay=0.01 or ema=0.99)",
    )
    parser.add_argument("--json", help="also write every epoch's scores to this JSON-lines file")
    args = parser.parse_args(argv)
    if not DATA.is_dir():
        print(f"bench/epochs.py needs the shared datasets at {DATA}; not found.")
        return 0

    import numpy as np

    import genreclf
    from genreclf.cli.settings import parse_settings
    from genreclf.metrics import classification_report
    from genreclf.training.recipe import Recipe
    from genreclf.training.trainer import make_config

    model_config = parse_settings(args.set)
    training = parse_settings(args.train)

    for name in args.datasets.split(","):
        train, test = load(name, 8000, args.split)
        vocabulary = train.vocabulary()
        if vocabulary.multi_label:
            print(f"{name}: multi-label, skipped (single-label datasets only).")
            continue
        targets, texts = test.targets(vocabulary), np.array(test.texts, dtype=object)
        a_test, _ = baseline_scores(tfidf_features(train, test), train, test, vocabulary, 4.0)
        baseline = classification_report(targets, a_test, vocabulary)["macro_f1"]
        print(f"{name} split {args.split}: (a) {baseline:.4f}, 0.9 × (a) {0.9 * baseline:.4f}")

        for model in args.models.split(","):
            overrides = {**training, **({"epochs": args.epochs} if args.epochs else {})}
            cfg = make_config(train, None, model=model, **overrides)
            epochs, patience = cfg.resolved("epochs"), cfg.resolved("patience")
            start = Recipe(cfg, train, vocabulary).first_scored_epoch
            kept, plateaus = [], []
            for seed in (int(s) for s in args.seeds.split(",")):
                began = time.perf_counter()
                held_out = held_out_callback(texts, targets, vocabulary)
                with tempfile.TemporaryDirectory() as tmp:
                    genreclf.train(
                        train,
                        out=pathlib.Path(tmp) / "run",
                        model=model,
                        seed=seed,
                        # `--train patience=N` is replayed, never stops the run.
                        **{**overrides, "epochs": epochs, "patience": epochs},
                        model_config=model_config,
                        callbacks=[held_out],
                        verbose=0,
                    )
                epoch = kept_epoch(held_out.val, patience, start)
                kept.append(held_out.test[epoch])
                plateaus.append(statistics.fmean(held_out.test[-PLATEAU_EPOCHS:]))
                print(
                    f"  {model} {seed_line(seed, held_out.test, epoch)} "
                    f"({time.perf_counter() - began:.0f} s)",
                    flush=True,
                )
                if args.json:
                    with open(args.json, "a") as f:
                        row = {"dataset": name, "model": model, "seed": seed, "kept": epoch}
                        scores = {
                            "test": held_out.test,
                            "val": held_out.val,
                            "val_logs": held_out.val_logs,
                        }
                        f.write(json.dumps({**row, **scores}))
                        f.write("\n")
            print(
                f"  {model}: kept mean {statistics.fmean(kept):.4f} "
                f"({statistics.fmean(kept) / baseline:.2f} × (a)), plateau mean "
                f"{statistics.fmean(plateaus):.4f} ({statistics.fmean(plateaus) / baseline:.2f} × (a))",
                flush=True,
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
