import numpy as np

from genreclf.labelling.decision import decide

NAMES = ["a", "b", "c"]


def test_single_label_best_runner_up_and_threshold():
    d = decide(np.array([[0.2, 0.5, 0.3], [0.34, 0.33, 0.33]]), NAMES, threshold=0.4)
    assert (d[0].labels, d[0].runner_up, d[0].runner_up_score, d[0].claimed) == (
        ["b"],
        "c",
        0.3,
        True,
    )
    assert d[1].labels == ["a"] and not d[1].claimed


def test_multi_label_uses_per_genre_thresholds_and_weakest_confidence():
    scores = np.array([[0.9, 0.6, 0.1]])
    d = decide(scores, NAMES, threshold=0.5, multi_label=True, label_thresholds=[0.5, 0.5, 0.05])
    assert d[0].labels == ["a", "b", "c"] and d[0].confidence == 0.1 and not d[0].claimed
    d = decide(scores, NAMES, threshold=0.5, multi_label=True)
    assert d[0].labels == ["a", "b"] and d[0].confidence == 0.6 and d[0].runner_up == "c"
    assert d[0].claimed
