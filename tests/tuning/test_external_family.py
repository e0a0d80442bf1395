"""A family registered from outside the package trains, tunes, saves, reloads and exports."""

import json
import pathlib

import keras
import numpy as np
import pytest

import genreclf
from genreclf.models import register_family

TOY_SPACE = {"units": [4, 8], "lr": {"min": 3e-3, "max": 3e-2, "sampling": "log"}}


@register_family(
    "toy_bag_of_words",
    defaults={"max_tokens": 300, "units": 4},
    training_defaults={"lr": 1e-2, "schedule": "constant", "weight_decay": 0.0},
    search_space=TOY_SPACE,
)
def build_toy(num_classes, multi_label=False, train_texts=None, max_tokens=300, units=4):
    text = keras.Input(shape=(), dtype="string", name="text")
    vectorizer = keras.layers.TextVectorization(
        max_tokens=max_tokens, output_mode="multi_hot", name="toy_vectorizer"
    )
    vectorizer.adapt(list(train_texts))
    hidden = keras.layers.Dense(units, activation="relu", name="toy_hidden")(vectorizer(text))
    scores = keras.layers.Dense(
        num_classes, activation="sigmoid" if multi_label else "softmax", name="scores"
    )(hidden)
    return keras.Model({"text": text}, scores, name="toy_bag_of_words")


@pytest.fixture
def importable_tests(monkeypatch):
    # Trials run in spawned processes that import this module (it registers the family).
    root = str(pathlib.Path(__file__).parents[2])
    monkeypatch.syspath_prepend(root)
    monkeypatch.setenv("PYTHONPATH", root)


def test_the_declaration_drives_train_defaults_and_the_search_space(sample_data):
    from genreclf.training import TrainConfig
    from genreclf.tuning import make_hypermodel

    assert TrainConfig(model="toy_bag_of_words").resolved("schedule") == "constant"
    hypermodel = make_hypermodel("toy_bag_of_words", sample_data[1])
    assert {"units", "lr", "batch_size", "epochs"} <= set(hypermodel.space)
    assert hypermodel.space["lr"].get_config()["max_value"] == 3e-2


@pytest.mark.large  # a search of 2 trials, a training run, a verified export: ~1 min
def test_trains_tunes_saves_reloads_and_exports(tmp_path, importable_tests):
    from genreclf.export.exporter import export_run
    from genreclf.tuning import tune

    data = dict(text="overview", label="genre")
    result = tune(
        genreclf.sample_path(),
        model="toy_bag_of_words",
        tuner="random",
        max_trials=2,
        max_epochs=2,
        directory=tmp_path / "search",
        verbose=0,
        search_space={"batch_size": 64},
        **data,
    )
    assert [r["status"] for r in result.leaderboard] == ["COMPLETED", "COMPLETED"]
    assert {r["hyperparameters"]["units"] for r in result.leaderboard} <= {4, 8}
    best = json.loads(result.best_config_path.read_text())
    assert best["model"] == "toy_bag_of_words"

    run = genreclf.train(config=best, out=tmp_path / "run", verbose=0)
    assert abs(run.metrics["macro_f1"] - result.leaderboard[0]["score"]) <= 0.002
    reloaded = genreclf.load_run(tmp_path / "run")
    texts = ["A detective hunts a killer.", "Two friends fall in love."]
    np.testing.assert_allclose(
        reloaded.model.predict({"text": np.array(texts, dtype=object)}, verbose=0).sum(axis=1),
        1.0,
        atol=1e-5,
    )

    path = export_run(tmp_path / "run", tmp_path / "models", "toy")
    assert (path / "saved_model.pb").exists()


SCRIPT = """
import json, sys, keras, genreclf
from genreclf.models import register_family

@register_family("script_family", defaults={"units": 4}, search_space={"units": [4, 8]})
def build(num_classes, multi_label=False, train_texts=None, units=4):
    text = keras.Input(shape=(), dtype="string", name="text")
    vectorizer = keras.layers.TextVectorization(max_tokens=200, output_mode="multi_hot")
    vectorizer.adapt(list(train_texts))
    hidden = keras.layers.Dense(units, activation="relu")(vectorizer(text))
    return keras.Model({"text": text}, keras.layers.Dense(num_classes, activation="softmax")(hidden))

if __name__ == "__main__":
    from genreclf.tuning import tune
    result = tune(genreclf.sample_path(), text="overview", label="genre", model="script_family",
                  tuner="random", max_trials=2, max_epochs=1, directory=sys.argv[1], verbose=0)
    print(json.dumps([r["status"] for r in result.leaderboard]))
"""


@pytest.mark.large  # two spawned trial processes: ~40 s
def test_a_family_declared_in_the_search_script_tunes(tmp_path):
    import subprocess
    import sys

    from .conftest import subprocess_env

    script = tmp_path / "search.py"
    script.write_text(SCRIPT)
    done = subprocess.run(
        [sys.executable, str(script), str(tmp_path / "search")],
        env=subprocess_env(),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert json.loads(done.stdout.strip().splitlines()[-1]) == ["COMPLETED", "COMPLETED"]
