import numpy as np

from genreclf.labelling.genre_spec import Genre
from genreclf.labelling.keyword_stage import KeywordStage

GENRES = [Genre("horror", keywords=["ghost", "haunted house"]), Genre("comedy", keywords=["chef"])]


def test_counts_whole_words_and_phrases_after_normalisation():
    stage = KeywordStage(GENRES)
    hits = stage.hits(["A GHOST in the Haunted\nHouse", "ghostly chefs", "Ｇhost chef"])
    assert hits.tolist() == [[2, 0], [0, 0], [1, 1]]  # 'ghostly'/'chefs' are other words


def test_single_label_shares_and_threshold():
    stage = KeywordStage(GENRES, threshold=0.6)
    scores = stage.scores(["a ghost and a haunted house", "a ghost chef", "nothing"])
    np.testing.assert_allclose(scores, [[2 / 3, 0], [1 / 3, 1 / 3], [0, 0]])
    decisions = stage.decide(["a ghost and a haunted house", "a ghost chef", "nothing"])
    assert [d.claimed for d in decisions] == [True, False, False]
    assert decisions[0].labels == ["horror"] and decisions[0].runner_up == "comedy"
    assert decisions[2].labels == []  # no evidence names no genre


def test_multi_label_genres_do_not_compete():
    stage = KeywordStage(GENRES, threshold=0.5, multi_label=True)
    d = stage.decide(["a ghost chef"])[0]
    assert d.labels == ["horror", "comedy"] and d.claimed and d.confidence == 0.5


def test_without_keywords_the_stage_is_unavailable():
    assert not KeywordStage([Genre("drama")]).available
