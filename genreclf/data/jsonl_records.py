"""Reading JSON Lines records: one JSON object per line, each a `Record`.

`JsonlRecords` finds the columns (the keys of every object, in the order
they first appear, and which objects lack some) and iterates `Record`s or
row `DataError`s, one per physical line. What it checks: a line that is not
JSON (`invalid_json`) or not an object (`malformed_line`) is a row error;
bytes that are not UTF-8 are noted on the `Record` (`bad_bytes`), as are the
keys an object names twice with different values (`duplicates`), which
`json.loads` would drop without a word. A file with no line an object, such
as a `.json` file holding one array, is refused, saying what it holds and
the `jq` command that converts it.
"""

import collections
import contextlib
import json
import os
import shlex

from genreclf.data.option_names import example_row
from genreclf.data.option_names import jsonl_rows
from genreclf.data.records import LineDecoder
from genreclf.data.records import Record
from genreclf.data.records import row_error
from genreclf.errors import DataError


class JsonlRecords:
    """Records of a JSON Lines file: one JSON object per line.

    The columns are the keys of every object in the file, in the order they
    first appear: writers such as Spark leave a null field out of the line,
    so the first object need not name them all. A column is missing only when
    no object has it; a row without a field that is read is a row error
    (`missing_value`) naming its line, which `skip_bad_rows` skips. Finding
    the columns reads the file once, keeping the keys, not the rows.
    `partial_columns` are the keys some object lacks: when no column is named,
    a column every object has is read before one of these (a `genre` on every
    line over a `label` on a few).

    Example:

    >>> import pathlib, tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "m.jsonl"
    >>> _ = path.write_text('{"text": "A", "labels": ["x"]}\\nnot json\\n')
    >>> [type(r).__name__ for r in JsonlRecords(path)]
    ['Record', 'DataError']
    >>> _ = path.write_text('{"text": "A"}\\n{"text": "B", "label": "x"}\\n')
    >>> records = JsonlRecords(path)
    >>> records.columns, records.partial_columns
    (['text', 'label'], {'label'})
    """

    def __init__(self, path):
        self.path = str(path)
        columns = None  # the keys of every object, in the order they first appear
        counts = collections.Counter()  # how many objects have each key
        objects = 0
        with contextlib.closing(self._items(duplicates=False)) as items:
            for item in items:
                if isinstance(item, Record):
                    columns = {} if columns is None else columns
                    columns.update(dict.fromkeys(item.fields))
                    counts.update(item.fields.keys())
                    objects += 1
        self.columns = None if columns is None else list(columns)
        self.partial_columns = {key for key, count in counts.items() if count < objects}
        if self.columns is None:
            hint = _whole_json_hint(self.path)
            found = "No line is a JSON object" if hint else "No JSON object found"
            raise DataError(f"{found}. Expected {jsonl_rows()}.{hint}", path=self.path)

    def __iter__(self):
        return self._items()

    def _items(self, duplicates=True):
        """The file's records and row errors, in order.

        `duplicates`: note the keys a row's object names twice (see
        `_noting_repeats`); counting the columns needs not, so its pass
        parses without the hook.
        """
        repeated = []  # (object, pairs) for each object of this line that repeats a key
        hook = _noting_repeats(repeated) if duplicates else None
        decode = json.JSONDecoder(object_pairs_hook=hook).decode  # built once, not per line
        with open(self.path, "rb") as f:
            for number, text, bad in LineDecoder(f).numbered():
                line = text.rstrip("\r\n")
                try:
                    # json.loads names a BOM ("Unexpected UTF-8 BOM"); a decoder alone would not
                    value = json.loads(line) if line.startswith("\ufeff") else decode(line)
                except json.JSONDecodeError as e:
                    repeated.clear()
                    yield row_error(
                        "invalid_json",
                        f"invalid JSON ({e.msg.removesuffix(' at')} at column {e.colno}). Expected "
                        "one JSON object per line.",
                        fix="fix the JSON on this line (an object may not span lines)",
                        path=self.path,
                        line=number,
                    )
                    continue
                found = None
                if repeated:  # an object of this line repeats a key: the row's own (the last)?
                    if repeated[-1][0] is value:
                        found = _repeated_keys(repeated[-1][1])
                    repeated.clear()
                if not isinstance(value, dict):
                    yield row_error(
                        "malformed_line",
                        "expected a JSON object with named fields. Received: a "
                        f"JSON {_JSON_TYPES.get(type(value), type(value).__name__)}.",
                        fix=f"write the row as an object, like {example_row()}",
                        path=self.path,
                        line=number,
                    )
                    continue
                yield Record(number, value, bad_bytes=bad, duplicates=found)


# A file given as JSON Lines with no line an object is parsed whole, to say it
# is one JSON array and how many objects it holds, only up to this size (this
# is the error path: a multi-GB file would be read twice for a hint); a bigger
# one is judged by its first `_WHOLE_JSON_HEAD` bytes, its objects not counted.
_WHOLE_JSON_BYTES = 50_000_000
_WHOLE_JSON_HEAD = 1 << 20


def _whole_json_hint(path):
    """What a `.json` file given as JSON Lines holds, with how to convert it, or "".

    A JSON array (on one line or pretty-printed over many) has no line that
    is an object; "No JSON object found" alone sent the user looking for a
    missing row. A file over `_WHOLE_JSON_BYTES` is not parsed whole: its
    head says whether it starts as an array of objects (see `_json_head`).

    Example:

    >>> import pathlib, tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "m.jsonl"
    >>> _ = path.write_text('[\\n  {"text": "A", "label": "b"}\\n]\\n')
    >>> _whole_json_hint(path)[:70]
    ' Received: one JSON array of 1 object(s) over 3 lines, a JSON file, no'
    """
    name = os.path.basename(str(path))
    try:
        if os.path.getsize(path) > _WHOLE_JSON_BYTES:
            found = _json_head(path, name)
        else:
            with open(path, "rb") as f:
                data = f.read()
            found = _whole_json(json.loads(data), data, name)  # bytes: a BOM is skipped
    except (ValueError, OSError, RecursionError):
        return ""
    if found is None:
        return ""
    what, command = found
    stem = name.rsplit(".", 1)[0] if "." in name else name
    return (
        f" Received: {what}, a JSON file, not JSON Lines. Write each object on its own line "
        f"(`{command} > {shlex.quote(f'{stem}-lines.jsonl')}`), and pass that file."
    )


def _whole_json(value, data, name):
    """`(what, command)` for a parsed whole file that is an array of objects or one object."""
    lines = sum(1 for line in data.split(b"\n") if line.strip())
    over = f"over {lines} line{'s' if lines != 1 else ''}"
    if isinstance(value, list) and value and all(isinstance(item, dict) for item in value):
        return (
            f"one JSON array of {len(value)} object(s) {over}",
            f"jq -c '.[]' {shlex.quote(name)}",
        )
    if isinstance(value, dict) and lines > 1:
        return f"one JSON object {over}", f"jq -c . {shlex.quote(name)}"
    return None


def _json_head(path, name):
    """`(what, command)` for a file too big to parse whole, from its head, or `None`.

    It starts as an array of objects when its first item, parsed from the
    head, is an object; as an object spread over lines when its first line
    is `{` alone (as `json.dump(..., indent=...)` and `jq` write it). The
    objects are not counted, and the command streams the array (`jq --stream`)
    rather than loading it whole.

    Example:

    >>> import pathlib, tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "m.jsonl"
    >>> _ = path.write_text('[{"text": "A", "label": "b"}, {"text": ')
    >>> print(_json_head(path, "m.jsonl")[0])
    a file over 50 MB that starts as a JSON array of objects (not read whole to count them)
    >>> _ = path.write_text('{"text": "A", "label": "b"} {"text": ')
    >>> _json_head(path, "m.jsonl") is None
    True
    """
    with open(path, "rb") as f:
        head = f.read(_WHOLE_JSON_HEAD).decode("utf-8", "replace").removeprefix("\ufeff")
    head = head.lstrip()
    limit = _WHOLE_JSON_BYTES
    size = f"{limit / 1e6:g} MB" if limit >= 1e6 else f"{limit:,} bytes"
    big = f"a file over {size} that starts as"
    if head.startswith("["):
        try:
            first, _ = json.JSONDecoder().raw_decode(head[1:].lstrip())
        except ValueError:  # not JSON, or a first item longer than the head
            return None
        if not isinstance(first, dict):
            return None
        return (
            f"{big} a JSON array of objects (not read whole to count them)",
            f"jq -cn --stream 'fromstream(1|truncate_stream(inputs))' {shlex.quote(name)}",
        )
    if head.split("\n", 1)[0].strip() == "{":
        return f"{big} a JSON object spread over lines", f"jq -c . {shlex.quote(name)}"
    return None


def _noting_repeats(repeated):
    """An `object_pairs_hook` that builds plain dicts, noting those that repeat a key.

    `json.loads` keeps the last value of a repeated key without a word:
    `{"labels": ["a"], "labels": ["b"]}` would train on `b` alone. The hook
    returns a plain `dict` for every object, nested ones included (a text
    given as an object is still named "a dict"), and appends `(dict, pairs)`
    to `repeated` for one with fewer keys than pairs: the one cheap check
    per object. The hook runs for nested objects first, so the line's own
    object, if it repeats a key, is the last one appended; the caller clears
    `repeated` after each line.

    Example:

    >>> repeated = []
    >>> decode = json.JSONDecoder(object_pairs_hook=_noting_repeats(repeated)).decode
    >>> row = decode('{"a": 1, "a": 2, "b": {"c": 3, "c": 4}}')
    >>> row, type(row["b"]).__name__, [pairs for _, pairs in repeated]
    ({'a': 2, 'b': {'c': 4}}, 'dict', [[('c', 3), ('c', 4)], [('a', 1), ('a', 2), ('b', {'c': 4})]])
    >>> repeated[-1][0] is row
    True
    """

    def hook(pairs, dict=dict, len=len):
        value = dict(pairs)
        if len(value) != len(pairs):
            repeated.append((value, pairs))
        return value

    return hook


def _repeated_keys(pairs):
    """`{key: [values, in order]}` for the keys `pairs` names twice with different values, or `None`.

    Example:

    >>> _repeated_keys([("a", 1), ("a", 2), ("b", 3), ("b", 3)])
    {'a': [1, 2]}
    >>> _repeated_keys([("b", 3), ("b", 3)]) is None
    True
    """
    values = collections.defaultdict(list)
    for key, value in pairs:
        values[key].append(value)
    return {
        key: found for key, found in values.items() if any(other != found[0] for other in found[1:])
    } or None


_JSON_TYPES = {list: "list", str: "string", int: "number", float: "number", bool: "boolean"}
