"""The `stack` family, its windowed encoder tower and its embedding cache.

The encoder is a tiny randomly initialised BERT written to a temporary
folder (the real MiniLM is exercised by the `auto` test and the benchmark).
"""

import json

import keras
import numpy as np
import pytest
import tensorflow as tf

import genreclf
from genreclf.models import build_model
from genreclf.models.embedding_cache import EmbeddingCache
from genreclf.models.embedding_cache import cached_embeddings
from genreclf.models.heads import text_input
from genreclf.models.neighbours import NeighbourScores
from genreclf.models.neighbours import neighbour_scores
from genreclf.models.pretrained.sentence import EMBEDDING_LAYER
from genreclf.models.pretrained.sentence import sentence_embedding
from genreclf.models.pretrained.testing import write_tiny_hf_bert

pytestmark = pytest.mark.usefixtures("cache_dir")  # a fresh embedding cache per test

LONG = " ".join(["the detective walks through the rainy city at night"] * 12)


@pytest.fixture(scope="module")
def two_block_preset(tmp_path_factory):
    return str(write_tiny_hf_bert(tmp_path_factory.mktemp("two_blocks"), num_layers=2))


def _tower(preset, max_chunks, layers=1):
    text = text_input()
    vectors = sentence_embedding(text, preset, max_length=16, max_chunks=max_chunks, layers=layers)
    return keras.Model({"text": text}, vectors)


def test_a_long_text_is_the_mean_of_its_windows(tiny_preset):
    windowed, first_only = _tower(tiny_preset, 8), _tower(tiny_preset, 1)
    texts = tf.constant([LONG, "a ghost story", ""])
    vectors = np.asarray(windowed({"text": texts}))
    assert vectors.shape == (3, 8)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    truncated = np.asarray(first_only({"text": texts}))
    assert not np.allclose(vectors[0], truncated[0], atol=1e-3)  # the later windows count
    np.testing.assert_allclose(vectors[1:], truncated[1:], atol=1e-5)  # short texts: one window
    alone = np.asarray(windowed({"text": tf.constant(["a ghost story"])}))
    np.testing.assert_allclose(alone[0], vectors[1], atol=1e-5)  # batch padding changes nothing


def test_reading_several_blocks_keeps_the_last_one_and_reloads(two_block_preset, tmp_path):
    texts = tf.constant([LONG, "a ghost story", ""])
    last = np.asarray(_tower(two_block_preset, 8)({"text": texts}))
    tower = _tower(two_block_preset, 8, layers=3)  # the encoder has 2: both are read
    both = np.asarray(tower({"text": texts}))
    assert last.shape == (3, 8) and both.shape == (3, 16)
    np.testing.assert_allclose(np.linalg.norm(both, axis=1), 1.0, atol=1e-5)
    np.testing.assert_allclose(both[:, 8:] * np.sqrt(2), last, atol=1e-5)  # the last block, last
    np.testing.assert_allclose(np.linalg.norm(both[:, :8], axis=1), 2**-0.5, atol=1e-5)
    assert not np.allclose(both[:, :8], both[:, 8:], atol=1e-3)  # the block below differs
    assert not tower.trainable_weights
    tower.save(tmp_path / "tower.keras")
    restored = keras.saving.load_model(tmp_path / "tower.keras")
    np.testing.assert_allclose(np.asarray(restored({"text": texts})), both, atol=1e-5)


@pytest.mark.parametrize("layers", [0, -1, 1.5, True, "3"])
def test_layers_must_be_a_positive_int(tiny_preset, layers):
    with pytest.raises(genreclf.errors.ConfigError, match="Received: layers="):
        _tower(tiny_preset, 1, layers=layers)


def test_cache_persists_ignores_a_torn_tail_and_separates_encoders(tmp_path):
    cache = EmbeddingCache({"encoder": "toy"}, dim=2, directory=tmp_path)
    cache.add(["a", "b"], np.array([[1, 2], [3, 4]], dtype="float32"))
    with open(cache.path / "vectors.f32", "ab") as f:
        f.write(b"\x00\x01\x02")  # a killed run's half-written vector
    with open(cache.path / "index.txt", "a") as f:
        f.write("abc")  # and half an index line
    reopened = EmbeddingCache({"encoder": "toy"}, dim=2, directory=tmp_path)
    vectors, missing = reopened.lookup(["b", "a", "c"])
    assert vectors[:2].tolist() == [[3, 4], [1, 2]] and missing.tolist() == [False, False, True]
    reopened.add(["c"], np.array([[5, 6]], dtype="float32"))
    again = EmbeddingCache({"encoder": "toy"}, dim=2, directory=tmp_path)
    assert again.lookup(["c"])[0].tolist() == [[5, 6]] and len(again) == 3
    other = EmbeddingCache({"encoder": "other"}, dim=2, directory=tmp_path)
    assert other.lookup(["a"])[1].tolist() == [True]


def test_cached_embeddings_compute_each_distinct_text_once(tiny_preset, tmp_path):
    tower = _tower(tiny_preset, 2)
    cache = EmbeddingCache({"tower": "tiny"}, dim=8, directory=tmp_path)
    texts = ["a ghost story", LONG, "a ghost story", "robots dream"]
    first = cached_embeddings(tower, texts, cache, batch_size=2)
    assert len(cache) == 3
    np.testing.assert_allclose(first, np.asarray(tower({"text": tf.constant(texts)})), atol=1e-5)
    size = (cache.path / "vectors.f32").stat().st_size
    second = cached_embeddings(tower, texts, cache)
    assert (cache.path / "vectors.f32").stat().st_size == size
    np.testing.assert_array_equal(first, second)


def test_neighbour_head_in_the_graph_matches_its_numpy_twin():
    rng = np.random.default_rng(0)
    keys = rng.normal(size=(40, 8)).astype("float32")
    keys /= np.linalg.norm(keys, axis=1, keepdims=True)
    labels = np.eye(3, dtype="float32")[rng.integers(0, 3, 40)]
    layer = NeighbourScores(40, 3, k=5)
    layer.set_bank(keys, labels)
    queries = keys[:7] + 0.1 * rng.normal(size=(7, 8)).astype("float32")
    queries /= np.linalg.norm(queries, axis=1, keepdims=True)
    expected = neighbour_scores(keys, labels, queries, k=5, block=3)
    np.testing.assert_allclose(np.asarray(layer(queries)), expected, atol=1e-5)
    np.testing.assert_allclose(expected.sum(axis=1), 1.0, atol=1e-5)
    restored = NeighbourScores.from_config(layer.get_config())
    assert restored.get_config() == layer.get_config()
    with pytest.raises(ValueError, match="Received: keys.shape"):
        layer.set_bank(keys[:3], labels[:3])


# Each trains twice (~45 s): the multi-label run, genreclf's main case, stays in CI.
@pytest.mark.parametrize(
    "label, sep", [pytest.param("genre", None, marks=pytest.mark.large), ("genres", "|")]
)
def test_trains_saves_reloads_and_reuses_the_cache(
    two_block_preset, cache_dir, tmp_path, sample_csv, label, sep, capsys
):
    config = {
        "preset": two_block_preset,
        "max_length": 16,
        "max_chunks": 2,
        "c_tfidf": 4.0,
        "c_encoder": 1.0,
    }
    run = genreclf.train(
        sample_csv,
        text="overview",
        label=label,
        sep=sep,
        model="stack",
        model_config=config,
        out=tmp_path / "run",
        verbose=1,
    )
    assert run.metrics["evaluated_on"].startswith("5-fold out-of-fold")
    assert run.metrics["num_examples"] == 310 and run.fingerprint["num_val"] == 0
    assert len(run.thresholds) == len(run.labels)
    weights = run.model.get_layer("scores").get_weights()[0]
    assert weights.shape == (4,) and abs(weights.sum() - 1) < 1e-6 and weights.min() >= 0
    fitted = json.loads((run.path / "metrics.json").read_text())["fitted"]
    assert list(fitted["blend"].values()) == pytest.approx(weights.tolist())
    assert fitted["c_encoder"] == 1.0 and fitted["ordinal_share"] is None
    assert fitted["out_of_fold_micro_f1"] >= fitted["micro_f1_floor"]
    alone = fitted["heads_alone"]
    assert list(alone) == list(fitted["blend"]) == ["tfidf", "encoder", "neighbour", "prompt"]
    prompts = fitted["prompts"]
    assert prompts["used"] and prompts["prompts"] == ["{}", "a {} movie", "a {} film", "{} movie"]
    assert 1.0 <= prompts["temperature"] <= 100.0
    assert "stack: label names in prompts, temperature" in capsys.readouterr().out
    assert fitted["micro_f1_floor"] == max(alone[h]["micro_f1"] for h in ("tfidf", "encoder"))
    # each head alone is a candidate: the blend is no worse than any that reaches the floor
    eligible = [h["macro_f1"] for h in alone.values() if h["micro_f1"] >= fitted["micro_f1_floor"]]
    assert fitted["out_of_fold_macro_f1"] >= max(eligible) - 1e-9
    assert run.model.get_layer("neighbour_scores").size == 310
    texts = ["A ghost haunts a lighthouse.", LONG]
    scores = run.scores(texts)
    restored = keras.saving.load_model(run.path / "model.keras")
    np.testing.assert_allclose(
        np.asarray(restored({"text": tf.constant(texts)})), scores, atol=1e-5
    )
    assert EMBEDDING_LAYER in {layer.name for layer in restored.layers}
    assert restored.get_layer(EMBEDDING_LAYER).output.shape == (None, 16)  # both blocks
    assert restored.get_layer("neighbour_scores").input.shape == (None, 8)  # the last block
    assert restored.get_layer("prompt_scores").input.shape == (None, 8)
    temperature = restored.get_layer("prompt_scores").get_weights()[1]
    assert float(temperature) == pytest.approx(prompts["temperature"], rel=1e-5)
    capsys.readouterr()
    genreclf.train(
        sample_csv,
        text="overview",
        label=label,
        sep=sep,
        model="stack",
        model_config=config,
        out=tmp_path / "again",
        verbose=1,
    )
    assert "0 embedded" in capsys.readouterr().out  # every text came from the cache
    assert json.loads((tmp_path / "again" / "config.json").read_text())["model"] == "stack"


def test_exports_and_verifies_in_a_clean_process(two_block_preset, tmp_path, sample_csv):
    from genreclf.export.exporter import export_run

    run = genreclf.train(
        sample_csv,
        text="overview",
        label="genres",
        sep="|",
        model="stack",
        model_config={"preset": two_block_preset, "max_length": 16, "c_tfidf": 4.0},
        out=tmp_path / "run",
        verbose=0,
    )
    path = export_run(run.path, tmp_path / "models", "genre", verify=True, serving_tf_text="2.12.1")
    assert (path / "saved_model.pb").exists()


@pytest.mark.parametrize("blend", [2, [0.5, 0.6, -0.1], [0.5, 0.5, 0.0, 0.0, 0.0], "heavy"])
def test_unknown_blend_is_a_clear_error(tiny_preset, blend):
    with pytest.raises(genreclf.errors.ConfigError, match="Received: blend="):
        build_model("stack", 2, train_texts=["a b", "c d"], preset=tiny_preset, blend=blend)


def test_a_window_without_room_for_a_word_piece_is_a_clear_error(tiny_preset):
    # 2 is [CLS] and [SEP] alone: the model built, then divided by zero when called.
    texts = ["a ghost story", "a heist at night"]
    with pytest.raises(genreclf.errors.ConfigError, match="at least 3. Received: max_length=2"):
        build_model("stack", 2, train_texts=texts, preset=tiny_preset, max_length=2, min_df=1)


def test_without_neighbours_and_prompts_two_heads_blend(tiny_preset):
    model = build_model(
        "stack",
        2,
        train_texts=["a heist", "a ghost"],
        preset=tiny_preset,
        max_length=16,
        neighbours=0,
        prompts="none",
        blend=[0.3, 0.7],
    )
    names = {layer.name for layer in model.layers}
    assert "neighbour_scores" not in names and "prompt_scores" not in names
    np.testing.assert_allclose(model.get_layer("scores").get_weights()[0], [0.3, 0.7])


@pytest.mark.parametrize(
    "prompts",
    [[], ["a movie"], ["{} and {}"], "a {} movie", [3], ["a {} movie {x}"], ["{{}}"], ["{0}"]],
)
def test_prompts_without_one_place_for_the_name_are_a_clear_error(prompts):
    from genreclf.models.registry import resolve_config

    # refused with the other settings, before any data is read or the encoder loaded
    with pytest.raises(genreclf.errors.ConfigError, match="'stack': prompts must be .*Received"):
        resolve_config("stack", {"prompts": prompts})


def test_weights_for_three_heads_say_the_label_name_head_is_new(tiny_preset):
    with pytest.raises(genreclf.errors.ConfigError, match="prompts='none'"):
        build_model(
            "stack", 2, train_texts=["a b", "c d"], preset=tiny_preset, blend=[0.3, 0.3, 0.4]
        )


_WRITER = """
import sys, numpy as np
from genreclf.models.embedding_cache import EmbeddingCache
cache = EmbeddingCache({"encoder": "shared"}, dim=3, directory=sys.argv[1])
name = sys.argv[2]
for start in range(0, 120, 4):
    texts = [f"{name} {i}" for i in range(start, start + 4)]
    cache.add(texts, np.array([[hash(t) % 1000, i, len(name)] for i, t in enumerate(texts)], dtype="float32"))
"""


def test_concurrent_writers_share_one_cache(tmp_path):
    import subprocess
    import sys

    writers = [
        subprocess.Popen([sys.executable, "-c", _WRITER, str(tmp_path), name])
        for name in ("ab", "xyz")
    ]
    assert [w.wait(timeout=120) for w in writers] == [0, 0]
    cache = EmbeddingCache({"encoder": "shared"}, dim=3, directory=tmp_path)
    assert len(cache) == 240
    for name in ("ab", "xyz"):
        texts = [f"{name} {i}" for i in range(120)]
        vectors, missing = cache.lookup(texts)
        assert not missing.any()
        assert vectors[:, 2].tolist() == [len(name)] * 120 and vectors[:, 1].tolist() == [
            i % 4 for i in range(120)
        ]


def test_numeric_labels_end_in_ordinal_scores_that_save_and_reload(
    tiny_preset, tmp_path, sample_csv
):
    import csv

    from genreclf.models.ordinal import EPSILON_GRID
    from genreclf.models.ordinal import mixing_matrix
    from genreclf.models.ordinal import ordinal_positions

    with open(sample_csv, encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    stars = {g: str(i + 1) for i, g in enumerate(sorted({r["genre"] for r in rows}))}
    path = tmp_path / "ratings.csv"
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["overview", "stars"])
        writer.writerows([r["overview"], stars[r["genre"]]] for r in rows)
    config = {"preset": tiny_preset, "max_length": 16, "max_chunks": 1}
    run = genreclf.train(
        path, text="overview", label="stars", model="stack", model_config=config,
        out=tmp_path / "run", verbose=0,
    )  # fmt: skip
    mixing = run.model.get_layer("ordinal").get_weights()[0]
    positions = ordinal_positions(run.labels)
    assert sorted(positions) == list(range(len(run.labels)))
    share = run.metrics["fitted"]["ordinal_share"]
    # a rating's name says nothing to the encoder: the label-name head keeps weight 0
    assert run.metrics["fitted"]["prompts"] == {"used": False, "prompts": [], "temperature": None}
    assert run.metrics["fitted"]["blend"]["prompt"] == 0.0
    assert share in EPSILON_GRID and np.allclose(mixing, mixing_matrix(positions, share))
    texts = ["A ghost haunts a lighthouse.", "Two rivals fall in love."]
    restored = keras.saving.load_model(run.path / "model.keras")
    np.testing.assert_allclose(
        np.asarray(restored({"text": tf.constant(texts)})), run.scores(texts), atol=1e-5
    )
    np.testing.assert_allclose(run.scores(texts).sum(axis=1), 1.0, atol=1e-5)
    from genreclf.export.exporter import export_run

    exported = export_run(run.path, tmp_path / "models", "stars", verify=True)
    assert (exported / "saved_model.pb").exists()
    fixed = genreclf.train(
        path, text="overview", label="stars", model="stack",
        model_config={**config, "ordinal": 0.2}, out=tmp_path / "fixed", verbose=0,
    )  # fmt: skip
    np.testing.assert_allclose(
        fixed.model.get_layer("ordinal").get_weights()[0], mixing_matrix(positions, 0.2)
    )
    equal = genreclf.train(
        path, text="overview", label="stars", model="stack",
        model_config={**config, "blend": "equal"}, out=tmp_path / "equal", verbose=0,
    )  # fmt: skip
    # "equal" shares among the heads that read something: not the unused label-name head
    np.testing.assert_allclose(equal.model.get_layer("scores").get_weights()[0], [1 / 3] * 3 + [0])


def test_genre_labels_keep_the_identity_and_none_leaves_the_layer_out(tiny_preset):
    kwargs = dict(train_texts=["a heist", "a ghost"], preset=tiny_preset, max_length=16)
    model = build_model("stack", 3, **kwargs)
    assert "ordinal" in {layer.name for layer in model.layers}
    assert "ordinal" not in {
        layer.name for layer in build_model("stack", 3, **kwargs, ordinal="none").layers
    }
    assert "ordinal" not in {
        layer.name for layer in build_model("stack", 3, multi_label=True, **kwargs).layers
    }
    with pytest.raises(genreclf.errors.ConfigError, match="Received: ordinal="):
        build_model("stack", 3, **kwargs, ordinal=0.5)


def test_word_and_character_towers_feed_one_tfidf_head(tiny_preset, tmp_path, sample_csv):
    config = {
        "preset": tiny_preset,
        "max_length": 16,
        "analyzer": "word+char_wb",
        "char_max_tokens": 50,
        "neighbours": 0,
    }
    run = genreclf.train(
        sample_csv,
        text="overview",
        label="genre",
        model="stack",
        model_config=config,
        out=tmp_path / "run",
        verbose=0,
    )
    from genreclf.models.ngram import tfidf_tower_matrix
    from genreclf.models.ngram import tower_sizes

    model = run.model
    words, chars = tower_sizes(model)
    assert words > 0 and chars == 50  # the most frequent 50 character n-grams
    kernel, bias = model.get_layer("tfidf_scores").get_weights()
    assert kernel.shape[0] == words + 1 + chars + 1
    assert not kernel[0].any() and not kernel[words + 1].any()  # each tower's unknown column
    texts = ["A ghost haunts a lighthouse.", "Two chefs fall in love."]
    head = keras.Model(model.inputs, model.get_layer("tfidf_scores").output)
    features = tfidf_tower_matrix(model, texts).toarray()
    logits = features @ np.delete(kernel, [0, words + 1], axis=0) + bias
    expected = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(head({"text": tf.constant(texts)}), expected, atol=1e-5)
    restored = keras.saving.load_model(run.path / "model.keras")
    np.testing.assert_allclose(
        np.asarray(restored({"text": tf.constant(texts)})), run.scores(texts), atol=1e-5
    )


def test_unknown_analyzer_is_a_clear_error():
    with pytest.raises(genreclf.errors.ConfigError, match="analyzer"):
        genreclf.models.resolve_config("stack", {"analyzer": "chars"})
