"""`check_base_url`: a URL no OpenAI-compatible server answers is refused before any request."""

import re

import pytest

from genreclf.augment.cli import main
from genreclf.augment.client import ChatCaller
from genreclf.augment.server_url import check_base_url
from genreclf.errors import ConfigError


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:8000/v1", "https://api.example.com/v1", "http://[::1]:8000/v1"]
)
def test_http_and_https_urls_of_a_server_pass(url):
    check_base_url(url)
    assert ChatCaller("gpt-4o-mini", base_url=url).base_url == url


@pytest.mark.parametrize(
    "url", ["ftp://x", "127.0.0.1:8000/v1", "localhost:8000", "http://", "", "http://[::1:8000/v1"]
)
def test_other_urls_are_refused_naming_the_url(url):
    with pytest.raises(ConfigError, match=rf"Received: base_url={re.escape(repr(url))}\. Pass e"):
        ChatCaller("gpt-4o-mini", base_url=url)


def test_the_command_refuses_it_before_reading_or_asking(tmp_path, capsys):
    # It was retried as a connection error, with backoff, before the run stopped.
    corpus = tmp_path / "c.csv"
    corpus.write_text("overview,genre\n" + "".join(f"A heist {i}.,crime\n" for i in range(6)))
    out = tmp_path / "aug.jsonl"
    argv = ["run", str(corpus), "--label", "genre", "--target-count", "10"]
    assert main([*argv, "--base-url", "ftp://x", "--out", str(out)]) == 1
    assert "Received: base_url='ftp://x'" in capsys.readouterr().err
    assert not out.exists()
