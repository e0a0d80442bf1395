import keras
import keras_tuner
import numpy as np
import pytest

from genreclf.errors import ConfigError
from genreclf.tuning import FamilyHyperModel
from genreclf.tuning import make_objective
from genreclf.tuning.search_space import Choice
from genreclf.tuning.trial_config import config_from_values


def test_build_returns_a_compiled_model_with_genreclf_metrics(sample_data, tiny_ngram):
    _, train, _ = sample_data
    hypermodel = FamilyHyperModel("ngram", train, max_epochs=2, **tiny_ngram)
    hp = keras_tuner.HyperParameters()
    model = hypermodel.build(hp)
    assert model.optimizer.__class__.__name__ == "AdamW"
    assert model.output_shape == (None, train.vocabulary().num_classes)
    metrics = model.get_compile_config()["metrics"]
    assert [m["config"]["name"] for m in metrics] == [
        "macro_f1",
        "micro_f1",
        "weighted_f1",
        "macro_precision",
        "macro_recall",
    ]
    # The default training space was registered (learning rate, batch size, ...).
    assert {"lr", "weight_decay", "schedule", "class_weight", "epochs", "ngrams", "dropout"} <= set(
        hp.values
    )
    assert not {"max_tokens", "batch_size"} & set(hp.values)  # fixed by the caller


def test_trial_config_is_a_train_config(sample_data):
    from genreclf.training import TrainConfig

    _, train, _ = sample_data
    hypermodel = FamilyHyperModel("bilstm", train, max_epochs=6, lstm_units=[4, 8], embedding_dim=4)
    hp = keras_tuner.HyperParameters()
    config = hypermodel.trial_config(hp)
    assert config["model"] == "bilstm"
    assert config["model_config"]["lstm_units"] == 4
    assert config["model_config"]["embedding_dim"] == 4
    assert 1 <= config["epochs"] <= 6
    TrainConfig.from_dict(config)  # every key is a TrainConfig field


def test_search_defaults_false_tunes_only_what_is_given(sample_data):
    _, train, _ = sample_data
    hypermodel = FamilyHyperModel(
        "ngram", train, max_epochs=3, search_defaults=False, lr=[0.01, 0.02], max_tokens=200
    )
    hp = keras_tuner.HyperParameters()
    config = hypermodel.trial_config(hp)
    assert set(hp.values) == {"lr"}
    assert config["schedule"] == "constant" and config["batch_size"] == 32 and config["epochs"] == 3
    assert hypermodel.fixed_values() == {"max_tokens": 200, "solver": "adamw"}
    assert (config["patience"], config["label_smoothing"], config["warmup_epochs"]) == (3, 0.0, 1)


def test_the_moving_average_can_be_tuned(sample_data, tiny_ngram):
    _, train, val = sample_data
    hypermodel = FamilyHyperModel(
        "ngram", train, max_epochs=2, search_defaults=False, ema=[0.0, 0.9], **tiny_ngram
    )
    histories = {}
    x, y = {"text": np.array(train.texts, dtype=object)}, train.targets(train.vocabulary())
    val_xy = ({"text": np.array(val.texts, dtype=object)}, val.targets(train.vocabulary()))
    for ema in (0.9, 0.0):
        hp = keras_tuner.HyperParameters()
        hp.Choice("ema", [0.0, 0.9], default=ema)
        assert hypermodel.trial_config(hp)["ema"] == ema
        model = hypermodel.build(hp)
        assert model.optimizer.use_ema == (ema > 0)
        history = hypermodel.fit(hp, model, train, validation_data=val)
        # 2 epochs, both in the warmup: scored by the last (the first holds the worst value)
        assert history.epoch == [0, 1] and history.history["val_macro_f1"][0] == -np.inf
        histories[ema] = hypermodel.fit(hp, hypermodel.build(hp), x, y, validation_data=val_xy)
    # Both fit paths: the same raw training, validated on the average when there is one.
    train_loss = {ema: h.history["loss"] for ema, h in histories.items()}
    val_loss = {ema: h.history["val_loss"] for ema, h in histories.items()}
    assert train_loss[0.9] == pytest.approx(train_loss[0.0], rel=1e-4)
    assert val_loss[0.9] != pytest.approx(val_loss[0.0], rel=1e-4)
    assert config_from_values("bilstm", {}, max_epochs=2)["ema"] == 0.0  # the family's default


def test_a_fixed_moving_average_horizon_is_resolved_for_the_data(sample_data, tiny_ngram):
    _, train, _ = sample_data
    hypermodel = FamilyHyperModel(
        "ngram", train, max_epochs=2, search_defaults=False, ema={"steps": 4}, **tiny_ngram
    )
    hp = keras_tuner.HyperParameters()
    assert hypermodel.trial_config(hp)["ema"] == {"steps": 4}
    model = hypermodel.build(hp)
    assert model.optimizer.use_ema
    assert float(model.optimizer.ema_momentum) == pytest.approx(0.75)  # 1 - 1/4
    assert "ema" not in hp.values  # a fixed value: nothing to search


@pytest.mark.parametrize("ema", [1.5, [0.0, 1.0], {"min": 0.0, "max": 1.0}, "0.9"])
def test_a_bad_moving_average_fails_before_the_search(sample_data, tiny_ngram, ema):
    _, train, _ = sample_data
    with pytest.raises(ConfigError, match=r"in \[0, 1\).*Received: ema="):
        FamilyHyperModel("ngram", train, max_epochs=2, ema=ema, **tiny_ngram)


def test_bad_arguments_say_how_to_fix(sample_data):
    _, train, _ = sample_data
    with pytest.raises(ConfigError, match="does not take"):
        FamilyHyperModel("bilstm", train, lstm_unit=8)
    with pytest.raises(ConfigError, match="TextDataset"):
        FamilyHyperModel("bilstm", train.texts)
    with pytest.raises(ConfigError, match="Unknown model family"):
        FamilyHyperModel("lstm", train)


def test_a_candidate_the_family_refuses_fails_before_any_trial(sample_data):
    _, train, _ = sample_data
    FamilyHyperModel("bilstm", train, lstm_units=[16, 32], dropout={"min": 0.0, "max": 0.5})
    with pytest.raises(ConfigError, match="lstm_units must be a whole number of at least 1"):
        FamilyHyperModel("bilstm", train, lstm_units=[16, 0])
    with pytest.raises(ConfigError, match=r"Received: dropout=1\.5"):
        FamilyHyperModel("bilstm", train, dropout={"min": 0.0, "max": 1.5})
    # the training arguments' candidates too (an epochs of 0 failed each trial that drew it)
    FamilyHyperModel("bilstm", train, epochs=[1.0, 2.0], batch_size=[16, 32])  # 1.0: 1 epoch
    with pytest.raises(ConfigError, match=r"Received: epochs='auto'. Leave epochs out"):
        FamilyHyperModel("bilstm", train, epochs="auto")
    with pytest.raises(ConfigError, match=r"epochs .* at least 1.*Received: epochs=0"):
        FamilyHyperModel("bilstm", train, epochs=[0, 2])
    with pytest.raises(ConfigError, match=r"Received: batch_size=0"):
        FamilyHyperModel("bilstm", train, batch_size={"min": 0, "max": 64})


@pytest.mark.parametrize(
    "given, received",
    [
        ({"lr": -0.05}, r"lr \(`--lr`\) must be a number above 0.*Received: lr=-0.05"),
        ({"lr": {"min": -1e-3, "max": 1e-2}}, r"Received: lr=-0.001"),
        ({"weight_decay": [0.0, -1]}, r"Received: weight_decay=-1"),
        ({"class_weight": 1}, r"Received: class_weight=1. .*1 and 0 are no switches"),
        ({"label_smoothing": 1.0}, r"Received: label_smoothing=1.0"),
        ({"epochs": 50}, r"Received: epochs=50 with max_epochs=2. Pass --max-epochs 50"),
    ],
)
def test_a_training_value_train_refuses_fails_before_any_trial(sample_data, given, received):
    """What `genreclf train` refuses, a search refuses up front: its best.json must retrain."""
    _, train, _ = sample_data
    with pytest.raises(ConfigError, match=received):
        FamilyHyperModel("ngram", train, max_epochs=2, **given)


def test_a_tuned_objective_on_single_label_data_fails_before_any_trial(sample_data):
    _, train, _ = sample_data
    with pytest.raises(ConfigError, match=r"objective='val_tuned_macro_f1' on single-label"):
        FamilyHyperModel("ngram", train, max_epochs=2, objective="val_tuned_macro_f1")


def test_works_with_a_plain_keras_tuner_tuner(sample_data, tmp_path, tiny_ngram):
    """The hypermodel is an ordinary KerasTuner HyperModel: RandomSearch runs it."""
    _, train, val = sample_data
    hypermodel = FamilyHyperModel(
        "ngram",
        train,
        max_epochs=2,
        batch_size=Choice("batch_size", [32, 64]),
        **{k: v for k, v in tiny_ngram.items() if k != "batch_size"},
    )
    tuner = keras_tuner.RandomSearch(
        hypermodel,
        objective=make_objective("val_macro_f1"),
        max_trials=2,
        seed=1,
        directory=str(tmp_path),
        project_name="plain",
    )
    tuner.search(train, validation_data=val, verbose=0)
    trials = tuner.oracle.get_best_trials(2)
    assert [t.status for t in trials] == ["COMPLETED", "COMPLETED"]
    assert all(0.0 <= t.score <= 1.0 for t in trials)
    assert {t.hyperparameters.values["batch_size"] for t in trials} <= {32, 64}
    best = tuner.get_best_models(1)[0]
    assert isinstance(best, keras.Model)


def test_fit_trains_the_tuned_epochs_with_early_stopping(sample_data, tiny_ngram):
    _, train, val = sample_data
    hypermodel = FamilyHyperModel("ngram", train, max_epochs=4, epochs=2, **tiny_ngram)
    hp = keras_tuner.HyperParameters()
    model = hypermodel.build(hp)
    history = hypermodel.fit(hp, model, train, validation_data=val)
    assert model.optimizer.iterations.numpy() == 2 * 4  # 2 epochs: 248 rows in 64s
    # scored by the epochs `genreclf train` may keep: from the first at the full rate
    # (ngram warms up for 1 epoch: from epoch 2), or the last of a shorter run
    assert hypermodel.first_scored_epoch(hp) == 2
    # the other epochs keep their positions (KerasTuner's best step), at the worst value
    assert history.epoch == [0, 1] and history.history["loss"][0] == np.inf
    assert history.history["val_macro_f1"][0] == -np.inf and history.history["val_macro_f1"][1] >= 0


def test_a_keras_tuner_best_epoch_saver_sees_only_the_epochs_train_may_keep(
    sample_data, tiny_ngram
):
    """KerasTuner keeps a trial's best weights by a callback tracking its objective: the
    epochs `genreclf train` never keeps (before `first_scored_epoch`) are not shown to it."""
    _, train, val = sample_data
    hypermodel = FamilyHyperModel(
        "ngram", train, max_epochs=4, epochs=4, warmup_epochs=1, patience=9, **tiny_ngram
    )  # scored from epoch 2: the warmup's and the first at the full rate are not
    hp = keras_tuner.HyperParameters()

    class BestEpochSaver(keras.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.objective, self.seen = make_objective("val_macro_f1"), []

        def on_epoch_end(self, epoch, logs=None):
            self.seen.append(epoch)

    saver, other = BestEpochSaver(), keras.callbacks.History()
    history = hypermodel.fit(
        hp, hypermodel.build(hp), train, validation_data=val, callbacks=[saver, other]
    )
    assert hypermodel.first_scored_epoch(hp) == 2
    assert saver.seen == [2, 3] and other.epoch == [0, 1, 2, 3]  # other callbacks see all
    assert history.epoch == [0, 1, 2, 3] and history.history["val_macro_f1"][:2] == [-np.inf] * 2


def test_fit_with_arrays_uses_the_tuned_batch_size(sample_data, tiny_ngram):
    import numpy as np

    _, train, _ = sample_data
    vocab = train.vocabulary()
    hypermodel = FamilyHyperModel("ngram", train, max_epochs=1, **{**tiny_ngram, "batch_size": 100})
    hp = keras_tuner.HyperParameters()
    model = hypermodel.build(hp)
    x = {"text": np.array(train.texts, dtype=object)}
    history = hypermodel.fit(hp, model, x, train.targets(vocab))
    assert len(history.history["loss"]) == 1


def test_multi_label_builds_with_weighted_loss():
    import genreclf

    data = genreclf.load_dataset(genreclf.sample_path(), text="overview", label="genres", sep="|")
    hypermodel = FamilyHyperModel("ngram", data, max_tokens=200, class_weight=True)
    model = hypermodel.build(keras_tuner.HyperParameters())
    assert type(model.loss).__name__ == "WeightedBinaryCrossentropy"
    assert model.loss.pos_weight is not None


def test_multi_label_trials_are_scored_at_tuned_thresholds(tiny_ngram):
    import genreclf
    from genreclf.data import train_val_split

    data = genreclf.load_dataset(genreclf.sample_path(), text="overview", label="genres", sep="|")
    train, val = train_val_split(data, 0.2, seed=0)
    hypermodel = FamilyHyperModel(
        "ngram", train, max_epochs=2, epochs=2, objective="val_tuned_macro_f1", **tiny_ngram
    )
    hp = keras_tuner.HyperParameters()
    history = hypermodel.fit(hp, hypermodel.build(hp), train, validation_data=val)
    tuned = history.history["val_tuned_macro_f1"]
    assert tuned[0] == -np.inf and 0.0 <= tuned[1] <= 1.0  # scored by the last epoch
    assert max(tuned) >= max(history.history["val_macro_f1"])


def test_the_objective_follows_the_data_as_tune_picks_it(sample_data, tiny_ngram):
    import genreclf

    _, train, _ = sample_data
    multi = genreclf.load_dataset(genreclf.sample_path(), text="overview", label="genres", sep="|")
    assert FamilyHyperModel("ngram", train, **tiny_ngram).objective == "val_macro_f1"
    assert FamilyHyperModel("ngram", multi, **tiny_ngram).objective == "val_tuned_macro_f1"
    given = FamilyHyperModel("ngram", multi, objective=make_objective("val_loss"), **tiny_ngram)
    assert given.objective == "val_loss"


def test_the_readme_flow_under_a_keras_tuner_tuner(tmp_path, tiny_ngram):
    """README "Your own KerasTuner tuner": search, best model, retrain the best trial."""
    import tensorflow as tf

    import genreclf
    from genreclf.data import train_val_split
    from genreclf.tuning import make_hypermodel

    data = genreclf.load_dataset(genreclf.sample_path(), text="overview", label="genres", sep="|")
    train, val = train_val_split(data, 0.1, seed=0)  # the split genreclf.train(data) makes
    hypermodel = make_hypermodel(
        "ngram", train, vocabulary=data.vocabulary(), max_epochs=1, **tiny_ngram
    )
    assert hypermodel.objective == "val_tuned_macro_f1"  # multi-label: as tune() picks
    tuner = keras_tuner.RandomSearch(
        hypermodel,
        objective=make_objective(hypermodel.objective),
        max_trials=1,
        directory=str(tmp_path / "kt"),
        project_name="ngram",
    )
    tuner.search(train, validation_data=val, verbose=0)
    best_hp = tuner.get_best_hyperparameters(1)[0]
    model = tuner.get_best_models(1)[0]
    scores = model.predict({"text": tf.constant(["A detective hunts a killer."])}, verbose=0)
    assert scores.shape == (1, len(data.vocabulary().labels))
    run = genreclf.train(
        data, config=hypermodel.train_config(best_hp), out=tmp_path / "best", verbose=0
    )
    assert run.metrics["macro_f1"] == pytest.approx(tuner.oracle.get_best_trials(1)[0].score)


def test_a_tuners_own_conditional_declaration_governs_the_argument(sample_data, tiny_ngram):
    """`dropout` declared by the user under `hidden_dim == 16` is not tuned with `hidden_dim`
    0 (the family's default), and keeps the user's range with 16: no second, unconditional
    `dropout` is added to the space."""
    _, train, _ = sample_data
    args = {k: v for k, v in tiny_ngram.items() if k != "hidden_dim"}
    hypermodel = FamilyHyperModel("ngram", train, max_epochs=2, **args)
    for hidden_dim, expected in ((0, None), (16, 0.45)):
        hp = keras_tuner.HyperParameters()
        hp.Choice("hidden_dim", [0, 16])
        with hp.conditional_scope("hidden_dim", [16]):
            hp.Float("dropout", 0.1, 0.5)
        hp.values["hidden_dim"] = hidden_dim
        if expected is not None:
            hp.values["dropout"] = expected
        config = hypermodel.trial_config(hp)
        assert config["model_config"].get("dropout") == expected
        assert [p.name for p in hp.space].count("dropout") == 1


def test_a_given_range_can_be_conditional_as_a_declared_one(sample_data, tiny_ngram):
    """`when` in an argument's range (`--set`'s vocabulary) makes it conditional, as in a
    family's declared space: not sampled while its parent takes another value."""
    _, train, _ = sample_data
    args = {k: v for k, v in tiny_ngram.items() if k != "hidden_dim"}
    dropout = {"min": 0.1, "max": 0.5, "when": {"hidden_dim": [16]}}
    hypermodel = FamilyHyperModel(
        "ngram", train, max_epochs=2, hidden_dim=[0, 16], dropout=dropout, **args
    )
    hp = keras_tuner.HyperParameters()
    assert "dropout" not in hypermodel.trial_config(hp)["model_config"]  # hidden_dim 0
    hp = keras_tuner.HyperParameters()
    hp.values["hidden_dim"] = 16
    assert 0.1 <= hypermodel.trial_config(hp)["model_config"]["dropout"] <= 0.5
    assert [bool(p.conditions) for p in hp.space if p.name == "dropout"] == [True]


def test_a_search_without_validation_data_stops_at_its_first_trial(
    sample_data, tmp_path, tiny_ngram
):
    """Every trial would fail the same way: one clear error, not three failed trials."""
    _, train, _ = sample_data
    hypermodel = FamilyHyperModel("ngram", train, max_epochs=1, **tiny_ngram)
    tuner = keras_tuner.RandomSearch(
        hypermodel, objective=make_objective("val_macro_f1"), max_trials=4, directory=tmp_path
    )
    with pytest.raises(ConfigError, match="validation_data=NoneType"):
        tuner.search(train, verbose=0)
    assert len(tuner.oracle.trials) == 1
