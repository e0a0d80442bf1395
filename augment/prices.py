"""Token prices per model, used to estimate and cap what a run costs."""

import dataclasses
import json
import os

from genreclf.augment.text_files import read_text
from genreclf.errors import ConfigError

_DEFAULT_PATH = os.path.join(os.path.dirname(__file__), "prices.json")
_PRICE_FILE = 'a JSON price file like {"gpt-4o-mini": {"input": 0.15, "output": 0.60}}'

# The same table as `prices.json`, so an install without package data still works.
_BUILTIN = {
    "gpt-4o-mini": {"input": 0.15, "output": 0.60},
    "gpt-4o": {"input": 2.50, "output": 10.00},
    "gpt-4.1": {"input": 2.00, "output": 8.00},
    "gpt-4.1-mini": {"input": 0.40, "output": 1.60},
    "gpt-4.1-nano": {"input": 0.10, "output": 0.40},
    "gpt-3.5-turbo": {"input": 0.50, "output": 1.50},
}


@dataclasses.dataclass(frozen=True)
class Price:
    """USD per one million input and output tokens.

    Example:

    >>> Price(input=0.15, output=0.60).cost(1_000_000, 500_000)
    0.45
    """

    input: float
    output: float

    def cost(self, input_tokens, output_tokens):
        """Dollars for `input_tokens` prompt and `output_tokens` completion tokens."""
        return round((input_tokens * self.input + output_tokens * self.output) / 1e6, 10)


def load_prices(prices=None):
    """Returns the price table `{model: Price}`.

    Args:
        prices: `None` (the built-in table), a dict `{model: {"input": usd,
            "output": usd}}` or a path to a JSON file of that shape. Entries
            given here override or extend the built-in table. Keys starting
            with `_` are comments.

    Example:

    >>> table = load_prices({"my-local-llm": {"input": 0, "output": 0}})
    >>> table["my-local-llm"].cost(1000, 1000), table["gpt-4o-mini"].input
    (0.0, 0.15)
    """
    table = dict(_BUILTIN)
    if os.path.exists(_DEFAULT_PATH):
        with open(_DEFAULT_PATH, encoding="utf-8") as f:
            table.update(json.load(f))
    source = "prices"
    if isinstance(prices, (str, os.PathLike)):
        source = str(prices)
        try:
            prices = json.loads(read_text(prices, _PRICE_FILE))
        except (OSError, json.JSONDecodeError) as e:
            raise ConfigError(
                "Expected a JSON price file like "
                '{"gpt-4o-mini": {"input": 0.15, "output": 0.60}} (USD per 1M '
                f"tokens). Received: prices={source!r} ({e})."
            ) from None
    if prices is not None:
        if not isinstance(prices, dict):
            raise ConfigError(
                f"Expected `prices` to be a dict or a JSON file path. Received: prices={prices!r}."
            )
        table.update(prices)
    out = {}
    for model, entry in table.items():
        if model.startswith("_"):
            continue
        if isinstance(entry, Price):
            out[model] = entry
            continue
        try:
            out[model] = Price(float(entry["input"]), float(entry["output"]))
        except (KeyError, TypeError, ValueError):
            raise ConfigError(
                f"Expected a price entry {{'input': usd, 'output': usd}} per 1M "
                f"tokens for model {model!r} in {source}. Received: {entry!r}."
            ) from None
    return out
