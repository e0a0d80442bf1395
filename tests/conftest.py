"""Suite-wide fixtures and options.

- `--run-live`: enable tests that call a real paid API (they also need
  OPENAI_API_KEY); off by default and in CI.
- `shared_data`: the path of ../shared/data, or a skip with the reason.
- Every test starts from a fresh Keras session with fixed seeds.
"""

import os
import pathlib
import sys

import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

REPO = pathlib.Path(__file__).resolve().parents[1]
SHARED_DATA = pathlib.Path(os.environ.get("GENRECLF_SHARED_DATA", REPO.parent / "shared" / "data"))


def pytest_addoption(parser):
    parser.addoption(
        "--run-live",
        action="store_true",
        default=False,
        help="run tests that call the real OpenAI API (needs OPENAI_API_KEY)",
    )


@pytest.fixture
def shared_data():
    """`../shared/data` (benchmark datasets), or skip with the reason."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"needs the shared datasets at {SHARED_DATA} (absent here)")
    return SHARED_DATA


@pytest.fixture(autouse=True)
def fresh_keras_session():
    """Clears Keras state and fixes seeds before each test that uses Keras.

    Without Keras's forced `gc.collect()` (`free_memory=False`): once
    TensorFlow is loaded a full collection takes 0.5-1 s, which before every
    one of the suite's ~2,500 tests was a third of its time. Python's own
    collector still frees cycles as they accumulate.
    """
    if "keras" in sys.modules:
        import keras

        keras.backend.clear_session(free_memory=False)
        keras.utils.set_random_seed(0)
    yield


@pytest.fixture(scope="session")
def tiny_preset(tmp_path_factory):
    """A tiny, randomly initialised Hugging Face BERT folder (`write_tiny_hf_bert`), read-only."""
    from genreclf.models.pretrained.testing import write_tiny_hf_bert

    return str(write_tiny_hf_bert(tmp_path_factory.mktemp("tiny_bert")))


@pytest.fixture
def cache_dir(tmp_path, monkeypatch):
    """A fresh embedding cache (`GENRECLF_CACHE_DIR`) for one test."""
    monkeypatch.setenv("GENRECLF_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache"


@pytest.fixture
def sample_csv():
    """The bundled sample of original synopses (310 rows, 10 genres)."""
    from genreclf.data.sample import sample_path

    return sample_path()


@pytest.fixture(scope="session")
def trained_run(tmp_path_factory):
    """A tiny single-label ngram run trained by the Keras recipe, once per session."""
    import genreclf

    out = tmp_path_factory.mktemp("runs") / "ngram"
    return genreclf.train(
        genreclf.sample_path(),
        text="overview",
        label="genre",
        model="ngram",
        epochs=2,
        model_config={"max_tokens": 2000, "solver": "adamw"},
        out=out,
        verbose=0,
    )


@pytest.fixture(scope="session")
def trained_hybrid_run(tmp_path_factory):
    """A tiny hybrid run (ngram text branch beside the sample's `year`), once per session."""
    import genreclf

    return genreclf.train(
        genreclf.sample_path(),
        text="overview",
        label="genre",
        model="hybrid",
        features=["year"],
        model_config={"encoder": "ngram"},
        epochs=1,
        out=tmp_path_factory.mktemp("runs") / "hybrid",
        verbose=0,
    )


@pytest.fixture(scope="session")
def trained_multilabel_run(tmp_path_factory):
    """A tiny multi-label bilstm run on the bundled sample, trained once per session."""
    import genreclf

    out = tmp_path_factory.mktemp("runs") / "bilstm"
    return genreclf.train(
        genreclf.sample_path(),
        text="overview",
        label="genres",
        sep="|",
        multi_label=True,
        model="bilstm",
        epochs=1,
        model_config={"embedding_dim": 8, "lstm_units": 4, "max_length": 24, "max_tokens": 500},
        out=out,
        verbose=0,
    )


@pytest.fixture
def closed_port_url():
    """A chat-completions URL on 127.0.0.1 where nothing listens."""
    import socket

    with socket.socket() as probe:  # a port nothing listens on once closed
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/v1"
