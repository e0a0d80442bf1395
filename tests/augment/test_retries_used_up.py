"""The stop message of a request that used every attempt (`augment/giving_up.py`), against
`RawServer`s on 127.0.0.1 (real sockets): what the server said, where it said anything."""

from tests.augment.test_misbehaving_server import call
from tests.augment.test_misbehaving_server import error_reply
from tests.augment.test_misbehaving_server import raw_server  # noqa: F401 (a fixture)


def test_a_5xx_to_the_last_attempt_names_what_the_server_said(
    raw_server,  # noqa: F811
    corpus_csv,
    capsys,
):
    from genreclf.augment.cli import main

    said = "CUDA out of memory on the model server"
    server = raw_server(error_reply(500, said))
    argv = ["run", str(corpus_csv), "--label", "genre", "--target-count", "8"]
    argv += ["--per-request", "4", "--concurrency", "1", "--base-url", server.url]
    argv += ["--max-attempts", "2", "--backoff", "0.01"]
    assert main(argv + ["--out", str(corpus_csv.parent / "aug.jsonl")]) == 1
    # Was: "failures: retries_exhausted x1; retries: 5xx x1; ... failed all 2 attempts
    # (the last: 5xx ...)", and nothing of what it said.
    err = capsys.readouterr().err
    assert f"(the last: 5xx, the server said (http_500): {said}; retries" in err
    assert err.count(said) == 1


def test_a_429_to_the_last_attempt_names_what_the_server_said(raw_server):  # noqa: F811
    said = "Rate limit reached for gpt-4o-mini on tokens per min (TPM): Limit 200000"
    response, caller, _ = call(raw_server(error_reply(429, said)), max_attempts=2)
    assert response is None and caller.stats.said == {"http_429": said}
    assert f"(the last: 429, the server said (http_429): {said}; retries" in caller.fatal
    assert "--base-url" not in caller.fatal  # it answered: HTTP, the right server


def test_a_base_url_that_answers_no_http_is_pointed_at(raw_server):  # noqa: F811
    from genreclf.augment.client import Budget

    def tls_alert(handler):  # as an https:// port answers an http:// request
        handler.wfile.write(b"\x15\x03\x01\x00\x02\x02\x32")

    budget = Budget(max_tokens=10_000)
    response, caller, _ = call(raw_server(tls_alert), budget, max_attempts=2)
    assert response is None and caller.stats.retries == {"dropped": 1}
    assert budget.spent_tokens == 2 * 150  # it had the request: charged its worst case
    # Was: "check the server (its log, --model, your quota)", nothing of --base-url.
    assert "(the last: dropped: " in caller.fatal
    assert "check --base-url (not one whole HTTP reply has come from it" in caller.fatal
    assert "http:// or https://" in caller.fatal


def test_a_base_url_that_never_replies_in_time_is_told_to_raise_the_timeout(raw_server):  # noqa: F811
    import time

    def loading(handler):  # as a local server still loading its model: no reply in time
        time.sleep(1.0)

    response, caller, _ = call(raw_server(loading), timeout=0.3, max_attempts=2)
    assert response is None and caller.stats.retries == {"timeout": 1}
    # Was: "check --base-url (... http:// or https:// as that port speaks?)", a wrong scheme
    # answers at once (a reset, a TLS alert), not with silence.
    assert "check --timeout (now 0.3 s; no reply has come in time" in caller.fatal
    assert "may still be loading its model" in caller.fatal
    assert "http:// or https://" not in caller.fatal
