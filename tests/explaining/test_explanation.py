"""`Explanation.label` and `top_words` take a class as `Run.predict` gives it: ints for ratings."""

import numpy as np
import pytest

from genreclf.explaining.explanation import Explanation
from genreclf.explaining.explanation import LabelExplanation
from genreclf.explaining.explanation import Word

WORDS = [Word("a", 0, 1), Word("dull", 2, 6), Word("heist", 7, 12)]


def _explanation(*names):
    """An explanation of `names`, best first; label i's words push word i + 1 only."""
    entries = []
    for i, name in enumerate(names):
        pushes = np.zeros(len(WORDS))
        pushes[i + 1] = 1.0 + i
        entries.append(LabelExplanation(name, 0.5, 1.0, 0.0, pushes))
    return Explanation("a dull heist", WORDS, entries)


def test_an_int_is_the_rating_run_predict_gives_not_a_position():
    explanation = _explanation("3", "1")  # a ratings run: predict gives labels [3, 1]
    assert explanation.top_words(1) == explanation.top_words("1") == [("heist", 2.0)]
    assert explanation.top_words(np.int64(3)) == [("dull", 1.0)]
    assert explanation.label(3) is explanation.labels[0]
    with pytest.raises(KeyError, match=r"'2' is not an explained label\. Expected one of"):
        explanation.top_words(2)  # was an IndexError: 2 read as a position


def test_an_int_is_still_a_position_among_named_classes():
    explanation = _explanation("crime", "drama")
    assert explanation.top_words(1) == explanation.top_words("drama") == [("heist", 2.0)]


def test_what_an_int_means_follows_the_runs_classes_not_how_many_were_explained():
    # Of a run of classes '0', '1', 'other', top_words(1) read class '1' when two labels
    # were explained and position 1 when three were.
    from genreclf.explaining.explainer import Explainer
    from genreclf.models.ngram import build_ngram

    texts = ["a heist in rome", "a ghost in a hall", "two chefs cook"]
    model = build_ngram(3, train_texts=texts, max_tokens=50)
    explainer = Explainer(model, ["0", "1", "other"])
    assert explainer.int_classes is False

    def pushes(explanation, label):  # every word's push, both ways
        return explanation.top_words(label, k=99) + explanation.top_words(label, k=99, sign=-1)

    for labels in (["1", "0"], ["1", "0", "other"]):
        (explanation,) = explainer.explain(["a ghost in rome"], labels=labels)
        assert explanation.int_classes is False and explanation.labels[1].label == "0"
        assert pushes(explanation, "0") != pushes(explanation, "1")  # told apart
        assert pushes(explanation, 1) == pushes(explanation, "0")  # a position
    ratings = Explainer(build_ngram(2, train_texts=texts, max_tokens=50), ["3", "10"])
    (explanation,) = ratings.explain(["a ghost in rome"], labels=["10", "3"])
    assert explanation.int_classes is True and pushes(explanation, "3") != pushes(explanation, "10")
    assert pushes(explanation, 3) == pushes(explanation, "3")  # the class
