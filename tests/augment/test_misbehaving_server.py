"""`ChatCaller` against a server that misbehaves below the JSON: a reply trickled in, one
too large to hold, a connection closed mid-reply, usage counts no float holds.

Each test runs its own small HTTP server on 127.0.0.1 (a real socket) whose
`reply(handler)` writes the raw response, as `FakeChatServer`'s scripted
behaviours cannot (they answer whole JSON bodies).
"""

import asyncio
import http.server
import json
import threading
import time

import pytest

from genreclf.augment.client import Budget
from genreclf.augment.client import ChatCaller
from genreclf.augment.prompts import Request

COMPLETION = {
    "id": "chatcmpl-1",
    "object": "chat.completion",
    "created": 0,
    "model": "m",
    "choices": [
        {
            "index": 0,
            "finish_reason": "stop",
            "message": {"role": "assistant", "content": '{"synopses": ["A spy returns."]}'},
        }
    ],
    "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15},
}


class RawServer:
    """A threaded HTTP server on 127.0.0.1 answering each POST with `reply(handler)`."""

    def __init__(self, reply):
        self.reply = reply
        self.posts = 0
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_POST(self):
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                server.posts += 1
                try:
                    server.reply(self)
                except OSError:  # the client gave up
                    pass
                self.close_connection = True

        self._httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        threading.Thread(target=self._httpd.serve_forever, args=(0.05,), daemon=True).start()

    @property
    def url(self):
        return "http://127.0.0.1:%d/v1" % self._httpd.server_address[1]

    def close(self):
        self._httpd.shutdown()
        self._httpd.server_close()


@pytest.fixture
def raw_server():
    servers = []

    def start(reply):
        servers.append(RawServer(reply))
        return servers[-1]

    yield start
    for s in servers:
        s.close()


def headers(handler, length, status=200):
    handler.send_response(status)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", str(length))
    # RawServer closes every connection after its reply: said, so that the client does not
    # send the next request on it and count a 'dropped' retry (a CI flake)
    handler.send_header("Connection", "close")
    handler.end_headers()


def request():
    return Request(
        genre="war",
        labels=["war"],
        index=0,
        messages=[{"role": "user", "content": "Write 1 new synopses"}],
        n=1,
        params={"max_tokens": 100},
    )


def call(server, budget=None, limit=10.0, **kw):
    """`ChatCaller.call` of one request to `server`: `(response, caller, seconds)`; a call
    still running after `limit` seconds fails the test rather than hanging it."""
    kw.setdefault("backoff_base", 0.01)
    caller = ChatCaller("m", base_url=server.url, budget=budget, **kw)

    async def go():
        try:
            return await asyncio.wait_for(caller.call(request(), 50), limit)
        finally:
            await caller.aclose()

    start = time.monotonic()
    try:
        response = asyncio.run(go())
    except asyncio.TimeoutError:
        pytest.fail(f"the call was still running after {limit} s (--timeout {caller.timeout})")
    return response, caller, time.monotonic() - start


def test_a_reply_trickled_in_slower_than_the_timeout_times_out(raw_server):
    body = json.dumps(COMPLETION).encode()

    def trickle(handler):  # headers at once, then a byte every 0.05 s: each read is quick
        headers(handler, len(body))
        for i in range(len(body)):
            handler.wfile.write(body[i : i + 1])
            handler.wfile.flush()
            time.sleep(0.05)

    server = raw_server(trickle)
    budget = Budget(max_tokens=10_000)
    response, caller, seconds = call(server, budget, timeout=0.5, max_attempts=2)
    # Was: no timeout at all, each read came in time (the whole reply takes ~20 s).
    assert response is None and seconds < 5
    assert caller.stats.retries == {"timeout": 1} and caller.stats.charged_unanswered == 2
    assert budget.spent_tokens == 2 * 150  # each attempt charged its worst case


def huge_reply(declared):
    """A completion whose content is 64 MiB, sent in 1 MiB writes; its Content-Length
    declared, or chunked without one."""

    def reply(handler):
        completion = json.loads(json.dumps(COMPLETION))
        completion["choices"][0]["message"]["content"] = "@@"
        head, tail = (part.encode() for part in json.dumps(completion).split("@@"))
        chunk = b"A" * (1 << 20)
        if declared:
            headers(handler, len(head) + 64 * len(chunk) + len(tail))
            writes = [head] + [chunk] * 64 + [tail]
        else:
            handler.send_response(200)
            handler.send_header("Content-Type", "application/json")
            handler.send_header("Transfer-Encoding", "chunked")
            handler.end_headers()
            writes = [head] + [chunk] * 64 + [tail]
        for w in writes:  # (framed one at a time: the server holds 1 MiB, not 64)
            handler.wfile.write(w if declared else b"%x\r\n%s\r\n" % (len(w), w))
        if not declared:
            handler.wfile.write(b"0\r\n\r\n")

    return reply


@pytest.mark.parametrize("declared", [True, False], ids=["content-length", "chunked"])
def test_a_reply_too_large_to_hold_is_not_read(raw_server, declared):
    import resource

    server = raw_server(huge_reply(declared))
    budget = Budget(max_tokens=10_000)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    response, caller, _ = call(server, budget, max_attempts=3)
    grown_mib = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    # Was: read whole (and, chunked, parsed: several times its 64 MiB at the peak).
    assert grown_mib < 40
    assert response is None and caller.stats.failed == {"too_large": 1}
    assert server.posts == 1  # not asked again: it would answer as much again
    assert caller.stats.charged_unanswered == 1 and budget.spent_tokens == 150


def gzipped(completion):
    """A reply of `completion` gzip-compressed, sent whether asked for or not."""
    import gzip

    body = gzip.compress(json.dumps(completion).encode())

    def reply(handler):
        handler.send_response(200)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Encoding", "gzip")
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)

    return reply


def test_a_gzip_reply_is_capped_by_its_decoded_size(raw_server):
    import resource

    response, _, _ = call(raw_server(gzipped(COMPLETION)))
    assert response["content"] == COMPLETION["choices"][0]["message"]["content"]

    bomb = json.loads(json.dumps(COMPLETION))
    bomb["choices"][0]["message"]["content"] = "x" * (64 << 20)  # 65 kB gzipped
    server = raw_server(gzipped(bomb))
    del bomb
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    response, caller, _ = call(server, max_attempts=3)
    grown_mib = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    # Was: its 65 kB counted against the 8 MiB cap, and 64 MiB read whole and parsed.
    assert response is None and caller.stats.failed == {"too_large": 1}
    assert server.posts == 1 and grown_mib < 40


def test_a_connection_closed_mid_reply_is_charged_and_named(raw_server, caplog):
    body = json.dumps(COMPLETION).encode()

    def half(handler):  # the server had the request: it may bill it
        headers(handler, len(body))
        handler.wfile.write(body[: len(body) // 2])

    server = raw_server(half)
    budget = Budget(max_tokens=10_000)
    response, caller, _ = call(server, budget, max_attempts=2)
    assert response is None and server.posts == 2
    # Was: charged nothing (a retry paid again uncounted), and "could not connect to
    # ...: check --base-url and that the server is running".
    assert caller.stats.retries == {"dropped": 1} and caller.stats.charged_unanswered == 2
    assert budget.spent_tokens == 2 * 150
    assert "closed the connection before its reply was complete" in caplog.text
    assert "could not connect" not in caller.fatal
    assert f"{server.url} failed all 2 attempts of a request (the last: dropped" in caller.fatal


@pytest.mark.parametrize("count", [10**400, 10**15], ids=["beyond-a-float", "absurd"])
def test_usage_counts_beyond_any_request_are_charged_the_worst_case(raw_server, count):
    from genreclf.augment.prices import Price

    completion = {**COMPLETION, "usage": {"prompt_tokens": count, "completion_tokens": 5}}
    body = json.dumps(completion).encode()

    def reply(handler):
        headers(handler, len(body))
        handler.wfile.write(body)

    budget = Budget(max_usd=1.0, price=Price(input=0.15, output=0.6))
    # Was: OverflowError (int too large to convert to float), a traceback that lost the
    # paid reply; or $150 000 000 "spent" on a $1 cap.
    response, caller, _ = call(raw_server(reply), budget)
    assert response is not None and response["usage"] == [50, 100]  # the worst case
    assert budget.spent_tokens == 150


def truncated(handler):
    """A completion cut off at max_tokens: half its JSON, `finish_reason` "length"."""
    completion = json.loads(json.dumps(COMPLETION))
    choice = completion["choices"][0]
    choice["finish_reason"] = "length"
    choice["message"]["content"] = '{"synopses": ["A spy ret'
    body = json.dumps(completion).encode()
    headers(handler, len(body))
    handler.wfile.write(body)


def test_answers_cut_off_at_max_tokens_are_not_asked_again(raw_server, corpus_csv, capsys):
    from genreclf.augment.cli import main

    server = raw_server(truncated)
    out = corpus_csv.parent / "aug.jsonl"
    argv = ["run", str(corpus_csv), "--label", "genre", "--target-count", "8"]
    argv += ["--per-request", "4", "--concurrency", "1", "--backoff", "0.01"]
    assert main(argv + ["--base-url", server.url, "--out", str(out)]) == 1
    # Was: each prompt asked three times (paid), then "check --model, or pass
    # --response-format", which changes nothing.
    assert server.posts == 3  # one request a prompt
    err = capsys.readouterr().err
    assert "truncated x3" in err and "finish_reason 'length'): raise --max-tokens" in err


def error_reply(status, message):
    def reply(handler):
        body = json.dumps({"error": {"message": message, "type": "invalid_request_error"}})
        headers(handler, len(body), status=status)
        handler.wfile.write(body.encode())

    return reply


def test_an_http_error_names_what_the_server_said(raw_server, corpus_csv, capsys):
    from genreclf.augment.cli import main

    said = "Invalid parameter: 'response_format' of type 'json_schema' is not supported."
    server = raw_server(error_reply(400, said))
    argv = ["run", str(corpus_csv), "--label", "genre", "--target-count", "8"]
    argv += ["--per-request", "4", "--concurrency", "1", "--base-url", server.url]
    assert main(argv + ["--out", str(corpus_csv.parent / "aug.jsonl")]) == 1
    # Was: "failures: http_400 x3", and nothing of why.
    assert f"failures: http_400 x3; the server said (http_400): {said}" in capsys.readouterr().err

    said = "The model `gpt-4o-mni` does not exist or you do not have access to it."
    response, caller, _ = call(raw_server(error_reply(404, said)))
    assert response is None and caller.stats.failed == {"http_404": 1}
    assert caller.fatal.startswith(f"HTTP 404 from the API (NotFoundError: {said}); check")


def web_page(handler):
    """A 200 web page, as a --base-url that is a web app's answers any path."""
    body = b"<!doctype html><html><body>Sign in</body></html>"
    handler.send_response(200)
    handler.send_header("Content-Type", "text/html")
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)


def test_replies_that_are_no_completion_at_all_point_at_the_base_url(
    raw_server, corpus_csv, capsys
):
    from genreclf.augment.cli import main

    server = raw_server(web_page)
    argv = ["run", str(corpus_csv), "--label", "genre", "--target-count", "8"]
    argv += ["--per-request", "4", "--concurrency", "1", "--base-url", server.url]
    assert main(argv + ["--out", str(corpus_csv.parent / "aug.jsonl")]) == 1
    # Was only "check --model, or pass --response-format json_object (or none)".
    err = capsys.readouterr().err
    assert "failures: bad_response x3" in err
    assert "sent replies that are no chat completion at all" in err and "--base-url" in err
    assert "--response-format" not in err  # (was said beside it, changing nothing)


def test_a_used_up_quota_stops_the_run_at_once(raw_server):
    quota = "You exceeded your current quota, please check your plan and billing details."
    body = json.dumps(COMPLETION).encode()

    def reply(handler):  # one answer, then OpenAI's 429 for an account out of credit
        if server.posts == 1:
            headers(handler, len(body))
            handler.wfile.write(body)
            return
        error = {"message": quota, "type": "insufficient_quota", "code": "insufficient_quota"}
        error_body = json.dumps({"error": error}).encode()
        headers(handler, len(error_body), status=429)
        handler.wfile.write(error_body)

    server = raw_server(reply)
    caller = ChatCaller("m", base_url=server.url, concurrency=1, backoff_base=0.01)

    async def go():
        try:
            return [await caller.call(request(), 50) for _ in range(3)]
        finally:
            await caller.aclose()

    first, second, third = asyncio.run(go())
    assert first is not None and second is None and third is None
    # Was: every later request retried 6 times (backoff up to a minute each), as a busy
    # server's 429; the run went on row after row until each had failed.
    assert server.posts == 2 and caller.stats.failed == {"http_429": 1}
    assert caller.fatal == (
        f"HTTP 429 from the API (RateLimitError: {quota}); the account's quota is used up: "
        "check its plan and billing, then rerun"
    )
