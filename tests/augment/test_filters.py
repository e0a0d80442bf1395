import random

from genreclf.augment.fake_server import fake_synopsis
from genreclf.augment.filters import REASONS
from genreclf.augment.filters import FilterConfig
from genreclf.augment.filters import filter_rows
from genreclf.augment.filters import language_ok
from genreclf.augment.filters import looks_like_refusal


def _rows(texts, genre="war"):
    return [{"text": t, "genre": genre} for t in texts]


def test_every_drop_is_counted_by_reason():
    rng = random.Random(0)
    corpus = [fake_synopsis(rng) for _ in range(50)]
    good = [fake_synopsis(rng) for _ in range(5)]
    rows = _rows(
        good
        + ["Too short."]  # too_short
        + [" ".join(["word"] * 500)]  # too_long
        + [
            "Ein junger Mann kehrt nach vielen Jahren in sein Dorf zurück, wo "
            "niemand mehr ihn kennt und alle Türen verschlossen bleiben, bis "
            "eines Tages ein Brief aus Amerika ankommt und alles verändert."
        ]  # language
        + [corpus[3].upper()]  # exact_dup_corpus
        + [good[0] + "  "]  # exact_dup_generated
        + [corpus[4] + " A must-see."]  # near_dup_corpus
        + [good[1].replace("In ", "Back in ", 1)]  # near_dup_generated
        + [
            "I'm sorry, but I can't help with writing these synopses. If you have another "
            "request, such as a summary of an existing film, I would be glad to help."
        ]  # refusal (long enough and English: it passed the other checks)
    )
    kept, summary = filter_rows(rows, corpus, config=FilterConfig(min_words=20))
    assert [r["text"] for r in kept] == good
    assert set(summary["dropped"]) == set(REASONS)
    assert summary["dropped"] == {
        "refusal": 1,
        "too_short": 1,
        "too_long": 1,
        "language": 1,
        "exact_dup_corpus": 1,
        "exact_dup_generated": 1,
        "near_dup_corpus": 1,
        "near_dup_generated": 1,
        "classifier_disagrees": 0,
    }
    assert summary["input"] == len(rows) and summary["kept"] == 5


def test_checks_can_be_turned_off():
    rng = random.Random(0)
    base = fake_synopsis(rng)
    rows = _rows([base, base + " Part two."])
    kept, _ = filter_rows(rows, [], config=FilterConfig(near_dup_threshold=None))
    assert len(kept) == 2
    german = "Ein junger Mann kehrt in sein Dorf zurück und findet dort nichts mehr."
    assert not language_ok(german)
    assert language_ok(german, FilterConfig(language=None))


class FakePredictor:
    """Predicts 'war' for texts mentioning cavalry, 'drama' otherwise."""

    def __init__(self):
        self.calls = 0

    def predict(self, texts):
        self.calls += 1
        return [
            {"top_labels": ["war", "drama"] if "cavalry" in t else ["drama", "comedy"]}
            for t in texts
        ]


def test_classifier_agreement_filter():
    rng = random.Random(3)
    texts = [fake_synopsis(rng) + (" The cavalry charges." if i % 2 else "") for i in range(6)]
    predictor = FakePredictor()
    kept, summary = filter_rows(
        _rows(texts), [], predictor=predictor, config=FilterConfig(agreement_top_k=1)
    )
    assert predictor.calls == 1
    assert [t["text"] for t in kept] == texts[1::2]
    assert summary["dropped"]["classifier_disagrees"] == 3
    # top_k=2: 'comedy', ranked second on the other texts, agrees there only.
    kept, _ = filter_rows(
        _rows(texts, genre="comedy"),
        [],
        predictor=FakePredictor(),
        config=FilterConfig(agreement_top_k=2),
    )
    assert [t["text"] for t in kept] == texts[0::2]


def test_a_refusal_written_as_a_synopsis_is_dropped_and_no_synopsis_is_taken_for_one():
    refusals = [
        "I'm sorry, but I can't help with that.",
        "I am sorry, I cannot write about this topic.",
        "Sorry, but I won't create content like this.",
        "I apologize, but I am unable to generate these synopses.",
        "As an AI language model, I must decline.",
        "Unfortunately, I cannot provide synopses for this genre.",
        "  **I’m unable to write** that.",
        "I can't help with that.",
        "Sorry, I can't.",
        "As an AI, I cannot create violent content.",
        "I must decline this request.",
    ]
    assert all(looks_like_refusal(t) for t in refusals)
    rng = random.Random(1)
    stories = [fake_synopsis(rng) for _ in range(300)]
    stories += [
        "I can't go home again, a drifter tells the sheriff of a dusty town.",
        '"I\'m sorry" are the last words a retired boxer says before his final fight.',
        "Sorry is the one word a proud chef has never said, until a critic arrives.",
        # A character speaking, or an AI in the story: the opening alone is no refusal.
        "As an AI awakens aboard a derelict starship, its crew must decide whether to trust it.",
        "As an AI researcher, Dr. Lena Ortiz uncovers a conspiracy inside her own lab.",
        "I will not help you, snarls the mob boss, as a detective closes in on his empire.",
        "I won't write my name in blood, swears a young knight. But the kingdom needs it.",
        "I'm sorry for your loss, a stranger tells a widow; days later her husband's letters "
        "begin to arrive.",
    ]
    assert not any(looks_like_refusal(t) for t in stories)
    config = FilterConfig(min_words=1)
    kept, summary = filter_rows(_rows(refusals + stories[:3]), [], config=config)
    assert summary["dropped"]["refusal"] == len(refusals) and len(kept) == 3
    kept, _ = filter_rows(_rows(refusals), [], config=FilterConfig(min_words=1, refusals=False))
    assert len(kept) == len(refusals)  # the check can be turned off
