"""Conditional search-space entries: `"when": {parent: [values]}`.

An entry with `when` is sampled only in trials whose `parent` argument takes
one of `values` (KerasTuner's `conditional_scope`); in the others it keeps the
family's default. A family declares such entries in its search space (the
pretrained family's `lora_rank`, when `mode` is `"lora"`); a caller gives
them as a range with `when` (`--set` in `genreclf tune`).

A `when` must name an argument the search has a value for, checked before
the first trial (`search_conditions`): a parent named wrong would leave its
entry silently never sampled.
"""

from genreclf.errors import ConfigError
from genreclf.errors import did_you_mean


def conditions(space):
    """`{argument: (parent, [values])}` of the conditional entries (`when`) of a space.

    Example:

    >>> conditions({"lora_rank": {"values": [4, 8], "when": {"mode": ["lora"]}}, "mode": ["lora"]})
    {'lora_rank': ('mode', ['lora'])}
    """
    out = {}
    for name, spec in (space or {}).items():
        when = spec.get("when") if isinstance(spec, dict) else None
        if when:
            if len(when) != 1:
                raise ConfigError(
                    f"`when` names one parent argument. Received: {name} when={when}."
                )
            ((parent, values),) = when.items()
            out[name] = (parent, list(values))
    return out


def search_conditions(family, given, known):
    """The conditional entries of a search of `family`, each parent checked.

    A given entry's `when` (as in a declared space) replaces the declared one.

    Args:
        family: the model family (its declared search space and settings).
        given: the arguments given to the search, as given (ranges with
            their `when`).
        known: the names of the search's other arguments: its search space
            and the training arguments.

    Returns:
        `{argument: (parent, [values])}`, as `conditions`.

    Raises:
        ConfigError: a `when` names a parent that is neither in `known` nor
            a setting of `family`: its entry would never be sampled.

    Example:

    >>> search_conditions("bilstm", {"dropout": {"min": 0.1, "max": 0.5,
    ...                   "when": {"lstm_units": [64]}}}, known={"lr"})
    {'dropout': ('lstm_units', [64])}
    >>> search_conditions("bilstm", {"dropout": {"min": 0.1, "max": 0.5,
    ...                   "when": {"lstm_unit": [64]}}}, known={"lr"})  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    genreclf.errors.ConfigError: ... when={'lstm_unit': [64]}, ... (Did you mean 'lstm_units' ...
    """
    from genreclf.models import family_defaults
    from genreclf.tuning.search_space import declared_space

    found = {**conditions(declared_space(family)), **conditions(given)}
    arguments = sorted({*known, *given, *family_defaults(family)})
    for key, (parent, values) in found.items():
        if parent in arguments:
            continue
        hint = did_you_mean([parent], arguments)
        raise ConfigError(
            f"A conditional entry's `when` names the argument it depends on, one of the "
            f"{family!r} search's: {arguments}. Received: {key} when={{{parent!r}: {values}}}"
            f", and {parent!r} is none of them, so {key} would never be sampled. "
            + (f"({hint[0].upper()}{hint[1:]}) " if hint else "")
            + f"Name one of them in `when`, or leave `when` out to sample {key} in every trial."
        )
    return found
