import pytest

from genreclf.labelling.genre_spec import Genre
from genreclf.labelling.llm_labeller import LLMLabeller
from genreclf.labelling.llm_stage import LLMStage

GENRES = [Genre("horror", "Scary."), Genre("comedy", "Funny."), Genre("war", "Battles.")]


def test_answers_are_checked_against_the_genres():
    stage = LLMStage(GENRES, "m", threshold=0.5)
    d = stage.parse('{"labels": ["polka", "comedy", "war"], "confidence": 7}')
    assert d.labels == ["comedy"] and d.confidence == 1.0 and d.claimed  # single-label: first
    assert LLMStage(GENRES, "m", multi_label=True).parse(
        '{"labels": ["war", "comedy"]}'
    ).labels == [
        "war",
        "comedy",
    ]
    assert not stage.parse('{"labels": ["horror"], "confidence": 0.2}').claimed
    for bad in ('{"labels": ["polka"]}', '{"genres": []}', "not json", None):
        assert stage.parse(bad) is None
    assert stage.unusable_reason({"content": "{}"}) == "bad_answer"
    assert (
        stage.unusable_reason({"content": None, "refusal": "no"}) is None
    )  # a refusal is an answer


def test_requests_are_deterministic_and_carry_the_examples():
    stage = LLMStage(GENRES, "m")
    a = stage.request("1", "A ghost story.", [("A joke.", ["comedy"])])
    b = stage.request("1", "A ghost story.", [("A joke.", ["comedy"])])
    assert a.key("m") == b.key("m") and a.key("m") != a.key("other-model")
    prompt = a.messages[1]["content"]
    assert "- horror: Scary." in prompt and "Synopsis: A joke." in prompt
    assert prompt.rstrip().endswith('"confidence": a number from 0 to 1}.')
    schema = a.params["response_format"]["json_schema"]["schema"]
    assert schema["properties"]["labels"]["items"]["enum"] == ["horror", "comedy", "war"]


def test_few_shot_examples_are_the_most_confident_cheap_rows_one_genre_first():
    labeller = LLMLabeller(LLMStage(GENRES, "m"), few_shot=2)
    rows = [
        {"id": "1", "text": "t1", "labels": ["horror"], "stage": "keywords", "confidence": 0.9},
        {"id": "2", "text": "t2", "labels": ["horror"], "stage": "zero_shot", "confidence": 0.95},
        {"id": "3", "text": "t3", "labels": ["comedy"], "stage": "classifier", "confidence": 0.7},
        {"id": "4", "text": "t4", "labels": ["war"], "stage": "llm", "confidence": 1.0},
        {"id": "5", "text": "t5", "labels": [], "stage": None, "confidence": None},
    ]
    assert labeller.examples(rows) == [("t2", ["horror"]), ("t3", ["comedy"])]
    assert labeller.examples(list(reversed(rows))) == labeller.examples(rows)


def test_a_budget_that_allows_no_request_fails_before_any_stage_runs():
    from genreclf.errors import ConfigError

    with pytest.raises(ConfigError, match=r"max_tokens must be a number above 0"):
        LLMLabeller(LLMStage(GENRES, "m"), budget_tokens=0)
