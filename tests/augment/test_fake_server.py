"""The local OpenAI-compatible server the other tests and the benchmark rely on."""

import json
import urllib.error
import urllib.request

import pytest


class Reply:
    def __init__(self, status, headers, body):
        self.status_code, self.headers, self._body = status, headers, body

    def json(self):
        return json.loads(self._body)


def _post(server, body=None, path="/chat/completions"):
    body = body or {"model": "m", "messages": [{"role": "user", "content": "Write 3 new"}]}
    req = urllib.request.Request(
        server.url + path,
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(req, timeout=5) as r:
            return Reply(r.status, r.headers, r.read())
    except urllib.error.HTTPError as e:
        return Reply(e.code, e.headers, e.read())


@pytest.mark.parametrize(
    "behaviour, status",
    [
        ("ok", 200),
        ("429", 429),
        ("500", 500),
        ("401", 401),
        ("refusal", 200),
        ("malformed", 200),
        ("bad_schema", 200),
        ("no_usage", 200),
    ],
)
def test_scripted_behaviours(server, behaviour, status):
    server.script = [(behaviour, 2) if behaviour == "429" else behaviour]
    r = _post(server)
    assert r.status_code == status
    if behaviour == "429":
        assert r.headers["Retry-After"] == "2"
    if status == 200:
        msg = r.json()["choices"][0]["message"]
        assert ("usage" in r.json()) == (behaviour != "no_usage")
        if behaviour == "ok":
            assert len(json.loads(msg["content"])["synopses"]) == 3
        if behaviour == "refusal":
            assert msg["content"] is None and msg["refusal"]
    assert server.requests[-1]["behaviour"] == behaviour


def test_counts_identical_bodies(server):
    _post(server)
    _post(server)
    _post(server, {"model": "m", "messages": [{"role": "user", "content": "other"}]})
    assert sorted(server.counts().values()) == [1, 2]
    assert _post(server).json()["id"] == _post(server).json()["id"]  # deterministic


def test_unknown_route(server):
    r = _post(server, {}, path="/completions")
    assert r.status_code == 404
