"""The model card written into `assets.extra/`."""

import json

import pytest
import tensorflow as tf

from genreclf.export.card_check import run_model_digest
from genreclf.export.model_card import build_model_card
from genreclf.export.model_card import model_card_markdown


def test_exported_card_names_labels_versions_and_signatures(single_export, single_vocab):
    path, _ = single_export
    card = json.loads((path / "assets.extra" / "model_card.json").read_text())
    assert card["name"] == "genre" and card["version"] == 1
    assert card["labels"] == single_vocab.labels
    assert card["multi_label"] is False and card["thresholds"] is None
    assert card["calibration"] == {"method": "none"}  # no calibration layer in the graph
    assert card["versions"]["tensorflow"] == tf.__version__
    assert card["versions"]["tensorflow-text"].startswith("2.20")
    assert card["versions"]["keras"].startswith("3.")
    assert card["versions"]["genreclf"]
    assert card["exported_at"].endswith("+00:00")
    sig = card["signatures"]["classify"]
    assert sig["method_name"] == "tensorflow/serving/classify"
    assert sig["outputs"]["classes"]["shape"] == [None, 3]
    md = (path / "assets.extra" / "model_card.md").read_text()
    assert md.startswith("# Model card: genre v1")
    assert (path / "assets" / "labels.txt").read_text().splitlines() == single_vocab.labels


def test_card_carries_run_metrics_and_fingerprint():
    specs = [("text", tf.TensorSpec([None], tf.string, name="text"))]
    card = build_model_card(
        name="genre",
        version=4,
        labels=["a", "b"],
        multi_label=True,
        top_k=5,
        input_specs=specs,
        thresholds=[0.25, 0.75],
    )
    card.update(metrics={"macro_f1": 0.5, "per_class": {}}, data_fingerprint={"sha256": "ab"})
    assert card["top_k"] == 2
    assert card["signatures"]["serving_default"]["outputs"]["labels"]["shape"] == [None, 2]
    md = model_card_markdown(card)
    assert "| macro_f1 | 0.5000 |" in md
    assert "a=0.250, b=0.750" in md
    assert '"sha256": "ab"' in md


NEW_FIELDS = {
    "slope_prior": "normal around 1 (the identity), precision 3",
    "identity_classes": [{"class": 3, "why": "no positive among the 70 held-out rows"}],
    "few_outcome_classes": [{"class": 1, "positives": 4, "negatives": 66}],
}


@pytest.mark.parametrize("new_fields", [False, True], ids=["yesterdays-file", "todays-file"])
def test_card_records_the_runs_calibration(tmp_path, make_model, multi_vocab, new_fields):
    """The card says how `scores` are calibrated, from the model's own layer and the run's
    calibration.json, whether that file has today's Platt notes or not."""
    from genreclf.export.exporter import export_run
    from genreclf.json_files import write_json
    from genreclf.models.calibrated_scores import CalibratedScores
    from genreclf.models.calibrated_scores import with_calibration
    from genreclf.run_files import write_thresholds

    slopes, intercepts = [1.5, 0.8, 1.0, 1.0], [0.1, -0.2, 0.0, 0.0]
    layer = CalibratedScores("platt", slopes=slopes, intercepts=intercepts, name="calibration")
    model = with_calibration(make_model(4, True, seed=2), layer)
    run = tmp_path / "run"
    run.mkdir()
    model.save(run / "model.keras")
    multi_vocab.save(run / "labels.json")
    write_json(run / "config.json", {"model": "tiny"})
    recorded = {"method": "platt", "slopes": slopes, "intercepts": intercepts}
    recorded.update(NEW_FIELDS if new_fields else {})
    recorded["fitted_on"] = "the validation split"
    write_json(run / "calibration.json", recorded)
    write_thresholds(run, [0.5, 0.4, 0.6, 0.5], 4)

    path = export_run(run, tmp_path / "models", "genre", verify=False)
    card = json.loads((path / "assets.extra" / "model_card.json").read_text())
    assert card["run_model"] == run_model_digest(run)  # tells a retrain with the same config
    assert card["calibration"]["method"] == "platt"
    assert card["calibration"]["slopes"] == slopes
    assert card["calibration"]["fitted_on"] == "the validation split"
    assert ("identity_classes" in card["calibration"]) is new_fields
    md = (path / "assets.extra" / "model_card.md").read_text()
    line = next(line for line in md.splitlines() if line.startswith("- calibration:"))
    assert "per-class Platt scaling, fitted on the validation split" in line
    assert "thresholds are on them" in line
    assert ("kept the identity map: thriller" in line) is new_fields
    assert ("fitted on few outcomes: horror" in line) is new_fields
