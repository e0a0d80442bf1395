"""`parse`: a REST request body (bytes) as a JSON object, read as TF Serving's rapidjson reads it.

Bodies are read by Python's json as TF Serving's rapidjson reads them: a UTF-8 byte-order
mark at the start skipped, the first JSON value (what follows it is ignored), `NaN`, `Inf`
and `Infinity` (each with an optional `-`) as numbers, a number beyond a double's range
(`1e400`, which Python's json reads as infinity) refused, the first of duplicate keys winning
(as rapidjson's `FindMember` finds it), bytes that are not UTF-8 kept in strings as they
were sent (held as `errors="surrogateescape"` escapes until a string becomes a tensor's or
a feature's bytes, in `rest_json`). Python's json lacks rapidjson's `Inf`, `-Inf` and
`-NaN`, which are spelled out before a second parse (only for bodies that use them), and a
`dict` would keep the last of duplicate keys. A lone UTF-16 surrogate is refused; errors
are 400s whose offsets count characters from the start of the body, a byte-order mark
included. `describe` quotes a JSON value in messages, here and in `rest_json`.
"""

import json
import math
import re

from genreclf.serving.server.status import NOT_UTF8
from genreclf.serving.server.status import invalid_argument
from genreclf.serving.server.status import not_utf8_byte

# The escape of a UTF-16 surrogate (\uD800 to \uDFFF; group 2: its third digit, 8 to B
# in a high one, C to F in a low one), after an even run of backslashes (an odd one makes
# its first backslash an escaped one, so that "\\ud800" is no escape).
_SURROGATE_ESCAPE = re.compile(r"(?<!\\)(?:\\\\)*(\\u[dD]([89a-fA-F])[0-9a-fA-F]{2})")
# rapidjson's EncodedInputStream<UTF8<>, MemoryStream> (TF Serving's ParseJson) skips the
# bytes EF, BB and BF at the start, each where it follows the ones before it.
_BOM = b"\xef\xbb\xbf"
_JSON_SPACE = " \t\n\r"  # rapidjson's whitespace, and json's
# rapidjson's NaN and infinity literals (kParseNanAndInfFlag) that Python's json lacks,
# and JSON strings, so that a literal is only ever spelled out outside a string.
_RAPIDJSON_ONLY_LITERAL = re.compile(r"-?Inf|-NaN")
# A string's closing quote is optional, so that an unterminated one is passed over in one
# linear scan (a required quote would restart the search at each escape: quadratic time).
_LITERAL_OR_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"?|-?Inf(?:inity)?|-NaN', re.DOTALL)
_PYTHON_SPELLING = {"Inf": "Infinity", "-Inf": "-Infinity", "-NaN": "NaN"}
# JSON strings and numbers, to find where a number too big for a double starts (the
# closing quote optional, as in `_LITERAL_OR_STRING`).
_STRING_OR_NUMBER = re.compile(
    r'"[^"\\]*(?:\\.[^"\\]*)*"?|-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?', re.DOTALL
)


class _NumberTooBig(Exception):
    """A JSON number beyond the range of a double (rapidjson's kParseErrorNumberTooBig)."""


def _double(token):
    """`json`'s `parse_float`: a number with a fraction or exponent as a float, refusing one
    beyond a double's range (`1e400`), which Python would read as infinity and rapidjson
    refuses ("Number too big to be stored in double"). `NaN` and `Infinity` are constants,
    not numbers: they never get here."""
    value = float(token)
    if math.isinf(value):
        raise _NumberTooBig(token)
    return value


def parse(body, utf8_only=False):
    """A request body (bytes) as a JSON object, read as TF Serving's rapidjson reads it
    (json_tensor.cc `ParseJson`: an `EncodedInputStream<UTF8<>, MemoryStream>`, which
    skips a UTF-8 byte-order mark, parsed with `kParseStopWhenDoneFlag |
    kParseNanAndInfFlag` and without `kParseValidateEncodingFlag`): what follows the first
    JSON value is ignored, `NaN`, `Inf`, `Infinity` (each with an optional `-`) are
    numbers, one beyond a double's range is refused (rapidjson's "Number too big to be
    stored in double"), and a string may hold bytes that are not UTF-8, which reach the
    model as they were sent (here held as `errors="surrogateescape"` escapes, `"\\udcff"`
    for the byte 0xFF, until `rest_json._bytes` turns the string into bytes).
    `utf8_only=True` (the server's own routes, which explain and show text) refuses such
    bytes instead. Error offsets count characters from the start of the body, a
    byte-order mark included.

    Example:

    >>> parse(b'{"instances": ["a"]}')
    {'instances': ['a']}
    >>> parse(b'\\xef\\xbb\\xbf{"instances": [-Inf]} trailing data')
    {'instances': [-inf]}
    >>> parse(b'{"instances": ["caf\\xe9"]}')
    {'instances': ['caf\\udce9']}
    >>> parse(b'{"instances": [')
    Traceback (most recent call last):
    ...
    genreclf.serving.server.status.ServingStatusError: JSON Parse error: Expecting value at offset 15.
    """
    skipped = _bom_length(body)
    try:
        text, not_utf8 = body[skipped:].decode("utf-8"), False
    except UnicodeDecodeError:  # kept, as rapidjson keeps them
        text, not_utf8 = body[skipped:].decode("utf-8", "surrogateescape"), True
    try:
        doc, end = _first_value(text)
        bad = not_utf8 and utf8_only and NOT_UTF8.search(text, 0, end)
        if bad:
            raise invalid_argument(
                f"JSON Parse error: a string holds a byte that is not UTF-8 "
                f"(0x{not_utf8_byte(bad.group()):02X}) at offset {skipped + bad.start()}. "
                "Send the text encoded as UTF-8."
            )
        # A lone surrogate is no character, wherever it is in the first value (a
        # duplicate key's dropped value included: rapidjson reads every member).
        lone = _lone_surrogate(text, end)
        if lone is not None:
            raise invalid_argument(
                f"JSON Parse error: a lone UTF-16 surrogate ({lone.group(1)}) at offset "
                f"{skipped + lone.start(1)}."
            )
    except json.JSONDecodeError as err:
        # json's "Unterminated string starting at" already ends in "at".
        message = err.msg.removesuffix(" at")
        byte = NOT_UTF8.match(text, err.pos) if not_utf8 else None
        where = f" (the byte 0x{not_utf8_byte(byte.group()):02X}, not UTF-8)" if byte else ""
        raise invalid_argument(
            f"JSON Parse error: {message} at offset {skipped + err.pos}{where}."
        ) from None
    except _NumberTooBig as err:
        raise invalid_argument(_too_big_message(text, str(err), skipped)) from None
    except RecursionError:
        raise invalid_argument("JSON Parse error: the document is nested too deeply.") from None
    except ValueError:  # an integer of more than sys.get_int_max_str_digits() digits
        raise invalid_argument("JSON Parse error: a number has too many digits.") from None
    if not isinstance(doc, dict):
        raise invalid_argument(f"Expected the body to be a JSON object. Received: {describe(doc)}.")
    return doc


def _too_big_message(text, token, skipped):
    """rapidjson's message for `token`, a number beyond a double, with its offset: where the
    first number outside a string that reads as `token` starts (the parse stopped there)."""
    starts = (m.start() for m in _STRING_OR_NUMBER.finditer(text) if m.group() == token)
    shown = token if len(token) <= 40 else token[:40] + "..."
    return (
        f"JSON Parse error: Number too big to be stored in double at offset "
        f"{skipped + next(starts, 0)}. Received: {shown}. Send numbers of magnitude at most "
        "1.7976931348623157e308 (a double's largest)."
    )


def _bom_length(body):
    """How many bytes of a UTF-8 byte-order mark TF Serving's rapidjson skips at the start
    of `body`: `EncodedInputStream<UTF8<>, MemoryStream>` takes EF, then BB, then BF, each
    only where it comes next (so a whole mark, or the part of one that is there)."""
    skipped = 0
    for byte in _BOM:
        if body[skipped : skipped + 1] == bytes((byte,)):
            skipped += 1
    return skipped


def _lone_surrogate(text, end):
    """The first escape of a UTF-16 surrogate in `text[:end]` that is not half of a pair (a
    high one followed at once by a low one), as a `_SURROGATE_ESCAPE` match, or None.
    `end` is where the first JSON value ends, so that each backslash before it is in a
    string."""
    high = None  # a high one, until the escape after it shows whether it is paired
    for match in _SURROGATE_ESCAPE.finditer(text, 0, end):
        low = match.group(2) in "cdefCDEF"
        if high is not None:
            if low and match.start(1) == high.end(1):
                high = None
                continue
            return high
        if low:
            return match
        high = match
    return high


def _first_value(text):
    """`(value, end)`: the first JSON value of `text` and the offset after it, the rest
    ignored (rapidjson's `kParseStopWhenDoneFlag`); rapidjson's `Inf`, `-Inf` and `-NaN`,
    which Python's json lacks, are read as `Infinity`, `-Infinity` and `NaN` (its
    `kParseNanAndInfFlag`)."""
    start = len(text) - len(text.lstrip(_JSON_SPACE))
    if start == len(text):
        raise json.JSONDecodeError("the document is empty", text, 0)
    decoder = json.JSONDecoder(object_pairs_hook=_first_key_wins, parse_float=_double)
    try:
        return decoder.raw_decode(text, start)
    except json.JSONDecodeError as err:
        if not _RAPIDJSON_ONLY_LITERAL.match(text, err.pos):
            raise
    # Only bodies that use such a literal pay for spelling them out (one pass, then a
    # second parse); an offset is then mapped back to the text as sent.
    shifts, added = [], 0  # (offset in the spelled text after a literal, characters added)

    def spell(match):
        nonlocal added
        token = match.group()
        spelled = _PYTHON_SPELLING.get(token)
        if spelled is None:  # a string, or Infinity: as it is
            return token
        added += len(spelled) - len(token)
        shifts.append((match.end() + added, len(spelled) - len(token)))
        return spelled

    def as_sent(pos):
        return pos - sum(delta for end, delta in shifts if end <= pos)

    spelled_text = _LITERAL_OR_STRING.sub(spell, text)
    try:
        value, end = decoder.raw_decode(spelled_text, start)
    except json.JSONDecodeError as err:
        raise json.JSONDecodeError(err.msg, text, as_sent(err.pos)) from None
    return value, as_sent(end)


def _first_key_wins(pairs):
    """A JSON object's pairs as a dict, the first of duplicate keys kept (rapidjson's
    `FindMember`, which TF Serving uses, finds the first; `dict` would keep the last)."""
    obj = dict(pairs)
    if len(obj) != len(pairs):
        obj = {}
        for key, value in pairs:
            obj.setdefault(key, value)
    return obj


def describe(value, limit=100):
    """A JSON value as messages quote it: compact, at most `limit` characters."""
    try:
        text = json.dumps(value, ensure_ascii=False)
    except (RecursionError, ValueError):
        return "<a value nested too deeply to print>"
    return text if len(text) <= limit else text[:limit] + "..."
