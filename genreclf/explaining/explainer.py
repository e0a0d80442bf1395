"""`Explainer`: per-word attributions of a trained model's top labels, for every family.

How each family is explained (found from the model's layer names):

* `ngram` (linear head on TF-IDF or bag-of-n-grams): exact contributions,
  `tfidf value × kernel weight` per n-gram, spread over its words; in logit
  units they sum with the bias to the logit (`genreclf.explaining.linear`).
* `bilstm`, `transformer`, `pretrained`, `hybrid`, and `ngram` with a hidden
  layer: integrated gradients on the embedding output (on the n-gram vector
  for `ngram`), mapped back to words (`IntegratedGradients`,
  `genreclf.explaining.token_positions`).
* `stack`: the TF-IDF tower's exact contributions carried into score units
  and weighted by its blend weight, plus integrated gradients of the blended
  score on the encoder's word-piece embeddings (which every other head of the
  blend reads: the encoder head, the label-name head, and the
  nearest-neighbour vote where there is one, whose top-k choice makes its path
  piecewise and shows up in the completeness gap); `parts` keeps the tower's exact logit contributions.
* ensembles: the weighted sum of the members' score-unit attributions.

A model that ends in layers after `scores` (calibration; a rating `stack`'s
ordinal mixing) is explained at `scores`, and so is each ensemble member: the
scores shown are the model's own, the words add up to the scores before
calibration, and every `Explanation` says so (`calibration`, `explains()`,
printed beside each shown score). Calibration is a monotone map fitted after
training; explaining through it would lose the towers' exact contributions.
"""

import re

import keras
import numpy as np
import tensorflow as tf

from genreclf.data.labels import whole_number_names
from genreclf.explaining.arguments import check_labels
from genreclf.explaining.arguments import check_steps
from genreclf.explaining.arguments import check_top_k
from genreclf.explaining.explanation import Explanation
from genreclf.explaining.explanation import LabelExplanation
from genreclf.explaining.integrated_gradients import ENCODER_PASS_VALUES
from genreclf.explaining.integrated_gradients import IntegratedGradients
from genreclf.explaining.layers import find_layer
from genreclf.explaining.layers import iter_layers
from genreclf.explaining.layers import layer_names
from genreclf.explaining.linear import activate
from genreclf.explaining.linear import linear_contributions
from genreclf.explaining.linear import score_contributions
from genreclf.explaining.ngram_features import FEATURE_NAMES
from genreclf.explaining.ngram_features import NgramColumns
from genreclf.explaining.stopping import check_should_stop
from genreclf.explaining.stopping import stop_if_asked
from genreclf.explaining.token_positions import PIECE_EMBEDDINGS
from genreclf.explaining.token_positions import WORD_EMBEDDINGS
from genreclf.explaining.token_positions import to_words
from genreclf.explaining.token_positions import word_positions
from genreclf.explaining.trace_when_slow import TraceWhenSlow
from genreclf.explaining.words import text_words
from genreclf.model_features import check_features
from genreclf.models.calibrated_scores import CalibratedScores
from genreclf.models.ordinal import OrdinalScores

_MEMBER = re.compile(r"member_\d+$")
# One eager forward pass slower than this: the shown scores run traced from
# the next text on (one pass, where an attribution runs many: a lower bar).
TRACE_SCORES_AFTER_SECONDS = 1.0


class _Part:
    """What an explainer returns for one text: per-word attributions of some classes."""

    def __init__(self, words, unplaced, value, baseline, method, units, parts=None):
        self.words = words  # [n_words, C]
        self.unplaced = unplaced  # [C]
        self.value = value  # [C]
        self.baseline = baseline  # [C]
        self.method = method
        self.units = units
        self.parts = parts or {}


class Explainer:
    """Explains a model's scores per word; pick the method from the model's layers.

    Args:
        model: a genreclf model (raw strings in, scores out).
        labels: the label names, one per score column.
        steps: integrated-gradients steps (neural families): a whole number
            of at least 1.

    Raises:
        ConfigError: `steps` that is not a whole number of at least 1.

    Example:

    >>> from genreclf.models.ngram import build_ngram
    >>> model = build_ngram(2, train_texts=["a dark heist", "a ghost"], max_tokens=20)
    >>> explainer = Explainer(model, ["crime", "horror"])
    >>> explanation = explainer.explain(["A dark heist."], top_k=1)[0]
    >>> explanation.units, [w.text for w in explanation.words]
    ('logit', ['A', 'dark', 'heist'])
    >>> abs(explanation.labels[0].completeness_gap()) < 1e-5
    True
    """

    def __init__(self, model, labels, steps=32):
        self.full_model = model
        self._scores_switch = TraceWhenSlow()
        self.labels = list(labels)
        self.int_classes = whole_number_names(self.labels)  # as `Run.predict` gives them
        self.steps = check_steps(steps)
        names = layer_names(model)
        self.calibration = _taken_out(model, len(self.labels))
        if "scores" in names and model.outputs[0] is not model.get_layer("scores").output:
            # A layer after the scores (calibration): explain the scores before it
            # (calibration is monotone per class), show the model's own scores.
            model = keras.Model(model.input, model.get_layer("scores").output)
        self.model = model
        width = model.outputs[0].shape[-1]
        if width != len(self.labels):
            raise ValueError(
                f"Expected scores with one column per label ({len(self.labels)}). Received: "
                f"model {model.name!r} with {width} score columns."
            )
        members = sorted((n for n in names if _MEMBER.match(n)), key=lambda n: int(n[7:]))
        if members and "scores" in names:
            self.kind = "ensemble"
            self.members = [Explainer(model.get_layer(n), labels, steps) for n in members]
            self.weights = np.asarray(model.get_layer("scores").get_weights()[0], "float64")
        elif {"tfidf_scores", "encoder_scores", "scores"} <= names:
            self.kind = "stack"
            self.tower = _LinearTower(model, _head_features(model, "tfidf_scores"), "tfidf_scores")
            self.weight = _blend_weight(model, "tfidf_scores")
            self.ig_layer = PIECE_EMBEDDINGS[0]
            self.ig = _integrated_gradients(model, self.ig_layer)
        elif "scores" in names and _head_features(model, "scores") is not None:
            self.kind = "linear"
            self.tower = _LinearTower(model, _head_features(model, "scores"), "scores")
        else:
            self.kind = "integrated_gradients"
            layer = find_layer(model, WORD_EMBEDDINGS + PIECE_EMBEDDINGS + FEATURE_NAMES)
            if layer is None:
                raise ValueError(
                    f"Cannot explain model {model.name!r}: no embedding or n-gram layer "
                    f"(expected one named one of "
                    f"{WORD_EMBEDDINGS + PIECE_EMBEDDINGS + FEATURE_NAMES})."
                )
            self.ig_layer = layer.name
            self.ig = _integrated_gradients(model, layer.name)
            self.ngrams = NgramColumns(model, layer.name) if layer.name in FEATURE_NAMES else None

    def _scores(self, inputs):
        """The model's own scores of one example (those at `scores` if it ends otherwise).

        Eagerly, and traced from the next text on once an eager call (not
        the first) took over `TRACE_SCORES_AFTER_SECONDS` (a BiLSTM takes seconds for one synopsis).
        """
        inputs = {name: tf.convert_to_tensor(value) for name, value in inputs.items()}
        if self._scores_switch.traced:
            return self._graph_scores(inputs).numpy()[0]
        with self._scores_switch.timing(slower_than=TRACE_SCORES_AFTER_SECONDS):
            return self._eager_scores(inputs).numpy()[0]

    @tf.function(reduce_retracing=True)
    def _graph_scores(self, inputs):
        return self._eager_scores(inputs)

    def _eager_scores(self, inputs):
        out = self.full_model(inputs, training=False)
        if isinstance(out, (dict, list, tuple)) or out.shape[-1] != len(self.labels):
            out = self.model(inputs, training=False)  # e.g. a decision layer after the scores
        return out

    def explain(self, texts, top_k=3, features=None, labels=None, units="auto", should_stop=None):
        """Explains the `top_k` labels of each text (or the given `labels`).

        Args:
            texts: raw texts.
            top_k: how many of the best-scoring labels to explain per text: a
                whole number of at least 1 (more than the labels, or None: all of them).
            features: hybrid models: `{name: values}`, one value per text for
                each of the model's inputs beside `text`.
            labels: explain these labels (names) instead of the top ones.
            units: `"auto"` (logits for linear models, else scores) or `"score"`.
            should_stop: None, or a function of no arguments asked before each
                text and pass through the model; once it returns True the call
                stops (`genreclf.explaining.stopping`).

        Returns:
            A list of `Explanation`s, one per text.

        Raises:
            ConfigError: a single string for `texts`; a `top_k` that is not a
                whole number of at least 1; `features` left out for a hybrid
                model, or not one value per text for each of its features;
                `labels` that are not names of this model's labels; other `units`
                or `should_stop`.
            ExplanationStopped: `should_stop` returned True.
        """
        from genreclf.errors import ConfigError

        if isinstance(texts, str):
            raise ConfigError(
                "explain() takes a list of texts. Received a single string; wrap it in a "
                "list: explain([text])."
            )
        texts = list(texts)
        check_top_k(top_k)
        if units not in ("auto", "score"):
            raise ConfigError(f"units must be 'auto' or 'score'. Received: units={units!r}.")
        if labels is not None:
            labels = check_labels(labels, self.labels)
        features = check_features(features, self.full_model, len(texts))
        check_should_stop(should_stop)
        results = []
        for i, text in enumerate(texts):
            stop_if_asked(should_stop)
            inputs = {"text": np.asarray([text], dtype=object)}
            inputs.update({name: values[i : i + 1] for name, values in features.items()})
            scores = self._scores(inputs)
            if labels is not None:
                classes = [self.labels.index(name) for name in labels]
            else:
                count = len(self.labels) if top_k is None else min(top_k, len(self.labels))
                classes = list(np.argsort(-scores)[:count])
            words = text_words(text)
            part = self._explain_one(text, words, inputs, classes, units, should_stop)
            shared = dict(calibration=self.calibration, int_classes=self.int_classes)
            parts = {
                name: Explanation(
                    text, words, self._entries(p, scores, classes), p.units, p.method, **shared
                )
                for name, p in part.parts.items()
            }
            entries = self._entries(part, scores, classes)
            results.append(
                Explanation(text, words, entries, part.units, part.method, parts, **shared)
            )
        return results

    def _entries(self, part, scores, classes):
        """The `LabelExplanation`s of `classes` from a `_Part`."""
        return [
            LabelExplanation(
                label=self.labels[k],
                score=float(scores[k]),
                value=float(part.value[c]),
                baseline=float(part.baseline[c]),
                attributions=part.words[:, c],
                unplaced=float(part.unplaced[c]),
            )
            for c, k in enumerate(classes)
        ]

    def _explain_one(self, text, words, inputs, classes, units, should_stop=None):
        if self.kind == "linear":
            return self.tower.explain(text, words, inputs, classes, units)
        if self.kind == "stack":
            tower = self.tower.explain(text, words, inputs, classes, "score")
            exact = self.tower.explain(text, words, inputs, classes, "auto")
            encoder = self._integrated_gradients(text, words, inputs, classes, should_stop)
            w = self.weight
            # The encoder's IG ran on the blend: its t=0 score still holds the
            # TF-IDF tower's full share w * p_tfidf(x).
            return _Part(
                w * tower.words + encoder.words,
                w * tower.unplaced + encoder.unplaced,
                encoder.value,
                encoder.baseline - w * (tower.value - tower.baseline),
                f"stack: TF-IDF tower exact (weight {w:.2f}) + encoder {encoder.method}",
                "score",
                {"tf-idf tower (exact, logit)": exact},
            )
        if self.kind == "ensemble":
            # A member at weight 0 adds exactly 0: its (costly) attribution is skipped.
            kept = [(w, m) for w, m in zip(self.weights, self.members) if w != 0]
            weights = [w for w, _ in kept]
            members = [
                m._explain_one(text, words, inputs, classes, "score", should_stop) for _, m in kept
            ]
            combine = lambda attr: sum(w * getattr(p, attr) for w, p in zip(weights, members))  # noqa: E731
            return _Part(
                combine("words"),
                combine("unplaced"),
                combine("value"),
                combine("baseline"),
                "ensemble: weighted sum of the members' attributions ("
                + "; ".join(f"{w:.2f} × {p.method}" for w, p in zip(weights, members))
                + ")",
                "score",
            )
        return self._integrated_gradients(text, words, inputs, classes, should_stop)

    def _integrated_gradients(self, text, words, inputs, classes, should_stop=None):
        result = self.ig.attribute(inputs, classes, steps=self.steps, should_stop=should_stop)
        if getattr(self, "ngrams", None) is not None:
            per_column = result.attributions[0]
            columns = np.flatnonzero(np.any(per_column != 0, axis=1))
            placed, unplaced = self.ngrams.spreader(text, words)(columns, per_column[columns])
        else:
            positions = word_positions(self.model, self.ig_layer, text, words, result.ids)
            placed, unplaced = to_words(result.attributions, positions, len(words))
        rule = {"gauss": ", Gauss-Legendre"}.get(self.ig.rule, "")
        method = f"integrated gradients on {self.ig_layer!r} ({self.steps} steps{rule})"
        return _Part(placed, unplaced, result.value, result.baseline, method, "score")


def _integrated_gradients(model, layer_name):
    """`IntegratedGradients` on `layer_name`, set up for that kind of layer.

    Token and position embeddings in one layer interpolate from the padding
    tokens' embeddings (positions kept), not from zero; a pretrained encoder's
    tape is large, so its passes hold a bounded number of values; a
    `transformer`'s blocks complete best with Gauss-Legendre nodes (`quadrature`).
    """
    rule = "gauss" if find_layer(model, "transformer_encoder_0") is not None else "midpoint"
    pass_values = ENCODER_PASS_VALUES if layer_name in PIECE_EMBEDDINGS else None
    pad = layer_name == "token_and_position_embedding"
    return IntegratedGradients(model, layer_name, pad, pass_values, rule)


def _taken_out(model, width):
    """What maps the scores the explainers explain to `model`'s shown ones, in words.

    The explainers read every model (and ensemble member) at its `scores`
    layer: the non-identity calibrations and ordinal mixings after one are
    taken out. `""` when there are none, or when the model's output is not
    scores of `width` columns (then the shown scores are those at `scores`:
    only its members' are taken out).
    """
    top = len(model.outputs) == 1 and model.outputs[0].shape[-1] == width
    found = []
    for layer in iter_layers(model):
        if not top and layer in model.layers:
            continue
        if isinstance(layer, CalibratedScores) and layer.method != "identity":
            found.append(f"{layer.method} calibration")
        elif isinstance(layer, OrdinalScores) and layer.built:
            mixing = keras.ops.convert_to_numpy(layer.mixing)
            if not np.allclose(mixing, np.eye(len(mixing))):
                found.append("ordinal mixing")
    found = list(dict.fromkeys(found))  # each once, in graph order
    return " and ".join(filter(None, [", ".join(found[:-1]), found[-1]])) if found else ""


def _head_features(model, head_name):
    """The n-gram feature layer a Dense head reads directly (through dropout), or None."""
    names = layer_names(model)
    head_input = model.get_layer(head_name).input
    if "input_dropout" in names and head_input is model.get_layer("input_dropout").output:
        head_input = model.get_layer("input_dropout").input
    for name in FEATURE_NAMES:
        if name in names and head_input is model.get_layer(name).output:
            return name
    return None


def _blend_weight(model, head_name):
    """The `WeightedScores` weight of one head's scores in the blend named `scores`."""
    blend = model.get_layer("scores")
    inputs = blend.input if isinstance(blend.input, (list, tuple)) else [blend.input]
    index = [i for i, t in enumerate(inputs) if t is model.get_layer(head_name).output]
    if len(index) != 1:
        raise ValueError(f"The blend 'scores' does not read {head_name!r} once.")
    return float(blend.get_weights()[0][index[0]])


class _LinearTower:
    """A linear head on a bag-of-n-grams vector: exact contributions."""

    def __init__(self, model, feature_layer, head_layer):
        self.features = keras.Model(model.input, model.get_layer(feature_layer).output)
        head = model.get_layer(head_layer)
        self.kernel, self.bias = (np.asarray(w, "float64") for w in head.get_weights())
        self.activation = head.get_config()["activation"]
        self.vocabulary = NgramColumns(model, feature_layer)

    def explain(self, text, words, inputs, classes, units):
        x = np.asarray(self.features({"text": inputs["text"]}, training=False))[0]
        columns, contributions, logits = linear_contributions(x, self.kernel, self.bias)
        spread = self.vocabulary.spreader(text, words)
        if units == "score":
            attributions, baseline = score_contributions(
                contributions, self.bias, self.activation, classes
            )
            placed, unplaced = spread(columns, attributions)
            value = activate(logits, self.activation)[classes]
            method = "exact linear contributions, carried into scores"
            return _Part(placed, unplaced, value, baseline, method, "score")
        placed, unplaced = spread(columns, contributions[:, classes])
        method = "exact: tf-idf value x weight per n-gram"
        return _Part(placed, unplaced, logits[classes], self.bias[classes], method, "logit")
