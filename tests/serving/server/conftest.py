"""What the TF Serving parity tests share (test_tf_parity_rest.py, test_tf_parity_grpc.py).

- `odd_server`: one server for the session of `odd` (a SavedModel whose signatures each
  fail one of TF Serving's classify or regress checks) and of a genre and a rating model
  whose classify and regress signatures have TF 2's method_name, written by
  `write_odd_model` and `genreclf.serving.testing`;
- `SIGNATURE_MISFITS`: those signatures and TF Serving's message for each (REST and gRPC);
- `send` and `request`: one REST request sent exactly as written (path, query, case, body);
- `error`: the message of the 400 (INVALID_ARGUMENT) that a body-reading function raises
  (test_json_bytes.py, test_rest_json.py).
"""

import http.client
import json

import pytest

from genreclf.serving.server.status import ServingStatusError

PREDICTION_METHOD = "tensorflow/serving/predict"  # what tf.saved_model.save writes
PREDICT = "/v1/models/genre:predict"

# (kind, signature of `odd`, the start of TF Serving's message: classifier.cc, regressor.cc)
SIGNATURE_MISFITS = [
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
        "Expected output Tensor shape to be either [batch_size] or [batch_size, 1] but got [1,2]",
    ),
]


def send(server, method, path, body=None, headers=None):
    """`(status, headers, body bytes)` of a request sent exactly as written (path, query,
    case, body: a dict or list is sent as JSON, str or bytes as they are)."""
    connection = http.client.HTTPConnection("127.0.0.1", server.rest_port, timeout=60)
    try:
        if isinstance(body, (dict, list)):
            body = json.dumps(body)
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


def request(server, method, path, body=None, headers=None):
    """`(status, json)` of a request sent exactly as written (see `send`)."""
    status, _, data = send(server, method, path, body, headers)
    return status, json.loads(data)


def write_odd_model(base):
    """`<base>/odd/1`: a SavedModel whose signatures each test one of TF Serving's checks of
    a classify or regress signature (all with TF 2's method_name, tensorflow/serving/predict).
    `serving_default` is classify-shaped: `inputs` → `classes` (string) and `scores`; `echo`
    answers its `inputs` as they arrived, as `echo` and `echo_bytes`."""
    import tensorflow as tf

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
        # The bytes the model receives, as a string output and as a *_bytes one.
        "echo": lambda inputs: {"echo": tf.identity(inputs), "echo_bytes": tf.identity(inputs)},
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


@pytest.fixture(scope="session")
def odd_server(tmp_path_factory, server_process):
    """A server of `odd` and of a genre and a rating model whose classify and regress
    signatures have TF 2's default method_name, tensorflow/serving/predict (one for the
    session: the REST and the gRPC parity tests both ask it)."""
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


def error(function, *args):
    """The message of the INVALID_ARGUMENT (HTTP 400) that `function(*args)` raises."""
    with pytest.raises(ServingStatusError) as info:
        function(*args)
    assert info.value.code == "INVALID_ARGUMENT" and info.value.http_code == 400
    return info.value.message
