"""Calibrated models: the words add up to the score before calibration, and every output says so."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from genreclf.explaining.explainer import Explainer
from genreclf.explaining.html_page import render_html
from genreclf.explaining.terminal import render
from genreclf.models.blending import WeightedScores
from genreclf.models.calibrated_scores import CalibratedScores
from genreclf.models.calibrated_scores import with_calibration
from genreclf.models.heads import text_input
from genreclf.models.ngram import build_ngram
from tests.explaining.test_explainer import LABELS
from tests.explaining.test_explainer import TEXT
from tests.explaining.test_explainer import TEXTS
from tests.explaining.test_explainer import _random_head
from tests.explaining.test_explainer import _transformer
from tests.explaining.test_explainer import tiny_stack


def _scores(model, text):
    return model({"text": tf.constant([text])}).numpy()[0]


def _adds_up(explanation, tolerance):
    for entry in explanation.labels:
        explained = entry.baseline + entry.unplaced + float(np.sum(entry.attributions))
        assert explained == pytest.approx(entry.value, abs=tolerance), entry.label


def test_a_calibrated_stack_reports_the_score_its_words_add_up_to(tiny_preset):
    raw = tiny_stack(tiny_preset)
    model = with_calibration(raw, CalibratedScores("temperature", temperature=0.3))
    (explanation,) = Explainer(model, LABELS, steps=32).explain([TEXT], top_k=3)
    shown, before = _scores(model, TEXT), _scores(raw, TEXT)
    assert np.abs(shown - before).max() > 0.05  # the test would be empty otherwise
    assert explanation.calibration == "temperature calibration"
    _adds_up(explanation, 2e-3)
    page = render_html([explanation])
    assert "attributions in score units adding up to the scores before temperature" in page
    for entry in explanation.labels:
        k = LABELS.index(entry.label)
        assert entry.score == pytest.approx(shown[k], abs=1e-6)
        assert entry.value == pytest.approx(before[k], abs=1e-6)
        line = explanation.explained(entry)
        assert line.startswith(f"explains score {entry.value:.3f} before temperature calibration")
        assert f"shown {entry.score:.3f}" in line and line in render(explanation)
        assert line in page
        # "words" is what the words shown add up to; the special tokens' part is its own
        assert f"words {float(np.sum(entry.attributions)):+.3f}" in line
        assert ("other tokens" in line) == bool(round(entry.unplaced, 3))
    data = explanation.to_dict()
    assert data["explains"] == "score before temperature calibration"
    assert data["calibration"] == "temperature calibration"
    assert {"score", "value", "baseline", "unplaced", "attributions"} <= set(data["labels"][0])


def test_an_ensemble_of_calibrated_members_explains_them_all_before_calibration():
    members = [
        with_calibration(
            _random_head(build_ngram(3, train_texts=TEXTS, max_tokens=80), "scores"),
            CalibratedScores("temperature", temperature=0.5),
        ),
        with_calibration(_transformer(), CalibratedScores("temperature", temperature=2.0)),
    ]
    text = text_input()
    outputs = [
        keras.Model(m.input, m.output, name=f"member_{i}")({"text": text})
        for i, m in enumerate(members)
    ]
    blend = WeightedScores([0.4, 0.6], name="scores")(outputs)
    model = keras.Model({"text": text}, CalibratedScores("temperature", temperature=0.7)(blend))
    (explanation,) = Explainer(model, LABELS, steps=64).explain([TEXT], top_k=2)
    assert explanation.calibration == "temperature calibration"
    _adds_up(explanation, 5e-3)
    # What the words add up to: the same ensemble with every calibration taken out.
    before = [keras.Model(m.input, m.get_layer("scores").output) for m in members]
    uncalibrated = 0.4 * _scores(before[0], TEXT) + 0.6 * _scores(before[1], TEXT)
    shown = _scores(model, TEXT)
    for entry in explanation.labels:
        k = LABELS.index(entry.label)
        assert entry.value == pytest.approx(uncalibrated[k], abs=1e-5)
        assert entry.score == pytest.approx(shown[k], abs=1e-6)


def test_a_platt_calibrated_linear_model_explains_its_logits_before_calibration():
    raw = _random_head(build_ngram(3, multi_label=True, train_texts=TEXTS, max_tokens=80), "scores")
    platt = CalibratedScores("platt", slopes=[2.0, 0.5, 1.0], intercepts=[0.1, -0.3, 0.0])
    (explanation,) = Explainer(with_calibration(raw, platt), LABELS).explain([TEXT])
    assert (
        explanation.units == "logit" and explanation.explains() == "logit before platt calibration"
    )
    _adds_up(explanation, 1e-5)  # exact
    logits = np.log(_scores(raw, TEXT)) - np.log1p(-_scores(raw, TEXT))
    for entry in explanation.labels:
        assert entry.value == pytest.approx(logits[LABELS.index(entry.label)], abs=1e-4)
        assert f"explains logit {entry.value:.3f} before platt calibration" in render(explanation)


def test_an_uncalibrated_model_explains_its_shown_score():
    model = _transformer()
    (explanation,) = Explainer(model, LABELS, steps=16).explain([TEXT], top_k=1)
    (entry,) = explanation.labels
    assert entry.value == pytest.approx(entry.score, abs=1e-6)
    assert explanation.calibration == "" and explanation.explained(entry) == ""
    assert explanation.to_dict()["explains"] == "score"
    assert explanation.to_dict()["calibration"] is None
    assert "explains" not in render(explanation)
