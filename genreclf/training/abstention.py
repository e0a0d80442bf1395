"""`--abstain`: a single-label run trained one-vs-all and decided by an abstaining cascade.

The model is trained as if the task were multi-label (one sigmoid score per
class, binary cross-entropy or one-vs-rest logistic regression, per-class
thresholds tuned on held-out scores; the one-hot targets are valid multi-hot
ones). On the held-out scores the classes are ranked by precision at their
thresholds, and `genreclf.models.cascade.OneVsAllCascade` is appended to the
graph: the first class in that order whose score clears its threshold is the
answer, else "unknown". The run's `labels.json` stays single-label; the
report gains an `abstention` entry (coverage vs precision).
"""

from genreclf.data.labels import LabelVocabulary
from genreclf.errors import ConfigError


def one_vs_all_vocabulary(cfg, vocabulary):
    """The vocabulary `cfg`'s model trains with: multi-label when `cfg.abstain`.

    Raises `ConfigError` for `--abstain` on a multi-label task, or when a
    class is named like the abstention label.

    Example:

    >>> from genreclf.training import TrainConfig
    >>> vocab = LabelVocabulary(["comedy", "horror"])
    >>> one_vs_all_vocabulary(TrainConfig(abstain=True), vocab).multi_label
    True
    """
    from genreclf.models.cascade import UNKNOWN

    if not cfg.abstain:
        return vocabulary
    if vocabulary.multi_label:
        raise ConfigError(
            "--abstain decides one label per row (or 'unknown') and is for single-label "
            "tasks. Received: abstain=True with a multi-label task. Drop --abstain: a "
            "multi-label run already answers no label when no class clears its threshold."
        )
    if UNKNOWN in vocabulary.labels:
        raise ConfigError(
            f"--abstain answers {UNKNOWN!r} when no class is sure, and a class already has "
            f"that name. Received: labels={vocabulary.labels}. Rename that class in the data."
        )
    return LabelVocabulary(vocabulary.labels, multi_label=True)


def add_cascade(model, vocabulary, targets, scores, thresholds):
    """Appends the abstaining cascade to `model`; returns `(model, report section)`.

    Args:
        model: the trained model (inputs → one-vs-all scores, as saved).
        vocabulary: the run's single-label `LabelVocabulary`.
        targets: held-out one-hot targets `[n, K]`.
        scores: the model's held-out scores `[n, K]` (out-of-fold or validation).
        thresholds: per-class thresholds on those scores.
    """
    from genreclf.metrics.coverage import abstention_section
    from genreclf.models.cascade import OneVsAllCascade
    from genreclf.models.cascade import precision_order
    from genreclf.models.cascade import with_cascade

    order, precision = precision_order(targets, scores, thresholds)
    layer = OneVsAllCascade(vocabulary.labels, order, thresholds, name="cascade")
    section = abstention_section(targets, scores, vocabulary.labels, order, thresholds, precision)
    return with_cascade(model, layer), section
