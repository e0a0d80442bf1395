"""The words of a text and the placement of model tokens on them."""

import unicodedata

from genreclf.explaining.words import align_tokens
from genreclf.explaining.words import fold_pieces
from genreclf.explaining.words import fold_words
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


def test_a_decomposed_word_is_one_word_and_matches_its_composed_token():
    text = unicodedata.normalize("NFD", "Un café noir")  # "e" + U+0301, as some editors save it
    words = text_words(text)
    assert [w.text for w in words] == ["Un", "cafe\u0301", "noir"]
    assert [(w.start, w.end) for w in words] == [(0, 2), (3, 8), (9, 13)]  # offsets in the text
    # The graph's NFKC composes it: the token is "café", one character shorter.
    assert align_tokens(["un", "caf\u00e9", "noir"], words) == [0, 1, 2]


def test_hindi_words_keep_their_marks_and_get_their_tokens():
    # Vowel signs (Mc), viramas and the nukta (Mn) are marks; "\u095e" is a
    # precomposed letter that NFKC decomposes into फ and the nukta.
    text = "हिन्दी \u095eिल्म!"
    words = text_words(text)
    assert [w.text for w in words] == ["हिन्दी", "\u095eिल्म"]
    assert [text[w.start : w.end] for w in words] == [w.text for w in words]
    # The tokens of a graph that keeps marks inside words (NFKC, split on
    # `[^\p{L}\p{M}\p{N}]+`)...
    tokens = [unicodedata.normalize("NFKC", w.text) for w in words]
    assert tokens[1] != words[1].text
    assert align_tokens(tokens, words) == [0, 1]
    # ...and of one that split words at marks (the marks dropped) land there too.
    assert align_tokens(["ह", "न", "द", "फ", "ल", "म"], words) == [0, 0, 0, 1, 1, 1]


def test_words_and_graph_tokens_agree_on_stray_marks_and_invisible_characters():
    import tensorflow as tf

    from genreclf.preprocessing.text_vectorizer import normalize_words

    # "´" (NFKC: a space and U+0301) for an apostrophe, an emoji's variation
    # selector, a combining grapheme joiner and a soft hyphen inside words.
    for text in ["don\u00b4t stop", "I \u2764\ufe0f it", "a\u034fb c", "ab\u00adcd e"]:
        tokens = normalize_words(tf.constant([text])).numpy()[0].decode().split()
        words = text_words(text)
        assert len(words) == len(tokens), (text, words, tokens)
        assert align_tokens(tokens, words) == list(range(len(words))), text


def test_tokens_are_compared_after_the_graphs_case_folding():
    # NFKC_Casefold: "ß" is "ss", final sigma "σ"; lower() would keep them.
    words = text_words("Die Straße, ΟΔΥΣΣΕΥΣ")
    assert align_tokens(["die", "strasse", "οδυσσευσ"], words) == [0, 1, 2]
    assert fold_words("½") == "12"  # NFKC's "1⁄2" is two tokens of one word
    assert align_tokens(["1", "2"], text_words("½")) == [0, 0]
