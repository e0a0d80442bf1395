"""Fixtures of the tuning tests: tiny data, tiny search spaces, a clean distributed environment."""

import os

import pytest

from genreclf.tuning.search_space import Choice

DIST_VARS = ("KERASTUNER_TUNER_ID", "KERASTUNER_ORACLE_IP", "KERASTUNER_ORACLE_PORT")

# A tiny ngram space: trials take a second or two on a laptop CPU.
TINY_NGRAM = {"max_tokens": 300, "ngrams": [1, 2], "hidden_dim": 0, "batch_size": 64}
TINY_BILSTM = {
    "max_tokens": 300,
    "max_length": 16,
    "embedding_dim": 4,
    "lstm_units": Choice("lstm_units", [4, 8]),
    "lstm_layers": 1,
    "batch_size": 64,
}


def tiny_search(directory, **kwargs):
    """A 2-trial random search over tiny ngram models of the bundled sample in `directory`;
    `kwargs` override `tune`'s arguments."""
    import genreclf
    from genreclf.tuning import tune

    args = dict(
        label="genre",
        text="overview",
        model="ngram",
        tuner="random",
        max_trials=2,
        max_epochs=1,
        directory=directory,
        search_space=dict(TINY_NGRAM),
        verbose=0,
    )
    args.update(kwargs)
    return tune(genreclf.sample_path(), **args)


@pytest.fixture(autouse=True)
def single_process_tuning(monkeypatch):
    """No test inherits KerasTuner's distributed environment variables."""
    for name in DIST_VARS:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="session")
def sample_data():
    """The bundled sample (310 synopses, 10 genres), single-label, split 90/10."""
    import genreclf
    from genreclf.data import train_val_split

    data = genreclf.load_dataset(genreclf.sample_path(), text="overview", label="genre")
    train, val = train_val_split(data, 0.2, seed=0)
    return data, train, val


@pytest.fixture
def tiny_ngram():
    return dict(TINY_NGRAM)


def subprocess_env(**extra):
    """The environment of a `genreclf` subprocess: quiet TF, no inherited KerasTuner roles."""
    env = {k: v for k, v in os.environ.items() if k not in DIST_VARS}
    env.update({"TF_CPP_MIN_LOG_LEVEL": "2", "PYTHONUNBUFFERED": "1", "CUDA_VISIBLE_DEVICES": ""})
    env.update({k: str(v) for k, v in extra.items()})
    return env


@pytest.fixture(scope="session")
def finished(tmp_path_factory):
    """One finished 2-trial random search over tiny ngram models, shared by several tests."""
    return tiny_search(tmp_path_factory.mktemp("tuning") / "search")
