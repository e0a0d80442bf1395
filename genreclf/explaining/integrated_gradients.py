"""Integrated gradients on a layer's output inside a raw-text model, with `tf.GradientTape`.

Integrated gradients (Sundararajan et al., 2017) attribute `f(x) - f(x')`
to the coordinates of `x`: `(x - x') * mean_t grad f(x' + t (x - x'))`.
Text models take strings, which cannot be interpolated; the coordinates
that can are the embeddings, deep inside the graph (and inside nested models:
a keras-hub backbone, a `hybrid` encoder, an ensemble member). So the model
is cloned once with `keras.models.clone_model(..., call_function=...)`
(Keras' public hook for rewiring a functional graph; the layers and weights
are shared, not copied) with an `InterpolationProbe` after the named layer:
the probe scales that layer's output by `t` per interpolation step
(baseline `x' = 0`: no token content; position embeddings added later in a
BERT encoder are kept) and marks the scaled tensor on the tape. One forward
pass without a tape scores the text at `t = 0` and `t = 1`; then each batch
holds the text repeated for a few steps, and one backward pass per explained
class gives their gradients. An explainer whose second eager attribution took
over `TRACE_AFTER_SECONDS` runs its passes as one traced graph from the next
text on (`tf.function`, traced once per number of classes): run eagerly, a
BiLSTM steps through its tokens in Python, 8 s per synopsis at 8 steps on 2
cores against 0.3 s traced (`bench/RESULTS.md`); a small model's whole
attribution costs less than a trace, so it stays eager.

Memory: the tape keeps every activation downstream of the probe. For a
pretrained encoder that is about 0.9 GB on CPU for one copy of the default
`stack`'s longest text (4 windows of 256 word pieces through MiniLM's 6
blocks), so its explainer bounds a pass to `pass_values` probed values
(`ENCODER_PASS_VALUES`: one such copy; a synopsis's single window fits four
steps): the memory of an attribution then does not grow with `steps`, and a
long text costs what its `max_chunks` windows cost (the TF-IDF tower of
`stack` reads every word, but is not on the tape). Batching all 16 steps at
once took 19 GB for such a text, and 10 GB for a 250-word synopsis. Word-level
families (`bilstm`, `transformer`) hold little per step and run slower in
more passes: no bound by default.

Written by hand because no maintained library does this for Keras 3 graphs:
`captum` is PyTorch only; `alibi`'s IG is TF2/`tf.keras` 2 bound (last
release 2024); `xplique` 2.0 warns that it may not work with Keras 3,
requires `tensorflow[and-cuda]`, OpenCV and TF Probability, and like
`tf-explain` interpolates the model's *input*, which for a string model is
not a number. The method itself is twenty lines of `tf.GradientTape`.
"""

import threading

import keras
import numpy as np
import tensorflow as tf

from genreclf.explaining.arguments import check_steps
from genreclf.explaining.stopping import check_should_stop
from genreclf.explaining.stopping import stop_if_asked
from genreclf.explaining.trace_when_slow import TraceWhenSlow

# Probed values a gradient pass through a pretrained encoder holds at most: one
# copy of the default `stack`'s longest text (4 windows x 256 word pieces x 384).
ENCODER_PASS_VALUES = 4 * 256 * 384
# An eager attribution slower than this: the next ones run traced. A trace of
# an encoder costs several seconds; an attribution this slow eagerly takes a
# quarter of it or less traced, so the trace is paid back within a few texts.
TRACE_AFTER_SECONDS = 3.0


@keras.saving.register_keras_serializable(package="genreclf")
class InterpolationProbe(keras.layers.Layer):
    """Moves its input from a baseline toward itself by the factors in `alphas`, on the tape.

    Identity until `alphas` is set. The baseline is zero, or with
    `baseline_layer` that layer applied to all-zero (padding) ids: for an
    embedding that adds positions inside one layer, zero would also remove
    the positions, and the layer normalisation that follows is singular at
    zero. `probe(x, ids)` also keeps `ids` (the tokens that produced `x`) of
    the last call, to map positions back to words. Used by
    `IntegratedGradients`; never saved in a model.

    Args:
        baseline_layer: None (zero baseline) or the probed layer.
        **kwargs: `keras.layers.Layer` arguments.

    Example:

    >>> probe = InterpolationProbe()
    >>> probe.alphas = tf.constant([0.0, 0.5])
    >>> probe(tf.ones((2, 3)), tf.zeros((2, 3))).numpy().tolist()
    [[0.0, 0.0, 0.0], [0.5, 0.5, 0.5]]
    """

    def __init__(self, baseline_layer=None, **kwargs):
        super().__init__(**kwargs)
        self.baseline_layer = baseline_layer
        self.delta = None
        self.supports_masking = True
        self.alphas = None
        self.tape = None
        self.scaled = None
        self.ids = None

    def call(self, x, ids=None):
        self.ids = ids
        if self.alphas is None:
            return x
        rows = tf.shape(x)[0]
        steps = tf.shape(self.alphas)[0]
        # Each repeated text may span several rows (windows of a long text).
        alphas = tf.repeat(tf.cast(self.alphas, x.dtype), rows // steps)
        alphas = tf.reshape(alphas, [-1] + [1] * (len(x.shape) - 1))
        if self.baseline_layer is None:
            base = tf.zeros_like(x)
        else:
            base = tf.cast(self.baseline_layer(tf.zeros_like(ids)), x.dtype)
        self.delta = x - base
        scaled = base + alphas * self.delta
        if self.tape is not None:
            self.tape.watch(scaled)
        self.scaled = scaled
        return scaled

    def compute_mask(self, x, mask=None):
        return mask

    def compute_output_shape(self, x_shape, ids_shape=None):
        return x_shape

    def get_config(self):
        # The baseline layer is a reference into the probed model, not config.
        return super().get_config()


class IntegratedGradients:
    """Integrated gradients of a model's scores on the output of one of its layers.

    Args:
        model: a functional Keras model (raw strings in, scores out).
        layer_name: the layer whose output is interpolated (found in nested
            models too), e.g. `"embedding"`, `"token_embedding"`, `"tfidf"`.
        pad_baseline: the baseline is the layer's output for padding ids
            (id 0) rather than zero.
        pass_values: None, or the most probed values (the layer's output
            for one copy of the text, times the steps) a backward pass holds:
            bounds the memory of the tape (see the module docstring).
        rule: the quadrature of the path integral, `"midpoint"` or `"gauss"`
            (`quadrature`).

    Example:

    >>> ids = keras.Input(shape=(3,), dtype="int32", name="ids")
    >>> x = keras.layers.Embedding(10, 4, name="embedding")(ids)
    >>> x = keras.layers.GlobalAveragePooling1D()(keras.layers.Dense(4, "tanh")(x))
    >>> model = keras.Model({"ids": ids}, keras.layers.Dense(2, "softmax")(x))
    >>> ig = IntegratedGradients(model, "embedding")
    >>> result = ig.attribute({"ids": [[1, 2, 3]]}, classes=[0, 1], steps=32)
    >>> result.attributions.shape, bool(abs(result.gap()).max() < 1e-3)
    ((1, 3, 2), True)
    """

    def __init__(self, model, layer_name, pad_baseline=False, pass_values=None, rule="midpoint"):
        if rule not in QUADRATURE_RULES:
            raise ValueError(f"rule must be one of {QUADRATURE_RULES}. Received: rule={rule!r}.")
        self.layer_name = layer_name
        self.rule = rule
        self.pass_values = None if pass_values is None else int(pass_values)
        self.probe = None
        self._no_ids = False  # set by `_forward_backward`
        # Traced once an eager attribution took over TRACE_AFTER_SECONDS.
        self._switch = TraceWhenSlow()
        self._graph_pass = tf.function(self._forward_backward, reduce_retracing=True)
        # The probe holds one call's state: one attribution at a time (a server's threads).
        self._lock = threading.Lock()
        found = []

        def call_function(layer, *args, **kwargs):
            outputs = layer(*args, **kwargs)
            if layer.name == layer_name:
                found.append(layer)
                self.probe = InterpolationProbe(
                    layer if pad_baseline else None, name="interpolation_probe"
                )
                # A layer of several inputs (an n-gram union of towers) keeps no ids.
                ids = args[0] if args and not isinstance(args[0], (list, tuple)) else None
                outputs = self.probe(outputs, ids)
            return outputs

        self.model = keras.models.clone_model(
            model, clone_function=lambda layer: layer, call_function=call_function, recursive=True
        )
        if not found:
            raise ValueError(
                f"No layer named {layer_name!r} in model {model.name!r}: integrated gradients "
                "need the embedding layer's name."
            )

    def attribute(self, inputs, classes, steps=32, batch_steps=16, should_stop=None):
        """Attributions of one example's scores for `classes`.

        Args:
            inputs: the model's inputs for ONE example, e.g. `{"text": [text]}`.
            classes: the class indices to explain.
            steps: interpolation steps (the nodes of the explainer's `rule`,
                `quadrature`): a whole number of at least 1.
            batch_steps: the most steps per forward and backward pass (fewer
                when one copy of the text is large: see `pass_values`).
            should_stop: None, or a function of no arguments asked before each
                pass (and, eagerly, each class's backward pass): once it returns
                True the attribution stops (`genreclf.explaining.stopping`).

        Returns:
            An `IGResult`.

        Raises:
            ConfigError: `steps` that is not a whole number of at least 1, or a
                `should_stop` that is not a function.
            ExplanationStopped: `should_stop` returned True.
        """
        check_steps(steps)
        check_should_stop(should_stop)
        nodes, weights = quadrature(steps, self.rule)
        with self._lock, self._switch.timing(slower_than=TRACE_AFTER_SECONDS):
            ends, size = None, max(1, int(batch_steps))
            if self.pass_values is not None:  # the size of one copy first, without a tape
                stop_if_asked(should_stop)
                ends, _ = self._pass(inputs, nodes[:0], weights[:0], [], ends=True)
                size = max(1, min(size, self.pass_values // max(1, ends["full"].size)))
            sums = None
            for start in range(0, steps, size):
                stop_if_asked(should_stop)
                # Unbounded, t = 0 and t = 1 ride along in the first pass.
                first, part = self._pass(
                    inputs,
                    nodes[start : start + size],
                    weights[start : start + size],
                    classes,
                    ends is None,
                    should_stop,
                )
                ends = ends or first
                sums = part if sums is None else [a + b for a, b in zip(sums, part)]
        full = ends["full"]
        per_class = [(full * g).reshape(full.shape[:2] + (-1,)).sum(axis=-1) for g in sums]
        return IGResult(
            attributions=np.stack(per_class, axis=-1),
            ids=ends["ids"],
            value=ends["scores"][1, classes].astype("float64"),
            baseline=ends["scores"][0, classes].astype("float64"),
        )

    def _pass(self, inputs, alphas, weights, classes, ends, should_stop=None):
        """The model on the example repeated once per alpha, and one backward pass per class.

        With `ends`, the baseline (t = 0) and the text (t = 1) lead the batch.

        Returns:
            `(ends, sums)`: `ends` (with `ends`, else None) the scores at
            t = 0 and t = 1, the text's probed values minus the baseline's
            (`full`) and its ids; `sums` per class the gradients at `alphas`
            summed with their quadrature `weights` (no tape when there is no
            class).
        """
        skip = 2 if ends else 0
        alphas = np.concatenate([[0.0, 1.0][:skip], alphas]).astype("float32")
        inputs = {name: tf.convert_to_tensor(value) for name, value in inputs.items()}
        scores, delta, ids, grads = self._run_pass(
            inputs,
            tf.constant(alphas),
            tf.constant(list(classes), tf.int32),
            len(classes),
            skip,
            should_stop,
        )
        delta = delta.numpy()
        rows = delta.shape[0] // len(alphas)
        sums = []
        for grad in grads.numpy():
            grad = grad[skip * rows :]
            grad = grad.reshape((len(alphas) - skip, rows) + grad.shape[1:])
            sums.append(np.tensordot(weights, grad, axes=1))
        if not ends:
            return None, sums
        first = {
            "scores": scores.numpy(),
            "full": delta[rows : 2 * rows],  # t = 1: the text's values - baseline
            "ids": None if self._no_ids else ids.numpy()[rows : 2 * rows],
        }
        return first, sums

    @property
    def traced(self):
        """Whether the passes run as one traced graph (an eager attribution was slow)."""
        return self._switch.traced

    def _run_pass(self, inputs, alphas, classes, count, skip, should_stop=None):
        """`_forward_backward`: eagerly, or traced once `traced` is set.

        Run eagerly, a recurrent model steps through its tokens in Python:
        a BiLSTM's eight steps of one synopsis took seconds on 2 cores. The
        graph is traced once per number of classes and `skip` (static);
        texts, alphas and classes are tensors. A forward pass alone (the
        size of a bounded encoder's copy) runs once per text: eagerly, as
        a trace of the encoder would cost more than it.

        So each new `top_k` traces again (a MiniLM `stack`: 5 s at 3, 10 s at
        10), once. A graph for any number of classes, their backward passes in
        a `tf.map_fn` (or each in a `tf.cond`), took 20-28% more CPU time per
        attribution through MiniLM, every time (`bench/RESULTS.md`).
        """
        if count == 0 or not self.traced:
            return self._forward_backward(inputs, alphas, classes, count, skip, should_stop)
        return self._graph_pass(inputs, alphas, classes, count, skip)  # asks before the pass

    def _forward_backward(self, inputs, alphas, classes, count, skip, should_stop=None):
        """The batch of `_pass` forward, then one backward pass per class (`count`);
        eagerly, `should_stop` is asked before each."""
        batch = {
            name: tf.repeat(value, tf.shape(alphas)[0], axis=0) for name, value in inputs.items()
        }
        self.probe.alphas = alphas
        try:
            # Only the probe's output is watched: no gradient paths into the weights.
            with tf.GradientTape(persistent=True, watch_accessed_variables=False) as tape:
                self.probe.tape = tape if count else None
                scores = self.model(batch, training=False)
                targets = [tf.reduce_sum(scores[skip:, classes[i]]) for i in range(count)]
            scaled, delta, ids = self.probe.scaled, self.probe.delta, self.probe.ids
            # None: the class does not depend on this layer.
            grads = []
            for target in targets:
                stop_if_asked(should_stop)  # None when traced: asked before the pass only
                grads.append(tape.gradient(target, scaled))
            grads = [tf.zeros_like(scaled) if g is None else tf.convert_to_tensor(g) for g in grads]
        finally:
            self.probe.alphas = None
            self.probe.tape = None
            self.probe.scaled = None
            self.probe.delta = None
        self._no_ids = ids is None
        # [classes, rows, ...]; the ends alone (no class): none
        grads = tf.stack(grads) if grads else tf.zeros_like(delta)[None][:0]
        return scores, delta, tf.zeros([0]) if ids is None else ids, grads


QUADRATURE_RULES = ("midpoint", "gauss")


def quadrature(steps, rule="midpoint"):
    """`(nodes, weights)` on [0, 1] for `steps` gradient evaluations; the weights sum to 1.

    `"midpoint"`: evenly spaced nodes, equal weights; `"gauss"`:
    Gauss-Legendre's (NumPy's `leggauss`), which gather toward both ends.
    Which suits a model was measured (bench/RESULTS.md): on 20
    movielens_plots synopses at 16 steps, a `transformer`'s largest gap was
    7% of the explained change with Gauss-Legendre against 32% with the
    midpoint rule, while paths with ReLU kinks (`ngram`'s hidden layer) and
    a `bilstm` complete as well or better with the midpoint rule.

    Example:

    >>> quadrature(4)[0].tolist(), quadrature(4)[1].tolist()
    ([0.125, 0.375, 0.625, 0.875], [0.25, 0.25, 0.25, 0.25])
    >>> nodes, weights = quadrature(2, "gauss")
    >>> [round(float(t), 4) for t in nodes], weights.tolist()
    ([0.2113, 0.7887], [0.5, 0.5])
    """
    if rule == "gauss":
        nodes, weights = np.polynomial.legendre.leggauss(steps)
        return ((nodes + 1) / 2).astype("float32"), weights / 2
    return ((np.arange(steps) + 0.5) / steps).astype("float32"), np.full(steps, 1.0 / steps)


class IGResult:
    """Integrated-gradients attributions of one example.

    Attributes:
        attributions: `[rows, positions, C]` (rows: the windows of the text;
            positions: tokens, or feature columns).
        ids: the probed layer's input for the text (token ids, or counts).
        value: the scores of the explained classes `[C]`.
        baseline: their scores at the baseline `[C]`.
    """

    def __init__(self, attributions, ids, value, baseline):
        self.attributions = attributions
        self.ids = ids
        self.value = value
        self.baseline = baseline

    def gap(self):
        """`value - baseline - sum(attributions)` per class: the quadrature error."""
        return self.value - self.baseline - self.attributions.sum(axis=(0, 1))
