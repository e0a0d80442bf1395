"""`should_stop`: an explanation stops between its passes once asked, and can run again."""

import numpy as np
import pytest

from genreclf.explaining.explainer import Explainer
from genreclf.explaining.integrated_gradients import IntegratedGradients
from genreclf.explaining.stopping import ExplanationStopped
from genreclf.models.ngram import build_ngram
from tests.explaining.test_integrated_gradients import TEXTS
from tests.explaining.test_integrated_gradients import tiny_bilstm

INPUTS = {"text": ["two strangers fall in love on a night train"]}


class Asked:
    """A `should_stop` that answers True from its `stop_at`-th question on, counting them."""

    def __init__(self, stop_at):
        self.stop_at, self.questions = stop_at, 0

    def __call__(self):
        self.questions += 1
        return self.questions >= self.stop_at


def _passes(ig):
    """Counts the passes through the probed model."""
    passes, run_pass = [], ig._run_pass

    def counting_pass(*args, **kwargs):
        passes.append(1)
        return run_pass(*args, **kwargs)

    ig._run_pass = counting_pass
    return passes


@pytest.mark.parametrize("traced", [False, True])
def test_an_attribution_stops_at_the_next_pass_once_asked(monkeypatch, traced):
    from genreclf.explaining import integrated_gradients

    monkeypatch.setattr(integrated_gradients, "TRACE_AFTER_SECONDS", 0.0 if traced else 1e9)
    ig = IntegratedGradients(tiny_bilstm(), "embedding")
    for _ in range(2):  # the second eager attribution decides whether the next ones run traced
        ig.attribute(INPUTS, classes=[0], steps=4)
    assert ig.traced is traced
    before = ig.attribute(INPUTS, classes=[0, 1], steps=8)
    passes = _passes(ig)
    should_stop = Asked(stop_at=3)
    with pytest.raises(ExplanationStopped, match="should_stop"):
        # 16 passes of 4 steps; eagerly asked before each pass and each class of a pass.
        ig.attribute(INPUTS, classes=[0, 1], steps=64, batch_steps=4, should_stop=should_stop)
    assert should_stop.questions == 3
    assert len(passes) == (2 if traced else 1)  # not the 16 it would have run
    # Stopped halfway, it still attributes as one never stopped (the probe is reset).
    again = ig.attribute(INPUTS, classes=[0, 1], steps=8)
    np.testing.assert_allclose(again.attributions, before.attributions, atol=1e-6)
    np.testing.assert_allclose(again.value, before.value, atol=1e-6)


def test_an_explainer_stops_before_each_text_and_between_passes():
    explainer = Explainer(tiny_bilstm(), ["crime", "horror", "romance"], steps=8)
    should_stop = Asked(stop_at=4)
    with pytest.raises(ExplanationStopped):
        explainer.explain(TEXTS, top_k=1, should_stop=should_stop)
    assert should_stop.questions == 4  # the text, its one pass, its class; the next text
    (explanation,) = explainer.explain(TEXTS[:1], top_k=1, should_stop=lambda: False)
    assert len(explanation.labels) == 1


def test_an_exact_linear_explanation_is_stopped_before_its_text():
    model = build_ngram(3, train_texts=TEXTS, max_tokens=80)
    explainer = Explainer(model, ["crime", "horror", "romance"])
    with pytest.raises(ExplanationStopped):
        explainer.explain(TEXTS, should_stop=lambda: True)
    assert len(explainer.explain(TEXTS, should_stop=lambda: False)) == 3


@pytest.mark.parametrize("should_stop", [True, "stop", 1])
def test_a_should_stop_that_is_no_function_is_refused(should_stop):
    import threading

    from genreclf.errors import ConfigError

    model = build_ngram(3, train_texts=TEXTS, max_tokens=80)
    with pytest.raises(ConfigError, match=r"should_stop must be None or a function"):
        Explainer(model, ["a", "b", "c"]).explain(TEXTS, should_stop=should_stop)
    with pytest.raises(ConfigError, match="is_set"):
        IntegratedGradients(tiny_bilstm(), "embedding").attribute(
            INPUTS, [0], should_stop=threading.Event()
        )
