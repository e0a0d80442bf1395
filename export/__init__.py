"""genreclf's export to TensorFlow Serving: versioned, verified SavedModels.

>>> from genreclf import export
>>> path = export.export_run("runs/bilstm", "models", "genre")  # doctest: +SKIP
>>> print(export.verify_export(path).summary())  # doctest: +SKIP

Imports are lazy so that `genreclf export --help` answers without TensorFlow.
"""

import importlib

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


def __getattr__(name):
    if name in _API:
        return getattr(importlib.import_module(_API[name]), name)
    raise AttributeError(f"module 'export' has no attribute {name!r}")


def __dir__():
    return sorted(list(globals()) + list(_API))


__all__ = list(_API)
