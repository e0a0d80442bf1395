"""`LabelFile`: the cascade's output, JSON Lines appended row by row, resumable.

Each row is written as one complete line and flushed at once, so a killed run
(even `kill -9`) keeps every row it wrote; the next run with the same `--out`
reads the file, cuts a torn last line, and skips the rows already there. A
row written as unlabelled because the LLM stage could not answer it (budget
spent, request failed) is tried again by a rerun that has an LLM; the file is
then compacted (atomically) so each id appears once, the newest row winning.
"""

import json
import logging
import os

from genreclf.errors import DataError

logger = logging.getLogger("genreclf.labelling")

RETRYABLE = ("llm_budget", "llm_failed")


class LabelFile:
    """An append-only JSONL file of labelled rows, keyed by row id.

    Args:
        path: the output file (created with its folder on the first row).
        read_only: only read it: a torn last line is skipped, not cut off (a
            writer cuts it, as the run that resumes the file).

    Example:

    >>> import tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "labelled.jsonl")
    >>> with LabelFile(path) as f:
    ...     f.write({"id": "1", "text": "A heist.", "labels": ["crime"], "stage": "keywords"})
    >>> sorted(LabelFile(path).rows)
    ['1']
    """

    def __init__(self, path, read_only=False):
        self.path = str(path)
        self.rows = {}  # id -> the newest row
        self.superseded = 0
        self._file = None
        self._load(read_only)

    def _load(self, read_only):
        if not os.path.exists(self.path):
            return
        with open(self.path, "rb") as f:
            data = f.read()
        lines = data.split(b"\n")
        if lines and lines[-1] and not read_only:  # (a reader may see a live run's last row)
            logger.warning(
                "%s: cutting a torn last line (a run was killed while writing it); "
                "that row is labelled again.",
                self.path,
            )
            with open(self.path, "r+b") as f:
                f.truncate(len(data) - len(lines[-1]))
        for number, raw in enumerate(lines[:-1], start=1):
            if not raw.strip():
                continue
            try:
                row = json.loads(raw.decode("utf-8"))
                if not isinstance(row, dict) or "id" not in row:
                    raise ValueError("not an object with an 'id'")
            except ValueError as e:
                raise DataError(
                    f"not a labelled row ({str(e)[:80]}). Expected one JSON object a line, "
                    "as `genreclf label` writes; remove the line or write to a new --out.",
                    path=self.path,
                    line=number,
                ) from None
            if row["id"] in self.rows:
                self.superseded += 1
            self.rows[row["id"]] = row

    def done(self, row_id, retry_llm=False):
        """Whether `row_id` has a final row (with `retry_llm`, LLM failures are not final)."""
        row = self.rows.get(row_id)
        if row is None:
            return False
        return not (retry_llm and row.get("reason") in RETRYABLE)

    def write(self, row):
        """Appends one row and flushes it."""
        if self._file is None:
            os.makedirs(os.path.dirname(os.path.abspath(self.path)), exist_ok=True)
            self._file = open(self.path, "a", encoding="utf-8")
        if row["id"] in self.rows:
            self.superseded += 1
        self._file.write(json.dumps(row, ensure_ascii=False) + "\n")
        self._file.flush()
        self.rows[row["id"]] = row

    def close(self):
        """Fsyncs and closes; compacts the file if an id was written twice."""
        if self._file is not None and not self._file.closed:
            os.fsync(self._file.fileno())
            self._file.close()
        if self.superseded:
            tmp = self.path + ".tmp"
            with open(tmp, "w", encoding="utf-8") as f:
                for row in self.rows.values():
                    f.write(json.dumps(row, ensure_ascii=False) + "\n")
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, self.path)
            self.superseded = 0

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def read_labelled(path):
    """The rows of a labelled JSONL file (the newest per id), in file order; an
    unfinished last line (a run still writing it, or killed) is left alone and unread.

    Example:

    >>> read_labelled("labelled.jsonl")[0]["stage"]  # doctest: +SKIP
    'keywords'
    """
    if not os.path.exists(str(path)):
        raise DataError(
            "File not found. Expected the JSONL that `genreclf label ... --out` wrote.",
            path=path,
        )
    return list(LabelFile(path, read_only=True).rows.values())  # never cuts a live run's row
