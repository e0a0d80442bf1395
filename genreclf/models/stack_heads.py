"""Which heads a `stack` has, and the weights its `blend` setting gives them.

The builder and the fitting in `genreclf.models.stack` both read these; they
live apart to keep that module about the model.
"""

from genreclf.models.prompt_scores import check_prompts

AUTO = "auto"
EQUAL = "equal"
NONE = "none"
HEADS = ("tfidf_scores", "encoder_scores", "neighbour_scores", "prompt_scores")


def head_names(neighbours, prompts=AUTO):
    """The heads a `stack` config has, in the blend's order.

    Example:

    >>> head_names(0, "none")
    ['tfidf_scores', 'encoder_scores']
    >>> head_names(25)[2:]
    ['neighbour_scores', 'prompt_scores']
    """
    names = list(HEADS[:2])
    if int(neighbours) > 0:
        names.append(HEADS[2])
    if prompts != NONE:
        if prompts != AUTO:
            check_prompts(prompts)
        names.append(HEADS[3])
    return names


def blend_weights(blend, names):
    """The starting weights of the heads `names` for a `blend` setting (validated)."""
    from genreclf.errors import ConfigError

    heads = len(names)
    if blend in (AUTO, EQUAL):
        return [1.0 / heads] * heads
    try:
        weights = [float(w) for w in blend]
    except (TypeError, ValueError):
        weights = []
    if len(weights) != heads or min(weights) < 0 or abs(sum(weights) - 1.0) > 1e-6:
        older = ""
        if HEADS[3] in names and len(weights) == heads - 1:
            older = (
                " Weights written for the heads before the label-name head (prompt) need a "
                "weight for it too, or prompts='none' (`--set prompts=none`) to leave it out."
            )
        raise ConfigError(
            f"blend must be 'auto', 'equal' or {heads} non-negative weights summing to 1 "
            f"({', '.join(n.split('_')[0] for n in names)}). Received: blend={blend!r}.{older}"
        )
    return weights


def without_prompt_weight(weights):
    """`weights` with the last head's (the unused label-name head's) share given to the others.

    Example:

    >>> without_prompt_weight([0.2, 0.2, 0.1, 0.5])
    [0.4, 0.4, 0.2, 0.0]
    >>> without_prompt_weight([0.0, 0.0, 1.0])
    [0.5, 0.5, 0.0]
    """
    kept = [float(w) for w in weights[:-1]]
    total = sum(kept)
    if total <= 0:
        return [1.0 / len(kept)] * len(kept) + [0.0]
    return [round(w / total, 10) for w in kept] + [0.0]
