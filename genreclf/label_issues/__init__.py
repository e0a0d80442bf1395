"""Label issues: likely mislabelled training rows, found with cleanlab on out-of-fold scores.

`genreclf labels check movies.csv --text overview --label genres --sep "|"
--out suspects.csv` and `genreclf.find_label_issues(...)`. cleanlab is an
optional extra (`pip install 'genreclf[labels]'`).

>>> from genreclf.label_issues import CSV_COLUMNS
>>> CSV_COLUMNS
('rank', 'line', 'id', 'text', 'given', 'suggested', 'score', 'flagged')
"""

import importlib

_API = {
    "find_label_issues": "genreclf.label_issues.finder",
    "cleanlab_verdicts": "genreclf.label_issues.finder",
    "LabelIssues": "genreclf.label_issues.label_issues",
    "CSV_COLUMNS": "genreclf.label_issues.label_issues",
    "out_of_fold_probabilities": "genreclf.label_issues.out_of_fold",
}


def __getattr__(name):
    if name in _API:
        return getattr(importlib.import_module(_API[name]), name)
    raise AttributeError(f"module 'genreclf.label_issues' has no attribute {name!r}")


def __dir__():
    return sorted(list(globals()) + list(_API))


__all__ = list(_API)
