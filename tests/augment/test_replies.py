"""`genreclf.augment.replies`: what is kept of a chat reply, against a real local server."""

import json

from tests.augment.test_misbehaving_server import COMPLETION
from tests.augment.test_misbehaving_server import RawServer
from tests.augment.test_misbehaving_server import headers


def _reply_with(content):
    """A reply whose message content is `content`, as a JSON body escapes it."""

    def reply(handler):
        completion = json.loads(json.dumps(COMPLETION))
        completion["choices"][0]["message"]["content"] = content
        body = json.dumps(completion).encode()  # ensure_ascii: a surrogate as \\ud800
        headers(handler, len(body))
        handler.wfile.write(body)

    return reply


def test_lone_surrogates_in_a_reply_are_replaced_not_a_crash(corpus_csv, capsys):
    # A reply holding "\ud800" (in the content, or escaped in the synopses' JSON) was paid
    # and then crashed the run: UnicodeEncodeError writing the cache or the output file.
    from genreclf.augment.cli import main

    lone = chr(0xD800)
    content = json.dumps({"synopses": [f"A spy{lone} returns.", "A ghost\\ud800 hunts."]})
    content = content.replace("\\\\ud800", "\\ud800")  # escaped inside the content's JSON
    server = RawServer(_reply_with(content))
    try:
        out = corpus_csv.parent / "aug.jsonl"
        argv = ["run", str(corpus_csv), "--label", "genre", "--target-count", "6"]
        argv += ["--per-request", "2", "--concurrency", "1", "--min-words", "1"]
        argv += ["--base-url", server.url, "--out", str(out)]
        assert main(argv) == 0, capsys.readouterr().err
        texts = [json.loads(line)["text"] for line in out.read_text("utf-8").splitlines()]
        assert texts and all("\N{REPLACEMENT CHARACTER}" in t for t in texts)
        asked = server.posts
        assert main(argv) == 0 and server.posts == asked  # the cache reads back
    finally:
        server.close()
