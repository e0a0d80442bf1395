"""Calls the real OpenAI API: only with OPENAI_API_KEY set and `pytest --run-live`."""

import json
import os

import pytest

from genreclf import augment


@pytest.fixture
def live(request):
    if not request.config.getoption("--run-live", default=False):
        pytest.skip("calls the real OpenAI API: pass --run-live (and set OPENAI_API_KEY)")
    if not os.environ.get("OPENAI_API_KEY"):
        pytest.skip("OPENAI_API_KEY is not set")


@pytest.mark.live
def test_real_api_structured_synopses(live, corpus, tmp_path):
    res = augment.generate(
        corpus,
        out=tmp_path / "aug.jsonl",
        target_count=6,
        genres=["news"],
        per_request=2,
        overgenerate=1.0,
        model="gpt-4o-mini",
        budget_usd=0.01,
        concurrency=1,
        filters={"min_words": 10},
    )
    assert res.failures == {} and res.stopped is None
    assert 0 < res.spent_usd <= 0.01
    rows = [json.loads(l) for l in open(tmp_path / "aug.jsonl")]
    assert rows and all(r["source"] == "synthetic" and r["labels"] == ["news"] for r in rows)
    assert os.environ["OPENAI_API_KEY"] not in (tmp_path / "aug.jsonl.cache.jsonl").read_text()
