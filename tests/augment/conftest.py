"""Fixtures for the augment tests: a real local chat-completions server, tiny corpora.

`--run-live` (defined in `tests/conftest.py`) with OPENAI_API_KEY set enables
the tests that call the real OpenAI API (`test_live.py`).
"""

import csv
import random

import pytest

from genreclf.augment.fake_server import FakeChatServer
from genreclf.augment.fake_server import fake_synopsis
from genreclf.data.dataset import TextDataset


@pytest.fixture
def server():
    """A `FakeChatServer` on 127.0.0.1 (random port), stopped after the test."""
    with FakeChatServer() as s:
        yield s


def _make_corpus(counts, seed=0):
    rng = random.Random(seed)
    texts, labels = [], []
    for genre, n in counts.items():
        for _ in range(n):
            texts.append(fake_synopsis(rng))
            labels.append([genre])
    return TextDataset(texts, labels)


@pytest.fixture
def make_corpus():
    """`make_corpus(counts, seed=0)`: a `TextDataset` of fake English synopses,
    `counts[genre]` rows per genre."""
    return _make_corpus


@pytest.fixture
def corpus():
    """30 drama, 6 war, 4 news rows."""
    return _make_corpus({"drama": 30, "war": 6, "news": 4})


@pytest.fixture
def corpus_csv(tmp_path, corpus):
    """The `corpus` fixture as `movies.csv` with columns `id,overview,genre`."""
    path = tmp_path / "movies.csv"
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["id", "overview", "genre"])
        for i, (t, l) in enumerate(zip(corpus.texts, corpus.labels)):
            w.writerow([i, t, l[0]])
    return path
