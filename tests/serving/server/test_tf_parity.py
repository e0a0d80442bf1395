"""Where the local server answers as TF Serving's source decides (tensorflow/serving 2.20).

Each case names the part of TF Serving it follows: the REST dispatcher and regexes
(http_server.cc, http_rest_api_util.cc: case-insensitive, matched on the path and
query string), the handler's order (http_rest_api_handler.cc: the body is parsed
before the model is looked up), json_tensor.cc (base64, columnar keys, the first of
duplicate keys), gzip request bodies (evhttp_request.cc), classifier.cc and
regressor.cc (the signature's shape checked, not its method_name, by default),
ServerCore and the gRPC services (ModelSpec checks, response model_spec,
output_filter, metadata_field). Real server processes, real sockets on 127.0.0.1.
"""

import base64
import gzip
import http.client
import json

import grpc
import pytest
import tensorflow as tf
from tensorflow_serving.apis import classification_pb2
from tensorflow_serving.apis import get_model_metadata_pb2
from tensorflow_serving.apis import get_model_status_pb2
from tensorflow_serving.apis import model_service_pb2_grpc
from tensorflow_serving.apis import predict_pb2
from tensorflow_serving.apis import prediction_service_pb2_grpc
from tensorflow_serving.apis import regression_pb2

PREDICTION_METHOD = "tensorflow/serving/predict"  # what tf.saved_model.save writes
PREDICT = "/v1/models/genre:predict"


def request(server, method, path, body=None, headers=None):
    """`(status, json)` of a request sent exactly as written (path, query, case, body)."""
    connection = http.client.HTTPConnection("127.0.0.1", server.rest_port, timeout=60)
    try:
        if isinstance(body, (dict, list)):
            body = json.dumps(body)
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, json.loads(response.read())
    finally:
        connection.close()


def write_odd_model(base):
    """`<base>/odd/1`: a SavedModel whose signatures each test one of TF Serving's checks of
    a classify or regress signature (all with TF 2's method_name, tensorflow/serving/predict).
    `serving_default` is classify-shaped: `inputs` → `classes` (string) and `scores`."""
    strings = tf.TensorSpec([None], tf.string)

    def rows(inputs, width, dtype=tf.float32):
        return tf.zeros(tf.stack([tf.shape(inputs)[0], width]), dtype)

    def labels(inputs, width):
        return tf.fill(tf.stack([tf.shape(inputs)[0], width]), "x")

    def signature(function, *specs):
        return tf.function(function, input_signature=list(specs) or [strings])

    module = tf.Module()
    signatures = {
        "serving_default": lambda inputs: {
            "classes": labels(inputs, 2),
            "scores": rows(inputs, 2) + 0.5,
        },
        "int_classes": lambda inputs: {"classes": rows(inputs, 2, tf.int64)},
        "flat_scores": lambda inputs: {"scores": tf.zeros(tf.shape(inputs), tf.float32)},
        "uneven": lambda inputs: {"classes": labels(inputs, 2), "scores": rows(inputs, 3)},
        "three_outputs": lambda inputs: {
            "classes": labels(inputs, 2),
            "scores": rows(inputs, 2),
            "extra": rows(inputs, 2),
        },
        "no_classes": lambda inputs: {"labels": labels(inputs, 2)},
        "double_regress": lambda inputs: {"outputs": tf.zeros(tf.shape(inputs), tf.float64)},
        "wide_regress": lambda inputs: {"outputs": rows(inputs, 2)},
        "column_regress": lambda inputs: {"outputs": rows(inputs, 1) + 1.5},
    }
    functions = {key: signature(value) for key, value in signatures.items()}
    functions["two_inputs"] = signature(
        lambda inputs, other: {"scores": rows(inputs, 2)}, strings, strings
    )
    functions["renamed_input"] = signature(lambda examples: {"scores": rows(examples, 2)})
    for key, function in functions.items():
        setattr(module, key, function)
    path = str(base / "odd" / "1")
    tf.saved_model.save(module, path, signatures=functions)
    return path


@pytest.fixture(scope="module")
def odd_server(tmp_path_factory, server_process):
    """A server of `odd` and of a genre and a rating model whose classify and regress
    signatures have TF 2's default method_name, tensorflow/serving/predict."""
    from genreclf.serving.testing import _set_method_name
    from genreclf.serving.testing import write_tiny_model
    from genreclf.serving.testing import write_tiny_regression_model

    base = tmp_path_factory.mktemp("odd_models")
    write_odd_model(base)
    _set_method_name(write_tiny_model(str(base), "genre", 1), "classify", PREDICTION_METHOD)
    rating = write_tiny_regression_model(str(base), "rating", 1)
    _set_method_name(rating, "serving_default", PREDICTION_METHOD)
    log = tmp_path_factory.mktemp("odd_logs") / "server.log"
    process = server_process(base, "--poll-seconds", "0", log_path=str(log))
    try:
        yield process.wait_ready(model="odd")
    finally:
        process.terminate()


@pytest.fixture(scope="module")
def odd_stub(odd_server):
    channel = grpc.insecure_channel(odd_server.grpc_target)
    yield prediction_service_pb2_grpc.PredictionServiceStub(channel)
    channel.close()


@pytest.fixture(scope="module")
def stubs(server):
    channel = grpc.insecure_channel(server.grpc_target)
    yield (
        prediction_service_pb2_grpc.PredictionServiceStub(channel),
        model_service_pb2_grpc.ModelServiceStub(channel),
    )
    channel.close()


def grpc_error(call, message):
    """`(code, details)` of a gRPC call that fails."""
    with pytest.raises(grpc.RpcError) as info:
        call(message, timeout=60)
    return info.value.code(), info.value.details()


def examples_request(kind, name, signature="", texts=("a ghost",)):
    """A ClassificationRequest or RegressionRequest (`kind`) of one example per text."""
    message = {"classify": classification_pb2.ClassificationRequest, "regress": None}.get(kind)
    message = (message or regression_pb2.RegressionRequest)()
    message.model_spec.name = name
    message.model_spec.signature_name = signature
    for text in texts:
        example = message.input.example_list.examples.add()
        example.features.feature["text"].bytes_list.value.append(text.encode())
    return message


# 1. Classify / Regress: the signature's shape is checked, not its method_name.


def test_a_classify_or_regress_signature_of_any_method_name_is_served(odd_server, odd_stub):
    body = {"signature_name": "classify", "examples": [{"text": "a haunted house"}]}
    code, answer = request(odd_server, "POST", "/v1/models/genre:classify", body)
    assert code == 200, answer
    assert [label for label, _ in answer["results"][0]][:2] == ["action", "comedy"]
    body = {"examples": [{"text": "one two three"}]}
    code, answer = request(odd_server, "POST", "/v1/models/rating:regress", body)
    assert (code, answer) == (200, {"results": [3.0]})
    response = odd_stub.Classify(examples_request("classify", "genre", "classify"), timeout=60)
    assert len(response.result.classifications[0].classes) == 6
    response = odd_stub.Regress(examples_request("regress", "rating", texts=["a b"]), timeout=60)
    assert [r.value for r in response.result.regressions] == [2.0]


@pytest.mark.parametrize(
    "kind, signature, message",
    [
        ("classify", "three_outputs", "Expected one or two output Tensors, found 3"),
        ("classify", "two_inputs", "Expected one input Tensor."),
        ("classify", "renamed_input", "No classification inputs found in SignatureDef: "),
        (
            "classify",
            "no_classes",
            'Expected classification signature outputs to contain at least one of "classes" '
            'or "scores". Signature was: ',
        ),
        ("classify", "int_classes", "Expected classes Tensor of DT_STRING. Got: DT_INT64"),
        ("classify", "flat_scores", "Expected Tensor shape: [batch_size num_classes] but got [1]"),
        ("classify", "uneven", "Tensors class and score should match in dim_size(1). Got 2 vs. 3"),
        ("regress", "serving_default", "Expected one output Tensor."),
        ("regress", "renamed_input", "No regression inputs found in SignatureDef: "),
        ("regress", "no_classes", "No regression outputs found in SignatureDef: "),
        ("regress", "double_regress", "Expected output Tensor of DT_FLOAT.  Got: DT_DOUBLE"),
        (
            "regress",
            "wide_regress",
            "Expected output Tensor shape to be either [batch_size] or [batch_size, 1] but "
            "got [1,2]",
        ),
    ],
)
def test_a_signature_that_does_not_fit_gets_tf_servings_message(
    odd_server, odd_stub, kind, signature, message
):
    body = {"signature_name": signature, "examples": [{"text": "a ghost"}]}
    code, answer = request(odd_server, "POST", f"/v1/models/odd:{kind}", body)
    assert code == 400 and answer["error"].startswith(message), answer
    call = odd_stub.Classify if kind == "classify" else odd_stub.Regress
    code, details = grpc_error(call, examples_request(kind, "odd", signature))
    assert code == grpc.StatusCode.INVALID_ARGUMENT and details.startswith(message), details


def test_classify_and_regress_answers_of_fitting_odd_signatures(odd_server, odd_stub):
    code, answer = request(odd_server, "POST", "/v1/models/odd:classify", {"examples": [{}]})
    assert (code, answer) == (200, {"results": [[["x", 0.5], ["x", 0.5]]]})
    body = {"signature_name": "column_regress", "examples": [{}, {}]}
    code, answer = request(odd_server, "POST", "/v1/models/odd:regress", body)
    assert (code, answer) == (200, {"results": [1.5, 1.5]})


# 3. and 10. gRPC Classify / Regress: an unknown signature, and the signature answered.


def test_grpc_classify_and_regress_name_an_unknown_signature_as_tf_serving(stubs):
    prediction, _ = stubs
    for call, kind in ((prediction.Classify, "classify"), (prediction.Regress, "regress")):
        code, details = grpc_error(call, examples_request(kind, "genre", "nope"))
        assert code == grpc.StatusCode.INVALID_ARGUMENT, details
        assert details.startswith("No signature was found with the name: nope"), details


def test_grpc_classify_and_regress_answer_serving_default_for_an_empty_signature_name(odd_stub):
    response = odd_stub.Classify(examples_request("classify", "odd"), timeout=60)
    assert response.model_spec.signature_name == "serving_default"
    assert [c.label for c in response.result.classifications[0].classes] == ["x", "x"]
    response = odd_stub.Regress(examples_request("regress", "rating"), timeout=60)
    assert response.model_spec.signature_name == "serving_default"
    assert (response.model_spec.name, response.model_spec.version.value) == ("rating", 1)


def test_grpc_examples_are_checked_after_the_signature(stubs):
    prediction, _ = stubs
    empty = examples_request("classify", "genre", "classify", texts=())
    code, details = grpc_error(prediction.Classify, empty)
    assert code == grpc.StatusCode.INVALID_ARGUMENT and details.startswith("Input is empty.")
    empty.model_spec.signature_name = "nope"  # TF Serving looks at the signature first
    assert grpc_error(prediction.Classify, empty)[1].startswith("No signature was found")


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


# 9. and 11. gRPC: ModelSpec checks, output_filter duplicates, metadata_field duplicates.


def test_grpc_model_spec_missing_or_without_a_name(stubs):
    prediction, models = stubs
    text = tf.make_tensor_proto(["a"])
    missing = [
        (prediction.Predict, predict_pb2.PredictRequest(inputs={"text": text})),
        (prediction.Classify, classification_pb2.ClassificationRequest()),
        (prediction.Regress, regression_pb2.RegressionRequest()),
        (
            prediction.GetModelMetadata,
            get_model_metadata_pb2.GetModelMetadataRequest(metadata_field=["signature_def"]),
        ),
        (models.GetModelStatus, get_model_status_pb2.GetModelStatusRequest()),
    ]
    for call, message in missing:
        code, details = grpc_error(call, message)
        assert code == grpc.StatusCode.INVALID_ARGUMENT, details
        assert details.startswith("Missing ModelSpec"), details
        message.model_spec.SetInParent()  # a model_spec, without a name
        code, details = grpc_error(call, message)
        if call is models.GetModelStatus:  # TF Serving looks the name up: none found
            assert code == grpc.StatusCode.NOT_FOUND, details
            assert details == "Could not find any versions of model ", details
        else:
            assert code == grpc.StatusCode.INVALID_ARGUMENT, details
            assert details.startswith("ModelSpec has no name specified."), details
    labelled = predict_pb2.PredictRequest(inputs={"text": text})
    labelled.model_spec.version_label = "stable"  # the name is checked first
    assert grpc_error(prediction.Predict, labelled)[1].startswith("ModelSpec has no name")


def test_grpc_output_filter_duplicates_are_refused_metadata_field_duplicates_not(stubs):
    prediction, _ = stubs
    message = predict_pb2.PredictRequest(inputs={"text": tf.make_tensor_proto(["a"])})
    message.model_spec.name = "genre"
    message.output_filter.extend(["top_labels", "scores", "top_labels"])
    code, details = grpc_error(prediction.Predict, message)
    assert code == grpc.StatusCode.INVALID_ARGUMENT, details
    assert details.startswith("duplicate output tensor alias: top_labels"), details
    metadata = get_model_metadata_pb2.GetModelMetadataRequest(
        metadata_field=["signature_def", "signature_def"]
    )
    metadata.model_spec.name = "genre"
    response = prediction.GetModelMetadata(metadata, timeout=60)
    assert list(response.metadata) == ["signature_def"]
    metadata.ClearField("metadata_field")
    code, details = grpc_error(prediction.GetModelMetadata, metadata)
    assert code == grpc.StatusCode.INVALID_ARGUMENT
    assert details.startswith("GetModelMetadataRequest must specify at least one metadata_field")
    metadata.metadata_field.extend(["signature_def", "nope"])
    metadata.model_spec.name = "no_such_model"  # the fields are checked before the model
    code, details = grpc_error(prediction.GetModelMetadata, metadata)
    assert code == grpc.StatusCode.INVALID_ARGUMENT
    assert details.startswith("Metadata field nope is not supported"), details


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
