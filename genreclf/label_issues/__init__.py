"""Label issues: likely mislabelled training rows, found with cleanlab on out-of-fold scores.

`genreclf labels check movies.csv --text overview --label genres --sep "|"
--out suspects.csv` and `genreclf.find_label_issues(...)`. cleanlab is an
optional extra (`pip install 'genreclf[labels]'`).

>>> from genreclf.label_issues import CSV_COLUMNS
>>> CSV_COLUMNS
('rank', 'line', 'id', 'text', 'given', 'suggested', 'score', 'flagged')
"""

from genreclf.lazy_api import lazy_api

_API = {
    "find_label_issues": "genreclf.label_issues.finder",
    "cleanlab_verdicts": "genreclf.label_issues.finder",
    "LabelIssues": "genreclf.label_issues.label_issues",
    "CSV_COLUMNS": "genreclf.label_issues.label_issues",
    "out_of_fold_probabilities": "genreclf.label_issues.out_of_fold",
}


__getattr__, __dir__ = lazy_api(__name__, _API, globals())


__all__ = list(_API)
