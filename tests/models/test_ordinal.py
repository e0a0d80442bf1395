"""`genreclf.models.ordinal`: shares of neighbouring ratings, chosen out of fold."""

import keras
import numpy as np
import pytest

from genreclf.data import LabelVocabulary
from genreclf.models.ordinal import OrdinalScores
from genreclf.models.ordinal import choose_blend_and_share
from genreclf.models.ordinal import mixing_matrix
from genreclf.models.ordinal import ordinal_positions
from genreclf.models.ordinal import smooth


@pytest.mark.parametrize(
    "labels, positions",
    [(["1", "10", "2"], [0, 2, 1]), ([" 4.5", "3"], None), (["a", "b", "c"], None)],
)
def test_positions_only_for_numbers(labels, positions):
    assert ordinal_positions(labels) == positions


def test_the_layer_matches_its_numpy_twin_and_round_trips(tmp_path):
    scores = np.random.default_rng(0).dirichlet(np.ones(4), size=5).astype("float32")
    matrix = mixing_matrix([3, 0, 2, 1], 0.15)
    inputs = keras.Input((4,))
    layer = OrdinalScores(name="ordinal")
    model = keras.Model(inputs, layer(inputs))
    np.testing.assert_allclose(model(scores), scores, atol=1e-6)  # the identity at first
    layer.set_mixing(matrix)
    np.testing.assert_allclose(model(scores), smooth(scores, matrix), atol=1e-6)
    np.testing.assert_allclose(np.asarray(model(scores)).sum(1), 1.0, atol=1e-6)
    model.save(tmp_path / "m.keras")
    restored = keras.saving.load_model(tmp_path / "m.keras")
    np.testing.assert_allclose(restored(scores), model(scores), atol=1e-6)


def _rare_middle():
    """Rows of a 3-point scale whose rare middle class loses the arg-max to an end."""
    truth = np.array([0] * 40 + [2] * 40 + [1] * 20)
    scores = np.tile([0.1, 0.1, 0.1], (100, 1))
    scores[truth == 0] = [0.7, 0.25, 0.05]
    scores[truth == 2] = [0.05, 0.25, 0.7]
    scores[80:90] = [0.4, 0.35, 0.25]  # middle rows leaning low
    scores[90:100] = [0.25, 0.35, 0.4]  # middle rows leaning high
    return scores, np.eye(3)[truth]


RATINGS = LabelVocabulary(["1", "2", "3"])


def test_a_share_is_taken_when_it_lifts_macro_f1():
    scores, targets = _rare_middle()
    chosen = choose_blend_and_share([scores], targets, RATINGS)
    assert chosen["share"] > 0 and chosen["macro_f1"] == pytest.approx(1.0)
    fixed = choose_blend_and_share([scores], targets, RATINGS, ordinal=0.05)
    assert fixed["share"] == 0.05 and fixed["macro_f1"] < 1.0
    assert choose_blend_and_share([scores], targets, RATINGS, ordinal="none")["share"] is None


def test_no_share_costs_accuracy_against_the_unmixed_scores():
    scores, targets = _rare_middle()
    scores[:30] = [0.45, 0.42, 0.13]  # low rows that a share of 0.15 hands to the middle
    chosen = choose_blend_and_share([scores], targets, RATINGS)
    assert chosen["share"] == 0.0 and chosen["micro_f1"] == pytest.approx(0.8)
    mixed = choose_blend_and_share([scores], targets, RATINGS, ordinal=0.15)  # no other choice
    assert mixed["micro_f1"] == pytest.approx(0.7) and mixed["macro_f1"] > chosen["macro_f1"]


def test_the_accuracy_floor_comes_from_the_linear_heads_only():
    truth = np.array([0] * 90 + [1] * 10)
    targets = np.eye(2)[truth]
    linear = np.tile([0.8, 0.2], (100, 1))
    linear[80:] = [0.3, 0.7]  # every rare row found, ten frequent rows claimed: accuracy 0.90
    flat = np.full((100, 2), 0.5)  # arg-max: the first class everywhere, accuracy 0.90
    votes = np.tile([1.0, 0.0], (100, 1))
    votes[97:] = [0.0, 1.0]  # the majority everywhere but three rare rows: accuracy 0.93
    heads, genres = [linear, flat, votes], LabelVocabulary(["comedy", "drama"])
    free = choose_blend_and_share(heads, targets, genres, floor_heads=(0, 1))
    assert free["micro_floor"] == pytest.approx(0.90) and free["share"] is None
    assert [head["micro_f1"] for head in free["alone"]] == pytest.approx([0.90, 0.90, 0.93])
    assert free["macro_f1"] == pytest.approx(0.8039, abs=1e-4)
    forced = choose_blend_and_share(heads, targets, genres)  # the votes set the floor
    assert forced["micro_floor"] == pytest.approx(0.93) and forced["macro_f1"] < 0.75
