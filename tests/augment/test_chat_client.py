"""ChatCaller through the real `openai` client against a real local HTTP server."""

import asyncio
import json

import pytest

from genreclf.augment.client import Budget
from genreclf.augment.client import ChatCaller
from genreclf.augment.client import resolve_api_key
from genreclf.augment.client import retry_after_seconds
from genreclf.augment.prices import Price
from genreclf.augment.prompts import PromptBuilder
from genreclf.errors import ConfigError


def _requests(corpus, n, per_request=3):
    return PromptBuilder(corpus, per_request=per_request, max_tokens=100).requests("war", n)


def _run(caller, requests, estimate=50):
    async def go():
        try:
            return await asyncio.gather(*(caller.call(r, estimate) for r in requests))
        finally:
            await caller.aclose()

    return asyncio.run(go())


def _caller(server, **kw):
    kw.setdefault("backoff_base", 0.01)
    return ChatCaller("gpt-4o-mini", base_url=server.url, **kw)


def test_normal_reply(server, corpus):
    caller = _caller(server)
    [resp] = _run(caller, _requests(corpus, 1))
    synopses = json.loads(resp["content"])["synopses"]
    assert len(synopses) == 3
    assert resp["refusal"] is None and resp["finish_reason"] == "stop"
    assert resp["id"].startswith("chatcmpl-") and resp["request_id"].startswith("req_")
    assert resp["usage"][0] > 0 and resp["usage"][1] > 0
    body = server.requests[0]
    assert body["model"] == "gpt-4o-mini" and body["status"] == 200
    assert caller.stats.to_dict() == {
        "sent": 1,
        "succeeded": 1,
        "failed": {},
        "retries": {},
        "skipped_budget": 0,
        "charged_unanswered": 0,
        "said": {},
    }


def test_429_retry_after_is_honoured(server, corpus):
    server.script = [("429", 1)]
    caller = _caller(server, concurrency=1)
    [resp] = _run(caller, _requests(corpus, 1))
    assert resp is not None
    assert [r["status"] for r in server.requests] == [429, 200]
    gap = server.requests[1]["time"] - server.requests[0]["time"]
    assert gap >= 0.95  # waited for Retry-After: 1, not the 10 ms backoff
    assert caller.stats.retries == {"429": 1}
    assert caller.stats.sent == 2 and caller.stats.succeeded == 1


def test_a_long_retry_after_is_said_once_with_the_wait_it_gets(server, corpus, caplog):
    # An hour's Retry-After was waited (up to max_retry_after) without a word.
    server.script = [("429", 3600), ("429", 3600)]
    caller = _caller(server, concurrency=1, max_retry_after=0.05)
    with caplog.at_level("WARNING", logger="genreclf.augment"):
        [resp] = _run(caller, _requests(corpus, 1))
    assert resp is not None and caller.stats.retries == {"429": 2}
    said = [r.getMessage() for r in caplog.records if "Retry-After" in r.getMessage()]
    assert said == [
        f"{server.url} asked to wait 3600 s before retrying (Retry-After): waiting 0.05 s"
    ]


def test_500_and_timeout_are_retried_with_backoff(server, corpus):
    server.script = ["500", ("slow", 1.5), "500"]
    caller = _caller(server, concurrency=1, timeout=0.4)
    [resp] = _run(caller, _requests(corpus, 1))
    assert resp is not None
    assert dict(caller.stats.retries) == {"5xx": 2, "timeout": 1}
    assert caller.stats.sent == 4


def test_gives_up_after_max_attempts(server, corpus):
    server.default = "500"
    caller = _caller(server, max_attempts=3)
    assert _run(caller, _requests(corpus, 1)) == [None]
    assert len(server.requests) == 3  # the client's own retries are off
    assert caller.stats.failed == {"retries_exhausted": 1}
    assert caller.stats.retries == {"5xx": 2}


def test_backoff_grows_exponentially_with_jitter(server):
    caller = ChatCaller("m", base_url=server.url, backoff_base=1.0, backoff_max=8.0, seed=0)
    delays = [caller._backoff(a) for a in range(6)]
    for a, d in enumerate(delays):
        cap = min(8.0, 2.0**a)
        assert 0.5 * cap <= d <= cap
    assert len(set(delays)) == 6


def test_refusal_and_malformed_content_are_returned_not_raised(server, corpus):
    server.script = ["refusal", "malformed"]
    caller = _caller(server, concurrency=1)
    a, b = _run(caller, _requests(corpus, 2))
    assert a["content"] is None and "can't help" in a["refusal"]
    assert b["content"].startswith('{"synopses": ["An unfinished')
    assert caller.stats.succeeded == 2 and caller.stats.retries == {}


def test_bad_key_stops_everything(server, corpus):
    server.default = "401"
    caller = _caller(server, concurrency=1)
    assert _run(caller, _requests(corpus, 5)) == [None] * 5
    assert len(server.requests) == 1
    assert caller.stopped == "fatal" and "HTTP 401" in caller.fatal


def test_budget_in_tokens_stops_cleanly(server, corpus):
    server.usage = (40, 60)  # 100 tokens per response
    # Worst case per request: 50 (estimate) + 100 (max_tokens) = 150.
    budget = Budget(max_tokens=500)
    caller = _caller(server, concurrency=1, budget=budget)
    results = _run(caller, _requests(corpus, 10), estimate=50)
    done = [r for r in results if r is not None]
    # After 4 responses 400 are spent: 400 + 150 > 500, so the 5th never starts.
    assert len(done) == 4 and len(server.requests) == 4
    assert budget.spent_tokens == 400 <= 500
    assert caller.stopped == "budget" and caller.stats.skipped_budget == 6


def test_budget_in_dollars_with_concurrency_never_overspends(server, corpus):
    server.usage = (1000, 100)  # what the worst case (estimate, max_tokens) says
    server.latency = 0.05
    price = Price(input=1.0, output=1.0)  # $0.0011 per response
    budget = Budget(max_usd=0.0105, price=price)
    caller = _caller(server, concurrency=4, budget=budget)
    results = _run(caller, _requests(corpus, 20), estimate=1000)
    done = [r for r in results if r is not None]
    # 9 x $0.0011 = $0.0099; a 10th would make $0.0110 > $0.0105. In-flight
    # requests hold their worst case, so concurrency cannot overshoot.
    assert len(done) == len(server.requests) == 9
    assert budget.spent_usd == pytest.approx(0.0099) and budget.spent_usd <= 0.0105
    assert caller.stopped == "budget"


def test_dollar_budget_needs_a_price():
    with pytest.raises(ConfigError, match="--prices"):
        Budget(max_usd=1.0, price=None)


def test_missing_usage_is_charged_as_worst_case(server, corpus):
    server.default = "no_usage"
    budget = Budget(max_tokens=10_000)
    caller = _caller(server, budget=budget)
    _run(caller, _requests(corpus, 2), estimate=50)
    assert budget.spent_tokens == 2 * (50 + 100)


def test_key_resolution(monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    assert resolve_api_key(base_url="http://127.0.0.1:1/v1") == "sk-no-key-needed"
    with pytest.raises(ConfigError, match="OPENAI_API_KEY"):
        resolve_api_key()
    monkeypatch.setenv("OPENAI_API_KEY", "sk-env")
    assert resolve_api_key(base_url="http://x") == "sk-env"


def test_retry_after_header_forms():
    assert retry_after_seconds({"retry-after-ms": "1500"}) == 1.5
    assert retry_after_seconds({"retry-after": "3"}) == 3.0
    assert retry_after_seconds({"retry-after": "Wed, 21 Oct 2015 07:28:00 GMT"}) == 0.0
    assert retry_after_seconds({"retry-after": "soon"}) is None
    assert retry_after_seconds({}) is None


def test_a_reply_that_is_not_a_completion_is_a_failure(server, corpus):
    server.default = "garbage"
    caller = _caller(server)
    assert _run(caller, _requests(corpus, 2)) == [None, None]
    assert caller.stats.failed == {"bad_response": 2}
    assert len(server.requests) == 2  # counted, not retried, not raised


@pytest.mark.parametrize("behaviour", ["not_an_object", "choices_text"])
def test_json_that_is_not_a_completion_is_a_failure_not_a_crash(server, corpus, behaviour):
    # The openai client hands such a body over unvalidated: reading it raised AttributeError.
    server.default = behaviour
    budget = Budget(max_tokens=10_000)
    lost = []
    caller = _caller(server, budget=budget)
    [resp] = asyncio.run(_call_once(caller, _requests(corpus, 1)[0], lost))
    assert resp is None
    assert caller.stats.failed == {"bad_response": 1}
    assert len(server.requests) == 1
    assert lost == [(50, 100)] and budget.spent_tokens == 150  # charged its worst case


def test_usage_that_is_not_counts_charges_the_worst_case(server, corpus):
    # usage {"prompt_tokens": "many", "completion_tokens": -5}: int() raised ValueError, and
    # a negative count would have given budget back.
    server.default = "bad_usage"
    budget = Budget(max_tokens=10_000)
    caller = _caller(server, budget=budget)
    [resp] = _run(caller, _requests(corpus, 1))
    assert json.loads(resp["content"])["synopses"]
    assert resp["usage"] == [50, 100] and budget.spent_tokens == 150


async def _call_once(caller, request, lost):
    try:
        return [await caller.call(request, 50, lost=lost.append)]
    finally:
        await caller.aclose()


def test_keep_runs_before_the_slot_is_given_up(server, corpus):
    # kill -9 loses at most `concurrency` paid responses: a request keeps its slot
    # until `keep` (the cache write) returns, so no other request is sent meanwhile.
    caller = _caller(server, concurrency=1)
    seen = []

    async def keep(response):
        await asyncio.sleep(0.2)  # a slow fsync
        seen.append((response["id"], len(server.requests)))

    async def go():
        try:
            calls = (caller.call(r, 50, keep=keep) for r in _requests(corpus, 3))
            return await asyncio.gather(*calls)
        finally:
            await caller.aclose()

    responses = asyncio.run(go())
    assert [i for i, _ in seen] == [r["id"] for r in responses]
    assert [n for _, n in seen] == [1, 2, 3]


def test_a_server_that_never_answers_stops_the_run_after_one_request(
    corpus, caplog, closed_port_url
):
    url = closed_port_url
    caller = ChatCaller("m", base_url=url, max_attempts=3, backoff_base=0.01, concurrency=1)
    assert _run(caller, _requests(corpus, 5)) == [None] * 5
    assert caller.stats.sent == 3  # one request's attempts, not every row's
    assert caller.stopped == "fatal"
    assert f"could not connect to {url} in 3 attempts" in caller.fatal
    assert "check --base-url" in caller.fatal
    warned = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert len(warned) == 1 and warned[0].startswith(f"cannot connect to {url}")


def test_a_server_that_answered_and_then_drops_connections_is_not_fatal(server, corpus):
    server.script = ["ok", "drop", "drop"]
    caller = _caller(server, concurrency=1, max_attempts=2)
    ok, lost, again = _run(caller, _requests(corpus, 3))
    assert ok is not None and lost is None
    assert caller.fatal is None  # it may come back: the next row still tries
    assert again is not None
    # (the server had the requests: they count as dropped, charged as a timeout is)
    assert caller.stats.retries == {"dropped": 1}
    assert caller.stats.failed == {"retries_exhausted": 1}


@pytest.mark.parametrize("timeout", [0, -1, float("nan")])
def test_a_timeout_that_is_no_positive_number_is_refused(timeout):
    # 0 hung the label LLM stage; nan failed every request with a bare ValueError.
    with pytest.raises(ConfigError, match=r"timeout must be a number above 0"):
        ChatCaller("m", base_url="http://127.0.0.1:9/v1", timeout=timeout)


@pytest.mark.parametrize("behaviour", ["500", ("429", 0)])
def test_a_server_that_never_succeeds_stops_the_run_after_one_request(server, corpus, behaviour):
    # Was every request's attempts: `genreclf label` on 42 rows ran past two minutes on
    # a server answering 500, and ended with exit 0 and every row unlabelled.
    server.default = behaviour
    caller = _caller(server, max_attempts=3, concurrency=1)
    assert _run(caller, _requests(corpus, 5)) == [None] * 5
    assert len(server.requests) == 3 and caller.stopped == "fatal"
    assert caller.fatal.startswith(f"{server.url} failed all 3 attempts of a request")
    assert "answers already received are not paid again" in caller.fatal


def test_a_server_that_succeeded_once_is_retried_for_every_request(server, corpus):
    server.script = ["ok"]
    server.default = "500"
    caller = _caller(server, max_attempts=2, concurrency=1)
    ok, *failed = _run(caller, _requests(corpus, 3))
    assert ok is not None and failed == [None, None]
    assert caller.fatal is None and len(server.requests) == 5  # it may come back
