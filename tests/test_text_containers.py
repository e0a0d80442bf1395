"""`container_kind`: the one check of which "texts" containers `Run.predict` and the
serving client refuse, each with its own error."""

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from genreclf.data import TextDataset
from genreclf.errors import ConfigError
from genreclf.serving.client_texts import client_texts
from genreclf.text_containers import container_kind
from genreclf.texts_in import texts_in

REFUSED = [
    (pd.DataFrame({"overview": ["A heist."]}), "frame"),
    ({"overview": ["A heist."]}, "mapping"),
    (frozenset({"A heist."}), "set"),
    (np.array([["A heist."], ["A duel."]]), "array"),
    (TextDataset(["A heist."], ["crime"]), "dataset"),  # iterating one gives its rows
]


@pytest.mark.parametrize("texts, kind", REFUSED, ids=[kind for _, kind in REFUSED])
def test_both_callers_refuse_the_same_containers_with_their_own_errors(texts, kind):
    assert container_kind(texts) == kind
    with pytest.raises(TypeError) as client_error:
        client_texts(texts)
    assert not isinstance(client_error.value, ConfigError)
    with pytest.raises(ConfigError) as library_error:
        texts_in(texts)
    if kind == "dataset":  # both name the fix
        assert "data.texts" in str(client_error.value) and "data.texts" in str(library_error.value)


@pytest.mark.parametrize(
    "texts",
    [["A heist."], ("A heist.",), pd.Series(["A heist."]), np.array(["A heist."]), {"a": 1}.keys()],
    ids=["list", "tuple", "series", "1-D array", "keys view"],
)
def test_sequences_of_texts_are_not_a_refused_container(texts):
    assert container_kind(texts) is None


def test_the_client_check_imports_none_of_genreclfs_errors_or_data():
    loaded = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, genreclf.serving.client_texts; "
            "print(sorted(m for m in sys.modules if m.startswith(('genreclf.errors', "
            "'genreclf.data', 'tensorflow', 'pandas'))))",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert loaded.stdout.strip() == "[]"
