"""`PretrainedHyperModel`: mode-aware search space over the pretrained family."""

import keras_tuner
import pytest

from genreclf.data import TextDataset
from genreclf.models.pretrained import MODE_TRAINING_DEFAULTS
from genreclf.models.pretrained.testing import write_tiny_hf_bert
from genreclf.tuning.pretrained import PretrainedHyperModel

TEXTS = [
    "a crew of thieves plans a heist on a space station",
    "a haunted house whispers to the family at night",
    "two strangers fall in love on a night train",
    "a ghost ship drifts into a quiet harbour",
    "the sheriff rides out to face the outlaw gang",
    "robots learn to dream on a distant moon",
]


@pytest.fixture
def data():
    labels = [["crime"], ["horror"], ["romance"], ["horror"], ["crime"], ["romance"]]
    return TextDataset(TEXTS * 2, labels * 2)


@pytest.fixture(scope="module")
def preset(tmp_path_factory):
    return str(write_tiny_hf_bert(tmp_path_factory.mktemp("tiny_hf")))


def _hp(**fixed):
    hp = keras_tuner.HyperParameters()
    for name, value in fixed.items():
        hp.Fixed(name, value)
    return hp


def test_default_space_tunes_mode_rank_length_head_and_lr_factor(data):
    space = PretrainedHyperModel(data).space
    assert {"mode", "lora_rank", "max_length", "hidden_dim", "dropout", "lr_factor"} <= set(space)
    assert "lr" not in space and space["preset"] == "minilm"


def test_lora_rank_is_sampled_only_in_lora_trials(data):
    hypermodel = PretrainedHyperModel(data)
    hp = _hp(mode="frozen")
    config = hypermodel.trial_config(hp)
    assert "lora_rank" not in config["model_config"] and "lora_rank" not in hp.values
    hp = _hp(mode="lora", lora_rank=16)
    assert hypermodel.trial_config(hp)["model_config"]["lora_rank"] == 16


@pytest.mark.parametrize("mode", ["frozen", "lora", "finetune"])
def test_learning_rate_scales_the_mode_default(data, mode):
    config = PretrainedHyperModel(data).trial_config(_hp(mode=mode, lr_factor=2.0))
    defaults = MODE_TRAINING_DEFAULTS[mode]
    assert config["lr"] == pytest.approx(2.0 * defaults["lr"])
    assert config["weight_decay"] == defaults["weight_decay"]
    assert config["warmup_epochs"] == defaults["warmup_epochs"]


def test_fixed_values_are_not_tuned(data):
    hypermodel = PretrainedHyperModel(
        data, mode="lora", lora_rank=4, lr=3e-4, search_defaults=False, max_length=32
    )
    hp = keras_tuner.HyperParameters()
    config = hypermodel.trial_config(hp)
    assert config["lr"] == 3e-4 and config["model_config"]["lora_rank"] == 4
    assert not hp.values


def test_build_compiles_a_model_of_the_trial_mode(data, preset):
    hypermodel = PretrainedHyperModel(data, preset=preset, max_length=16, hidden_dim=8)
    model = hypermodel.build(_hp(mode="lora", lora_rank=4))
    assert model.optimizer is not None
    trainable = [w.path for w in model.trainable_weights]
    assert all("lora_kernel" in p or p.startswith(("hidden/", "scores/")) for p in trainable)


@pytest.mark.large  # a real (tiny) search: two trials of one epoch each
def test_random_search_runs_trials(data, preset, tmp_path):
    hypermodel = PretrainedHyperModel(
        data, preset=preset, max_length=16, hidden_dim=8, epochs=1, batch_size=4, max_epochs=1
    )
    tuner = keras_tuner.RandomSearch(
        hypermodel,
        objective=keras_tuner.Objective("val_macro_f1", "max"),
        max_trials=2,
        directory=str(tmp_path),
        overwrite=True,
        seed=0,
    )
    tuner.search(data, validation_data=data, verbose=0)
    best = tuner.get_best_hyperparameters(1)[0]
    assert best.values["mode"] in ("frozen", "lora", "finetune")


def test_a_fixed_mode_decides_whether_lora_rank_is_tuned(data):
    lora = PretrainedHyperModel(data, mode="lora")
    hp = keras_tuner.HyperParameters()
    assert lora.trial_config(hp)["model_config"]["lora_rank"] == 8  # the declared default
    assert "lora_rank" in hp.values
    frozen = PretrainedHyperModel(data, mode="frozen")
    hp = keras_tuner.HyperParameters()
    assert "lora_rank" not in frozen.trial_config(hp)["model_config"]
    assert "lora_rank" not in hp.values
