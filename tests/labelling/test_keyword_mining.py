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
