"""A recorded batch that a server answers 404 for (`augment/batch.py`): set aside as gone
only where that server answers the Batch API, against real servers on 127.0.0.1."""

import http.server
import json
import threading

import pytest

from genreclf import augment
from genreclf.augment.batch import BatchAPIError
from tests.augment.test_batch import _war_batch


@pytest.fixture
def no_batch_api():
    """The URL of a server on 127.0.0.1 that answers 404 to everything (another server,
    or one without the Batch API: vLLM, Ollama)."""

    class NotFound(http.server.BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_GET(self):
            body = json.dumps({"error": {"message": f"no route {self.path}"}}).encode()
            self.send_response(404)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_POST = do_GET

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), NotFound)
    threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/v1"
    httpd.shutdown()
    httpd.server_close()


def test_a_404_from_a_server_without_the_batch_api_leaves_the_batch_recorded(
    server, corpus, tmp_path, no_batch_api
):
    server.batch_polls = 3
    kw = _war_batch(server, tmp_path / "aug.jsonl")
    assert augment.generate(corpus, batch_max_wait=0.0, **kw).waiting
    state_path = tmp_path / "aug.jsonl.cache.jsonl.batches.json"
    [record] = json.loads(state_path.read_text())
    with pytest.raises(BatchAPIError) as error:  # a rerun with a wrong --base-url
        augment.generate(corpus, **{**kw, "base_url": no_batch_api})
    message = str(error.value)
    assert message.startswith(f"batch {record['id']}, recorded in {state_path}, is unknown")
    assert "does not answer the Batch API either (GET /v1/batches: HTTP 404" in message
    assert "is --base-url the server that made the batch" in message
    assert "is the API key right?" in message and f"Nothing was changed in {state_path}" in message
    # Was: recorded "gone", and the next run with the right --base-url sent (paid) all
    # 4 requests again in a second batch.
    assert json.loads(state_path.read_text()) == [record]
    res = augment.generate(corpus, **kw)
    assert res.batch["resumed"] and res.missing == 0 and len(server.batches) == 1


def test_a_404_for_the_error_file_counts_only_the_requests_not_cached(server, corpus, tmp_path):
    server.batch_polls = 3
    kw = _war_batch(server, tmp_path / "aug.jsonl")
    assert augment.generate(corpus, batch_max_wait=0.0, **kw).waiting
    [batch] = server.batches.values()
    lines = server.files[batch["output_file_id"]].splitlines()
    server.files[batch["output_file_id"]] = b"\n".join(lines[1:]) + b"\n"  # 3 of 4 answered
    batch["error_file_id"] = "file-expired"  # the server answers 404 for it
    with pytest.raises(BatchAPIError) as error:
        augment.generate(corpus, **kw)
    # Was: "the next run sends its 4 requests anew": 3 were cached before the 404.
    assert "(GET /v1/files/file-expired/content: HTTP 404" in str(error.value)
    assert "so the next run sends 1 of its 4 requests anew" in str(error.value)
    state = json.loads((tmp_path / "aug.jsonl.cache.jsonl.batches.json").read_text())
    assert state[0]["status"] == "gone"
    res = augment.generate(corpus, **{**kw, "batch": False})
    assert res.missing == 0 and len(server.requests) == 5  # 4 in the batch, 1 sent anew
