"""Filters for generated rows: refusals, length, language, duplicates, classifier agreement."""

import collections
import dataclasses
import re

from genreclf.augment.minhash import MinHashIndex
from genreclf.augment.minhash import normalize

# A small English stop-word list: prose has 35-55% of its words in it.
STOP_WORDS = frozenset(
    """
a about after against all an and any are as at be because been before being
between but by can could did do does during each for from had has have he her
here him his how i if in into is it its just me more most my no not of off on
once only or other our out over own same she should so some such than that the
their them then there these they this those through to too under until up very
was we were what when where which while who whom why will with would you your
""".split()
)

REASONS = (
    "refusal",
    "too_short",
    "too_long",
    "language",
    "exact_dup_corpus",
    "exact_dup_generated",
    "near_dup_corpus",
    "near_dup_generated",
    "classifier_disagrees",
)

_LETTER = re.compile(r"[^\W\d_]", re.UNICODE)
_LATIN = re.compile(r"[A-Za-z\u00C0-\u024F]")
_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?", re.UNICODE)
# How a chat model declines a request: its first sentence opens as an apology or in
# the first person ("I'm sorry", "As an AI language model,", "I can't", ...) and says it
# will not do what was asked ("can't help with", "cannot write these synopses", "must
# decline"). Both, because a synopsis may open with a character speaking ("I will not
# help you, snarls the mob boss") or with an AI in its story ("As an AI awakens ...").
_OPENING = re.compile(
    r"""^[\s*_-]*(?:
        i(?:'|’|\s+a)m\s+sorry\b | sorry,?\s+(?:but\s+)?i\b | i\s+apologi[sz]e\b
        | as\s+an\s+ai(?:\s+(?:language\s+model|assistant|model))?\s*,
        | (?:unfortunately,?\s+)?i(?:\s+(?:can(?:not|'t|’t)|can\s+not|won(?:'|’)t|will\s+not
            |must)|(?:'|’|\s+a)m\s+(?:unable|not\s+able)\s+to)\b
    )""",
    re.IGNORECASE | re.VERBOSE,
)
_FIRST_SENTENCE = re.compile(r"^.*?(?:[.!?](?=\s|$)|$)", re.DOTALL)
_DECLINING = re.compile(
    r"""(?:can(?:not|'t|’t)|can\s+not|won(?:'|’)t|will\s+not|unable\s+to|not\s+able\s+to)
        [\s*_]+(?:
          (?:help|assist)(?:\s+you)?(?:\s+with\b|[\s*_]*(?:[.!]|$))
        | (?:write|create|provide|generate|produce|complete|fulfil+|comply|continue|do\s+that)\b
          (?=.*\b(?:synops\w*|content|requests?|this|that|these|those|topic|genres?
                   |stor(?:y|ies)|summar\w*)\b|[\s*_]*(?:[.!]|$))
        )
    | (?:must|have\s+to|need\s+to)\s+decline\b
    | (?:can(?:not|'t|’t)|won(?:'|’)t)[\s*_]*(?:[.!]|$)""",
    re.IGNORECASE | re.VERBOSE | re.DOTALL,
)


@dataclasses.dataclass
class FilterConfig:
    """Settings of `filter_rows`.

    Args:
        min_words, max_words: length bounds in words.
        near_dup_threshold: shingle Jaccard at or above which a row is a
            near-duplicate (of the corpus or of an earlier generated row);
            `None` turns near-duplicate removal off.
        shingle: character shingle length.
        num_perm: MinHash signature length.
        language: `"en"` for the cheap English check, `None` to turn it off.
        min_latin_ratio: least share of letters that are Latin script.
        min_stopword_ratio: least share of words that are English stop words.
        agreement_top_k: with a predictor, keep a row only if its genre is in
            the predictor's `top_labels[:agreement_top_k]`.
        refusals: drop a "synopsis" that is the model declining ("I'm sorry,
            but I can't write ..."; see `looks_like_refusal`).

    Example:

    >>> FilterConfig(min_words=10).max_words
    400
    """

    min_words: int = 20
    max_words: int = 400
    near_dup_threshold: float = 0.8
    shingle: int = 5
    num_perm: int = 128
    language: str = "en"
    min_latin_ratio: float = 0.9
    min_stopword_ratio: float = 0.15
    agreement_top_k: int = 3
    refusals: bool = True

    def __post_init__(self):
        # Checked when the settings are made: `generate` makes them before its
        # first paid request, so a bad threshold costs nothing.
        from genreclf.errors import ConfigError
        from genreclf.setting import number
        from genreclf.setting import whole

        share = number(minimum=0, maximum=1)
        for name, setting, flag in (
            ("min_words", whole(0), "--min-words"),
            ("max_words", whole(1), "--max-words"),
            ("near_dup_threshold", number(above=0, maximum=1, also=(None,)), "--near-dup"),
            ("shingle", whole(1), None),
            ("num_perm", whole(1), None),
            ("min_latin_ratio", share, None),
            ("min_stopword_ratio", share, None),
            ("agreement_top_k", whole(1), None),
        ):
            setting.check(
                name,
                getattr(self, name),
                where=f"`{flag}`" if flag else "FilterConfig",
                fix="Pass a shingle Jaccard similarity such as 0.8; near_dup_threshold=None "
                "(--near-dup 0) turns near-duplicate removal off."
                if name == "near_dup_threshold"
                else None,
            )
        if self.min_words > self.max_words:
            raise ConfigError(
                "Expected min_words <= max_words (--min-words, --max-words): no row could "
                f"pass. Received: min_words={self.min_words}, max_words={self.max_words}."
            )


def looks_like_refusal(text):
    """Whether `text` reads as a chat model declining a request, not as a synopsis.

    A model without a `refusal` field (or one forced into the JSON asked for)
    declines in the text it returns: "I'm sorry, but I can't help with that."

    Example:

    >>> looks_like_refusal("I'm sorry, but I can't help with writing these synopses.")
    True
    >>> looks_like_refusal("I cannot write violent content.")
    True
    >>> looks_like_refusal("A young woman returns to the village where she was born.")
    False
    >>> looks_like_refusal("I can't go home again, a drifter tells the sheriff of a dusty town.")
    False
    >>> looks_like_refusal("As an AI awakens aboard a derelict starship, its crew must decide.")
    False
    """
    text = str(text)
    if not _OPENING.match(text):
        return False
    first = _FIRST_SENTENCE.match(text[:600]).group(0)
    return bool(_DECLINING.search(first))


def answer_is_refusal(answer, understood):
    """Whether a chat answer is a refusal: its `refusal` field, or content not `understood`
    that reads as the model declining (`looks_like_refusal`).

    One rule for every caller that pays for answers: `augment`'s synopses
    (`genreclf.augment.answers.refused`) and `label --llm`'s genres
    (`genreclf.labelling.llm_stage.LLMStage.unusable_reason`); each passes
    how it reads the content it asked for.

    Args:
        answer: the answer's message, a dict with `content` and maybe `refusal`.
        understood: `understood(content) -> bool`, whether the content is the
            answer asked for (then it is never a refusal, whatever it says).

    Example:

    >>> import json
    >>> def is_json(content):
    ...     try:
    ...         return isinstance(json.loads(content), dict)
    ...     except ValueError:
    ...         return False
    >>> answer_is_refusal({"content": None, "refusal": "I can't help with that."}, is_json)
    True
    >>> answer_is_refusal({"content": "I'm sorry, but I can't help with that."}, is_json)
    True
    >>> answer_is_refusal({"content": '{"note": "I cannot refuse this."}'}, is_json)
    False
    """
    if answer.get("refusal"):
        return True
    content = answer.get("content")
    if not content or not isinstance(content, str) or not looks_like_refusal(content):
        return False
    return not understood(content)


def language_ok(text, config=None):
    """The cheap language check: mostly Latin letters and enough English stop words.

    Example:

    >>> language_ok("A young woman returns to the village where she was born.")
    True
    >>> language_ok("Молодая женщина возвращается в деревню, где она родилась.")
    False
    """
    config = config or FilterConfig()
    if config.language is None:
        return True
    letters = len(_LETTER.findall(text))
    if not letters:
        return False
    latin = len(_LATIN.findall(text))
    if latin / letters < config.min_latin_ratio:
        return False
    if config.language != "en":
        return True
    words = _WORD.findall(text.lower())
    if not words:
        return False
    stop = sum(1 for w in words if w in STOP_WORDS)
    return stop / len(words) >= config.min_stopword_ratio


def filter_rows(rows, corpus_texts=(), *, config=None, predictor=None):
    """Drops generated rows that are refusals, too short/long, not English, duplicates or
    off-genre.

    Checks, in order: a refusal written as a synopsis (`looks_like_refusal`),
    length, language, exact duplicate (normalized text) of the real corpus,
    exact duplicate of an earlier generated row, near duplicate (MinHash) of
    the corpus, of an earlier generated row, and finally, with a `predictor`,
    agreement with the row's `"genre"`.

    Args:
        rows: dicts with at least `"text"` and `"genre"` (the genre asked for).
        corpus_texts: every real text (train, validation and test alike: a
            synthetic row must not copy any of them).
        config: a `FilterConfig`.
        predictor: anything with `.predict(texts) -> list[dict]` whose dicts
            have `"top_labels"` (e.g. `genreclf.load_run(path)`), or `None`.

    Returns:
        `(kept_rows, summary)`; summary is `{"input": n, "kept": k,
        "dropped": {reason: count}}` with every reason in `REASONS`.

    Example:

    >>> rows = [{"text": "a b c", "genre": "war"}]
    >>> kept, summary = filter_rows(rows, config=FilterConfig(min_words=5))
    >>> len(kept), summary["dropped"]["too_short"]
    (0, 1)
    """
    config = config or FilterConfig()
    dropped = collections.Counter({r: 0 for r in REASONS})
    survivors = []
    for row in rows:
        n_words = len(row["text"].split())
        if config.refusals and looks_like_refusal(row["text"]):
            dropped["refusal"] += 1
        elif n_words < config.min_words:
            dropped["too_short"] += 1
        elif n_words > config.max_words:
            dropped["too_long"] += 1
        elif not language_ok(row["text"], config):
            dropped["language"] += 1
        else:
            survivors.append(row)

    corpus_norm = {normalize(t) for t in corpus_texts}
    seen = set()
    rows, survivors = survivors, []
    for row in rows:
        norm = normalize(row["text"])
        if norm in corpus_norm:
            dropped["exact_dup_corpus"] += 1
        elif norm in seen:
            dropped["exact_dup_generated"] += 1
        else:
            seen.add(norm)
            survivors.append(row)

    if config.near_dup_threshold is not None and survivors:
        corpus_index = MinHashIndex(config.near_dup_threshold, config.num_perm, config.shingle)
        for text in corpus_texts:
            corpus_index.add(text)
        own_index = MinHashIndex(config.near_dup_threshold, config.num_perm, config.shingle)
        rows, survivors = survivors, []
        for row in rows:
            sig = corpus_index.signature(row["text"])
            if corpus_index.query(row["text"], signature=sig):
                dropped["near_dup_corpus"] += 1
            elif own_index.query(row["text"], signature=sig):
                dropped["near_dup_generated"] += 1
            else:
                own_index.add(row["text"], signature=sig)
                survivors.append(row)

    if predictor is not None and survivors:
        preds = predictor.predict([r["text"] for r in survivors])
        rows, survivors = survivors, []
        for row, pred in zip(rows, preds):
            top = [str(label) for label in pred["top_labels"]]  # `Run.predict`: 7 for '7'
            if row["genre"] in top[: config.agreement_top_k]:
                survivors.append(row)
            else:
                dropped["classifier_disagrees"] += 1

    n_in = len(survivors) + sum(dropped.values())
    return survivors, {"input": n_in, "kept": len(survivors), "dropped": dict(dropped)}
