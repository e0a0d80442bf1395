import numpy as np
import pytest

from genreclf.errors import ConfigError
from genreclf.labelling.classifier_stage import ClassifierStage


def test_uses_the_runs_scores_in_the_cascades_genre_order(trained_run):
    names = list(reversed(trained_run.labels)) + ["not-in-the-run"]
    stage = ClassifierStage(trained_run, names=names, threshold=0.0)
    texts = ["A sheriff rides out to face an outlaw gang.", "Two chefs open a restaurant."]
    scores = stage.scores(texts)
    raw = trained_run.scores(texts)
    np.testing.assert_allclose(scores[:, :-1], raw[:, ::-1], atol=1e-6)
    assert (scores[:, -1] == 0).all()
    decisions = stage.decide(texts, scores=scores)
    best = [trained_run.labels[j] for j in raw.argmax(axis=1)]
    assert [d.labels[0] for d in decisions] == best
    assert all(d.claimed for d in decisions)
    strict = ClassifierStage(trained_run, threshold=1.01).decide(texts)
    assert not any(d.claimed for d in strict)


def test_a_run_that_knows_none_of_the_genres_is_refused(trained_run):
    with pytest.raises(ConfigError, match="knows none of the genres"):
        ClassifierStage(trained_run, names=["polka"])


def test_multi_label_runs_choose_genres_at_their_tuned_thresholds(trained_multilabel_run):
    run = trained_multilabel_run
    stage = ClassifierStage(run, threshold=0.0)
    assert stage.multi_label
    expected = run.thresholds if run.thresholds is not None else np.full(len(run.labels), 0.5)
    np.testing.assert_allclose(stage.label_thresholds, expected, atol=1e-6)
    texts = ["A sheriff rides out to face an outlaw gang.", "Two chefs fall in love."]
    predicted = run.predict(texts)
    for decision, p in zip(stage.decide(texts), predicted):
        assert sorted(decision.labels) == sorted(p["labels"])
        assert decision.claimed == bool(p["labels"])
