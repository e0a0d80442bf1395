"""`genreclf ensemble`: trained runs joined into one run that evaluates, predicts and exports."""

import subprocess
import sys

import numpy as np
import pytest

import genreclf
from genreclf.ensembling import select_weights
from genreclf.errors import ConfigError
from genreclf.models.calibrated_scores import find_calibration


@pytest.fixture(scope="module")
def second_run(trained_run, tmp_path_factory):
    """Another Keras-recipe run on the same file and validation split as `trained_run`."""
    return genreclf.train(
        genreclf.sample_path(),
        text="overview",
        label="genre",
        model="ngram",
        epochs=2,
        model_config={"max_tokens": 500, "ngrams": 1, "solver": "adamw"},
        out=tmp_path_factory.mktemp("runs") / "unigrams",
        verbose=0,
    )


def test_greedy_selection_never_trails_the_best_member():
    rng = np.random.default_rng(0)
    targets = np.eye(3)[rng.integers(0, 3, 200)]
    members = [np.clip(targets * q + rng.random((200, 3)), 0, None) for q in (0.2, 0.6, 1.0)]
    weights = select_weights(members, targets, multi_label=False)
    assert abs(weights.sum() - 1) < 1e-9 and weights[2] > 0

    def accuracy(scores):
        return (scores.argmax(1) == targets.argmax(1)).mean()

    blended = sum(w * m for w, m in zip(weights, members))
    assert accuracy(blended) >= max(accuracy(m) for m in members) - 0.02


def test_runs_sharing_a_validation_split_join_into_an_exportable_run(
    trained_run, second_run, tmp_path
):
    from genreclf.export.exporter import export_run

    run = genreclf.ensemble([trained_run.path, second_run.path], tmp_path / "ens", verbose=0)
    assert run.config["model"] == "ensemble" and len(run.config["model_config"]["weights"]) == 2
    assert run.labels == trained_run.labels and 0 <= run.metrics["macro_f1"] <= 1
    weights = np.asarray(run.config["model_config"]["weights"])
    texts = ["A ghost haunts a lighthouse.", "Two chefs fall in love."]
    expected = weights[0] * trained_run.scores(texts) + weights[1] * second_run.scores(texts)
    # The blend is temperature-scaled on the held-out rows, inside the model.
    layer = find_calibration(genreclf.load_run(run.path).model)
    assert layer.method == "temperature" and run.metrics["calibration"]["ece_after"] is not None
    expected = layer.apply(expected)
    np.testing.assert_allclose(genreclf.load_run(run.path).scores(texts), expected, atol=1e-5)
    path = export_run(run.path, tmp_path / "models", "genre", verify=True)
    assert (path / "saved_model.pb").exists()


def test_runs_without_a_shared_split_need_held_out_data(trained_run, tmp_path, sample_csv):
    convex = genreclf.train(
        sample_csv,
        text="overview",
        label="genre",
        model="ngram",
        out=tmp_path / "convex",
        verbose=0,
    )
    with pytest.raises(ConfigError, match="--data"):
        genreclf.ensemble([trained_run.path, convex.path], tmp_path / "ens", verbose=0)
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "genreclf",
            "ensemble",
            str(trained_run.path),
            str(convex.path),
            "--data",
            str(sample_csv),
            "--out",
            str(tmp_path / "ens"),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr
    assert "ensemble weights:" in result.stdout and (tmp_path / "ens" / "model.keras").exists()
