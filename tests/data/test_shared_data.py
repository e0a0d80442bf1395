"""Loads each real data set in ../shared/data (skipped when absent)."""

import os

import pytest

from genreclf.data import load_dataset
from genreclf.data import train_val_split

SHARED = os.environ.get(
    "GENRECLF_SHARED_DATA",
    os.path.join(os.path.dirname(__file__), "..", "..", "..", "shared", "data"),
)

CASES = [
    ("tmdb_genres/train.csv", {}, 9805, 19, True),
    ("imdb_genre27/train_data.txt", {}, 4046, 27, False),
    ("movielens_plots/train.csv", {}, 1713, 6, False),
    ("aclimdb/aclImdb_train.tar.gz", {}, 25000, 8, False),
    ("aclimdb/aclImdb_train.tar.gz", {"aclimdb_label": "polarity"}, 25000, 2, False),
]


@pytest.mark.large
@pytest.mark.parametrize("name, options, rows, classes, multi_label", CASES)
def test_shared_data_sets_load(name, options, rows, classes, multi_label):
    path = os.path.join(SHARED, name)
    if not os.path.exists(path):
        pytest.skip(f"{path} is absent")
    ds = load_dataset(path, **options)
    assert len(ds) == rows
    assert len(ds.label_counts()) == classes
    assert ds.multi_label is multi_label
    assert ds.skipped == {}
    assert len(set(ds.ids)) == rows
    train, val = train_val_split(ds, val_fraction=0.1, seed=0)
    assert set(val.label_counts()) == set(ds.label_counts())
