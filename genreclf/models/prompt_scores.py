"""`PromptScores`: label scores from how close a text is to its labels' names.

The `stack`'s fourth head, and the one that knows something its others do
not: what the labels are called. Each label's name is put in a few prompts
("{}", "a {} movie", ...), the frozen encoder reads them, and the label's
vector is the normalised mean of its prompts' vectors (prompt ensembling, as
in CLIP's zero-shot classifier). A text's scores are a softmax over its
cosine similarities with the label vectors at a temperature fitted on the
training rows. No weight is learned per label, so a genre seen ten times is
read as well as one seen a thousand times: on imdb_genre27, whose seven
rarest genres have 10–22 rows, the head lifted the stack's rare-genre F1
(bench/RESULTS.md).

Written with Keras ops rather than taken from a zero-shot library because
the head must live in the graph: the saved model carries the label vectors
and answers raw text. `genreclf.labelling.zero_shot` scores texts against
genre descriptions the same way outside a model; `prompt_scores` is this
layer in NumPy, used for the training rows' scores the blend is chosen on.
The temperature is fitted with SciPy's bounded scalar minimiser.
"""

import string

import keras
import numpy as np
from keras import ops

from genreclf.errors import ConfigError

DEFAULT_PROMPTS = ("{}", "a {} movie", "a {} film", "{} movie")


@keras.saving.register_keras_serializable(package="genreclf")
class PromptScores(keras.layers.Layer):
    """Scores `[batch, K]`: a softmax over cosine similarities with label vectors.

    `scores = softmax(temperature * normalize(x) @ label_vectors.T)`. The
    label vectors (unit rows) and the temperature are non-trainable weights,
    zeros and 1 until `set_prompts` sets them.

    Args:
        num_classes: classes K.
        **kwargs: `keras.layers.Layer` arguments.

    Example:

    >>> layer = PromptScores(2)
    >>> _ = layer(np.zeros((1, 2), dtype="float32"))
    >>> layer.set_prompts(np.eye(2, dtype="float32"), temperature=10.0)
    >>> np.round(layer(np.asarray([[3.0, 0.0]], dtype="float32")).numpy(), 4).tolist()
    [[1.0, 0.0]]
    """

    def __init__(self, num_classes, **kwargs):
        kwargs.setdefault("dtype", "float32")
        super().__init__(**kwargs)
        if int(num_classes) < 1:
            raise ValueError(
                f"PromptScores needs at least one class. Received: num_classes={num_classes!r}."
            )
        self.num_classes = int(num_classes)

    def build(self, input_shape):
        self.label_vectors = self.add_weight(
            name="label_vectors",
            shape=(self.num_classes, int(input_shape[-1])),
            initializer="zeros",
            trainable=False,
        )
        self.temperature = self.add_weight(
            name="temperature", shape=(), initializer="ones", trainable=False
        )

    def set_prompts(self, label_vectors, temperature):
        """Sets the `[K, dim]` label vectors (normalised here) and the temperature."""
        self.label_vectors.assign(unit_rows(label_vectors))
        self.temperature.assign(np.float32(temperature))

    def call(self, inputs):
        vectors = ops.normalize(ops.cast(inputs, "float32"), axis=-1)
        similarity = ops.matmul(vectors, ops.transpose(self.label_vectors))
        return ops.softmax(self.temperature * similarity, axis=-1)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.num_classes)

    def get_config(self):
        return {**super().get_config(), "num_classes": self.num_classes}


def unit_rows(vectors):
    """`vectors` with each row scaled to length 1 (zero rows stay zero)."""
    vectors = np.asarray(vectors, dtype="float32")
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.maximum(norms, 1e-12)


def prompt_scores(vectors, label_vectors, temperature):
    """`PromptScores` in NumPy: `float32 [n, K]` scores of `vectors`.

    Example:

    >>> prompt_scores(np.eye(2), np.eye(2), 0.0).tolist()
    [[0.5, 0.5], [0.5, 0.5]]
    """
    logits = temperature * (unit_rows(vectors) @ unit_rows(label_vectors).T)
    logits -= logits.max(axis=1, keepdims=True)
    scores = np.exp(logits)
    return (scores / scores.sum(axis=1, keepdims=True)).astype("float32")


def prompt_texts(labels, prompts=DEFAULT_PROMPTS):
    """Every prompt filled with every label's name: `[len(prompts)][K]` texts.

    A name's hyphens and underscores read as spaces ("sci-fi" is "sci fi").

    Example:

    >>> prompt_texts(["sci-fi", "war"], ["a {} movie"])
    [['a sci fi movie', 'a war movie']]
    """
    names = [str(label).replace("-", " ").replace("_", " ") for label in labels]
    return [[prompt.format(name) for name in names] for prompt in check_prompts(prompts)]


def check_prompts(prompts):
    """`prompts` as a tuple of strings, each with one `{}` for the label's name.

    A prompt is a `str.format` template: `{{` and `}}` write braces, and no
    other field (`{0}`, `{name}`, `{:>5}`) is taken.

    Raises:
        ConfigError: `prompts` is not a non-empty list of such strings.

    Example:

    >>> check_prompts(["{} movie", "{{{}}}"])
    ('{} movie', '{{{}}}')
    >>> check_prompts(["movie"])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    genreclf.errors.ConfigError: prompts must be ... Received: prompts=['movie']. ...
    """
    if isinstance(prompts, str) or not PROMPTS_SETTING.accepts(prompts):  # a list, not 'auto'
        raise ConfigError(PROMPTS_SETTING.message("prompts", prompts))
    return tuple(prompts)


def _one_name_field(prompt):
    """Whether `prompt` is a format template whose one field is a bare `{}`."""
    if not isinstance(prompt, str):
        return False
    try:
        fields = [part[1:] for part in string.Formatter().parse(prompt) if part[1] is not None]
        prompt.format("name")
    except (ValueError, IndexError, KeyError):
        return False
    return fields == [("", "", None)]


class _PromptsSetting:
    """The `stack`'s `prompts` setting, as `genreclf.models.setting_checks` checks one.

    Checked with the other settings, before any data is read, rather than
    when the model is built.
    """

    def accepts(self, value):
        if value in ("auto", "none"):
            return True
        return (
            isinstance(value, (list, tuple))
            and len(value) > 0
            and all(_one_name_field(prompt) for prompt in value)
        )

    def message(self, name, value, *, where=None, fix=None):
        where = f" ({where})" if where else ""
        return (
            f"{name}{where} must be 'auto', 'none' or a non-empty list of texts, each with one "
            f"'{{}}' where the label's name goes (no other field; '{{{{' and '}}}}' write "
            f"braces). Received: {name}={value!r}. For example: prompts=['{{}}', 'a {{}} movie'] "
            "(`--set prompts='[\"a {} movie\"]'`; `--set prompts=none` leaves the head out)."
        )


PROMPTS_SETTING = _PromptsSetting()


def fit_temperature(similarity, targets):
    """The temperature whose softmax over `similarity` best predicts `targets`.

    The training rows' mean cross-entropy (each row's targets as shares),
    minimised over `[1, 100]`: temperature scaling (Guo et al., 2017) of a
    head that has no other parameter. imdb_genre27, movielens_plots and
    tmdb_genres fit 12–14.

    Args:
        similarity: `[n, K]` cosine similarities of the rows with the labels.
        targets: `[n, K]` targets (one-hot or multi-hot).

    Example:

    >>> targets = np.eye(2)[[0, 1, 0, 1]]
    >>> round(fit_temperature(targets * 0.2, targets), 1) > 50
    True
    """
    from scipy.optimize import minimize_scalar

    targets = np.asarray(targets, dtype="float64")
    shares = targets / np.maximum(targets.sum(axis=1, keepdims=True), 1.0)
    similarity = np.asarray(similarity, dtype="float64")

    def cross_entropy(temperature):
        logits = temperature * similarity
        logits -= logits.max(axis=1, keepdims=True)
        log_scores = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
        return float(-(shares * log_scores).sum(axis=1).mean())

    return float(minimize_scalar(cross_entropy, bounds=(1.0, 100.0), method="bounded").x)


def fit_prompt_head(layer, embed, vectors, labels, targets, prompts="auto"):
    """Sets a `PromptScores` layer's label vectors and temperature.

    Args:
        layer: the model's `PromptScores`.
        embed: `embed(texts) -> [n, dim]` vectors of the encoder the layer
            reads (the stack's last block, through its embedding cache).
        vectors: `[n, dim]` those vectors of the training rows.
        labels: the class names, in column order.
        targets: `[n, K]` the training rows' targets.
        prompts: `"auto"` (`DEFAULT_PROMPTS`; unused when every label is a
            number, a rating, whose name says nothing to the encoder) or a
            list of prompts (`check_prompts`).

    Returns:
        `{"used", "prompts", "temperature", "scores"}`: whether the head reads
        the names, the prompts, the fitted temperature (None when unused)
        and the training rows' scores `[n, K]` (uniform when unused). No
        weight is learned per label, so these are out of fold but for the
        one temperature, fitted on all the rows.
    """
    from genreclf.models.ordinal import ordinal_positions

    num_classes = len(labels)
    if prompts == "auto":
        if ordinal_positions(labels) is not None:
            uniform = np.full((len(vectors), num_classes), 1.0 / num_classes, dtype="float32")
            return {"used": False, "prompts": [], "temperature": None, "scores": uniform}
        prompts = DEFAULT_PROMPTS
    filled = prompt_texts(labels, prompts)
    every = np.asarray(embed([text for texts in filled for text in texts]), dtype="float32")
    label_vectors = unit_rows(
        sum(unit_rows(every[i * num_classes : (i + 1) * num_classes]) for i in range(len(filled)))
    )
    similarity = unit_rows(vectors) @ label_vectors.T
    temperature = fit_temperature(similarity, targets)
    layer.set_prompts(label_vectors, temperature)
    return {
        "used": True,
        "prompts": list(check_prompts(prompts)),
        "temperature": temperature,
        "scores": prompt_scores(vectors, label_vectors, temperature),
    }
