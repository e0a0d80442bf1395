"""Checks of `genreclf tune --set` entries that KerasTuner and the trials would not make
up front: keys of a range or choice, and each candidate schedule."""

from genreclf.errors import ConfigError
from genreclf.errors import did_you_mean


def check_keys(name, spec):
    """Refuses a key a range or choice of `--set` does not take (`"samplng"`), which
    `to_hyperparameter` would drop without a word (the range sampled linearly)."""
    kind, known = ("choice", ["values"]) if "values" in spec else ("range", ["min", "max"])
    known += ["default", "when"] if kind == "choice" else ["step", "sampling", "default", "when"]
    unknown = sorted(set(spec) - set(known))
    if unknown:
        guess = did_you_mean(unknown, known)
        raise ConfigError(
            f"{name}: a {kind} takes the keys {', '.join(map(repr, known))}. Received: "
            f"{name}={spec}, unknown: {', '.join(map(repr, unknown))}"
            f"{' (' + guess + ')' if guess else ''}. Respell or remove them."
        )


def check_schedule(value):
    """Refuses a schedule a trial could not train with, checked for every candidate of a
    choice (only the first was tried up front: the trials that drew a typo failed)."""
    from genreclf.training.schedules import SCHEDULES

    known = ("auto", *SCHEDULES)  # auto: the family's
    if value not in known:
        guess = did_you_mean([str(value)], known)
        raise ConfigError(
            f"Unknown schedule. Expected one of {known}. Received: schedule={value!r}"
            f"{' (' + guess + ')' if guess else ''}. Pass those to try, e.g. "
            '--set \'schedule=["cosine", "step"]\'.'
        )
