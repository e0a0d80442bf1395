import json
import logging

from genreclf.augment.cache import ResponseCache


def test_put_is_durable_and_reloaded(tmp_path):
    path = tmp_path / "sub" / "cache.jsonl"
    cache = ResponseCache(path)
    cache.put({"key": "a", "content": "1"})
    cache.put({"key": "b", "content": "2"})
    # Readable by another reader before close: every put is flushed and fsynced.
    lines = path.read_text().splitlines()
    assert [json.loads(l)["key"] for l in lines] == ["a", "b"]
    cache.close()
    again = ResponseCache(path)
    assert "a" in again and "b" in again and len(again) == 2
    assert again.get("b")["content"] == "2"


def test_torn_last_line_is_skipped_with_warning(tmp_path, caplog):
    path = tmp_path / "cache.jsonl"
    with ResponseCache(path) as cache:
        cache.put({"key": "a", "content": "1"})
    with open(path, "a") as f:
        f.write('{"key": "b", "content": "trunc')  # killed mid-write
    with caplog.at_level(logging.WARNING, logger="genreclf.augment"):
        cache = ResponseCache(path)
    assert "a" in cache and "b" not in cache
    assert cache.corrupted_lines == [2]
    assert "torn last line" in caplog.text
    cache.put({"key": "b", "content": "2"})
    cache.close()
    # The torn tail was cut: the new entry is on its own line, no warning now.
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="genreclf.augment"):
        cache = ResponseCache(path)
    assert len(cache) == 2 and cache.corrupted_lines == [] and caplog.text == ""


def test_corrupted_complete_line_is_skipped(tmp_path, caplog):
    path = tmp_path / "cache.jsonl"
    path.write_text('{"key": "a"}\n{garbage\n[1, 2]\n{"key": "c"}\n')
    with caplog.at_level(logging.WARNING, logger="genreclf.augment"):
        cache = ResponseCache(path)
    assert sorted(cache._entries) == ["a", "c"]
    assert cache.corrupted_lines == [2, 3]
    assert caplog.text.count("corrupted line") == 2


def test_valid_last_line_without_newline_is_kept(tmp_path):
    path = tmp_path / "cache.jsonl"
    path.write_text('{"key": "a"}\n{"key": "b"}')
    with ResponseCache(path) as cache:
        assert "b" in cache
        cache.put({"key": "c"})
    assert [json.loads(l)["key"] for l in path.read_text().splitlines()] == ["a", "b", "c"]


def test_every_paid_attempt_counts_and_a_charge_after_close_is_kept(tmp_path):
    """Replaced responses and charges stay in the job's spend; a call cancelled while
    the run shuts down (the cache already closed) still records its charge."""
    path = tmp_path / "cache.jsonl"
    cache = ResponseCache(path)
    cache.put({"key": "k1", "content": "", "usage": [10, 5]})  # an old unusable answer
    cache.put({"key": "k1", "content": "{}", "usage": [10, 7]})  # asked again
    cache.close()
    cache.put_charge({"key": "k2"}, (30, 40))
    reread = ResponseCache(path)
    assert reread.get("k1")["usage"] == [10, 7] and "k2" not in reread
    assert reread.recorded_usage() == (50, 52)
    assert reread.recorded_usage(lambda entry: entry["key"] == "k2") == (30, 40)
