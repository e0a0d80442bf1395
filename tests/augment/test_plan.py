import json

import pytest

from genreclf.augment.plan import PROMPT_OVERHEAD_TOKENS
from genreclf.augment.plan import Plan
from genreclf.augment.plan import plan
from genreclf.augment.prices import Price
from genreclf.augment.prices import load_prices
from genreclf.errors import ConfigError


def test_rare_classes_and_counts_to_add(corpus):
    p = plan(corpus, target_count=10, per_request=4, overgenerate=1.0)
    assert isinstance(p, Plan)
    assert [(c.label, c.count, c.to_add) for c in p.classes] == [("news", 4, 6), ("war", 6, 4)]
    assert [c.requests for c in p.classes] == [2, 1]  # ceil(6/4), ceil(4/4)
    assert p.total_to_add == 10 and p.total_requests == 3


def test_overgenerate_adds_requests(corpus):
    p = plan(corpus, target_count=10, per_request=1, overgenerate=1.5)
    assert [c.requests for c in p.classes] == [9, 6]


def test_min_count_and_explicit_genres(corpus):
    p = plan(corpus, target_count=10, min_count=5)
    assert [c.label for c in p.classes] == ["news"]
    p = plan(corpus, target_count=40, genres="drama,war")
    assert [(c.label, c.to_add) for c in p.classes] == [("war", 34), ("drama", 10)]
    with pytest.raises(ConfigError, match="Received: genres=\\['Western'\\]"):
        plan(corpus, target_count=10, genres=["Western"])


def test_cost_matches_price_table(corpus):
    p = plan(corpus, target_count=10, model="gpt-4o-mini")
    expect = (p.input_tokens * 0.15 + p.output_tokens * 0.60) / 1e6
    assert p.cost_usd == pytest.approx(expect)
    assert sum(c.cost_usd for c in p.classes) == pytest.approx(expect)


def test_price_override_file_and_unknown_model(corpus, tmp_path):
    prices = tmp_path / "prices.json"
    prices.write_text(json.dumps({"local-llm": {"input": 1.0, "output": 2.0}}))
    p = plan(corpus, target_count=10, model="local-llm", prices=str(prices))
    assert p.price == Price(1.0, 2.0)
    assert p.cost_usd == pytest.approx((p.input_tokens + 2 * p.output_tokens) / 1e6)
    p = plan(corpus, target_count=10, model="no-such-model")
    assert p.cost_usd is None and "n/a" in p.to_table()
    assert load_prices()["gpt-4o"].output == 10.0
    prices.write_text("{not json")
    with pytest.raises(ConfigError, match="price file"):
        load_prices(str(prices))


def test_table_and_dict(corpus):
    p = plan(corpus, target_count=10)
    table = p.to_table()
    assert "news" in table and "war" in table and "total" in table
    assert "drama" not in table
    d = p.to_dict()
    json.dumps(d)
    assert d["total_to_add"] == 10


def test_bad_arguments(corpus):
    with pytest.raises(ConfigError, match="target_count"):
        plan(corpus)
    with pytest.raises(ConfigError, match="per_request"):
        plan(corpus, target_count=10, per_request=0)


@pytest.mark.parametrize("overgenerate", [float("nan"), float("inf"), 0.5])
def test_overgenerate_that_is_no_factor_of_at_least_1_is_refused(corpus, overgenerate):
    # nan was a ValueError traceback from math.ceil ('cannot convert float NaN to integer').
    with pytest.raises(ConfigError, match=r"overgenerate must be a number of at least 1"):
        plan(corpus, target_count=10, overgenerate=overgenerate)


@pytest.mark.parametrize("max_tokens", [0, -5])
def test_a_completion_cap_below_1_is_refused(corpus, max_tokens):
    # Was planned as 0 (or -20) output tokens, and sent as max_tokens the server rejects.
    with pytest.raises(ConfigError, match=rf"max_tokens .*Received: max_tokens={max_tokens}"):
        plan(corpus, target_count=10, max_tokens=max_tokens)


def test_a_min_count_below_1_or_genres_with_no_name_are_refused(corpus):
    # Both planned nothing, saying "No genre has fewer than 10 rows" (the target count).
    with pytest.raises(ConfigError, match=r"min_count must be a whole number of at least 1"):
        plan(corpus, target_count=10, min_count=-1)
    with pytest.raises(ConfigError, match=r"Received: genres with no name in it"):
        plan(corpus, target_count=10, genres=" , ")


def test_plan_reads_a_file(corpus_csv):
    p = plan(str(corpus_csv), label="genre", text="overview", target_count=10)
    assert [c.label for c in p.classes] == ["news", "war"]


def test_synthetic_rows_do_not_count_as_real(make_corpus):
    ds = make_corpus({"war": 5, "drama": 5})
    ds.sources = ["synthetic"] * 3 + ["real"] * 7
    p = plan(ds, target_count=4)
    assert [(c.label, c.count, c.to_add) for c in p.classes] == [("war", 2, 2)]


def test_a_ragged_row_is_skipped_with_the_skip_bad_rows_the_error_advises(tmp_path, capsys):
    from genreclf.augment.cli import main

    path = tmp_path / "ragged.csv"
    rows = "".join(f"a drifter rides into town number {i},drama\n" for i in range(10))
    path.write_text("text,genre\n" + rows + "a stray,drama,extra\n" + "a war film,war\n")
    command = ["plan", str(path), "--target-count", "12"]
    assert main(command) == 1
    err = capsys.readouterr().err
    assert "ragged.csv:12: expected 2 fields" in err and "(`--skip-bad-rows`)" in err
    assert main([*command, "--skip-bad-rows", "--json"]) == 0
    counts = {c["label"]: c["count"] for c in json.loads(capsys.readouterr().out)["classes"]}
    assert counts == {"drama": 10, "war": 1}
    assert plan(str(path), target_count=12, skip_bad_rows=True).total_to_add == 13


def test_examples_in_another_script_are_planned_as_the_budget_counts_them():
    # At 4 characters a token, Chinese examples were planned at a quarter of what the
    # budget holds for them: a run stopped for its budget long before the plan's cost.
    from genreclf.data.dataset import TextDataset

    english = "A detective hunts a killer through a rainy city. " * 4
    chinese = "一名侦探在雨夜的城市里追捕连环杀手。" * 4
    planned = {}
    for name, text in (("english", english), ("chinese", chinese)):
        rows = TextDataset([text] * 3 + ["A film."] * 20, ["war"] * 3 + ["drama"] * 20)
        (war,) = plan(rows, target_count=10, genres=["war"], few_shot=3).classes
        planned[name] = war.input_tokens / war.requests
    overhead = PROMPT_OVERHEAD_TOKENS
    assert planned["english"] == int(overhead + 3 * len(english) / 4)  # as before
    assert planned["chinese"] == int(overhead + 3 * len(chinese.encode("utf-8")))  # was / 4
