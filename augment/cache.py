"""`ResponseCache`: an append-only JSONL file of paid responses, keyed by request hash."""

import datetime
import json
import logging
import os
import threading

logger = logging.getLogger("genreclf.augment")


class ResponseCache:
    """Append-only JSONL cache of finished responses.

    One JSON object per line, each with a `"key"` (see `Request.key`). Every
    `put` writes one complete line, flushes and `fsync`s it before returning,
    so a process killed at any moment (even `kill -9`) keeps every response
    it finished, and a rerun skips their keys instead of paying again.

    Every paid attempt is on record, so a rerun can count what the job has
    spent: a response is kept with its `"usage"` (a later answer to the same
    key replaces it for `get`, not in the count), and an attempt that left no
    response to keep (a timeout, a cancelled call, a paid reply that could
    not be used) is one line with `"charged"` in its place (`put_charge`).

    On open, a torn last line (no trailing newline: the process died while
    writing it) is reported with a warning and cut off; any other line that
    is not valid JSON is reported and skipped. Neither is fatal.

    Args:
        path: the cache file (created with its folder on the first `put`, so
            a run that gets no response leaves no file behind).

    Example:

    >>> import tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "cache.jsonl")
    >>> cache = ResponseCache(path)
    >>> cache.put({"key": "abc", "content": "{}"})
    >>> ResponseCache(path).get("abc")["content"]
    '{}'
    """

    def __init__(self, path):
        self.path = str(path)
        self.corrupted_lines = []
        self._entries = {}
        self._billed = []  # every line with usage: responses (replaced ones too) and charges
        self._lock = None
        self._write_lock = threading.Lock()
        self._file = None
        self._load()

    def _load(self):
        if not os.path.exists(self.path):
            return
        with open(self.path, "rb") as f:
            data = f.read()
        good_end = 0  # byte offset just after the last complete line
        offset = 0
        for number, raw in enumerate(data.split(b"\n"), start=1):
            end = offset + len(raw)
            complete = end < len(data)  # followed by a newline
            if complete:
                good_end = end + 1
            offset = end + 1
            if not raw.strip():
                continue
            try:
                entry = json.loads(raw.decode("utf-8"))
                if not isinstance(entry, dict) or "key" not in entry:
                    raise ValueError("not an object with a 'key'")
            except ValueError as e:
                what = "torn last line" if not complete else "corrupted line"
                logger.warning(
                    "%s:%d: skipping %s of the response cache (%s); its request "
                    "will be made again if needed.",
                    self.path,
                    number,
                    what,
                    str(e)[:80],
                )
                self.corrupted_lines.append(number)
                continue
            if not complete:
                # A valid object without its newline: keep it, end the line.
                good_end = len(data)
                with open(self.path, "ab") as f:
                    f.write(b"\n")
                    f.flush()
                    os.fsync(f.fileno())
            self._remember(entry)
        if good_end < len(data):
            # Cut the torn tail so the next append starts on a fresh line.
            with open(self.path, "r+b") as f:
                f.truncate(good_end)
                f.flush()
                os.fsync(f.fileno())

    def __contains__(self, key):
        return key in self._entries

    def __len__(self):
        return len(self._entries)

    def get(self, key, default=None):
        """The cached entry for `key`, or `default`."""
        return self._entries.get(key, default)

    def recorded_usage(self, keep=None):
        """`(prompt_tokens, completion_tokens)` summed over every paid attempt
        on record (those `keep(entry)` accepts): responses, replaced ones
        included, and the charges of attempts that left none.

        Example:

        >>> import tempfile, os
        >>> cache = ResponseCache(os.path.join(tempfile.mkdtemp(), "cache.jsonl"))
        >>> cache.put_charge({"key": "abc"}, (100, 0))  # timed out: charged its prompt
        >>> cache.put({"key": "abc", "content": "{}", "usage": [100, 20]})
        >>> ResponseCache(cache.path).recorded_usage()
        (200, 20)
        """
        totals = [0, 0]
        for entry in self._billed:
            usage = entry.get("charged") or entry.get("usage")
            if usage and (keep is None or keep(entry)):
                totals[0] += int(usage[0])
                totals[1] += int(usage[1])
        return tuple(totals)

    def _remember(self, entry):
        if "charged" not in entry:
            self._entries[entry["key"]] = entry
        if entry.get("charged") or entry.get("usage"):
            self._billed.append(entry)

    def put(self, entry):
        """Appends `entry` (a JSON-ready dict with a `"key"`) and fsyncs it.

        An entry without a `"created_at"` is stamped with the UTC time, to the second.
        """
        if "created_at" not in entry:
            now = datetime.datetime.now(datetime.timezone.utc)
            entry = {**entry, "created_at": now.isoformat(timespec="seconds")}
        line = json.dumps(entry, ensure_ascii=False, sort_keys=True)
        with self._write_lock:  # `aput`'s worker threads and the loop's `put_charge`
            if self._file is None or self._file.closed:  # a charge after `close`, too
                os.makedirs(os.path.dirname(os.path.abspath(self.path)), exist_ok=True)
                self._file = open(self.path, "a", encoding="utf-8")
            self._file.write(line + "\n")
            self._file.flush()
            os.fsync(self._file.fileno())
            self._remember(entry)

    def put_charge(self, entry, usage):
        """Records what an attempt that left no response was charged.

        Args:
            entry: the request's `"key"` and whatever else identifies it (the
                fields `recorded_usage`'s `keep` reads).
            usage: `(prompt_tokens, completion_tokens)` charged.
        """
        self.put({**entry, "charged": [int(usage[0]), int(usage[1])]})

    async def aput(self, entry):
        """`put` from a worker thread, one at a time, so the event loop keeps going."""
        import asyncio

        if self._lock is None:
            self._lock = asyncio.Lock()
        async with self._lock:
            await asyncio.to_thread(self.put, entry)

    def close(self):
        """Closes the file; the cache stays readable."""
        if self._file is not None and not self._file.closed:
            self._file.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
