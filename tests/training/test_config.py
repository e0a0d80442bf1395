import pathlib

import numpy as np
import pytest

import genreclf
from genreclf.errors import ConfigError
from genreclf.training import TrainConfig


def test_round_trip_through_json(tmp_path):
    config = TrainConfig(
        data=str(tmp_path / "movies.csv"), model="ngram", model_config={"max_tokens": 10}, epochs=3
    )
    config.to_json(tmp_path / "config.json")
    assert TrainConfig.from_json(tmp_path / "config.json") == config


def test_auto_values_resolve_per_family():
    assert TrainConfig(model="transformer").resolved("lr") == 5e-4
    assert TrainConfig(model="bilstm", lr=0.01).resolved("lr") == 0.01
    # Early-stopping patience: bilstm declares 6 (its validation F1 zigzags), others take 3.
    assert TrainConfig(model="bilstm").resolved("patience") == 6
    assert TrainConfig(model="transformer").resolved("patience") == 6
    assert TrainConfig(model="ngram").resolved("patience") == 3
    assert TrainConfig(model="bilstm", patience=2).resolved("patience") == 2
    assert TrainConfig(model="bilstm").resolved("epochs") == 30
    assert TrainConfig(model="transformer").resolved("epochs") == 30
    assert TrainConfig(model="ngram").resolved("epochs") == 20


def test_unknown_keys_and_bad_json_are_clear(tmp_path):
    with pytest.raises(ConfigError, match=r"Unknown training configuration keys \['epoch'\]"):
        TrainConfig.from_dict({"epoch": 3})
    with pytest.raises(ConfigError, match=r"Received: epoch=3\. Did you mean 'epochs' for 'epoch'"):
        TrainConfig.from_dict({"epoch": 3})
    # A model setting passed as a training key says where it goes.
    with pytest.raises(
        ConfigError, match=r"model_config=\{'max_tokens': 2000\}.*--set max_tokens=2000"
    ):
        TrainConfig.from_dict({"model": "ngram", "max_tokens": 2000})
    # A keyword argument named as other libraries name columns says which key it is.
    with pytest.raises(ConfigError, match=r"Did you mean 'text' for 'text_column'\? Fix those "):
        genreclf.train(genreclf.sample_path(), text_column="overview", model="ngram")
    bad = tmp_path / "bad.json"
    bad.write_text('{"model": "ngram",\n "epochs": }')
    with pytest.raises(ConfigError, match=r"bad.json:2: the config file is not valid JSON"):
        TrainConfig.from_json(bad)


def test_pretrained_runs_take_their_modes_defaults():
    from genreclf.models.pretrained import MODE_TRAINING_DEFAULTS

    lora = TrainConfig(model="pretrained", model_config={"mode": "lora"})
    assert lora.resolved("lr") == MODE_TRAINING_DEFAULTS["lora"]["lr"]
    hybrid = TrainConfig(model="hybrid", model_config={"encoder": "pretrained", "mode": "frozen"})
    assert hybrid.resolved("lr") == MODE_TRAINING_DEFAULTS["frozen"]["lr"]
    assert TrainConfig(model="hybrid", model_config={"encoder": "bilstm"}).resolved("lr") == 2e-3


@pytest.mark.parametrize(
    "arguments,words",
    [
        ({"epochs": 0}, ["epochs (`--epochs`)", "at least 1", "epochs=0"]),
        ({"val_split": 1.5}, ["val_split (`--val-split`)", "val_split=1.5"]),
        ({"folds": 1}, ["folds (`--folds`)", "at least 2"]),
        ({"batch_size": 0}, ["batch_size (`--batch-size`)"]),
        ({"model": "lstm"}, ['"auto"', "'bilstm'", "model='lstm'"]),
        ({"lr": -1.0}, ["lr (`--lr`)", "above 0", "'auto'", "lr=-1.0", "--lr 1e-3"]),
        ({"lr": 0}, ["lr (`--lr`)", "lr=0"]),
        ({"lr": float("nan")}, ["lr=nan"]),
        ({"lr": "fast"}, ["lr='fast'"]),
        ({"weight_decay": -0.1}, ["weight_decay (`--weight-decay`)", "weight_decay=-0.1"]),
        ({"label_smoothing": 1.0}, ["label_smoothing", "below 1", "label_smoothing=1.0"]),
        ({"label_smoothing": -0.1}, ["label_smoothing=-0.1"]),
        ({"min_confidence": 1.5}, ["min_confidence (`--min-confidence`)", "at most 1"]),
        ({"max_length": 0}, ["max_length (`--max-length`)", "at least 1", "max_length=0"]),
        ({"seed": -1}, ["seed (`--seed`)", "at least 0", "seed=-1"]),
        ({"warmup_epochs": -1}, ["warmup_epochs (`--warmup-epochs`)", "warmup_epochs=-1"]),
        ({"ema": 5}, ["ema (`--ema`", "at least 0 and below 1", "Received: ema=5.", "--ema 0.99"]),
        # None turns folds and max_length off; "auto" is the family's epochs and patience.
        ({"epochs": None}, ["epochs (`--epochs`)", "epochs=null/None", "--epochs 20"]),
        ({"patience": None}, ["patience (`--patience`)", "patience=null/None"]),
        ({"folds": "auto"}, ["folds (`--folds`)", "folds='auto'", "--folds 5"]),
        ({"max_length": "auto"}, ["max_length (`--max-length`)", "max_length='auto'"]),
    ],
)
def test_arguments_out_of_range_are_named_as_the_cli_spells_them(arguments, words):
    with pytest.raises(ConfigError) as info:
        TrainConfig(**arguments).check()
    for word in words:
        assert word in str(info.value), str(info.value)
    assert TrainConfig().check() == TrainConfig()  # the defaults pass


def test_an_ensemble_config_says_how_to_rebuild_it():
    config = TrainConfig(model="ensemble", model_config={"members": ["runs/a", "runs/b"]})
    with pytest.raises(ConfigError, match=r"genreclf ensemble runs/a runs/b --out DIR"):
        config.check()


def test_auto_and_boundary_training_rates_pass():
    for arguments in (
        {"lr": "auto", "weight_decay": "auto", "ema": "auto"},
        {"lr": 1e-3, "weight_decay": 0, "label_smoothing": 0.0, "ema": 0.0},
        {"label_smoothing": 0.1, "min_confidence": 0.0, "seed": 0, "ema": {"steps": 300}},
        {"min_confidence": 1.0, "max_length": 1, "warmup_epochs": 0},
        {"folds": None, "max_length": None, "min_confidence": None, "epochs": 1, "patience": 0},
    ):
        config = TrainConfig(**arguments)
        assert config.check() is config


def test_config_json_names_the_data_files_from_any_folder(tmp_path, monkeypatch):
    # `train --config RUN/config.json` and `ensemble` read config.json from other
    # folders: a path relative to where training ran would name nothing there.
    monkeypatch.chdir(tmp_path)
    TrainConfig(data="movies.csv", val_data="~/held_out.csv", model="ngram").to_json("c.json")
    monkeypatch.chdir("/")
    loaded = TrainConfig.from_json(tmp_path / "c.json")
    assert loaded.data == str(tmp_path / "movies.csv")
    assert loaded.val_data == str(pathlib.Path.home() / "held_out.csv")
    assert TrainConfig(model="ngram").to_dict()["data"] is None  # nothing to resolve


def test_texts_and_labels_keys_are_short_and_say_how_to_pass_rows_in_memory():
    # train(texts=..., labels=...) printed every text and label (!r of both lists).
    texts = [f"A synopsis of film number {i}, with a plot." for i in range(10_000)]
    with pytest.raises(ConfigError) as caught:
        TrainConfig.from_dict({"texts": texts, "labels": ["drama"] * 10_000})
    message = str(caught.value)
    assert len(message) < 1200 and texts[5] not in message
    assert "Received: labels=['drama', 'drama', 'drama', ...], texts=['A synopsis" in message
    assert message.endswith(
        "Texts and labels in memory go in a TextDataset, passed as the data: "
        "genreclf.train(genreclf.TextDataset(texts, labels), ...) (text= and label= name the "
        "columns of a file or DataFrame)."
    )


def test_data_that_is_no_path_in_a_config_is_described_not_printed():
    with pytest.raises(ConfigError, match=r"data takes a file path here. Received: a list of 3 "):
        TrainConfig(data=["a", "b", "c"]).check()


SWITCH_MESSAGES = {
    "finetune": "finetune (`--finetune` / `--no-finetune`) joins a fine-tuned encoder to the "
    'stack run: True, False or "auto" (on a GPU). Received: finetune=',
    "refit": "refit (`--refit` / `--no-refit`) trains on every row and reports 5-fold "
    'out-of-fold scores: True, False or "auto" (for the families fitted by a convex solver: '
    "ngram, stack). Received: refit=",
}


@pytest.mark.parametrize("name", list(SWITCH_MESSAGES))
@pytest.mark.parametrize("value", [1, 0, "true", 1.0, np.int64(1), None, "AUTO"], ids=repr)
def test_a_switch_is_not_a_number(name, value):
    # `1 == True` in Python: `finetune not in (AUTO, True, False)` let 1 and 0 through, and
    # `refit` was not checked at all.
    with pytest.raises(ConfigError) as caught:
        TrainConfig(**{name: value}).check()
    expected = f"{SWITCH_MESSAGES[name]}{value!r}. Pass {name}=True, "
    assert str(caught.value).startswith(expected), str(caught.value)


@pytest.mark.parametrize("name", list(SWITCH_MESSAGES))
@pytest.mark.parametrize("value", [True, False, "auto", np.True_, np.False_], ids=repr)
def test_a_switch_takes_true_false_or_auto(name, value, tmp_path):
    config = TrainConfig(**{name: value}).check()
    plain = value if isinstance(value, str) else bool(value)
    assert getattr(config, name) is plain  # a NumPy bool is stored as a plain one
    config.to_json(tmp_path / "config.json")
    assert getattr(TrainConfig.from_json(tmp_path / "config.json"), name) == value


def test_a_config_json_with_refit_1_is_refused(tmp_path):
    path = tmp_path / "config.json"
    path.write_text('{"model": "ngram", "refit": 1}')
    with pytest.raises(
        ConfigError,
        match=r"Received: refit=1\. Pass refit=True, .* \(1 and 0 are no switches here\)",
    ):
        TrainConfig.from_json(path).check()


def test_folds_and_a_validation_file_are_refused_together():
    from genreclf.errors import ConfigError
    from genreclf.training.config import TrainConfig

    with pytest.raises(ConfigError, match=r"--val-data file would go unused.*folds=3"):
        TrainConfig(folds=3, val_data="test.csv").check()


def test_monitor_is_checked_and_older_configs_load_without_it(tmp_path):
    assert TrainConfig(model="ngram", monitor="val_loss").check().monitor == "val_loss"
    with pytest.raises(ConfigError, match=r"Received: monitor='val_accuracy'.*val_loss"):
        TrainConfig(model="ngram", monitor="val_accuracy").check()
    older = TrainConfig(model="ngram").to_dict()
    del older["monitor"]  # a config.json written before the field
    assert TrainConfig.from_dict(older).monitor is None


def test_monitor_sets_what_the_recipe_keeps_epochs_by():
    import genreclf
    from genreclf.training.recipe import Recipe

    data = genreclf.load_dataset(genreclf.sample_path(), label="genre")
    vocabulary = data.vocabulary()
    assert Recipe(TrainConfig(model="ngram"), data, vocabulary).monitor == "val_macro_f1"
    cfg = TrainConfig(model="ngram", monitor="val_loss")
    assert Recipe(cfg, data, vocabulary).monitor == "val_loss"
    with pytest.raises(ConfigError, match="multi-label only"):
        Recipe(TrainConfig(model="ngram", monitor="val_tuned_macro_f1"), data, vocabulary)
