"""The Batch API path, through the real `openai` client against the local server."""

import json

import pytest

from genreclf import augment
from genreclf.augment.cache import ResponseCache


def test_batch_generates_the_same_kind_of_rows(server, corpus, tmp_path):
    res = augment.generate(
        corpus,
        out=tmp_path / "aug.jsonl",
        target_count=10,
        per_request=3,
        base_url=server.url,
        batch=True,
        poll_interval=0.01,
    )
    assert res.rows == 10 and res.stopped is None
    assert res.batch["status"] == "completed" and not res.batch["resumed"]
    assert res.batch["succeeded"] == res.batch["submitted"] == res.plan.total_requests
    assert len(server.batches) == 1 and len(server.files) == 2  # input + output
    assert all(r.get("batch") for r in server.requests)
    rows = [json.loads(l) for l in open(tmp_path / "aug.jsonl")]
    assert all(r["source"] == "synthetic" and r["request_id"].startswith("req_") for r in rows)
    # A rerun finds everything cached: no new batch.
    res = augment.generate(
        corpus,
        out=tmp_path / "aug.jsonl",
        target_count=10,
        per_request=3,
        base_url=server.url,
        batch=True,
    )
    assert res.cached == res.plan.total_requests and len(server.batches) == 1
    assert "batch None" not in res.to_table()  # it printed "batch None: None, 0/0 answered"


def test_batch_price_is_half_and_budget_trims_the_batch(server, corpus, tmp_path):
    server.usage = (100, 50)
    res = augment.generate(
        corpus,
        out=tmp_path / "aug.jsonl",
        target_count=10,
        per_request=3,
        base_url=server.url,
        batch=True,
        poll_interval=0.01,
        budget_tokens=2000,
    )
    assert res.stopped == "budget"
    assert 0 < res.batch["submitted"] < res.plan.total_requests
    n = res.batch["succeeded"]
    assert res.spent_tokens == 150 * n
    assert res.spent_usd == round((100 * 0.075 + 50 * 0.30) * n / 1e6, 6)


def _war_batch(server, out):
    """`generate` arguments: 4 batch requests for the rare genre `war`, polled fast."""
    return dict(
        out=out,
        genres=["war"],
        target_count=14,
        per_request=2,
        overgenerate=1.0,
        base_url=server.url,
        batch=True,
        poll_interval=0.01,
    )


def test_killed_while_waiting_resumes_the_same_batch(server, corpus, tmp_path):
    """A run that stops waiting (or dies) after creating the batch must not pay twice."""
    server.batch_polls = 3
    kw = _war_batch(server, tmp_path / "aug.jsonl")
    first = augment.generate(corpus, batch_max_wait=0.0, **kw)
    assert first.batch["status"] == "in_progress" and first.rows == 0
    state = json.loads((tmp_path / "aug.jsonl.cache.jsonl.batches.json").read_text())
    assert [b["id"] for b in state] == [first.batch["batch_id"]]
    assert len(server.requests) == 4  # the server has answered (and billed) all 4
    # The rerun resumes polling the saved batch instead of creating a second one.
    res = augment.generate(corpus, **kw)
    assert len(server.batches) == 1 and res.batch["resumed"]
    assert res.batch["succeeded"] == 4 and res.rows == 8
    assert len(ResponseCache(tmp_path / "aug.jsonl.cache.jsonl")) == 4
    state = json.loads((tmp_path / "aug.jsonl.cache.jsonl.batches.json").read_text())
    assert state[0]["status"] == "completed"


def test_killed_between_creating_the_batch_and_saving_its_id_finds_it(server, corpus, tmp_path):
    server.batch_polls = 3
    kw = _war_batch(server, tmp_path / "new" / "aug.jsonl")  # a folder not made yet
    first = augment.generate(corpus, batch_max_wait=0.0, **kw)
    state_path = tmp_path / "new" / "aug.jsonl.cache.jsonl.batches.json"
    [record] = json.loads(state_path.read_text())
    assert record["id"] == first.batch["batch_id"] and record["input_file_id"]
    # As a kill right after `batches.create` leaves it: the file's id, no batch id.
    record.update(id=None, status="creating")
    state_path.write_text(json.dumps([record]))
    res = augment.generate(corpus, **kw)
    assert len(server.batches) == 1 and res.batch["batch_id"] == first.batch["batch_id"]
    assert res.batch["resumed"] and res.batch["succeeded"] == 4 and res.rows == 8


def test_a_batch_still_running_is_waited_for_and_never_sent_twice(server, corpus, tmp_path):
    import pytest

    from genreclf.errors import ConfigError

    server.batch_polls = 10**6  # the Batch API is still working on it
    kw = _war_batch(server, tmp_path / "aug.jsonl")
    first = augment.generate(corpus, batch_max_wait=0.0, **kw)
    assert first.waiting and not first.all_failed and first.rows == 0
    assert "rerun with --batch to collect it" in first.to_table()
    billed = len(server.requests)
    # Sent one by one, its requests would be paid twice: refused.
    with pytest.raises(ConfigError, match=r"4 of them are in batch batch_\d+ \(in_progress"):
        augment.generate(corpus, **{**kw, "batch": False})
    assert len(server.requests) == billed
    server.batch_polls = 1
    res = augment.generate(corpus, **kw)  # a --batch rerun collects it
    assert res.batch["resumed"] and res.rows == 8 and not res.waiting
    assert len(server.batches) == 1 and len(server.requests) == billed


def test_a_resumed_batch_rerun_that_plans_more_sends_the_rest(server, corpus, tmp_path):
    # A --batch rerun with a higher --target-count collected the batch it resumed
    # and left the new requests unsent: exit 0, rows short, "N missing".
    server.batch_polls = 3
    kw = _war_batch(server, tmp_path / "aug.jsonl")
    first = augment.generate(corpus, batch_max_wait=0.0, **kw)
    assert first.waiting and first.plan.total_requests == 4
    res = augment.generate(corpus, **{**kw, "target_count": 18})  # 6 requests now
    assert res.plan.total_requests == 6 and res.missing == 0 and res.rows == 12
    assert res.batch["resumed"] and res.batch["submitted"] == res.batch["succeeded"] == 6
    assert len(server.batches) == 2 and len(server.requests) == 6  # none paid twice
    assert f"batch {first.batch['batch_id']}, batch_" in res.to_table()


@pytest.mark.parametrize("behaviour", ["bad_usage", "no_usage"])
def test_batch_results_without_readable_usage_are_charged_their_worst_case(
    server, corpus, tmp_path, behaviour
):
    # Was: usage counts as text crashed the run (ValueError: invalid literal for int());
    # no usage was counted 0 tokens, so a capped job's reruns spent past the cap.
    server.default = behaviour
    kw = dict(target_count=10, per_request=3, base_url=server.url, batch=True)
    res = augment.generate(
        corpus, out=tmp_path / "aug.jsonl", poll_interval=0.01, budget_tokens=100_000, **kw
    )
    assert res.rows == 10 and res.batch["succeeded"] == res.plan.total_requests
    cache = ResponseCache(tmp_path / "aug.jsonl.cache.jsonl")
    worst = [entry["usage"] for entry in cache._entries.values()]
    assert all(u[0] > 0 and u[1] == res.plan.max_tokens for u in worst)
    assert res.spent_tokens == sum(map(sum, worst))


@pytest.mark.parametrize(
    "status, fix",
    [
        (404, "--batch needs a server with the Batch and Files APIs"),
        (500, "rerun with --batch: a batch the server created is collected"),
    ],
)
def test_a_batch_api_call_that_fails_is_an_error_not_a_traceback(corpus_csv, capsys, status, fix):
    from genreclf.augment.cli import main
    from tests.augment.test_misbehaving_server import RawServer
    from tests.augment.test_misbehaving_server import error_reply

    # A local server without the Batch API (vLLM, Ollama) answers 404 to the upload.
    server = RawServer(error_reply(status, "no route /v1/files"))
    argv = ["run", str(corpus_csv), "--label", "genre", "--target-count", "8", "--batch"]
    try:
        assert main(argv + ["--base-url", server.url, "--out", str(corpus_csv.parent / "a")]) == 1
    finally:
        server.close()
    # Was: a traceback ending in openai.NotFoundError / InternalServerError.
    err = capsys.readouterr().err
    assert err.startswith(f"genreclf augment run: error: the Batch API at {server.url} failed ")
    assert f"(POST /v1/files: HTTP {status}: no route /v1/files); {fix}" in err


def test_a_batch_output_line_that_is_no_result_is_counted_not_a_traceback(server, corpus, tmp_path):
    server.batch_polls = 3
    kw = _war_batch(server, tmp_path / "aug.jsonl")
    assert augment.generate(corpus, batch_max_wait=0.0, **kw).waiting
    [batch] = server.batches.values()
    lines = server.files[batch["output_file_id"]].splitlines()
    lines[0] = lines[0][:40]  # cut off, as a broken download or server bug leaves it
    lines[1] = b'{"custom_id": "x", "response": {"status_code": 200, "body": {"choices": "a"}}}'
    server.files[batch["output_file_id"]] = b"\n".join(lines) + b"\n"
    # Was: a JSONDecodeError traceback (then an AttributeError), the other results unread.
    res = augment.generate(corpus, **kw)
    assert res.batch["failed"] == 2 and res.batch["succeeded"] == 2 and res.missing == 2
    res = augment.generate(corpus, **kw)  # a rerun asks the two again, in a new batch
    assert res.missing == 0 and len(server.batches) == 2


def test_a_recorded_batch_the_server_no_longer_knows_is_named_and_set_aside(
    server, corpus, tmp_path
):
    from genreclf.augment.batch import BatchAPIError

    server.batch_polls = 3
    kw = _war_batch(server, tmp_path / "aug.jsonl")
    assert augment.generate(corpus, batch_max_wait=0.0, **kw).waiting
    state_path = tmp_path / "aug.jsonl.cache.jsonl.batches.json"
    [record] = json.loads(state_path.read_text())
    record["id"] = "batch_gone"  # expired, or made with another key: the server answers 404
    state_path.write_text(json.dumps([record]))
    # Was: "leave --batch out" and, --batch left out, "Rerun with --batch": no way on.
    with pytest.raises(BatchAPIError) as error:
        augment.generate(corpus, **kw)
    message = str(error.value)
    assert message.startswith(f"batch batch_gone, recorded in {state_path}, is unknown to ")
    assert "(GET /v1/batches/batch_gone: HTTP 404" in message
    assert "leave --batch out" not in message and '"status" back to "in_progress"' in message
    assert json.loads(state_path.read_text())[0]["status"] == "gone"
    res = augment.generate(corpus, **{**kw, "batch": False})  # sent anew, one by one
    assert res.missing == 0 and res.rows == 8


def test_a_result_the_cache_cannot_write_is_not_counted_a_line_that_is_no_result(
    server, corpus, tmp_path, caplog, monkeypatch
):
    server.batch_polls = 3
    kw = _war_batch(server, tmp_path / "aug.jsonl")
    assert augment.generate(corpus, batch_max_wait=0.0, **kw).waiting

    def disk_full(self, entry):
        raise OSError(28, "No space left on device", str(self.path))

    # Was: the failed cache write logged as "an output line is no result" and counted
    # failed, the batch recorded completed: its paid result dropped, asked (paid) again.
    with monkeypatch.context() as patched:  # the disk, not the network
        patched.setattr(ResponseCache, "put", disk_full)
        with pytest.raises(OSError, match="No space left"):
            augment.generate(corpus, **kw)
    assert "is no result" not in caplog.text
    state = json.loads((tmp_path / "aug.jsonl.cache.jsonl.batches.json").read_text())
    assert state[0]["status"] == "in_progress"  # a rerun with --batch collects it again
    assert augment.generate(corpus, **kw).missing == 0


def test_a_batch_result_with_lone_surrogates_is_kept_with_them_replaced(server, corpus, tmp_path):
    # (review) Its content went to the cache as it was: UnicodeEncodeError, the batch left
    # open, and every rerun collected the same line and crashed again, paid.
    server.batch_polls = 3
    kw = _war_batch(server, tmp_path / "aug.jsonl")
    assert augment.generate(corpus, batch_max_wait=0.0, **kw).waiting
    [batch] = server.batches.values()
    lines = server.files[batch["output_file_id"]].splitlines()
    result = json.loads(lines[0])
    message = result["response"]["body"]["choices"][0]["message"]
    message["content"] = message["content"].replace('["', '["\ud800', 1)  # no UTF-8
    lines[0] = json.dumps(result).encode()
    server.files[batch["output_file_id"]] = b"\n".join(lines) + b"\n"
    res = augment.generate(corpus, **kw)
    assert res.missing == 0
    texts = (tmp_path / "aug.jsonl").read_text(encoding="utf-8")
    assert "\N{REPLACEMENT CHARACTER}" in texts
