"""The words of a text, and which word each model token belongs to.

Every family tokenizes inside its graph: `normalize_text` (lower case, NFKC,
punctuation to spaces) then whitespace for the word-level families, and
WordPiece (lower case, accents stripped, punctuation split off, `##`
continuation pieces) for the BERT encoders. Attributions are computed per
token and shown per word of the *original* text, so each token is placed on
a word by consuming the word's characters in order (`align_tokens`); tokens
that match no word (special tokens, `[UNK]`) stay unplaced.
"""

import re
import unicodedata

from genreclf.explaining.explanation import Word

# Runs of letters and digits: the tokens `normalize_text` keeps
# (`[^\p{L}\p{N}]+` becomes a space). HTML line breaks are dropped first, as in the graph.
_WORD = re.compile(r"[^\W_]+")
_BREAK = re.compile(r"<br\s*/?>", re.IGNORECASE)


def text_words(text):
    """The `Word`s of `text` (runs of letters and digits), with character offsets.

    Example:

    >>> [(w.text, w.start) for w in text_words("A detective's case.<br />Rain!")]
    [('A', 0), ('detective', 2), ('s', 12), ('case', 14), ('Rain', 25)]
    """
    blanked = _BREAK.sub(lambda m: " " * len(m.group()), text)
    return [Word(m.group(), m.start(), m.end()) for m in _WORD.finditer(blanked)]


def fold_words(text):
    """The comparable form of word-level tokens: `normalize_text`'s lower case and NFKC."""
    return unicodedata.normalize("NFKC", text.lower())


def fold_pieces(text):
    """The comparable form of WordPiece tokens: lower case, accents stripped."""
    decomposed = unicodedata.normalize("NFD", text.lower())
    return "".join(c for c in decomposed if unicodedata.category(c) != "Mn")


def align_tokens(tokens, words, fold=fold_words, unknown=None):
    """Places each token on the index of the word it was cut from, or None.

    Tokens are consumed in order: a token matches the current word at the
    current character if the word (folded) continues with it; otherwise the
    next words are tried. The `unknown` token (WordPiece's `[UNK]`, which
    stands for a whole word) takes the next word not yet started on; any
    other token that matches nowhere ahead (a special token) is left
    unplaced and the position is kept.

    Args:
        tokens: token strings, in text order (WordPiece continuations without `##`).
        words: the text's `Word`s (or strings).
        fold: the normalisation applied to both before comparing.
        unknown: the token that replaces a word the vocabulary cannot spell.

    Returns:
        A list of word indices (or None), one per token.

    Example:

    >>> align_tokens(["detective", "s", "case", "[UNK]", "rain"],
    ...              ["A", "detective", "s", "case", "Rain"])
    [1, 2, 3, None, 4]
    >>> align_tokens(["hunt", "ers"], ["Hunters"], fold=fold_pieces)
    [0, 0]
    >>> align_tokens(["the", "[UNK]", "'", "train"], ["The", "Hunters", "train"],
    ...              fold=fold_pieces, unknown="[UNK]")
    [0, 1, None, 2]
    """
    folded = [fold(w.text if isinstance(w, Word) else w) for w in words]
    placed = []
    index, offset = 0, 0
    for token in tokens:
        if unknown is not None and token == unknown:
            if offset:
                index, offset = index + 1, 0
            placed.append(index if index < len(folded) else None)
            index += 1
            continue
        piece = fold(token)
        found = None
        if piece:
            for candidate in range(index, len(folded)):
                start = offset if candidate == index else 0
                if folded[candidate].startswith(piece, start):
                    found = (candidate, start)
                    break
        if found is None:
            placed.append(None)
            continue
        index, offset = found[0], found[1] + len(piece)
        placed.append(index)
        if offset >= len(folded[index]):
            index, offset = index + 1, 0
    return placed
