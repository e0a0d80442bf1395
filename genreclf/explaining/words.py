"""The words of a text, and which word each model token belongs to.

Every family tokenizes inside its graph: the vectorizer's standardization
(`normalize_words`: NFKC_Casefold, then every run of characters that are
not letters, combining marks or digits becomes a space; models saved before
it: `normalize_text`, which made marks spaces too) then whitespace for the
word-level families, and WordPiece (lower case, accents stripped,
punctuation split off, `##` continuation pieces) for the BERT encoders.
Attributions are computed per token and shown per word of the *original*
text, so each token is placed on a word by consuming the word's characters
in order (`align_tokens`), both folded as the graph folds them; tokens that
match no word (special tokens, `[UNK]`) stay unplaced.

A word is a letter or digit and the letters, combining marks and digits
after it (Unicode categories L, M and N), as `normalize_words`' tokens are:
a decomposed `café` (`e` and U+0301) is one word, and so is a Hindi word,
whose vowel signs and viramas are marks; a mark after a space or
punctuation starts no word.
"""

import re
import unicodedata

import regex

from genreclf.explaining.explanation import Word
from genreclf.preprocessing.text_vectorizer import fold_text_python
from genreclf.preprocessing.text_vectorizer import normalize_words

# What `normalize_words` keeps; HTML line breaks are dropped first, as in the graph.
# As `word_runs`, on the raw text: so the default-ignorable characters the
# graph drops (a soft hyphen, a zero-width joiner) stay inside their word.
_WORD = regex.compile(r"[\p{L}\p{N}][\p{L}\p{M}\p{N}\p{Default_Ignorable_Code_Point}]*")
_NOT_WORD = regex.compile(r"[^\p{L}\p{M}\p{N}]+")
_MARKS = regex.compile(r"\p{M}*")
_BREAK = re.compile(r"<br\s*/?>", re.IGNORECASE)


def text_words(text):
    """The `Word`s of `text` (runs of letters, marks and digits), with character offsets.

    Example:

    >>> [(w.text, w.start) for w in text_words("A detective's case.<br />Rain!")]
    [('A', 0), ('detective', 2), ('s', 12), ('case', 14), ('Rain', 25)]
    >>> [w.text for w in text_words("cafe\u0301 noir")] == ["cafe\u0301", "noir"]  # é decomposed
    True
    """
    blanked = _BREAK.sub(lambda m: " " * len(m.group()), text)
    return [Word(m.group(), m.start(), m.end()) for m in _WORD.finditer(blanked)]


def fold_words(text):
    """The comparable form of word-level tokens: the graph's folding, without the spaces.

    NFKC_Casefold as the graph computes it (`fold_text_python`), then what
    is not a letter, mark or digit dropped: the graph splits a word there
    (NFKC turns `½` into `1⁄2`, two tokens), and the tokens are consumed
    one after the other.

    Example:

    >>> fold_words("Straße"), fold_words("cafe\u0301") == "caf\u00e9", fold_words("½")
    ('strasse', True, '12')
    """
    return _NOT_WORD.sub("", fold_text_python(text))


def standardizer(vectorizer):
    """The function a `TextVectorization` layer standardizes with, to apply to one text.

    genreclf's vectorizers take a function (`normalize_words`, or
    `normalize_text` in models saved before it); without a vectorizer, or
    with one configured otherwise, `normalize_words`.

    Example:

    >>> from genreclf.preprocessing import make_text_vectorizer
    >>> old = make_text_vectorizer(["a"], max_tokens=5, standardize="normalize_text")
    >>> standardizer(old).__name__, standardizer(None).__name__
    ('normalize_text', 'normalize_words')
    """
    standardize = None if vectorizer is None else vectorizer.get_config().get("standardize")
    return standardize if callable(standardize) else normalize_words


def fold_pieces(text):
    """The comparable form of WordPiece tokens: lower case, accents stripped."""
    decomposed = unicodedata.normalize("NFD", text.lower())
    return "".join(c for c in decomposed if unicodedata.category(c) != "Mn")


def align_tokens(tokens, words, fold=fold_words, unknown=None):
    """Places each token on the index of the word it was cut from, or None.

    Tokens are consumed in order: a token matches the current word at the
    current character if the word (folded) continues with it; otherwise the
    next words are tried. Combining marks there may be skipped: a model
    saved with `normalize_text`, which made marks spaces, has tokens
    without them. The `unknown` token (WordPiece's `[UNK]`, which stands
    for a whole word) takes the next word not yet started on; any other
    token that matches nowhere ahead (a special token) is left unplaced and
    the position is kept.

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
    >>> align_tokens(["ह", "न", "द"], ["हिन्दी"])  # tokens of a graph that split at marks
    [0, 0, 0]
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
                start = _match(folded[candidate], piece, offset if candidate == index else 0)
                if start is not None:
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


def _match(word, piece, start):
    """Where `piece` is in `word` at `start`, or just after the combining marks there; else None."""
    if word.startswith(piece, start):
        return start
    after = _MARKS.match(word, start).end()
    return after if after > start and word.startswith(piece, after) else None
