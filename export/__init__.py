"""genreclf's export to TensorFlow Serving: versioned, verified SavedModels.

>>> from genreclf import export
>>> path = export.export_run("runs/bilstm", "models", "genre")  # doctest: +SKIP
>>> print(export.verify_export(path).summary())  # doctest: +SKIP

Imports are lazy so that `genreclf export --help` answers without TensorFlow.
"""

from genreclf.lazy_api import lazy_api

_API = {
    "export_model": "genreclf.export.exporter",
    "export_run": "genreclf.export.exporter",
    "verify_export": "genreclf.export.verify",
    "VerifyReport": "genreclf.export.verify",
    "ExportError": "genreclf.export.errors",
    "VerificationError": "genreclf.export.errors",
    "ServingModule": "genreclf.export.signatures",
    "list_versions": "genreclf.export.versions",
}


__getattr__, __dir__ = lazy_api(__name__, _API, globals())


__all__ = list(_API)
