"""An explanation whose client closes its connection stops, and its slot is free again.

Explanations run one at a time (`MAX_EXPLAINING`). A client that closed its tab
left its explanation running to the end (about two minutes for a long review at
`top_k` 10 on two cores), and every other explanation asked for meanwhile got 429.
"""

import json
import socket
import time

import pytest
import requests

from tests.serving.conftest import pick_unused_port
from tests.serving.server.polling import wait_for

LONG_REVIEW = "A detective hunts a killer through a rainy city at night. " * 70  # ~4,000 chars
# Integrated-gradients steps: a tiny BiLSTM's explanation of the review at top_k 10 then
# takes about two minutes on two cores (0.8 s per pass of 16 steps), as a real model's
# does at the route's 16 steps.
SLOW_STEPS = 2400


@pytest.fixture
def slow_explaining_server(trained_multilabel_run, tmp_path, monkeypatch):
    """A `LocalServer` in this process (REST on 127.0.0.1, the server's own protocol and
    explaining pool) of `bilstm` (the session's tiny BiLSTM run, exported: its
    explanations take minutes at `SLOW_STEPS`) and `tiny` (no run folder: an explanation
    admitted is a 404 at once)."""
    from genreclf.export.exporter import export_run
    from genreclf.serving.server import explain_route
    from genreclf.serving.server.local_server import LocalServer
    from genreclf.serving.testing import write_tiny_model

    monkeypatch.setattr(explain_route, "STEPS", SLOW_STEPS)
    export_run(trained_multilabel_run.path, tmp_path, "bilstm", verify=False)
    write_tiny_model(str(tmp_path), "tiny", 1)
    port = pick_unused_port()
    server = LocalServer(tmp_path, rest_port=port, grpc_port=0, poll_seconds=0).start()
    try:
        yield server
    finally:
        server.stop()


def _explain_tiny(server):
    url = f"http://127.0.0.1:{server.rest_port}/web/explain/tiny"
    return requests.post(url, json={"text": "A heist."}, timeout=30)


def test_a_client_that_leaves_frees_the_explaining_slot_within_a_pass(slow_explaining_server):
    server = slow_explaining_server
    body = json.dumps({"text": LONG_REVIEW, "top_k": 10}).encode("utf-8")
    head = (
        "POST /web/explain/bilstm HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    client = socket.create_connection(("127.0.0.1", server.rest_port), timeout=30)
    try:
        client.sendall(head.encode("ascii") + body)
        assert wait_for(lambda: _explain_tiny(server).status_code == 429, timeout=60)
        time.sleep(2.0)  # well into its passes through the model
        assert _explain_tiny(server).status_code == 429
    finally:
        client.close()  # the tab is closed
    left = time.monotonic()
    answers = []
    assert wait_for(
        lambda: answers.append(_explain_tiny(server)) or answers[-1].status_code != 429,
        timeout=60,
        interval=0.05,
    )
    freed = time.monotonic() - left
    assert answers[-1].status_code == 404 and "run folder" in answers[-1].json()["error"]
    assert freed < 20, f"the slot was free {freed:.1f} s after the client left"
    labels = dict(model="bilstm", version="1", api="explain", protocol="rest", code="499")
    errors = "genreclf_serving_request_errors_total"
    assert wait_for(lambda: server.metrics.registry.get_sample_value(errors, labels) == 1, 10)
