import numpy as np
import pytest

from genreclf.data import TextDataset
from genreclf.data import kfold_indices
from genreclf.data import train_val_split
from genreclf.data.splits import iterative_stratification
from genreclf.errors import ConfigError


def single_label(counts, synthetic=0):
    labels = [[name] for name, n in counts.items() for _ in range(n)]
    texts = [f"text {i}" for i in range(len(labels))]
    sources = ["real"] * len(labels)
    for i in range(synthetic):
        texts.append(f"synthetic {i}")
        labels.append([next(iter(counts))])
        sources.append("synthetic")
    return TextDataset(texts, labels, ids=[str(i) for i in range(len(texts))], sources=sources)


def multi_label(n=300, seed=0):
    rng = np.random.default_rng(seed)
    names = ["a", "b", "c", "d", "rare"]
    rates = [0.5, 0.3, 0.2, 0.1, 0.02]
    labels = []
    for _ in range(n):
        row = [name for name, p in zip(names, rates) if rng.random() < p]
        labels.append(row or ["a"])
    labels[0] = ["rare", "b"]
    labels[1] = ["rare"]
    texts = [f"text {i}" for i in range(n)]
    return TextDataset(texts, labels, multi_label=True, ids=[str(i) for i in range(n)])


def test_single_label_proportions_and_rare_classes():
    ds = single_label({"drama": 200, "comedy": 100, "war": 10, "news": 2, "solo": 1})
    train, val = train_val_split(ds, val_fraction=0.1, seed=0)
    assert len(train) + len(val) == len(ds)
    assert not set(train.ids) & set(val.ids)
    counts = val.label_counts()
    assert counts["drama"] == 20 and counts["comedy"] == 10 and counts["war"] == 1
    assert counts["news"] == 1 and train.label_counts()["news"] == 1
    assert "solo" not in counts and train.label_counts()["solo"] == 1


def test_synthetic_rows_stay_in_train():
    ds = single_label({"x": 20, "y": 20}, synthetic=15)
    train, val = train_val_split(ds, val_fraction=0.5, seed=3)
    assert not val.is_synthetic().any()
    assert train.is_synthetic().sum() == 15
    assert len(val) == 20  # half of the 40 real rows


def test_split_is_deterministic_and_seed_dependent():
    ds = single_label({"x": 30, "y": 30})
    a = train_val_split(ds, 0.2, seed=1)[1].ids
    b = train_val_split(ds, 0.2, seed=1)[1].ids
    c = train_val_split(ds, 0.2, seed=2)[1].ids
    assert a == b
    assert a != c


def test_ratings_split_as_their_names_ordered_as_text_would():
    # Ratings are ordered by value in the vocabulary; the split still draws class by
    # class in text order, so a seed keeps the rows it held out before that change.
    rng = np.random.default_rng(3)
    stars = [str(v) for v in rng.choice([1, 2, 3, 4, 7, 8, 9, 10], size=300)]
    ratings = TextDataset([f"review {i}" for i in range(300)], [[v] for v in stars])
    named = TextDataset(list(ratings.texts), [[f"r{v}"] for v in stars])  # text order
    assert ratings.vocabulary().labels[-1] == "10" and named.vocabulary().labels[1] == "r10"
    for seed in (0, 1):
        split, same = (
            train_val_split(ratings, 0.2, seed=seed),
            train_val_split(named, 0.2, seed=seed),
        )
        assert list(split[1].texts) == list(same[1].texts)
        folds = zip(kfold_indices(ratings, k=3, seed=seed), kfold_indices(named, k=3, seed=seed))
        assert all(np.array_equal(a[1], b[1]) for a, b in folds)


def test_multi_label_split_keeps_label_proportions():
    ds = multi_label()
    train, val = train_val_split(ds, val_fraction=0.2, seed=0)
    assert len(train) + len(val) == len(ds)
    assert abs(len(val) - 60) <= 6  # label balance first, size second
    full, held = ds.label_counts(), val.label_counts()
    for name in ("a", "b", "c", "d"):
        assert abs(held[name] / full[name] - 0.2) < 0.05, name
    assert held["rare"] >= 1 and train.label_counts()["rare"] >= 1
    assert train_val_split(ds, 0.2, seed=0)[1].ids == val.ids


def test_iterative_stratification_balances_each_label():
    ds = multi_label(n=400, seed=1)
    y = ds.targets(ds.vocabulary()).astype(bool)
    parts = iterative_stratification(y, [0.25] * 4, np.random.default_rng(0))
    per_part = np.stack([y[parts == p].sum(axis=0) for p in range(4)])
    assert np.all(per_part.max(axis=0) - per_part.min(axis=0) <= 2)
    sizes = np.bincount(parts, minlength=4)
    assert sizes.max() - sizes.min() <= 0.1 * len(ds)


def unbalanced_with_synthetic():
    return single_label({"x": 23, "y": 11, "z": 6}, synthetic=5)


@pytest.mark.parametrize("factory", [unbalanced_with_synthetic, multi_label])
def test_kfold_covers_every_real_row_once(factory):
    ds = factory()
    folds = kfold_indices(ds, k=5, seed=0)
    assert len(folds) == 5
    synthetic = set(np.flatnonzero(ds.is_synthetic()).tolist())
    held = np.concatenate([val for _, val in folds])
    assert sorted(held.tolist()) == sorted(set(range(len(ds))) - synthetic)
    for train_idx, val_idx in folds:
        assert not set(train_idx.tolist()) & set(val_idx.tolist())
        assert len(train_idx) + len(val_idx) == len(ds)
        assert synthetic <= set(train_idx.tolist())
    again = kfold_indices(ds, k=5, seed=0)
    assert all(np.array_equal(a[1], b[1]) for a, b in zip(folds, again))


def test_single_label_kfold_is_stratified():
    ds = single_label({"x": 50, "y": 25, "z": 5})
    for _, val_idx in kfold_indices(ds, k=5, seed=4):
        counts = ds.subset(val_idx).label_counts()
        assert counts == {"x": 10, "y": 5, "z": 1}


VAL_FRACTION_MESSAGE = (
    "val_fraction must be a number above 0 and below 1. Received: val_fraction={!r}. "
    "Pass e.g. val_fraction=0.1 (10% of the real rows held out for validation)."
)


@pytest.mark.parametrize(
    "fraction",
    [0, 1, 0.0, 1.0, -0.1, 1.5, np.float64(1.0), float("nan"), float("inf"), -float("inf")],
    ids=repr,
)
def test_val_fraction_is_strictly_between_0_and_1(fraction):
    with pytest.raises(ConfigError) as caught:
        train_val_split(single_label({"x": 5}), val_fraction=fraction)
    assert str(caught.value) == VAL_FRACTION_MESSAGE.format(fraction)


@pytest.mark.parametrize("fraction", ["0.5", True, False, np.True_, None, [0.5]], ids=repr)
def test_val_fraction_must_be_a_number(fraction):
    # `float(val_fraction)` let the string "0.5" through (and `None` was a TypeError).
    with pytest.raises(ConfigError) as caught:
        train_val_split(single_label({"x": 5}), val_fraction=fraction)
    shown = "null/None" if fraction is None else repr(fraction)  # as every setting shows None
    assert str(caught.value) == VAL_FRACTION_MESSAGE.replace("{!r}", shown)


@pytest.mark.parametrize(
    "fraction", [1e-9, 0.5, 0.999999, np.float64(0.2), np.float32(0.2)], ids=repr
)
def test_val_fractions_just_inside_the_range_and_numpy_floats_split(fraction):
    train, val = train_val_split(single_label({"x": 5, "y": 5}), val_fraction=fraction)
    assert len(train) + len(val) == 10 and len(train) > 0 and len(val) > 0


def test_val_fraction_and_train_configs_val_split_are_one_check():
    from genreclf.data.splits import VAL_FRACTION
    from genreclf.training import TrainConfig
    from genreclf.training.config_values import RANGES

    assert RANGES["val_split"][0] is VAL_FRACTION
    with pytest.raises(ConfigError) as caught:
        TrainConfig(val_split="0.5").check()
    assert "val_split (`--val-split`) must be a number above 0 and below 1." in str(caught.value)


@pytest.mark.parametrize("k", [1, 7, 2.5])
def test_bad_k(k):
    expected = r"k must be an integer between 2 and the number of real rows \(6\)"
    with pytest.raises(ConfigError, match=expected):
        kfold_indices(single_label({"x": 3, "y": 3}), k=k)


def test_too_few_real_rows():
    with pytest.raises(ConfigError, match="at least 2 real"):
        train_val_split(single_label({"x": 1}, synthetic=3))


def test_multi_label_rare_label_with_two_rows_lands_on_both_sides():
    labels = [["a", "r"], ["b", "r"]] + [["a"], ["b"], ["a", "b"]] * 6
    ds = TextDataset([f"t{i}" for i in range(len(labels))], labels, multi_label=True)
    for seed in range(5):
        train, val = train_val_split(ds, val_fraction=0.1, seed=seed)
        assert val.label_counts().get("r") == 1, seed
        assert train.label_counts().get("r") == 1, seed
        assert {"a", "b"} <= set(val.label_counts()) and {"a", "b"} <= set(train.label_counts())
