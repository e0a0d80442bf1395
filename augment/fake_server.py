"""`FakeChatServer`: a local OpenAI-compatible chat-completions server for tests and benchmarks.

It answers `POST /v1/chat/completions` on 127.0.0.1 with structured synopses
(`{"synopses": [...]}`), and can be scripted to misbehave: rate limits with
`Retry-After`, server errors, replies slower than the client's timeout,
malformed JSON content, refusals. It records every request it receives.
Run it by hand with `python -m genreclf.augment.fake_server --port 8000 --latency 0.2`.
"""

import argparse
import hashlib
import http.server
import json
import random
import re
import socket
import threading
import time

from genreclf.augment.fake_batch_api import create_batch
from genreclf.augment.fake_batch_api import upload_file
from genreclf.augment.fake_synopses import fake_synopsis  # noqa: E402,F401 (re-exported)


class FakeChatServer:
    """A threaded OpenAI-compatible chat-completions server on 127.0.0.1.

    Args:
        latency: seconds added to every reply.
        default: the behaviour when the script is empty.
        usage: fixed `(prompt_tokens, completion_tokens)` to report, or `None`
            to report about a quarter of the characters.

    Behaviours (`server.script` is a FIFO list consumed one per request;
    entries are a name or `(name, seconds)`): `"ok"`, `"429"` (seconds for
    `Retry-After`), `"500"`, `"slow"` (sleeps the given seconds, then answers),
    `"malformed"`, `"bad_schema"`, `"refusal"`, `"refusal_text"` (an apology as the
    content, no `refusal` field, as a server without one declines),
    `"refusal_synopses"` (the JSON asked for, each synopsis an apology, as a model
    forced into a schema declines),
    `"no_usage"`, `"401"`, `"garbage"`
    (a 200 whose body is not JSON), `"not_an_object"` (a 200 whose JSON is a list),
    `"choices_text"` (a 200 whose `choices` is a string), `"drop"` (closes the
    connection unanswered, as a crashing server does), `"empty_choices"` (a billed
    200 with no choices), `"bad_usage"` (a completion whose usage is text),
    `"copy_examples"` (returns the prompt's examples, like a lazy model) and
    `"near_copies"` (returns near-identical synopses). A labelling prompt
    (`genreclf label`'s LLM stage) is answered `{"labels": [...], "confidence": ...}`
    (see `_label_answer`).

    Example:

    >>> import openai
    >>> with FakeChatServer() as server:
    ...     client = openai.OpenAI(base_url=server.url, api_key="x", max_retries=0)
    ...     r = client.chat.completions.create(model="m", messages=[
    ...         {"role": "user", "content": "Write 2 new synopses"}])
    ...     len(json.loads(r.choices[0].message.content)["synopses"])
    2
    """

    def __init__(self, latency=0.0, default="ok", usage=None):
        self.latency = float(latency)
        self.default = default
        self.usage = usage
        self.script = []
        self.requests = []  # one dict per request received
        self.files = {}  # Batch API: uploaded and output files
        self.batches = {}  # Batch API: batch objects
        self.batch_polls = 1  # retrieves answered "in_progress" before "completed"
        self._lock = threading.Lock()
        self._httpd = None
        self._thread = None

    @property
    def url(self):
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}/v1"

    def start(self, port=0):
        handler = _make_handler(self)
        self._httpd = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self):
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def counts(self, status=None):
        """`{body_hash: number of requests}` (only those answered `status`, if given)."""
        out = {}
        with self._lock:
            for r in self.requests:
                if status is None or r["status"] == status:
                    out[r["hash"]] = out.get(r["hash"], 0) + 1
        return out

    def _next_behaviour(self):
        with self._lock:
            item = self.script.pop(0) if self.script else self.default
        if isinstance(item, (tuple, list)):
            return item[0], item[1]
        return item, None

    def _record(self, **info):
        with self._lock:
            self.requests.append(info)


def _make_handler(server):
    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):  # quiet
            pass

        def setup(self):
            super().setup()
            # Headers and body go out in separate writes: without NODELAY,
            # Nagle + delayed ACK would add ~40 ms to every reply.
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

        def _send(self, status, obj, headers=()):
            body = json.dumps(obj).encode("utf-8")
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                for k, v in headers:
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(body)
            except OSError:  # the client gave up (timeout) or was killed
                pass

        def do_GET(self):
            parts = self.path.split("?")[0].strip("/").split("/")
            if len(parts) == 2 and parts[1] == "batches":  # list, newest first, one page
                batches = [
                    {k: v for k, v in b.items() if not k.startswith("_")}
                    for b in reversed(list(server.batches.values()))
                ]
                self._send(200, {"object": "list", "data": batches, "has_more": False})
            elif len(parts) == 3 and parts[1] == "batches" and parts[2] in server.batches:
                batch = server.batches[parts[2]]
                with server._lock:
                    if batch["_polls"] >= server.batch_polls:
                        batch["status"] = "completed"
                    batch["_polls"] += 1
                self._send(200, {k: v for k, v in batch.items() if not k.startswith("_")})
            elif (
                len(parts) == 4
                and parts[1] == "files"
                and parts[3] == "content"
                and parts[2] in server.files
            ):
                data = server.files[parts[2]]
                try:
                    self.send_response(200)
                    self.send_header("Content-Type", "application/octet-stream")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except OSError:
                    pass
            else:
                self._send(404, {"error": {"message": f"no route {self.path}"}})

        def do_POST(self):
            length = int(self.headers.get("Content-Length", 0))
            raw = self.rfile.read(length)
            path = self.path.rstrip("/")
            if path.endswith("/files"):
                self._send(200, upload_file(server, self.headers["Content-Type"], raw))
                return
            if path.endswith("/batches"):
                self._send(200, create_batch(server, json.loads(raw), _completion))
                return
            if not self.path.rstrip("/").endswith("/chat/completions"):
                self._send(404, {"error": {"message": f"no route {self.path}"}})
                return
            body = json.loads(raw)
            digest = hashlib.sha256(json.dumps(body, sort_keys=True).encode("utf-8")).hexdigest()
            behaviour, arg = server._next_behaviour()
            status = {"429": 429, "500": 500, "401": 401, "drop": None}.get(behaviour, 200)
            # Recorded before replying, so a client that has its reply sees it.
            server._record(
                hash=digest,
                behaviour=behaviour,
                status=status,
                time=time.time(),
                model=body.get("model"),
                authorization=self.headers.get("Authorization"),
            )
            if server.latency:
                time.sleep(server.latency)
            if behaviour == "429":
                headers = [("Retry-After", str(arg if arg is not None else 0))]
                self._send(
                    429,
                    {
                        "error": {
                            "message": "Rate limit reached",
                            "type": "requests",
                            "code": "rate_limit_exceeded",
                        }
                    },
                    headers,
                )
            elif behaviour == "500":
                self._send(500, {"error": {"message": "Internal error", "type": "server_error"}})
            elif behaviour == "401":
                self._send(
                    401,
                    {
                        "error": {
                            "message": "Incorrect API key provided",
                            "type": "invalid_request_error",
                        }
                    },
                )
            elif behaviour == "drop":
                self.close_connection = True
            elif behaviour == "not_an_object":  # JSON, but no completion object
                self._send(200, [{"synopses": ["A list, not a completion."]}])
            elif behaviour == "garbage":  # a 200 whose body is not JSON at all
                try:
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", "12")
                    self.end_headers()
                    self.wfile.write(b"<html>oops</")
                except OSError:
                    pass
            else:
                if behaviour == "slow":
                    time.sleep(arg if arg is not None else 5.0)
                self._send(
                    200,
                    _completion(body, digest, behaviour, server),
                    [("x-request-id", f"req_{digest[:20]}")],
                )

    return Handler


def _completion(body, digest, behaviour, server):
    prompt = " ".join(str(m.get("content", "")) for m in body.get("messages", []))
    match = re.search(r"Write (\d+)", prompt)
    n = int(match.group(1)) if match else 5
    rng = random.Random(digest)
    refusal = None
    if behaviour == "copy_examples":
        examples = re.findall(r"^\d+\. (.+)$", prompt, flags=re.M)
        content = json.dumps({"synopses": examples[:n]})
    elif behaviour == "near_copies":
        base = fake_synopsis(rng)
        content = json.dumps({"synopses": [base] + [f"{base} Part {i}." for i in range(1, n)]})
    elif behaviour == "malformed":
        content = '{"synopses": ["An unfinished thought about'
    elif behaviour == "bad_schema":
        content = json.dumps({"stories": ["x"]})
    elif behaviour == "refusal":
        content, refusal = None, "I'm sorry, I can't help with that."
    elif behaviour == "refusal_text":
        content = REFUSAL_TEXT
    elif behaviour == "refusal_synopses":
        content = json.dumps({"synopses": [REFUSAL_TEXT] * n})
    elif LABEL_MARKER in prompt:
        content = _label_answer(prompt, rng)
    else:
        content = json.dumps({"synopses": [fake_synopsis(rng) for _ in range(n)]})
    if server.usage is not None:
        usage = list(server.usage)
    else:
        usage = [len(prompt) // 4, len(content or refusal) // 4]
    reply = {
        "id": f"chatcmpl-{digest[:24]}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": body.get("model", "fake"),
        "choices": [
            {
                "index": 0,
                "finish_reason": "stop",
                "logprobs": None,
                "message": {"role": "assistant", "content": content, "refusal": refusal},
            }
        ],
    }
    if behaviour == "empty_choices":
        reply["choices"] = []
    if behaviour == "choices_text":
        reply["choices"] = content
    if behaviour == "bad_usage":
        reply["usage"] = {"prompt_tokens": "many", "completion_tokens": -5}
    elif behaviour != "no_usage":
        reply["usage"] = {
            "prompt_tokens": usage[0],
            "completion_tokens": usage[1],
            "total_tokens": usage[0] + usage[1],
        }
    return reply


LABEL_MARKER = "Label this synopsis."
REFUSAL_TEXT = (
    "I'm sorry, but I can't help with writing these synopses. If you have another "
    "request, such as a summary of an existing film, I would be glad to help with that."
)


def _label_answer(prompt, rng):
    """The first listed genre whose name the synopsis contains (confidence 0.9), else a
    seeded pick among them (0.6): deterministic per prompt, like a model at temperature 0."""
    names = re.findall(r"^- ([^:\n]+):", prompt, flags=re.M)
    synopsis = prompt.rsplit("Synopsis:", 1)[-1].split("\n", 1)[0].casefold()
    named = [g for g in names if g.casefold() in synopsis]
    if named:
        return json.dumps({"labels": named[:1], "confidence": 0.9})
    return json.dumps({"labels": [rng.choice(names)] if names else [], "confidence": 0.6})


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m genreclf.augment.fake_server")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--latency", type=float, default=0.0)
    args = parser.parse_args(argv)
    server = FakeChatServer(latency=args.latency).start(args.port)
    print(server.url, flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        server.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
