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
