"""`explain`: the words behind a run's predictions, in one call."""

from genreclf.explaining.arguments import check_run
from genreclf.explaining.arguments import check_steps
from genreclf.explaining.arguments import check_top_k
from genreclf.explaining.explainer import Explainer
from genreclf.texts_in import texts_in

DEFAULT_STEPS = 16


def explainer_for(run, steps=DEFAULT_STEPS):
    """An `Explainer` of a `Run`'s model (cached on the run per step count)."""
    cache = run.__dict__.setdefault("_explainers", {})
    if steps not in cache:
        cache[steps] = Explainer(run.model, run.labels, steps=steps)
    return cache[steps]


def explain(run, texts, top_k=3, steps=DEFAULT_STEPS, features=None, labels=None):
    """Explains a run's top labels for raw `texts`, word by word.

    Linear TF-IDF models (`ngram`) get exact contributions in logit units;
    neural families integrated gradients in score units; `stack` and
    ensembles a blend of both (see `genreclf.explaining.explainer`).

    Args:
        run: a run folder or a `Run`.
        texts: one text (a `str`), or a list, tuple, pandas Series, 1-D
            numpy array or other iterable of texts, as `Run.predict` takes
            them (not a DataFrame: pass its text column, `df["overview"]`).
        top_k: how many of the best-scoring labels to explain per text: a
            whole number of at least 1, or None for every label.
        steps: integrated-gradients steps (more: closer to complete, slower):
            a whole number of at least 1.
        features: hybrid runs: `{name: values}`, one value per text for each
            of the run's features (`run.feature_names()`).
        labels: explain these labels instead of each text's top ones.

    Returns:
        A list of `Explanation`s (`.top_words(label)`, `.to_dict()`), one per text.

    Raises:
        ConfigError: a `run` that is not a run folder's path nor a `Run`
            (the arguments swapped, `explain(texts, run)`, are said so);
            `texts` that are not texts (a DataFrame, a dict, a set, None);
            a `top_k` or `steps` that is not a whole number of at least 1;
            `features` left out for a hybrid run, or not one value per text
            for each of its features.
        DataError: a text that is not a string, or is blank, as `Run.predict`.

    Example:

    >>> import genreclf
    >>> explanation = genreclf.explain("runs/sample",
    ...     ["A detective hunts a killer through a rainy city."])[0]  # doctest: +SKIP
    >>> explanation.top_words(explanation.labels[0].label)  # doctest: +SKIP
    [('detective', 0.41), ('killer', 0.38), ('hunts', 0.12)]
    """
    from genreclf.run import Run

    check_run(run, texts)  # before the model loads; says when they look swapped
    check_top_k(top_k)
    check_steps(steps)
    run = run if isinstance(run, Run) else Run(run)
    texts = texts_in(texts, "genreclf.explain", "explaining", run.config.get("text"))
    return explainer_for(run, steps).explain(texts, top_k=top_k, features=features, labels=labels)
