"""Experiment tracking: runs, searches and ensembles logged to MLflow (optional extra).

`genreclf train/tune/ensemble --mlflow URI` (and `mlflow_uri=` in the Python
API) log parameters (the whole `config.json`, flattened), metrics per epoch,
the final report, its PNGs and the model to an MLflow tracking store:
`file:./mlruns`, `sqlite:///mlflow.db` or a tracking server's URL. MLflow is
an optional extra (`pip install 'genreclf[mlflow]'`), imported only when a
URI is given.

>>> from genreclf.tracking import flatten_params
>>> flatten_params({"model": "ngram", "model_config": {"ngrams": 2}})
{'model': 'ngram', 'model_config.ngrams': '2'}
"""

from genreclf.lazy_api import lazy_api

_API = {
    "MlflowTracker": "genreclf.tracking.mlflow_tracker",
    "flatten_params": "genreclf.tracking.mlflow_tracker",
    "require_mlflow": "genreclf.tracking.mlflow_tracker",
    "MlflowMetrics": "genreclf.tracking.mlflow_callback",
}


__getattr__, __dir__ = lazy_api(__name__, _API, globals())


__all__ = list(_API)
