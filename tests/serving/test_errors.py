"""`ServingError` types from TF Serving's status codes and HTTP answers."""

from genreclf.serving.errors import InvalidRequestError
from genreclf.serving.errors import ModelNotFoundError
from genreclf.serving.errors import ServingError
from genreclf.serving.errors import UnavailableError
from genreclf.serving.errors import error_for
from genreclf.serving.errors import error_for_http


def test_grpc_codes():
    assert type(error_for("x", "NOT_FOUND")) is ModelNotFoundError
    assert type(error_for("x", "INVALID_ARGUMENT")) is InvalidRequestError
    assert type(error_for("x", "FAILED_PRECONDITION")) is InvalidRequestError
    assert type(error_for("x", "UNAVAILABLE")) is UnavailableError
    assert type(error_for("x", "DEADLINE_EXCEEDED")) is ServingError


def test_unknown_label_is_model_not_found_though_tf_serving_says_invalid_argument():
    err = error_for_http(400, "Unrecognized servable version label: beta")
    assert type(err) is ModelNotFoundError
    assert (err.code, err.http_status, err.message) == (
        "INVALID_ARGUMENT",
        400,
        "Unrecognized servable version label: beta",
    )


def test_http_codes():
    assert type(error_for_http(404, "x")) is ModelNotFoundError
    assert type(error_for_http(413, "x")) is InvalidRequestError
    assert type(error_for_http(503, "x")) is UnavailableError
    assert error_for_http(504, "x").code == "DEADLINE_EXCEEDED"
    assert str(error_for_http(500, "boom")) == "INTERNAL: boom"


def test_the_servers_body_budget_refusal_is_an_overload():
    from genreclf.serving.errors import is_overload
    from genreclf.serving.server.body_budget import BodyBudget

    message = BodyBudget(limit=10).busy_message(11)
    assert is_overload("RESOURCE_EXHAUSTED", message)
    assert type(error_for(message, "RESOURCE_EXHAUSTED")) is UnavailableError
    too_long = "grpc: received message larger than max (9 vs. 4)"
    assert type(error_for(too_long, "RESOURCE_EXHAUSTED")) is InvalidRequestError
