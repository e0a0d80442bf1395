"""The quality benchmark's data protocol: which files, and how they are split.

tmdb_genres trains on `train.csv` and is scored on `val.csv` (its test rows
whose labels the training rows never hold are dropped); the other sets are one
file each, split (stratified, split seed `split`) into 85% to train on and 15%
held out (`load`), or into `folds` stratified folds, seed 0 (`load_folds`).
aclImdb ratings (8 classes) use a stratified sample of `aclimdb_rows` reviews,
split the same way. `held_out_parts` names each part as `bench/quality.py`
prints it (`NAME`, `NAME/s1`, ..., or `NAME/f0`, ...). The files are read from
`$GENRECLF_SHARED_DATA` (default: `shared/data` beside the checkout).
"""

import os
import pathlib

from quality_targets import fold_name  # (bench/, the script's folder)
from quality_targets import split_name

REPO = pathlib.Path(__file__).resolve().parents[1]
DATA = pathlib.Path(os.environ.get("GENRECLF_SHARED_DATA", REPO.parent / "shared" / "data"))

DATASETS = {
    "tmdb_genres": dict(
        path="tmdb_genres/train.csv",
        test="tmdb_genres/val.csv",
        text="overview",
        label="genres",
        sep="|",
        multi_label=True,
    ),
    "imdb_genre27": dict(path="imdb_genre27/train_data.txt", format="kaggle-genre"),
    "movielens_plots": dict(path="movielens_plots/train.csv", text="plot", label="tag"),
    "aclimdb": dict(path="aclimdb/aclImdb_train.tar.gz", format="aclimdb"),
}


def load(name, aclimdb_rows, split=0):
    """`(train, test)` of dataset `name` by the protocol above (`split`: the split seed)."""
    from genreclf.data import train_val_split

    dataset, test = load_file(name, aclimdb_rows)
    if test is not None:
        return dataset, test
    return train_val_split(dataset, 0.15, seed=split)


def load_folds(name, aclimdb_rows, folds):
    """`[(train, test), ...]`: `folds` stratified folds of a single-file dataset (seed 0)."""
    from genreclf.data import kfold_indices

    dataset, _ = load_file(name, aclimdb_rows)
    few = {label: n for label, n in dataset.label_counts().items() if n < 2}
    if few:  # held out in one fold, such a class is missing from that fold's training rows
        raise SystemExit(
            f"--folds needs every class of {name} on at least 2 rows (one to train on while "
            f"the other is held out). Received: {few}. Use --splits, whose split keeps such "
            "a class in the training rows."
        )
    return [
        (dataset.subset(train_idx), dataset.subset(test_idx))
        for train_idx, test_idx in kfold_indices(dataset, k=folds, seed=0)
    ]


def load_file(name, aclimdb_rows):
    """`(rows, test rows or None)` of dataset `name` (aclImdb: its stratified sample)."""
    from genreclf.data import load_dataset
    from genreclf.data import train_val_split

    spec = dict(DATASETS[name])
    path, test_path = DATA / spec.pop("path"), spec.pop("test", None)
    dataset = load_dataset(path, **spec)
    if test_path:
        test = load_dataset(DATA / test_path, **spec)
        keep = [
            i
            for i, labels in enumerate(test.labels)
            if set(labels) <= set(dataset.vocabulary().labels)
        ]
        return dataset, test.subset(keep)
    if name == "aclimdb" and aclimdb_rows < len(dataset):
        _, dataset = train_val_split(dataset, aclimdb_rows / len(dataset), seed=0)
    return dataset, None


def held_out_parts(name, args):
    """`[(column, train, test), ...]`: the splits (or folds) of dataset `name` to run."""
    if "test" in DATASETS[name]:  # its own test file: one split, split 0
        if args.first_split:
            return []
        return [(name, *load(name, args.aclimdb_rows))]
    if args.folds:
        return [
            (fold_name(name, fold), train, test)
            for fold, (train, test) in enumerate(load_folds(name, args.aclimdb_rows, args.folds))
        ]
    return [
        (split_name(name, split), *load(name, args.aclimdb_rows, split))
        for split in range(args.first_split, args.first_split + args.splits)
    ]
