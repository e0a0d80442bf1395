"""The LLM stage against a server that misbehaves below its answers' JSON.

Against `tests/augment/test_misbehaving_server.py`'s `RawServer` on 127.0.0.1
(a real socket), which writes raw replies.
"""

from tests.augment.test_misbehaving_server import raw_server  # noqa: F401 (a fixture)
from tests.augment.test_misbehaving_server import truncated
from tests.labelling.test_cascade import keywords_then_llm


def test_answers_cut_off_at_max_tokens_are_not_asked_again_and_say_so(
    texts_csv,
    genres_yaml,
    tmp_path,
    raw_server,  # noqa: F811
):
    server = raw_server(truncated)  # as a reasoning model's answers are, at 60 tokens
    result = keywords_then_llm(texts_csv, genres_yaml, tmp_path / "labelled.jsonl", server.url)
    # Was: each row asked three times at temperature 0 (the same answer, paid each time),
    # then "check --llm, or pass --response-format json_object".
    assert server.posts == 2 and result.llm["failed"] == {"truncated": 2}
    assert result.llm_answered_nothing
    summary = result.summary()
    assert "cut off at the 60 tokens label asks for (finish_reason 'length')" in summary
    # Was "a rerun retries them": at temperature 0 it is cut off again, as paid.
    assert "a rerun retries them" not in summary
    assert "a rerun with this --llm is cut off again (temperature 0)" in summary
    assert "into a new --out with a model that answers without thinking" in summary


def test_an_http_error_the_stage_got_is_named_in_the_summary(
    texts_csv,
    genres_yaml,
    tmp_path,
    raw_server,  # noqa: F811
):
    from tests.augment.test_misbehaving_server import error_reply

    said = "Invalid parameter: 'response_format' of type 'json_schema' is not supported."
    server = raw_server(error_reply(400, said))
    result = keywords_then_llm(texts_csv, genres_yaml, tmp_path / "labelled.jsonl", server.url)
    assert result.llm_answered_nothing and result.llm["failed"] == {"http_400": 2}
    # Was: "(http_400 x2)", and nothing of why.
    assert f"(http_400 x2; http_400: {said})" in result.summary()


def test_replies_that_are_no_completion_at_all_point_at_the_base_url(
    texts_csv,
    genres_yaml,
    tmp_path,
    raw_server,  # noqa: F811
):
    from tests.augment.test_misbehaving_server import web_page

    server = raw_server(web_page)
    result = keywords_then_llm(texts_csv, genres_yaml, tmp_path / "labelled.jsonl", server.url)
    assert result.llm_answered_nothing and result.llm["failed"] == {"bad_response": 2}
    # Was "check --llm, or pass --response-format json_object".
    assert "check --base-url (an OpenAI-compatible server's /v1): its replies" in result.summary()


def test_a_5xx_to_the_last_attempt_names_what_the_server_said(
    texts_csv,
    genres_yaml,
    tmp_path,
    raw_server,  # noqa: F811
):
    from tests.augment.test_misbehaving_server import error_reply

    said = "CUDA out of memory on the model server"
    server = raw_server(error_reply(500, said))
    result = keywords_then_llm(
        texts_csv, genres_yaml, tmp_path / "labelled.jsonl", server.url, max_attempts=2
    )
    assert result.llm["stopped"] == "fatal" and result.llm["said"] == {"http_500": said}
    # Was: "... failed all 2 attempts of a request (the last: 5xx; ...)", not why.
    assert f"(the last: 5xx, the server said (http_500): {said}; " in result.llm["error"]
