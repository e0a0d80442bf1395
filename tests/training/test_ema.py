import csv
import math

import keras
import numpy as np
import pytest

import genreclf
from genreclf.data import LabelVocabulary
from genreclf.data import train_val_split
from genreclf.errors import ConfigError
from genreclf.training import TrainConfig
from genreclf.training.optimizers import check_ema
from genreclf.training.optimizers import ema_momentum
from genreclf.training.optimizers import make_optimizer
from genreclf.training.recipe import Recipe

TINY_TRANSFORMER = {
    "max_tokens": 500,
    "max_length": 32,
    "embedding_dim": 16,
    "num_heads": 2,
    "intermediate_dim": 16,
    "num_layers": 1,
    "word_dim": 0,
}


def test_ema_turns_on_keras_moving_average():
    assert make_optimizer(1e-3, ema=0.99).use_ema
    assert make_optimizer(1e-3, ema=0.99).ema_momentum == 0.99
    assert not make_optimizer(1e-3, ema=0).use_ema


@pytest.mark.parametrize(
    "ema, expected",
    [
        (1.0, "must be a number of at least 0 and below 1. Received: ema=1.0."),
        (-0.1, "must be a number of at least 0 and below 1. Received: ema=-0.1."),
        ("0.9", "must be a number of at least 0 and below 1. Received: ema='0.9'."),
        (True, "must be a number of at least 0 and below 1. Received: ema=True."),
        (None, "must be a number of at least 0 and below 1. Received: ema=null/None."),
        ({"steps": 0}, 'must be a number above 0, or inf. Received: ema["steps"]=0.'),
        ({"max_epochs": 3}, 'Received: ema["steps"]=null/None.'),
        ({"steps": 3, "max_epochs": 0}, 'above 0, or inf. Received: ema["max_epochs"]=0.'),
        ({"steps": 9, "decay": 1}, "one of 'steps', 'max_epochs'. Received: key='decay'."),
    ],
)
def test_bad_ema_says_what_is_expected(ema, expected):
    # In the words of every other range error (`genreclf.setting`), with the fix.
    with pytest.raises(ConfigError) as caught:
        make_optimizer(1e-3, ema=ema)
    message = str(caught.value)
    assert expected in message, message
    if isinstance(ema, dict):
        assert message.startswith(("ema[", "key (in the horizon ema=")), message
        assert message.endswith('ema={"steps": 300, "max_epochs": 3} (about the last 300 '
                                "steps, at most 3 epochs), or a momentum, --ema 0.99.")  # fmt: skip
    else:
        assert message.startswith("ema (`--ema`: the weights' moving average, a momentum in "
                                  "[0, 1) or a horizon in steps) must be "), message  # fmt: skip
        assert message.endswith('--ema 0 (none), or a horizon, ema={"steps": 300}.'), message


# What `check_ema` accepts, pinned at its boundaries: a momentum from 0 and below 1
# (an int or a float, as it always took: a NumPy float32 or int64 is refused), or a
# {"steps": N, "max_epochs": E} horizon with N and E above 0 (infinity too).
ACCEPTED_EMAS = [
    0,
    0.0,
    0.5,
    0.999999,
    np.float64(0.99),
    {"steps": 1},
    {"steps": 0.5},
    {"steps": 300, "max_epochs": 3},
    {"steps": 300, "max_epochs": 0.5},
    {"steps": math.inf},
    {"steps": 3, "max_epochs": math.inf},
    {"max_epochs": 3, "steps": 9},
]
REFUSED_EMAS = [
    1,
    1.0,
    -1e-9,
    -0.1,
    math.nan,
    math.inf,
    -math.inf,
    True,
    False,
    "0.9",
    None,
    [0.9],
    np.float32(0.5),
    np.int64(0),
    {},
    {"steps": 0},
    {"steps": -1},
    {"steps": math.nan},
    {"steps": True},
    {"steps": "3"},
    {"steps": None},
    {"max_epochs": 3},
    {"steps": 9, "decay": 1},
    {"steps": 3, "max_epochs": 0},
    {"steps": 3, "max_epochs": -1},
    {"steps": 3, "max_epochs": None},
]


@pytest.mark.parametrize("ema", ACCEPTED_EMAS, ids=repr)
def test_the_accepted_moving_averages_at_their_boundaries(ema):
    assert check_ema(ema) is ema
    config = TrainConfig(ema=ema)
    assert config.check() is config


@pytest.mark.parametrize("ema", REFUSED_EMAS, ids=repr)
def test_the_refused_moving_averages_at_their_boundaries(ema):
    with pytest.raises(ConfigError, match="Received: "):
        check_ema(ema)
    if ema is not None:  # None leaves TrainConfig's ema off
        with pytest.raises(ConfigError, match="Received: "):
            TrainConfig(ema=ema).check()


def test_a_config_takes_auto_and_none_for_its_moving_average():
    for ema in ("auto", None):
        config = TrainConfig(ema=ema)
        assert config.check() is config


def test_a_horizon_averages_the_last_steps_at_most_some_epochs():
    horizon = {"steps": 333, "max_epochs": 3}
    assert ema_momentum(horizon, 276) == pytest.approx(1 - 1 / 333, abs=1e-6)  # tmdb_genres
    assert ema_momentum(horizon, 97) == pytest.approx(1 - 1 / 291, abs=1e-6)  # 3 epochs of 97
    assert ema_momentum(horizon, 1) == pytest.approx(2 / 3, abs=1e-6)
    assert ema_momentum({"steps": 1}, 50) == 0.0  # one step: the weights themselves
    assert ema_momentum({"steps": 100}, 5) == 0.99  # no epoch cap
    assert ema_momentum(0.9, 5) == 0.9
    with pytest.raises(ConfigError, match="Resolve it first"):
        make_optimizer(1e-3, ema=horizon)


def test_the_transformer_averages_by_default_and_bilstm_does_not(sample_csv):
    assert TrainConfig(model="transformer").resolved("ema") == {"steps": 333, "max_epochs": 3}
    assert TrainConfig(model="bilstm").resolved("ema") == 0.0
    assert TrainConfig(model="transformer", ema=0.99).resolved("ema") == 0.99
    dataset = genreclf.load_dataset(sample_csv, text="overview", label="genre")
    steps = -(-len(dataset) // 32)
    for ema, momentum in [("auto", 1 - 1 / min(333, 3 * steps)), (0.0, None)]:
        cfg = TrainConfig(model="transformer", model_config=TINY_TRANSFORMER, ema=ema)
        model = genreclf.models.build_model(
            "transformer", 2, train_texts=dataset.texts, **TINY_TRANSFORMER
        )
        Recipe(cfg, dataset, dataset.vocabulary()).compile(model)
        assert model.optimizer.use_ema is (momentum is not None)
        if momentum is not None:
            assert model.optimizer.ema_momentum == pytest.approx(momentum, abs=1e-6)


def test_the_swap_comes_after_the_backup_and_before_early_stopping(tmp_path, sample_csv):
    dataset = genreclf.load_dataset(sample_csv, text="overview", label="genre")
    cfg = TrainConfig(model="transformer", ema=0.9)
    recipe = Recipe(cfg, dataset, dataset.vocabulary())
    names = [type(c).__name__ for c in recipe.callbacks(dataset, out=tmp_path)]
    assert names.index("ResumingBackupAndRestore") < names.index("SwapEMAWeights")
    assert names.index("SwapEMAWeights") < names.index("ResumingEarlyStopping")
    assert names.index("SwapEMAWeights") < names.index("BestCheckpoint")
    cfg.ema = 0.0
    assert "SwapEMAWeights" not in [type(c).__name__ for c in recipe.callbacks(dataset)]


def _val_loss_of(run, val_set):
    scores = np.asarray(run.scores(val_set.texts))
    targets = val_set.targets(LabelVocabulary(list(run.labels)))
    picked = np.sum(scores * targets, axis=1)
    return float(np.mean(-np.log(np.clip(picked, 1e-7, 1.0))))


@pytest.mark.large  # two transformer runs; tuning the average (test_hypermodel) trains one in CI
def test_the_run_keeps_the_averaged_weights_it_validated(tmp_path, sample_csv):
    """The saved model's validation loss is the best epoch's, as validated with EMA weights."""
    histories, train_losses = {}, {}
    for ema in (0.0, 0.8):
        out = tmp_path / f"ema{ema}"
        run = genreclf.train(
            sample_csv,
            text="overview",
            label="genre",
            model="transformer",
            model_config=TINY_TRANSFORMER,
            epochs=4,
            patience=10,
            ema=ema,
            calibration="none",
            out=out,
            verbose=0,
        )
        with open(out / "history.csv") as f:
            history = list(csv.DictReader(f))
        histories[ema] = [float(row["val_loss"]) for row in history]
        train_losses[ema] = [float(row["loss"]) for row in history]
        f1 = [float(row["val_macro_f1"]) for row in history]
        # The best checkpoint's epoch (the first of ties), after the warmup as early stopping.
        best = 2 + int(np.argmax(f1[2:]))
        dataset = genreclf.load_dataset(sample_csv, text="overview", label="genre")
        _, val_set = train_val_split(dataset, 0.1, seed=0)
        assert _val_loss_of(run, val_set) == pytest.approx(histories[ema][best], rel=1e-4)
        assert run.config["ema"] == ema
    assert histories[0.8] != pytest.approx(histories[0.0], rel=1e-3)
    # The raw weights trained alike: only what was validated (the average) differs.
    assert train_losses[0.8] == pytest.approx(train_losses[0.0], rel=1e-4)
    keras.backend.clear_session()


def test_a_convex_fit_has_no_steps_to_average(tmp_path, sample_csv):
    with pytest.raises(ConfigError, match=r"convex solver.*Received: ema=0.9.*Drop --ema"):
        genreclf.train(
            sample_csv,
            text="overview",
            label="genre",
            model="ngram",
            ema=0.9,
            out=tmp_path / "run",
            verbose=0,
        )
    assert not (tmp_path / "run").exists()  # refused before the run folder was made


@pytest.mark.parametrize(
    "ema, name", [(np.float32(0.9), "ema"), ({"steps": np.int64(3)}, 'ema["steps"]')], ids=repr
)
def test_a_numpy_number_is_told_to_be_made_a_python_one(ema, name):
    # A NumPy float32 in range used to be told it "must be a number of at least 0 and below 1".
    with pytest.raises(ConfigError) as caught:
        check_ema(ema)
    message = str(caught.value)
    assert "takes a Python int or float. Received: " in message, message
    assert "must be" not in message and f"Pass {name}=" in message, message
