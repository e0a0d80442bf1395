import logging

import numpy as np
import pytest
import tensorflow as tf

from genreclf.data import LabelVocabulary
from genreclf.data import TextDataset
from genreclf.data import load_dataset
from genreclf.data import make_tf_dataset
from genreclf.data import stream_tf_dataset
from genreclf.errors import ConfigError
from genreclf.errors import DataError


def tiny(n=10):
    texts = [f"synopsis {i}" for i in range(n)]
    labels = [["drama"] if i % 2 else ["comedy"] for i in range(n)]
    features = {
        "year": np.arange(n, dtype="float32") + 1990,
        "lang": np.array(["en", "fr"] * (n // 2), dtype=object),
    }
    return TextDataset(texts, labels, features=features)


def test_make_tf_dataset_structure():
    ds = tiny()
    vocab = ds.vocabulary()
    batches = make_tf_dataset(ds, vocab, batch_size=4)
    assert batches.element_spec[0]["text"].dtype == tf.string
    assert batches.element_spec[0]["year"].dtype == tf.float32
    assert batches.element_spec[0]["lang"].dtype == tf.string
    assert batches.element_spec[1].dtype == tf.float32
    inputs, targets = next(iter(batches))
    assert inputs["text"].shape == (4,)
    assert inputs["text"].numpy()[1].decode() == "synopsis 1"
    assert targets.shape == (4, 2)
    np.testing.assert_array_equal(targets.numpy()[:2], [[1, 0], [0, 1]])
    np.testing.assert_allclose(inputs["year"].numpy(), [1990, 1991, 1992, 1993])
    assert [b[1].shape[0] for b in batches] == [4, 4, 2]


def test_shuffle_is_seeded_and_reshuffles_each_epoch():
    ds = tiny(20)
    vocab = ds.vocabulary()

    def epoch_texts(batches):
        return [t.decode() for inputs, _ in batches for t in inputs["text"].numpy()]

    a = make_tf_dataset(ds, vocab, batch_size=5, shuffle=True, seed=7)
    b = make_tf_dataset(ds, vocab, batch_size=5, shuffle=True, seed=7)
    first, second = epoch_texts(a), epoch_texts(a)
    assert first == epoch_texts(b)
    assert first != second
    assert sorted(first) == sorted(ds.texts)
    assert first != ds.texts


def test_sample_weights_are_third():
    ds = tiny(4)
    batches = make_tf_dataset(ds, ds.vocabulary(), batch_size=4, sample_weights=[1, 2, 3, 4])
    _, _, weights = next(iter(batches))
    np.testing.assert_allclose(weights.numpy(), [1, 2, 3, 4])
    with pytest.raises(ConfigError, match="one value per row"):
        make_tf_dataset(ds, ds.vocabulary(), sample_weights=[1.0])


def test_unknown_label_names_file_and_line(tmp_path):
    path = tmp_path / "m.csv"
    path.write_text("text,label\nA,x\nB,y\n")
    ds = load_dataset(path)
    with pytest.raises(DataError, match=r"m\.csv:3: field 'label': Unknown label 'y'"):
        make_tf_dataset(ds, LabelVocabulary(["x"]))


def test_bad_batch_size():
    with pytest.raises(ConfigError, match="batch_size=0"):
        make_tf_dataset(tiny(), tiny().vocabulary(), batch_size=0)


def test_stream_tf_dataset_reads_file_each_epoch(tmp_path):
    path = tmp_path / "m.csv"
    path.write_text("text,label,year\nA,x|y,1\nB,y,2\nC,x,3\n")
    vocab = LabelVocabulary(["x", "y"], multi_label=True)
    batches = stream_tf_dataset(path, vocab, batch_size=2, features=["year"])
    for _ in range(2):
        got = list(batches)
        assert [b[1].shape[0] for b in got] == [2, 1]
        np.testing.assert_array_equal(got[0][1].numpy(), [[1, 1], [0, 1]])
        np.testing.assert_allclose(got[0][0]["year"].numpy(), [1, 2])
        assert got[1][0]["text"].numpy().tolist() == [b"C"]


def test_stream_shuffle_buffer_is_seeded(tmp_path):
    path = tmp_path / "m.csv"
    path.write_text("text,label\n" + "".join(f"t{i},x\n" for i in range(30)))
    vocab = LabelVocabulary(["x"])

    def order(seed):
        batches = stream_tf_dataset(path, vocab, batch_size=30, shuffle_buffer=30, seed=seed)
        return next(iter(batches))[0]["text"].numpy().tolist()

    assert order(1) == order(1)
    assert order(1) != [f"t{i}".encode() for i in range(30)]


def test_stream_unknown_label_raises_or_skips(tmp_path, caplog):
    path = tmp_path / "m.csv"
    path.write_text("text,label\nA,x\nB,z\nC,x\n")
    vocab = LabelVocabulary(["x"])
    with pytest.raises(tf.errors.OpError, match=r"m\.csv:3: field 'label': unknown label 'z'"):
        list(stream_tf_dataset(path, vocab, batch_size=8))
    with caplog.at_level(logging.WARNING, logger="genreclf.data"):
        got = list(stream_tf_dataset(path, vocab, batch_size=8, skip_bad_rows=True))
    assert got[0][0]["text"].numpy().tolist() == [b"A", b"C"]
    assert any("unknown label 'z'" in r.getMessage() for r in caplog.records)


def test_stream_missing_column_fails_before_tf(tmp_path):
    path = tmp_path / "m.csv"
    path.write_text("text,label\nA,x\n")
    with pytest.raises(DataError, match="Column 'genre' not found"):
        stream_tf_dataset(path, LabelVocabulary(["x"]), label="genre")
