"""`json_bytes.parse`: bodies read as TF Serving's rapidjson reads them (a byte-order mark,
the first value, NaN and infinity literals, bytes that are not UTF-8, duplicate keys) and
parsing errors that say where."""

import numpy as np
import pytest

from genreclf.serving.server.json_bytes import parse
from genreclf.serving.server.status import ServingStatusError
from tests.serving.server.conftest import error


@pytest.mark.parametrize(
    "body,words",
    [
        (b"", ["empty"]),
        (b"   ", ["empty"]),
        (b"instances = [1]", ["Expecting value", "offset 0"]),
        (b'{"instances": [1 2]}', ["Expecting ',' delimiter", "offset 17"]),
        (b'{"a": [Inf, -NaN, 1 2]}', ["Expecting ',' delimiter", "offset 20"]),  # as sent
        (b'{"a": [Infi]}', ["offset 10"]),
        (b'{"a": inf}', ["Expecting value", "offset 6"]),  # rapidjson's literals are cased
        (b'{"instances": ["a', ["Unterminated string starting at offset 15."]),
        (b'{"a": \xff}', ["Expecting value at offset 6 (the byte 0xFF, not UTF-8)."]),
        (b"\xef\xbb\xbf", ["the document is empty at offset 3."]),  # rapidjson: offset 3
        (b'\xef\xbb\xbf{"a": [1 2]}', ["Expecting ',' delimiter at offset 12."]),
        (b' \xef\xbb\xbf{"a": 1}', ["Expecting value at offset 1."]),  # a mark inside: text
        (b'{"a": "\\ud800"}', ["a lone UTF-16 surrogate (\\ud800) at offset 7."]),
        (b'{"a": "\xff", "b": "\\ud800"}', ["surrogate (\\ud800) at offset 17."]),
        (b'{"a": "\xff", "b": "\\udcff"}', ["surrogate (\\udcff) at offset 17."]),  # not 0xFF
        # The first lone one, as sent: after a pair, in a key, before a pair, after "\\".
        (b'\xef\xbb\xbf{"a": "\\uD83D\\uDE00 \\uDE00"}', ["(\\uDE00) at offset 23."]),
        (b'{"\\udbff": 1}', ["(\\udbff) at offset 2."]),
        (b'{"a": "\\ud800\\ud800\\udc00"}', ["(\\ud800) at offset 7."]),
        (b'{"a": "\\\\ud800\\udc00"}', ["(\\udc00) at offset 14."]),
        # in the value of a duplicate key that is dropped (rapidjson reads every member)
        (b'{"a": 1, "a": "\\ud800"}', ["(\\ud800) at offset 15."]),
        (b"[" * 5000 + b"]" * 5000, ["nested too deeply"]),
        (b'{"a": ' + b"9" * 5000 + b"}", ["too many digits"]),
        # rapidjson's kParseErrorNumberTooBig, where the number starts (not in a string).
        (b'{"a": 1e400}', ["Number too big to be stored in double at offset 6.", "1e400"]),
        (b'\xef\xbb\xbf{"s": "-1e309", "a": [Inf, -1e309]}', ["at offset 30.", "-1e309"]),
        (b"[1, 2]", ["JSON object", "[1, 2]"]),
    ],
)
def test_parse_errors_name_the_problem(body, words):
    message = error(parse, body)
    assert message.startswith("JSON Parse error") or "JSON object" in message
    for word in words:
        assert word in message, message


def test_parse_accepts_nan_and_valid_surrogate_pairs():
    assert np.isnan(parse(b'{"x": NaN}')["x"])
    edges = parse(b'{"x": [1.7976931348623157e308, -1e-400, 1e-400, Infinity, -Inf]}')["x"]
    assert edges == [1.7976931348623157e308, -0.0, 0.0, np.inf, -np.inf]  # within a double
    body = b'{"x": [Inf, -Inf, Infinity, -Infinity, -NaN], "Inf": "-NaN, Inf \\" Inf"}'
    doc = parse(body)  # rapidjson's kParseNanAndInfFlag literals, outside strings only
    assert doc["x"][:4] == [np.inf, -np.inf, np.inf, -np.inf] and np.isnan(doc["x"][4])
    assert doc["Inf"] == '-NaN, Inf " Inf'
    assert parse(b'{"x": "\\ud83d\\ude00"}')["x"] == "\U0001f600"


def test_parse_reads_the_first_json_value_as_rapidjson_stops_when_done():
    assert parse(b' {"a": 1} x') == {"a": 1}
    assert parse(b'{"a": 1}{"a": 2}') == {"a": 1}
    assert parse(b'{"a": Inf}\xff]') == {"a": np.inf}


def test_a_utf8_byte_order_mark_is_skipped_as_rapidjson_skips_it():
    # TF Serving reads the body through EncodedInputStream<UTF8<>, MemoryStream>, whose
    # constructor takes EF, then BB, then BF, each where it comes next.
    for mark in (b"\xef\xbb\xbf", b"\xef\xbb", b"\xbb\xbf", b"\xbf"):
        assert parse(mark + b'{"instances": ["a"]}') == {"instances": ["a"]}
    assert "offset 1" in error(parse, b'\xbb\xef{"a": 1}')  # BB taken; EF is no value


def test_utf8_only_refuses_bytes_that_are_not_utf8_in_the_value():
    # The server's own routes (/web/explain) explain and show text: UTF-8 only.
    message = error(parse, b'{"text": [Inf, "a\xff"]}', True)
    assert message == (
        "JSON Parse error: a string holds a byte that is not UTF-8 (0xFF) at offset 17. "
        "Send the text encoded as UTF-8."
    )
    assert parse(b'\xef\xbb\xbf{"text": "a"} \xff', True) == {"text": "a"}  # after the value


def test_an_unterminated_string_full_of_escapes_is_read_in_one_pass():
    # With a required closing quote, the literal search restarted at every escaped quote of
    # an unterminated string: 100,000 of them took minutes, holding the server's GIL.
    escapes = b'\\"' * 100_000
    assert parse(b'{"instances": [Inf]} "' + escapes) == {"instances": [np.inf]}
    with pytest.raises(ServingStatusError, match="JSON Parse error"):
        parse(b'{"instances": [Inf, "' + escapes)


def test_the_first_of_duplicate_keys_wins():
    doc = parse(b'{"instances": ["a"], "x": {"k": 1, "k": 2}, "instances": ["b", "c"]}')
    assert doc == {"instances": ["a"], "x": {"k": 1}}
    assert list(parse(b'{"b": 1, "a": 2, "b": 3}')) == ["b", "a"]  # order kept
