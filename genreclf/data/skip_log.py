"""`SkipLog`: counting and logging the bad rows a reader skips.

With `skip_bad_rows=True` a row error is not raised but counted by reason and
logged on the `genreclf.data` logger (the first `MAX_LOGGED_SKIPS` one by
one, then a summary). A row can cover several lines (a quoted cell that spans
lines, or one whose quote is never closed and swallowed the lines after it):
the summary then says how many lines were lost, not only how many rows.

A header line repeated inside a CSV or TSV file (files joined with `cat`) is
not a bad row but no row at all: `RepeatedHeaders` skips it whatever
`skip_bad_rows` says, and logs each one with its file and line.
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

    def all_bad(self):
        """What a read that kept no row skipped: `"all N rows were bad ({...})"`, or None.

        Example:

        >>> SkipLog("m.csv", skip_bad_rows=True).all_bad() is None
        True
        """
        skipped = sum(self.counts.values())
        if not skipped:
            return None
        lines = f", {self.lines} lines" if self.lines != skipped else ""
        return f"all {skipped} rows were bad ({self.counts}{lines})"

    def finish(self):
        """Logs the summary, if any row was skipped."""
        if self.counts:
            logger.warning("%s", self.summary())


class RepeatedHeaders:
    """Finds and logs header lines repeated inside a CSV or TSV file.

    Files joined with `cat part1.csv part2.csv` repeat the header where each
    part starts. Such a line is not a row (read as one, its cells would be a
    text "overview" and a class "genre"): it is skipped, and each skip is
    logged on the `genreclf.data` logger with file and line (the first
    `MAX_LOGGED_SKIPS`, then a summary). A line repeats the header when its
    stripped cells are the column names, a byte order mark at its start aside.

    Example:

    >>> headers = RepeatedHeaders("all.csv", ["overview", "genre"])
    >>> headers.skips(["\\ufeffoverview ", "genre"], 201), headers.skips(["A", "genre"], 202)
    (True, False)
    >>> headers.lines
    [201]
    """

    def __init__(self, path, columns):
        self.path = path
        self.columns = list(columns)
        self.lines = []

    def skips(self, cells, line):
        """Whether the row of `cells` on `line` repeats the header (then logged as skipped)."""
        cells = [cell.strip() for cell in cells]
        if cells:
            cells[0] = cells[0].lstrip("\ufeff").strip()
        if cells != self.columns:
            return False
        self.lines.append(line)
        if len(self.lines) <= MAX_LOGGED_SKIPS:
            logger.warning(
                "%s:%d: skipped a repeated header line (the column names again, as files "
                "joined with `cat` repeat their headers): it is not a row.",
                self.path,
                line,
            )
        return True

    def finish(self):
        """Logs how many header lines were skipped, when more than were logged one by one."""
        if len(self.lines) > MAX_LOGGED_SKIPS:
            logger.warning(
                "Skipped %d repeated header lines in %s (lines %d, %d, ...): join the "
                "parts without their headers (e.g. `tail -n +2`) to silence this.",
                len(self.lines),
                self.path,
                *self.lines[:2],
            )
