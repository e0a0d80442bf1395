import json

import pytest

from genreclf.augment.prompts import DEFAULT_TEMPLATE
from genreclf.augment.prompts import RESPONSE_FORMAT
from genreclf.augment.prompts import PromptBuilder
from genreclf.augment.prompts import estimate_input_tokens
from genreclf.augment.prompts import load_template
from genreclf.augment.prompts import parse_synopses
from genreclf.data.dataset import TextDataset
from genreclf.errors import ConfigError


def test_few_shot_examples_come_from_the_genre(corpus):
    builder = PromptBuilder(corpus, few_shot=3, per_request=4, length_words=60)
    war_texts = [t for t, l in zip(corpus.texts, corpus.labels) if l == ["war"]]
    other = [t for t, l in zip(corpus.texts, corpus.labels) if l != ["war"]]
    for req in builder.requests("war", 5):
        user = req.messages[1]["content"]
        assert sum(t in user for t in war_texts) == 3
        assert not any(t in user for t in other)
        assert "Write 4 new" in user and "about 60 words" in user
        assert req.params["response_format"] == RESPONSE_FORMAT
        assert req.labels == ["war"] and req.n == 4


def test_requests_are_deterministic_and_distinct(corpus):
    a = PromptBuilder(corpus, seed=7).requests("news", 6)
    b = PromptBuilder(corpus, seed=7).requests("news", 6)
    assert [r.key("m") for r in a] == [r.key("m") for r in b]
    assert len({r.key("m") for r in a}) == 6  # sample index is part of the key
    assert a[0].key("m") != a[0].key("other-model")
    c = PromptBuilder(corpus, seed=8).requests("news", 6)
    assert [r.key("m") for r in a] != [r.key("m") for r in c]


def test_multi_label_asks_for_co_occurring_genres():
    ds = TextDataset(
        ["A cowboy sings.", "A cowboy fights.", "A drama."],
        [["Western", "Music"], ["Western", "Action"], ["Drama"]],
        multi_label=True,
    )
    reqs = PromptBuilder(ds, few_shot=1).requests("Western", 20)
    combos = {tuple(r.labels) for r in reqs}
    assert combos == {("Western", "Music"), ("Western", "Action")}
    for r in reqs:
        assert ", ".join(r.labels) in r.messages[1]["content"]


def test_user_template_file(tmp_path, corpus):
    path = tmp_path / "t.txt"
    path.write_text("Give me {n} {genre} plots like:\n{examples}\n{{json}}")
    req = PromptBuilder(corpus, template=str(path), per_request=2).requests("war", 1)[0]
    assert req.messages[1]["content"].startswith("Give me 2 war plots like:")
    assert req.messages[1]["content"].endswith("{json}")
    with pytest.raises(ConfigError, match="unknown=\\['mood'\\]"):
        load_template("Write {n} {genre} films, {mood}.")
    with pytest.raises(ConfigError, match="missing=\\['n'\\]"):
        load_template("Write some {genre} films.")
    assert load_template(None) == DEFAULT_TEMPLATE


def test_genre_without_examples(corpus):
    with pytest.raises(ConfigError, match="Western"):
        PromptBuilder(corpus).requests("Western", 1)


def test_parse_structured_output():
    assert parse_synopses(json.dumps({"synopses": [" A. ", "B."]})) == (["A.", "B."], None)
    assert parse_synopses("not json") == (None, "malformed_json")
    assert parse_synopses(None) == (None, "malformed_json")
    assert parse_synopses(json.dumps({"stories": []})) == (None, "bad_schema")
    assert parse_synopses(json.dumps({"synopses": [1, 2]})) == (None, "bad_schema")


def test_response_format_fallbacks(corpus):
    plain = PromptBuilder(corpus, response_format=None).requests("war", 1)[0]
    assert "response_format" not in plain.params
    mode = PromptBuilder(corpus, response_format="json_object").requests("war", 1)[0]
    assert mode.params["response_format"] == {"type": "json_object"}
    assert mode.key("m") != plain.key("m")
    with pytest.raises(ConfigError, match="response_format"):
        PromptBuilder(corpus, response_format="xml")


def test_the_budget_holds_at_least_a_token_a_character_of_other_scripts():
    # At 3 characters a token, a prompt of Chinese examples was held at a third of what a
    # tokenizer spends on it (a token or more per character), and the spend passed the cap.
    chinese = "一名侦探在雨夜的城市里追捕连环杀手，却发现凶手就在身边。" * 10
    corpus = TextDataset([chinese, chinese + "！", chinese + "？"], ["thriller"] * 3)
    request = PromptBuilder(corpus, few_shot=3, per_request=2).requests("thriller", 1)[0]
    examples = request.messages[1]["content"].count("侦探")
    assert examples == 30  # the prompt holds the three synopses
    assert estimate_input_tokens(request) >= 3 * len(chinese)
    english = TextDataset(["A detective hunts a killer. " * 10] * 3, ["thriller"] * 3)
    ascii_request = PromptBuilder(english, few_shot=3, per_request=2).requests("thriller", 1)[0]
    chars = sum(len(m["content"]) for m in ascii_request.messages)
    assert estimate_input_tokens(ascii_request) < chars / 2  # English: as before, not in bytes
