"""Reader for tab-separated files that use no quoting at all (`tsv-unquoted`).

Many tools write TSV without quoting (`cut`, `awk`, `paste`,
`df.to_csv(sep="\\t", quoting=csv.QUOTE_NONE)`): every line is one row, its
fields are split at tabs, and a `"` is a character like any other. Read as
`tsv`, such a file breaks where a text starts with a quote (a CSV reader
opens a quoted cell there and reads on to the next quote); read it with
`format="tsv-unquoted"` (`--format tsv-unquoted`) instead. A text then
cannot hold a tab or a line break: a line with too many or too few fields is
a `malformed_line` row error naming the file and line.
"""

from genreclf.data.records import LineDecoder
from genreclf.data.records import Record
from genreclf.data.records import row_error
from genreclf.data.skip_log import RepeatedHeaders
from genreclf.data.tabular import check_unique
from genreclf.data.utf8 import not_utf8_file_error
from genreclf.errors import DataError


def _cells(text):
    """The tab-separated fields of a line, without its line end."""
    return text.rstrip("\r\n").split("\t")


def _is_blank(text, width):
    """Whether a line is blank (not a row), as for `tsv`: empty, or only spaces in a wider file."""
    text = text.rstrip("\r\n")
    return not text or (width > 1 and "\t" not in text and not text.strip())


class UnquotedTsvRecords:
    """Records of a TSV file without quoting: one row per line, fields split at tabs.

    Args:
        path: the file. Its first non-blank line is the header.

    Example:

    >>> import pathlib, tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "m.tsv"
    >>> _ = path.write_text('plot\\ttag\\n"Run," she said.\\tdrama\\n')
    >>> records = UnquotedTsvRecords(path)
    >>> records.columns, [(r.line, r.fields["plot"]) for r in records]
    (['plot', 'tag'], [(2, '"Run," she said.')])
    """

    def __init__(self, path):
        self.path = str(path)
        header = None
        with open(self.path, "rb") as f:
            lines = LineDecoder(f)
            for text in lines:
                if not _is_blank(text, 2):  # blank lines before the header
                    header = text
                    break
            if header is None:
                raise DataError(
                    "The file is empty: expected a header line naming the "
                    "columns, then one row per example.",
                    path=self.path,
                )
            self.header_line = lines.line
            bad = lines.pop_bad(1, self.header_line)
            if bad:
                raise not_utf8_file_error(self.path, bad, "a header line naming the columns")
        self.columns = [name.strip() for name in _cells(header)]
        check_unique(self.columns, self.path)

    def __iter__(self):
        width = len(self.columns)
        headers = RepeatedHeaders(self.path, self.columns)  # of files joined with `cat`
        with open(self.path, "rb") as f:
            lines = LineDecoder(f)
            for text in lines:
                number = lines.line
                bad = lines.pop_bad(number, number)
                if number <= self.header_line or _is_blank(text, width):
                    continue
                fields = _cells(text)
                if len(fields) == width and headers.skips(fields, number):
                    continue
                if len(fields) != width:
                    yield self._count_error(len(fields), number)
                    continue
                yield Record(number, dict(zip(self.columns, fields)), bad_bytes=bad)
        headers.finish()

    def _count_error(self, found, line):
        width = len(self.columns)
        if found > width:
            fix = "remove the extra tabs (a text read as tsv-unquoted cannot hold one)"
        else:
            fix = (
                "add the missing fields (a line break inside a text splits its row "
                "in two: join the lines)"
            )
        return row_error(
            "malformed_line",
            f"expected {width} fields ({', '.join(self.columns)}) separated by tabs, "
            f"found {found}. Read as tsv-unquoted, every line is one row.",
            fix=fix,
            path=self.path,
            line=line,
        )
