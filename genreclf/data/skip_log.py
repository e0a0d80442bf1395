"""`SkipLog`: counting and logging the bad rows a reader skips.

With `skip_bad_rows=True` a row error is not raised but counted by reason and
logged on the `genreclf.data` logger (the first `MAX_LOGGED_SKIPS` one by
one, then a summary). A row can cover several lines (a quoted cell that spans
lines, or one whose quote is never closed and swallowed the lines after it):
the summary then says how many lines were lost, not only how many rows.
"""

import logging

logger = logging.getLogger("genreclf.data")

MAX_LOGGED_SKIPS = 20


class SkipLog:
    """Raises row errors, or counts and logs them when skipping bad rows.

    Args:
        path: the file, for the summary.
        skip_bad_rows: count and log errors instead of raising them.

    Attributes:
        counts: skipped rows by reason.
        lines: physical lines those rows covered.

    Example:

    >>> from genreclf.data.records import row_error
    >>> skips = SkipLog("m.csv", skip_bad_rows=True)
    >>> skips.add(row_error("malformed_line", "unclosed quote.", path="m.csv", line=2, lines=3))
    >>> skips.counts, skips.lines, skips.summary()
    ({'malformed_line': 1}, 3, 'Skipped 1 bad row(s) (3 lines) in m.csv: malformed_line=1')
    """

    def __init__(self, path, skip_bad_rows):
        self.path = path
        self.skip_bad_rows = skip_bad_rows
        self.counts = {}
        self.lines = 0

    def add(self, error):
        """Raises `error`, or counts and logs it when skipping bad rows."""
        if not self.skip_bad_rows:
            raise error
        total = sum(self.counts.values())
        self.counts[error.reason] = self.counts.get(error.reason, 0) + 1
        self.lines += getattr(error, "lines", 1)
        if total < MAX_LOGGED_SKIPS:
            # The row was skipped: its error's advice is moot.
            logger.warning("Skipped a bad row: %s", error.skipped_message)
        elif total == MAX_LOGGED_SKIPS:
            logger.warning(
                "More bad rows in %s: not logging each one; see the summary.",
                self.path,
            )

    def summary(self):
        """`Skipped N bad row(s) [(M lines)] in PATH: reason=count, ...`, or `""`."""
        total = sum(self.counts.values())
        if not total:
            return ""
        lines = f" ({self.lines} lines)" if self.lines != total else ""
        reasons = ", ".join(f"{k}={v}" for k, v in sorted(self.counts.items()))
        return f"Skipped {total} bad row(s){lines} in {self.path}: {reasons}"

    def finish(self):
        """Logs the summary, if any row was skipped."""
        if self.counts:
            logger.warning("%s", self.summary())
