import pytest

from genreclf.errors import ConfigError
from genreclf.labelling.keyword_mining import mine_keywords


def test_mines_precise_discriminative_terms():
    texts = ["a ghost in the house", "the ghost returns home", "a ghost ship sails"] + [
        "two chefs cook at home",
        "chefs compete",
        "chefs in love",
    ]
    labels = [["horror"]] * 3 + [["comedy"]] * 3
    mined = mine_keywords(texts, labels, top_k=3, min_df=2)
    assert mined["horror"][0] == "ghost" and mined["comedy"][0] == "chefs"
    assert "home" not in mined["horror"] + mined["comedy"]  # in both classes: not precise


def test_multi_label_rows_count_for_each_label():
    mined = mine_keywords(
        ["space war", "space war", "love story", "love story"],
        [["sci-fi", "war"], ["sci-fi", "war"], ["romance"], ["romance"]],
        top_k=1,
        min_df=2,
    )
    assert mined["sci-fi"] == mined["war"] and mined["romance"] in (["love"], ["love story"])


TEXTS = ["a ghost haunts", "the ghost returns", "chefs cook", "chefs compete"]
LABELS = [["horror"]] * 2 + [["comedy"]] * 2


@pytest.mark.parametrize("name", ["top_k", "min_df"])
@pytest.mark.parametrize("value", [0, -1, 2.5, True])
def test_counts_below_one_or_not_whole_are_config_errors(name, value):
    with pytest.raises(
        ConfigError,
        match=rf"{name} \(`--{name.replace('_', '-')}`\) must be a whole number of at least 1",
    ):
        mine_keywords(TEXTS, LABELS, **{name: value})


def test_an_error_sklearn_raises_for_a_setting_is_not_taken_for_no_term():
    with pytest.raises(ValueError, match="ngram_range"):  # sklearn's parameter check
        mine_keywords(TEXTS, LABELS, min_df=1, ngram_range="1-2")
    with pytest.raises(ValueError, match="Invalid value for ngram_range"):
        mine_keywords(TEXTS, LABELS, min_df=1, ngram_range=(2, 1))


def test_no_keyword_for_any_genre_says_which_setting_to_lower():
    with pytest.raises(
        ConfigError, match=r"No genre got a keyword: .*min_df=1000 of the 4 texts"
    ) as error:
        mine_keywords(TEXTS, LABELS, min_df=1000)
    assert "Lower min_df (`--min-df 3`, the default)" in str(error.value)
    with pytest.raises(ConfigError, match=r"Lower min_df \(`--min-df 1`\)"):
        mine_keywords(TEXTS, LABELS, min_df=3)
    with pytest.raises(ConfigError, match="none is precise enough .* Lower min_precision"):
        mine_keywords(["a ghost", "a ghost"], [["horror"], ["comedy"]], min_df=1)


def test_texts_of_stop_words_alone_say_so_not_which_setting_to_lower():
    with pytest.raises(ConfigError, match="every word of the 3 texts is an English stop word"):
        mine_keywords(["the and of", "a the", "is it"], [["x"], ["y"], ["x"]], min_df=1)
