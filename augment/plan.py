"""`plan`: which genres are rare, how many synopses to add, what it costs."""

import collections
import dataclasses
import math

from genreclf.augment.corpus import as_dataset
from genreclf.augment.corpus import real_rows
from genreclf.augment.prices import load_prices
from genreclf.augment.prompts import text_tokens
from genreclf.errors import ConfigError

# Rough English averages used for estimates only (billing uses reported usage).
TOKENS_PER_WORD = 1.35
CHARS_PER_TOKEN = 4.0
# System prompt, instructions and JSON framing around the examples.
PROMPT_OVERHEAD_TOKENS = 160
OUTPUT_OVERHEAD_TOKENS = 12  # per synopsis: JSON quotes, commas, braces


@dataclasses.dataclass
class ClassPlan:
    """The plan for one genre: what exists, what to add, what it costs."""

    label: str
    count: int
    to_add: int
    requests: int
    input_tokens: int
    output_tokens: int
    cost_usd: float = None


@dataclasses.dataclass
class Plan:
    """What `augment.generate` will do, estimated before any call is made.

    Attributes:
        model: the model name the costs are estimated for.
        target_count: the number of rows each planned genre should reach.
        classes: one `ClassPlan` per genre to augment, rarest first.
        per_request: synopses asked for in one request.
        length_words: target length of one synopsis, in words.
        overgenerate: the factor requested on top of `to_add` to make up for
            rows the filters drop.
        price: the `Price` used (or `None` if the model has no price).

    Example:

    >>> from genreclf.data.dataset import TextDataset
    >>> ds = TextDataset(["a"] * 5 + ["b"], [["drama"]] * 5 + [["war"]])
    >>> p = plan(ds, target_count=4)
    >>> [(c.label, c.to_add) for c in p.classes]
    [('war', 3)]
    """

    model: str
    target_count: int
    classes: list
    per_request: int
    length_words: int
    few_shot: int
    overgenerate: float
    max_tokens: int
    price: object = None

    @property
    def total_to_add(self):
        return sum(c.to_add for c in self.classes)

    @property
    def total_requests(self):
        return sum(c.requests for c in self.classes)

    @property
    def input_tokens(self):
        return sum(c.input_tokens for c in self.classes)

    @property
    def output_tokens(self):
        return sum(c.output_tokens for c in self.classes)

    @property
    def cost_usd(self):
        if self.price is None:
            return None
        return self.price.cost(self.input_tokens, self.output_tokens)

    def to_dict(self):
        """A JSON-ready dict of the plan and its totals."""
        return {
            "model": self.model,
            "target_count": self.target_count,
            "per_request": self.per_request,
            "length_words": self.length_words,
            "few_shot": self.few_shot,
            "overgenerate": self.overgenerate,
            "max_tokens": self.max_tokens,
            "classes": [dataclasses.asdict(c) for c in self.classes],
            "total_to_add": self.total_to_add,
            "total_requests": self.total_requests,
            "input_tokens": self.input_tokens,
            "output_tokens": self.output_tokens,
            "cost_usd": self.cost_usd,
        }

    def to_table(self):
        """The plan as a plain-text table (what `genreclf augment plan` prints)."""
        head = ("genre", "have", "add", "requests", "in tok", "out tok", "USD")
        rows = [head]

        def usd(x):
            return "n/a" if x is None else f"{x:.4f}"

        for c in self.classes:
            rows.append(
                (
                    c.label,
                    str(c.count),
                    str(c.to_add),
                    str(c.requests),
                    str(c.input_tokens),
                    str(c.output_tokens),
                    usd(c.cost_usd),
                )
            )
        rows.append(
            (
                "total",
                "",
                str(self.total_to_add),
                str(self.total_requests),
                str(self.input_tokens),
                str(self.output_tokens),
                usd(self.cost_usd),
            )
        )
        widths = [max(len(r[i]) for r in rows) for i in range(len(head))]
        lines = []
        for n, r in enumerate(rows):
            cells = [r[0].ljust(widths[0])]
            cells += [v.rjust(w) for v, w in zip(r[1:], widths[1:])]
            lines.append("  ".join(cells))
            if n == 0 or n == len(rows) - 2:
                lines.append("  ".join("-" * w for w in widths))
        note = (
            f"model={self.model} target_count={self.target_count} "
            f"per_request={self.per_request} length~{self.length_words} words "
            f"overgenerate={self.overgenerate}"
        )
        if self.price is None:
            note += " (no price for this model: pass --prices FILE)"
        if not self.classes:
            note += (
                f"\nNo genre has fewer than {self.target_count} rows: nothing to generate. "
                "Raise --target-count to plan for more genres."
            )
        return note + "\n" + "\n".join(lines)


def default_max_tokens(per_request, length_words):
    """A completion-token cap that fits `per_request` synopses with room to spare."""
    per = length_words * TOKENS_PER_WORD + OUTPUT_OVERHEAD_TOKENS
    return int(math.ceil(per_request * per * 1.6)) + 50


def plan(
    data,
    *,
    target_count=None,
    min_count=None,
    genres=None,
    model="gpt-4o-mini",
    per_request=5,
    length_words=80,
    few_shot=3,
    overgenerate=1.2,
    max_tokens=None,
    prices=None,
    **load_args,
):
    """Plans an augmentation run. Makes no network calls.

    Args:
        data: a `TextDataset` or a data file path (see `as_dataset`).
        target_count: each planned genre is topped up to this many rows.
        min_count: genres with fewer rows than this are rare (default:
            `target_count`). Ignored when `genres` is given.
        genres: explicit genres to augment (a list or a comma-separated string).
        model: the model whose prices are used for the estimate.
        per_request: synopses asked for per request.
        length_words: target synopsis length in words.
        few_shot: real examples shown per request.
        overgenerate: ask for this factor more than needed (filters drop some).
        max_tokens: completion cap per request (default from the lengths).
        prices: price table override (dict or JSON path, see `load_prices`).
        **load_args: `text`, `label`, `format`, `sep`, `multi_label`, `skip_bad_rows` when
            `data` is a path.

    Returns:
        A `Plan`.

    Example:

    >>> from genreclf.data.dataset import TextDataset
    >>> ds = TextDataset(["x y z"] * 3 + ["a b"], [["drama"]] * 3 + [["news"]])
    >>> plan(ds, target_count=3, per_request=2).classes[0].requests
    2
    """
    dataset = as_dataset(data, **load_args)
    if target_count is None or int(target_count) < 1:
        raise ConfigError(
            "Expected a positive `target_count` (rows each rare genre should "
            f"reach). Received: target_count={target_count!r}."
        )
    for name, value in (
        ("per_request", per_request),
        ("length_words", length_words),
        ("few_shot", few_shot),
    ):
        if int(value) < 1:
            raise ConfigError(f"Expected `{name}` >= 1. Received: {name}={value!r}.")
    from genreclf.setting import number
    from genreclf.setting import whole

    number(minimum=1).check(
        "overgenerate", overgenerate, fix="Pass e.g. --overgenerate 1.2 (its default)."
    )  # nan or inf made no count of requests
    if min_count is not None:  # below 1, no genre is rare and nothing is planned
        whole(1).check("min_count", min_count, fix="Pass e.g. --min-count 200, or leave it out.")
    if max_tokens is not None:
        whole(1).check(
            "max_tokens",
            max_tokens,
            fix="Pass e.g. --max-tokens 800, or leave it out for one "
            "that fits --per-request synopses of --length words.",
        )
    target_count = int(target_count)
    idx = real_rows(dataset)
    counts = collections.Counter(l for i in idx for l in dataset.labels[i])
    if genres:
        if isinstance(genres, str):
            genres = [g.strip() for g in genres.split(",") if g.strip()]
        if not genres:
            raise ConfigError(
                f"Expected genres present in the data {sorted(counts)}, separated by commas. "
                "Received: genres with no name in it. Pass e.g. --genres war,news."
            )
        unknown = [g for g in genres if g not in counts]
        if unknown:
            raise ConfigError(
                f"Expected genres present in the data {sorted(counts)}. "
                f"Received: genres={unknown!r}. Check the spelling and case."
            )
        chosen = list(genres)
    else:
        threshold = target_count if min_count is None else int(min_count)
        chosen = [g for g, c in counts.items() if c < threshold]
    chosen.sort(key=lambda g: (counts[g], g))
    price = load_prices(prices).get(model)
    if max_tokens is None:
        max_tokens = default_max_tokens(per_request, length_words)
    classes = []
    for g in chosen:
        to_add = max(0, target_count - counts[g])
        requests = math.ceil(to_add * overgenerate / per_request) if to_add else 0
        rows = [i for i in idx if g in dataset.labels[i]]
        # Counted as the budget counts them: a script other than Latin costs more a character.
        shown = [text_tokens(dataset.texts[i][:600], CHARS_PER_TOKEN) for i in rows]
        shots = min(few_shot, len(rows))
        in_tok = int(PROMPT_OVERHEAD_TOKENS + shots * sum(shown) / max(1, len(rows)))
        out_tok = int(per_request * (length_words * TOKENS_PER_WORD + OUTPUT_OVERHEAD_TOKENS))
        cp = ClassPlan(
            g, counts[g], to_add, requests, requests * in_tok, requests * min(out_tok, max_tokens)
        )
        if price is not None:
            cp.cost_usd = price.cost(cp.input_tokens, cp.output_tokens)
        classes.append(cp)
    return Plan(
        model,
        target_count,
        classes,
        int(per_request),
        int(length_words),
        int(few_shot),
        float(overgenerate),
        int(max_tokens),
        price,
    )
