"""`TextEmbedder` refuses window settings the encoder cannot read, when it is made."""

import pytest

from genreclf.errors import ConfigError
from genreclf.labelling.text_embedder import TextEmbedder


@pytest.mark.parametrize(
    "settings, named",
    [
        ({"max_length": 2}, "max_length must be a whole number of at least 3"),
        ({"max_length": 16.5}, r"Received: max_length=16\.5"),
        ({"max_chunks": 0}, "max_chunks must be a whole number of at least 1"),
        ({"batch_size": True}, "Received: batch_size=True"),
    ],
)
def test_settings_the_encoder_cannot_read_are_refused_when_made(settings, named):
    with pytest.raises(ConfigError, match=named):
        TextEmbedder(**settings)  # nothing is built or loaded before the check


def test_whole_numbers_are_kept():
    import numpy as np

    embedder = TextEmbedder(max_length=np.int64(3), max_chunks=1, batch_size=8)
    assert (embedder.max_length, embedder.max_chunks, embedder.batch_size) == (3, 1, 8)
    assert type(embedder.max_length) is int
