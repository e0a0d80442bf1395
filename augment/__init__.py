"""augment: GPT-written synopses for rare genres, planned, cached, filtered, audited.

    >>> import augment
    >>> p = augment.plan("movies.csv", label="genres", target_count=300)     # doctest: +SKIP
    >>> r = augment.generate("movies.csv", label="genres", target_count=300,
    ...                      model="gpt-4o-mini", out="aug.jsonl", budget_usd=2)  # doctest: +SKIP
    >>> augment.audit("aug.jsonl", run="runs/bilstm", sample=100)               # doctest: +SKIP

Note: `augment.plan`, `augment.generate` and `augment.audit` are the functions;
their modules are reached with `from augment.plan import Plan` and the like.
"""

from augment.audit import AuditResult, audit, wilson_interval
from augment.filters import FilterConfig
from augment.generate import GenerateResult, generate
from augment.plan import Plan, plan

__all__ = ["plan", "generate", "audit", "Plan", "GenerateResult", "AuditResult",
           "FilterConfig", "wilson_interval"]
