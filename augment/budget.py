"""`Budget` and `CallStats`: what a run may spend, and what it spent."""

import collections
import dataclasses

from genreclf.errors import ConfigError


@dataclasses.dataclass
class Budget:
    """Hard caps on what a run may spend, from the usage responses report.

    A request attempt starts only if what was spent plus what is in flight
    plus its worst case (its prompt estimate and `max_tokens`) fits the caps,
    so the reported spend never exceeds them. The caps are the job's, not one
    process's: `count_prior` adds what earlier runs of the same job spent
    (every paid attempt the cache records, `ResponseCache.recorded_usage`:
    responses, and the charges of attempts that left none), so a rerun
    cannot spend the caps again. An attempt the server may bill without
    answering usefully (a timeout, a cancelled call, a reply that is
    not a completion) is charged at its worst case, so the reported spend is
    also never below the real bill. Once an attempt does not fit, no new one
    starts; those in flight finish (and are cached).

    Args:
        max_usd: dollar cap (needs a price for the model), or `None`.
        max_tokens: cap on prompt + completion tokens, or `None`.
        price: the model's `Price` (for `max_usd`).

    Example:

    >>> b = Budget(max_tokens=100)
    >>> b.reserve(60), b.reserve(60)
    (True, False)
    """

    max_usd: float = None
    max_tokens: int = None
    price: object = None
    spent_usd: float = 0.0
    spent_tokens: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    prior_tokens: int = 0
    prior_usd: float = 0.0
    _held_tokens: int = 0
    _held_usd: float = 0.0
    exhausted: bool = False

    def __post_init__(self):
        from genreclf.setting import number

        for name, cap in (("max_usd", self.max_usd), ("max_tokens", self.max_tokens)):
            if cap is not None:  # a cap of 0 or less allows no request
                number(above=0).check(
                    name,
                    cap,
                    fix="Pass a positive cap (--budget-usd, --budget-tokens), or leave "
                    "it out for no cap.",
                )
        if self.max_usd is not None and self.price is None:
            raise ConfigError(
                "A dollar budget needs the model's token prices. Received: "
                f"max_usd={self.max_usd} for a model with no price. Pass prices "
                '(--prices FILE with {"model": {"input": usd, "output": usd}} '
                "per 1M tokens) or use a token budget (--budget-tokens)."
            )

    def _usd(self, input_tokens, output_tokens):
        return self.price.cost(input_tokens, output_tokens) if self.price else 0.0

    def count_prior(self, input_tokens, output_tokens):
        """Counts what earlier runs of this job spent against the caps (not in `spent_*`)."""
        self.prior_tokens += input_tokens + output_tokens
        self.prior_usd += self._usd(input_tokens, output_tokens)

    def reserve(self, input_tokens, output_tokens=0):
        """Holds a worst case; returns False (and marks exhausted) if it does not fit."""
        if self.exhausted:
            return False
        tokens = input_tokens + output_tokens
        usd = self._usd(input_tokens, output_tokens)
        if self.max_tokens is not None and (
            self.prior_tokens + self.spent_tokens + self._held_tokens + tokens > self.max_tokens
        ):
            self.exhausted = True
        if self.max_usd is not None and (
            self.prior_usd + self.spent_usd + self._held_usd + usd > self.max_usd + 1e-12
        ):
            self.exhausted = True
        if self.exhausted:
            return False
        self._held_tokens += tokens
        self._held_usd += usd
        return True

    def settle(self, held, usage):
        """Releases a reservation `held=(in, out)` and records reported `usage`."""
        self._held_tokens -= held[0] + held[1]
        self._held_usd -= self._usd(*held)
        if usage is not None:
            self.input_tokens += usage[0]
            self.output_tokens += usage[1]
            self.spent_tokens += usage[0] + usage[1]
            self.spent_usd += self._usd(*usage)


@dataclasses.dataclass
class CallStats:
    """What the calls did: counts by outcome, retries by cause."""

    sent: int = 0
    succeeded: int = 0
    charged_unanswered: int = 0
    failed: collections.Counter = dataclasses.field(default_factory=collections.Counter)
    retries: collections.Counter = dataclasses.field(default_factory=collections.Counter)
    skipped_budget: int = 0
    said: dict = dataclasses.field(default_factory=dict)  # HTTP error kind -> its message

    def to_dict(self):
        return {
            "sent": self.sent,
            "succeeded": self.succeeded,
            "charged_unanswered": self.charged_unanswered,
            "failed": dict(self.failed),
            "retries": dict(self.retries),
            "skipped_budget": self.skipped_budget,
            "said": dict(self.said),
        }
