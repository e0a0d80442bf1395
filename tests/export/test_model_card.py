"""The model card written into `assets.extra/`."""

import json

import tensorflow as tf

from genreclf.export.model_card import build_model_card
from genreclf.export.model_card import model_card_markdown


def test_exported_card_names_labels_versions_and_signatures(single_export, single_vocab):
    path, _ = single_export
    card = json.loads((path / "assets.extra" / "model_card.json").read_text())
    assert card["name"] == "genre" and card["version"] == 1
    assert card["labels"] == single_vocab.labels
    assert card["multi_label"] is False and card["thresholds"] is None
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
