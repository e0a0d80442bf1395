"""Where the local server's REST API answers as TF Serving's source decides (tensorflow/serving
2.20).

Each case names the part of TF Serving it follows: the REST dispatcher and regexes
(http_server.cc, http_rest_api_util.cc: case-insensitive, matched on the path and
query string; an OPTIONS request a CORS preflight), the handler's order
(http_rest_api_handler.cc: the body is parsed before the model is looked up),
json_tensor.cc (rapidjson's flags: the first JSON value read, NaN and infinity
literals, a UTF-8 byte-order mark skipped, bytes that are not UTF-8 kept; base64, columnar
keys, the first of duplicate keys), gzip request bodies
(evhttp_request.cc), classifier.cc and regressor.cc (the signature's shape checked,
not its method_name, by default). The gRPC side: test_tf_parity_grpc.py; the shared
server and cases: conftest.py. Real server processes, real sockets on 127.0.0.1.
"""

import base64
import gzip
import json

import pytest

from tests.serving.server.conftest import PREDICT
from tests.serving.server.conftest import SIGNATURE_MISFITS
from tests.serving.server.conftest import request
from tests.serving.server.conftest import send

# 1. Classify / Regress: the signature's shape is checked, not its method_name.


def test_a_classify_or_regress_signature_of_any_method_name_is_served(odd_server):
    body = {"signature_name": "classify", "examples": [{"text": "a haunted house"}]}
    code, answer = request(odd_server, "POST", "/v1/models/genre:classify", body)
    assert code == 200, answer
    assert [label for label, _ in answer["results"][0]][:2] == ["action", "comedy"]
    body = {"examples": [{"text": "one two three"}]}
    code, answer = request(odd_server, "POST", "/v1/models/rating:regress", body)
    assert (code, answer) == (200, {"results": [3.0]})


@pytest.mark.parametrize("kind, signature, message", SIGNATURE_MISFITS)
def test_a_signature_that_does_not_fit_gets_tf_servings_message(
    odd_server, kind, signature, message
):
    body = {"signature_name": signature, "examples": [{"text": "a ghost"}]}
    code, answer = request(odd_server, "POST", f"/v1/models/odd:{kind}", body)
    assert code == 400 and answer["error"].startswith(message), answer


def test_classify_and_regress_answers_of_fitting_odd_signatures(odd_server):
    code, answer = request(odd_server, "POST", "/v1/models/odd:classify", {"examples": [{}]})
    assert (code, answer) == (200, {"results": [[["x", 0.5], ["x", 0.5]]]})
    body = {"signature_name": "column_regress", "examples": [{}, {}]}
    code, answer = request(odd_server, "POST", "/v1/models/odd:regress", body)
    assert (code, answer) == (200, {"results": [1.5, 1.5]})


# 2. and 4. REST paths: the query string is part of the path; case-insensitive regexes.


def test_a_query_string_is_part_of_the_path_as_in_tf_serving(server):
    code, answer = request(server, "GET", "/v1/models/genre?x=1")
    assert code == 404 and answer["error"].startswith(
        "Could not find any versions of model genre?x=1"
    ), answer
    code, answer = request(server, "POST", "/v1/models/genre:predict?x=1", {"instances": ["a"]})
    assert code == 400 and answer["error"].startswith(
        "Malformed request: POST /v1/models/genre:predict?x=1"
    ), answer
    code, answer = request(server, "GET", "/v1/models/genre/versions/1/metadata?x")
    assert code == 400 and "Malformed request" in answer["error"], answer
    code, answer = request(server, "POST", "/v1/models/genre?x=1:predict", {"instances": ["a"]})
    assert code == 404 and "Latest(genre?x=1)" in answer["error"], answer
    # Not TF Serving's API: the local server's own routes keep ignoring queries.
    assert request(server, "GET", "/web/models.json?x=1")[0] == 200


@pytest.mark.parametrize(
    "method, path, code, expected",
    [
        ("GET", "/V1/MODELS/genre", 200, "model_version_status"),
        ("GET", "/v1/Models/genre/VERSIONS/1", 200, "model_version_status"),
        ("GET", "/v1/models/genre/METADATA", 200, "model_version_status"),  # the status
        ("GET", "/V1/models/genre/Labels/stable/metadata", 200, "metadata"),
        ("POST", "/V1/Models/genre/LABELS/stable:predict", 200, "predictions"),
        ("POST", "/v1/models/genre:PREDICT", 400, "Malformed request: POST"),
        ("POST", "/v1/models/genre:Classify", 400, "Malformed request: POST"),
        ("GET", "/V1/foo", 400, "Malformed request: GET /V1/foo"),
        ("GET", "/v1/models/", 400, "Malformed request: GET /v1/models/"),
        ("GET", "/v1/models/genre/versions/99999999999999999999", 400, "Failed to convert"),
        ("GET", "/v1/models/genre/versions/0001", 200, "model_version_status"),
    ],
)
def test_api_paths_are_matched_case_insensitively_verbs_and_metadata_exactly(
    server, method, path, code, expected
):
    body = {"instances": ["a ghost"]} if method == "POST" else None
    status, answer = request(server, method, path, body)
    assert status == code, answer
    assert expected in answer or expected in answer.get("error", ""), answer


def test_a_path_not_under_v1_as_sent_is_404_as_in_tf_serving(server):
    # "/%761/..." decodes to "/v1/...", but TF Serving dispatches on the path as sent.
    assert request(server, "GET", "/%761/models/genre")[0] == 404


# 5. The body is parsed before the model is looked up.


@pytest.mark.parametrize(
    "path, body, words",
    [
        ("/v1/models/nope:predict", '{"instances": [', "JSON Parse error"),
        ("/v1/models/nope:predict", '{"signature_name": 5, "instances": ["a"]}', "string"),
        ("/v1/models/nope:classify", '{"examples": "x"}', "'examples'"),
        ("/v1/models/genre/versions/7:regress", '{"examples": [1]}', "JSON object"),
    ],
)
def test_a_malformed_body_is_400_even_for_an_unknown_model(server, path, body, words):
    code, answer = request(server, "POST", path, body)
    assert code == 400 and words in answer["error"], answer


# 6. base64 as absl::Base64Unescape reads it; a {"b64"} object has that one key.


@pytest.mark.parametrize(
    "encoded",
    ["bG92ZQ==", "bG92ZQ", "bG92ZQ..", "bG92\nZQ==", " bG 92 ZQ = = ", "bG92ZQ=.\r\n"],
)
def test_base64_is_decoded_as_tf_serving_decodes_it(server, encoded):
    code, row = request(server, "POST", PREDICT, {"instances": ["love"]})
    assert code == 200
    assert request(server, "POST", PREDICT, {"instances": [{"b64": encoded}]}) == (200, row)
    code, columnar = request(server, "POST", PREDICT, {"inputs": {"text": [{"b64": encoded}]}})
    assert code == 200, columnar
    assert columnar["outputs"] == {k: [v] for k, v in row["predictions"][0].items()}
    body = {"signature_name": "classify", "examples": [{"text": {"b64": encoded}}]}
    expected = {"signature_name": "classify", "examples": [{"text": "love"}]}
    assert request(server, "POST", "/v1/models/genre:classify", body) == request(
        server, "POST", "/v1/models/genre:classify", expected
    )


@pytest.mark.parametrize("encoded", ["bG92ZQ=", "bG92ZQ===", "bG92Z", "!!!!", "bG9=2ZQ==", "é"])
def test_base64_tf_serving_refuses_is_400(server, encoded):
    code, answer = request(server, "POST", PREDICT, {"instances": [{"b64": encoded}]})
    assert code == 400 and "base64" in answer["error"], answer


@pytest.mark.parametrize(
    "path, body",
    [
        (
            "/v1/models/genre:classify",
            {"signature_name": "classify", "examples": [{"text": {"b64": "YQ==", "x": 1}}]},
        ),
        ("/v1/models/genre:predict", {"inputs": {"text": [{"b64": "YQ==", "x": 1}]}}),
        ("/v1/models/genre:predict", {"instances": ["a", {"b64": "YQ==", "x": 1}]}),
    ],
)
def test_a_b64_object_with_another_key_is_400(server, path, body):
    code, answer = request(server, "POST", path, body)
    assert code == 400 and '{"b64": "<base64>"}' in answer["error"], answer


# 7. and 8. Columnar keys the signature does not have are ignored; the first duplicate wins.


def test_columnar_keys_the_signature_lacks_are_ignored_row_keys_are_not(server):
    plain = request(server, "POST", PREDICT, {"inputs": {"text": ["a ghost"]}})
    extra = {"inputs": {"text": ["a ghost"], "extra": 1, "more": ["x"] * 10_001}}  # uncounted
    assert request(server, "POST", PREDICT, extra) == plain
    code, answer = request(server, "POST", PREDICT, {"inputs": {"txt": ["a"]}})
    assert code == 400 and "Missing: ['text']" in answer["error"], answer
    code, answer = request(server, "POST", PREDICT, {"instances": [{"text": "a", "extra": 1}]})
    assert code == 400 and "['text']" in answer["error"], answer


def test_the_first_of_duplicate_keys_wins_as_in_rapidjson(server):
    body = '{"instances": ["a ghost"], "instances": ["love", "space"]}'
    code, answer = request(server, "POST", PREDICT, body)
    assert code == 200 and len(answer["predictions"]) == 1, answer
    assert answer == request(server, "POST", PREDICT, {"instances": ["a ghost"]})[1]
    body = '{"signature_name": "nope", "signature_name": "", "instances": ["a"]}'
    code, answer = request(server, "POST", PREDICT, body)
    assert code == 400 and '"nope" not found' in answer["error"], answer


# 12. gzip request bodies, decompressed within --max-body-bytes.


def gzip_post(server, path, data, encoding="gzip"):
    headers = {"Content-Encoding": encoding, "Content-Type": "application/json"}
    return request(server, "POST", path, data, headers)


def test_a_gzip_body_is_decompressed_as_tf_serving_does(server):
    plain = request(server, "POST", PREDICT, {"instances": ["a ghost"]})
    body = gzip.compress(json.dumps({"instances": ["a ghost"]}).encode())
    assert gzip_post(server, PREDICT, body) == plain
    assert gzip_post(server, PREDICT, body, encoding="x-gzip, identity") == plain
    two_members = gzip.compress(b'{"instances": ') + gzip.compress(b'["a ghost"]}')
    assert gzip_post(server, PREDICT, two_members) == plain
    classify = {"signature_name": "classify", "examples": [{"text": "a ghost"}]}
    expected = request(server, "POST", "/v1/models/genre:classify", classify)
    zipped = gzip.compress(json.dumps(classify).encode())
    assert gzip_post(server, "/v1/models/genre:classify", zipped) == expected


def test_a_gzip_body_over_the_limit_once_decompressed_is_413(server):
    # The session server's --max-body-bytes is 100000: 1 MB of spaces is a 1 kB body.
    bomb = gzip.compress(b'{"instances": ["a"]' + b" " * 1_000_000 + b"}")
    assert len(bomb) < 5000
    code, answer = gzip_post(server, PREDICT, bomb)
    assert code == 413, answer
    assert "decompresses (Content-Encoding: gzip) to more than" in answer["error"]
    assert "100000 bytes" in answer["error"]
    assert request(server, "POST", PREDICT, {"instances": ["still serving"]})[0] == 200


@pytest.mark.parametrize(
    "data",
    [
        b'{"instances": ["a"]}',  # not compressed
        gzip.compress(b'{"instances": ["a"]}')[:-6],  # cut short
        gzip.compress(b'{"instances": ["a"]}') + b"junk",  # trailing garbage
    ],
    ids=["plain", "truncated", "trailing"],
)
def test_a_gzip_body_that_does_not_decompress_is_400_naming_content_encoding(server, data):
    code, answer = gzip_post(server, PREDICT, data)
    assert code == 400, answer
    assert answer["error"].startswith(
        "Could not decompress the request body (Content-Encoding: gzip)"
    ), answer


def test_other_content_encodings_are_read_as_sent(server):
    # TF Serving decompresses only "gzip" (a case-sensitive substring) and reads the rest as is.
    body = json.dumps({"instances": ["a ghost"]})
    assert gzip_post(server, PREDICT, body, encoding="GZIP")[0] == 200
    assert gzip_post(server, PREDICT, body, encoding="br")[0] == 200
    assert gzip_post(server, PREDICT, base64.b64encode(b"x"), encoding="deflate")[0] == 400


# 13. json_tensor.cc ParseJson reads the body with kParseStopWhenDoneFlag (the first JSON
# value; what follows is never read) and kParseNanAndInfFlag (NaN, Inf, Infinity, -Inf,
# -Infinity and -NaN are numbers: rapidjson 1.1.0, reader.h ParseNumber).


@pytest.mark.parametrize(
    "trailing",
    [b" trailing words", b'{"instances": ["love", "space"]}', b"]}", b"\n\xff\xfe not UTF-8"],
)
def test_what_follows_the_first_json_value_is_ignored_as_in_tf_serving(server, trailing):
    plain = request(server, "POST", PREDICT, {"instances": ["a ghost"]})
    assert plain[0] == 200
    body = json.dumps({"instances": ["a ghost"]}).encode() + trailing
    assert request(server, "POST", PREDICT, body) == plain
    code, answer = request(server, "POST", PREDICT, b'["a ghost"] ' + body)
    assert code == 400 and "Expected the body to be a JSON object" in answer["error"], answer
    code, answer = request(server, "POST", PREDICT, b" \n\t")
    assert code == 400 and "empty" in answer["error"], answer


@pytest.mark.parametrize(
    "literal, as_python_writes_it",
    [("Inf", "Infinity"), ("-Inf", "-Infinity"), ("-NaN", "NaN"), ("NaN", "NaN")],
)
def test_nan_and_infinity_literals_are_numbers_as_in_tf_serving(
    server, literal, as_python_writes_it
):
    # A float32 input (hybrid's `year`): TF Serving hands the value to the model.
    body = '{"instances": [{"text": "a ghost", "year": %s}]}'
    path = "/v1/models/hybrid:predict"
    code, answer = request(server, "POST", path, body % literal)
    assert code == 200, answer
    expected = request(server, "POST", path, body % as_python_writes_it)
    assert json.dumps(answer) == json.dumps(expected[1])  # as text: NaN != NaN
    # A string input: refused as any number is (TF Serving: 400, "JSON Value: ... Type:
    # Number is not of expected type: string"), here naming the input and the value.
    code, answer = request(server, "POST", PREDICT, '{"instances": [%s]}' % literal)
    number = request(server, "POST", PREDICT, '{"instances": [1]}')[1]["error"]
    assert code == 400, answer
    assert answer["error"] == number.replace("Received: 1.", f"Received: {as_python_writes_it}.")
    # Inside a string, a literal is text: "Inf" is the text Inf.
    assert request(server, "POST", PREDICT, '{"instances": ["-Inf"]}')[0] == 200


@pytest.mark.parametrize("number, offset", [("1e400", 43), ("-1e309", 43), ("1.5e99999", 43)])
def test_a_number_beyond_a_double_is_400_as_in_tf_serving(server, number, offset):
    # rapidjson's kParseErrorNumberTooBig ("Number too big to be stored in double"), where
    # Python's json would read infinity and the model score it.
    body = '{"instances": [{"text": "a ghost", "year": %s}]}' % number
    code, answer = request(server, "POST", "/v1/models/hybrid:predict", body)
    assert code == 400, answer
    assert answer["error"].startswith(
        f"JSON Parse error: Number too big to be stored in double at offset {offset}. "
        f"Received: {number}."
    ), answer
    # The largest double is a number; a tiny one reads as 0 (rapidjson: too).
    body = '{"instances": [{"text": "a ghost", "year": %s}]}'
    assert request(server, "POST", "/v1/models/hybrid:predict", body % "1e-400")[0] == 200


# 14. http_server.cc: an OPTIONS request under /v1/ is a CORS preflight, answered 200 (no
# body, no Access-Control-* headers without --rest_api_enable_cors_support) when its
# Origin header holds http:// or https://, else FAILED_PRECONDITION (400).


@pytest.mark.parametrize(
    "origin, expected",
    [
        ("http://localhost:3000", 200),
        ("https://example.com", 200),
        ("app+https://example.com", 200),  # RE2::PartialMatch: anywhere in the header
        ("null", 400),  # what a browser sends from a file:// page
        ("example.com", 400),
        (None, 400),
    ],
)
def test_a_cors_preflight_is_answered_as_in_tf_serving(server, origin, expected):
    headers = {"Access-Control-Request-Method": "POST"}
    if origin is not None:
        headers["Origin"] = origin
    for path in (PREDICT, "/V1/models/genre?x=1", "/v1/anything"):
        code, answer_headers, data = send(server, "OPTIONS", path, headers=headers)
        assert code == expected, (path, data)
        if expected == 200:
            assert data == b"", data
            assert not [key for key in answer_headers if key.lower().startswith("access-")]
        else:
            error = json.loads(data)["error"]
            assert error.startswith("Origin header is missing in CORS preflight"), error
    assert send(server, "OPTIONS", "/v2/models/genre", headers=headers)[0] == 404


def test_preflights_are_counted_apart_from_the_api_calls(server):
    send(server, "OPTIONS", PREDICT, headers={"Origin": "https://example.com"})
    metrics = send(server, "GET", "/monitoring/prometheus/metrics")[2].decode()
    assert 'api="preflight"' in metrics


# 15. json_tensor.cc ParseJson reads the body through rapidjson 1.1.0's
# EncodedInputStream<UTF8<>, MemoryStream>, whose constructor skips a UTF-8 byte-order mark,
# and parses without kParseValidateEncodingFlag: a string's bytes are copied as they are,
# UTF-8 or not, into the tensor or the example's bytes_list.


@pytest.mark.parametrize(
    "path, body",
    [
        (PREDICT, {"instances": ["a ghost"]}),
        ("/v1/models/genre:classify", {"signature_name": "classify", "examples": [{"text": "a"}]}),
    ],
)
def test_a_utf8_byte_order_mark_is_skipped_as_in_tf_serving(server, path, body):
    plain = request(server, "POST", path, body)
    assert plain[0] == 200, plain
    assert request(server, "POST", path, b"\xef\xbb\xbf" + json.dumps(body).encode()) == plain
    code, answer = request(server, "POST", path, b"\xef\xbb\xbf")
    assert code == 400 and "empty at offset 3" in answer["error"], answer


def test_bytes_that_are_not_utf8_reach_the_model_as_tf_serving_passes_them(odd_server):
    sent = [b"a\xff", b"caf\xe9", b"\xed\xa0\x80", b"ok"]
    body = b'{"signature_name": "echo", "instances": ["' + b'", "'.join(sent) + b'"]}'
    code, _, data = send(odd_server, "POST", "/v1/models/odd:predict", body)
    assert code == 200, data
    answer = json.loads(data.decode("utf-8"))  # UTF-8 JSON, whatever the model answers
    assert [row["echo_bytes"]["b64"] for row in answer["predictions"]] == [
        base64.b64encode(value).decode() for value in sent
    ]
    assert [row["echo"] for row in answer["predictions"]] == [
        value.decode("utf-8", "replace") for value in sent
    ]


@pytest.mark.parametrize("text", [b"love \xff", b"a haunted caf\xe9 \xc0\xaf"])
def test_a_text_that_is_not_utf8_is_answered_as_its_base64_twin(server, text):
    encoded = base64.b64encode(text).decode()
    code, answer = request(server, "POST", PREDICT, b'{"instances": ["' + text + b'"]}')
    assert code == 200, answer
    assert answer == request(server, "POST", PREDICT, {"instances": [{"b64": encoded}]})[1]
    path = "/v1/models/genre:classify"
    body = b'{"signature_name": "classify", "examples": [{"text": "' + text + b'"}]}'
    code, answer = request(server, "POST", path, body)
    twin = {"signature_name": "classify", "examples": [{"text": {"b64": encoded}}]}
    assert (code, answer) == request(server, "POST", path, twin)
    code, answer = request(server, "POST", path, body.replace(b'"text"', b'"te\xffxt"'))
    assert code == 400 and 'feature "te\\xffxt"' in answer["error"], answer  # proto3 names
