"""The words of a text and the placement of model tokens on them."""

from genreclf.explaining.words import align_tokens
from genreclf.explaining.words import fold_pieces
from genreclf.explaining.words import text_words


def test_words_keep_offsets_and_skip_html_breaks():
    text = "Ａ spy's<br/>Café, 1984!"
    words = text_words(text)
    assert [w.text for w in words] == ["Ａ", "spy", "s", "Café", "1984"]
    for word in words:
        assert text[word.start : word.end] == word.text


def test_tokens_that_drop_short_words_still_land_on_their_word():
    words = text_words("A spy's war in 1984")
    # split_words drops one-character tokens: "a" and "s" have no token.
    assert align_tokens(["spy", "war", "in", "1984"], words) == [1, 3, 4, 5]


def test_word_pieces_merge_into_their_word_and_specials_stay_unplaced():
    words = text_words("The Hunters' café")
    pieces = ["[CLS]", "the", "hunt", "ers", "'", "cafe", "[SEP]"]
    assert align_tokens(pieces, words, fold=fold_pieces) == [None, 0, 1, 1, None, 2, None]


def test_an_unknown_word_piece_takes_the_next_whole_word():
    words = text_words("The Hunters' train")
    pieces = ["the", "[UNK]", "'", "train"]
    assert align_tokens(pieces, words, fold=fold_pieces, unknown="[UNK]") == [0, 1, None, 2]


def test_full_width_letters_match_their_normalised_token():
    assert align_tokens(["a", "spy"], text_words("Ａ spy")) == [0, 1]
