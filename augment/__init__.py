"""augment: GPT-written synopses for rare genres, planned, cached, filtered, audited.

From the command line (`genreclf augment ...` or `python -m genreclf.augment ...`):

    export OPENAI_API_KEY=...          # or --base-url for an OpenAI-compatible server
    genreclf augment plan movies.csv --label genres --target-count 300
    genreclf augment run movies.csv --label genres --target-count 300 \\
        --model gpt-4o-mini --out aug.jsonl --budget-usd 2
    genreclf augment audit aug.jsonl --run runs/bilstm --sample 100
    genreclf train movies.csv --augment aug.jsonl ...

and from Python:

    >>> from genreclf import augment
    >>> p = augment.plan("movies.csv", label="genres", target_count=300)     # doctest: +SKIP
    >>> r = augment.generate("movies.csv", label="genres", target_count=300,
    ...                      model="gpt-4o-mini", out="aug.jsonl", budget_usd=2)  # doctest: +SKIP
    >>> augment.audit("aug.jsonl", run="runs/bilstm", sample=100)               # doctest: +SKIP

How a run works: `plan` picks the genres below the target and the number of
requests; `prompts` builds seeded few-shot requests from real rows of each
genre, asking for JSON-schema structured output; `client` sends them with
bounded concurrency, its own counted retries (429 with `Retry-After`, 5xx,
timeouts, dropped connections; a server that has never answered stops the run
after one request's attempts) and a hard token/dollar budget (or `batch` sends one Batch API job);
`cache` appends every response to a JSONL file, fsynced, so a killed run
resumes without paying twice; `filters` drop short/long/non-English rows and
exact or near (MinHash) duplicates of the real corpus and of each other; the
rows written carry `source: "synthetic"` and their provenance. Synthetic rows
are for training only: `genreclf.train(..., augment=...)` never puts them in
validation, test or held-out folds. The API key is only handed to the
`openai` client; it is never logged, cached or written.

Note: `augment.plan`, `augment.generate` and `augment.audit` are the functions;
their modules are reached with `from genreclf.augment.plan import Plan` and the like.
"""

from genreclf.augment.audit import AuditResult
from genreclf.augment.audit import audit
from genreclf.augment.audit import wilson_interval
from genreclf.augment.filters import FilterConfig
from genreclf.augment.generate import GenerateResult
from genreclf.augment.generate import generate
from genreclf.augment.plan import Plan
from genreclf.augment.plan import plan

__all__ = [
    "plan",
    "generate",
    "audit",
    "Plan",
    "GenerateResult",
    "AuditResult",
    "FilterConfig",
    "wilson_interval",
]
