"""Tiny BERT presets written on the fly, for tests and offline examples.

keras-hub tests its tasks on tiny randomly initialised presets; these do the
same for genreclf's `pretrained` family, in both folder layouts it loads: a
keras-hub preset (`save_to_preset`) and a Hugging Face BERT folder
(`config.json`, `vocab.txt`, `tokenizer_config.json`, `model.safetensors`).
"""

import json
import pathlib

import numpy as np

TINY_WORDS = (
    "a the of to and in on at night house family love train ghost ship "
    "crew thieves plan heist space station haunted whispers strangers fall "
    "harbour quiet drifts sheriff rides out face outlaw gang robots learn "
    "dream distant moon detective hunts killer city story two chefs"
).split()
SPECIAL_TOKENS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]


def tiny_vocabulary():
    """Special tokens, a few dozen words, punctuation and `##` suffixes.

    Example:

    >>> tiny_vocabulary()[:4]
    ['[PAD]', '[UNK]', '[CLS]', '[SEP]']
    """
    pieces = ["##s", "##ed", "##ing", "##ly", ".", ",", "!", "'", "-"]
    return SPECIAL_TOKENS + list(TINY_WORDS) + pieces


def write_tiny_keras_preset(path, hidden_dim=8, num_layers=1, num_heads=2, seed=0):
    """Writes a randomly initialised tiny keras-hub BERT preset into `path`.

    Example:

    >>> import tempfile
    >>> path = write_tiny_keras_preset(tempfile.mkdtemp())  # doctest: +SKIP
    """
    import keras
    import keras_hub

    path = pathlib.Path(path)
    path.mkdir(parents=True, exist_ok=True)
    keras.utils.set_random_seed(seed)
    vocabulary = tiny_vocabulary()
    backbone = keras_hub.models.BertBackbone(
        vocabulary_size=len(vocabulary),
        num_layers=num_layers,
        num_heads=num_heads,
        hidden_dim=hidden_dim,
        intermediate_dim=2 * hidden_dim,
        max_sequence_length=64,
    )
    tokenizer = keras_hub.models.BertTokenizer(vocabulary=vocabulary, lowercase=True)
    backbone.save_to_preset(str(path))
    tokenizer.save_to_preset(str(path))
    return path


def write_tiny_hf_bert(path, hidden_dim=8, num_layers=1, num_heads=2, seed=0):
    """Writes a randomly initialised tiny Hugging Face BERT folder into `path`.

    Example:

    >>> import tempfile
    >>> path = write_tiny_hf_bert(tempfile.mkdtemp())  # doctest: +SKIP
    """
    from safetensors.numpy import save_file

    path = pathlib.Path(path)
    path.mkdir(parents=True, exist_ok=True)
    vocabulary = tiny_vocabulary()
    rng = np.random.default_rng(seed)
    h, inter, positions = hidden_dim, 2 * hidden_dim, 64

    def normal(*shape):
        return (0.02 * rng.standard_normal(shape)).astype("float32")

    tensors = {
        "embeddings.word_embeddings.weight": normal(len(vocabulary), h),
        "embeddings.position_embeddings.weight": normal(positions, h),
        "embeddings.token_type_embeddings.weight": normal(2, h),
        "embeddings.LayerNorm.weight": np.ones(h, "float32"),
        "embeddings.LayerNorm.bias": np.zeros(h, "float32"),
        "pooler.dense.weight": normal(h, h),
        "pooler.dense.bias": np.zeros(h, "float32"),
    }
    for i in range(num_layers):
        p = f"encoder.layer.{i}."
        for name in ("query", "key", "value"):
            tensors[f"{p}attention.self.{name}.weight"] = normal(h, h)
            tensors[f"{p}attention.self.{name}.bias"] = np.zeros(h, "float32")
        tensors[f"{p}attention.output.dense.weight"] = normal(h, h)
        tensors[f"{p}attention.output.dense.bias"] = np.zeros(h, "float32")
        tensors[f"{p}intermediate.dense.weight"] = normal(inter, h)
        tensors[f"{p}intermediate.dense.bias"] = np.zeros(inter, "float32")
        tensors[f"{p}output.dense.weight"] = normal(h, inter)
        tensors[f"{p}output.dense.bias"] = np.zeros(h, "float32")
        for norm in ("attention.output.LayerNorm", "output.LayerNorm"):
            tensors[f"{p}{norm}.weight"] = np.ones(h, "float32")
            tensors[f"{p}{norm}.bias"] = np.zeros(h, "float32")
    save_file(tensors, str(path / "model.safetensors"))
    config = {
        "architectures": ["BertModel"],
        "model_type": "bert",
        "vocab_size": len(vocabulary),
        "hidden_size": h,
        "num_hidden_layers": num_layers,
        "num_attention_heads": num_heads,
        "intermediate_size": inter,
        "max_position_embeddings": positions,
        "type_vocab_size": 2,
        "hidden_act": "gelu",
        "layer_norm_eps": 1e-12,
        "hidden_dropout_prob": 0.1,
        "attention_probs_dropout_prob": 0.1,
        "pad_token_id": 0,
    }
    (path / "config.json").write_text(json.dumps(config, indent=2), encoding="utf-8")
    (path / "tokenizer_config.json").write_text(
        json.dumps(
            {"do_lower_case": True, "strip_accents": None, "tokenizer_class": "BertTokenizer"}
        ),
        encoding="utf-8",
    )
    (path / "vocab.txt").write_text("\n".join(vocabulary) + "\n", encoding="utf-8")
    return path
