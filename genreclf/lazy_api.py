"""`lazy_api`: a package's public names, imported on first use (PEP 562).

`import genreclf` (or `genreclf.metrics`, `genreclf.tuning`, ...) must not
load TensorFlow, keras-tuner or MLflow: `--help` and the CLI's checks of bad
input answer in a fraction of a second. Each package lists its lazy names and
the module defining each; this function makes the package's `__getattr__`
and `__dir__` from that table. The standard library has no helper for it,
and scientific-python's `lazy_loader.attach` resolves names only in the
package's own submodules (genreclf's `export` package maps to
`genreclf.export.*`), so these dozen lines are written here once.

A public submodule not in the table is imported on first use too, as
`import genreclf.export` would: `genreclf.export.export_run(...)` and
`genreclf.data.train_val_split(...)` work after a bare `import genreclf`.
"""

import importlib
import importlib.util


def lazy_api(package, api, namespace):
    """`(__getattr__, __dir__)` for a package whose names `api` maps to their modules.

    Args:
        package: the package's name, for the `AttributeError` message.
        api: public name -> the module that defines it.
        namespace: the package's `globals()` (its eager names, for `dir()`; a name
            is kept there once resolved).

    Example:

    >>> getattr_, dir_ = lazy_api("pkg", {"sqrt": "math"}, {"eager": 1})
    >>> getattr_("sqrt")(4.0)
    2.0
    >>> dir_()
    ['eager', 'sqrt']
    """

    def __getattr__(name):
        if name in api:
            value = getattr(importlib.import_module(api[name]), name)
            namespace[name] = value  # kept: the next use finds it without this call
            return value
        if _is_submodule(package, name):  # genreclf.export.export_run() after `import genreclf`
            return importlib.import_module(f"{package}.{name}")  # binds it on the package
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    def __dir__():
        return sorted(set(namespace) | set(api))

    return __getattr__, __dir__


def _is_submodule(package, name):
    """Whether `package.name` is a public module of the package (never `__main__`, which
    runs the command line, nor a private `_name`), found without importing it."""
    if not name.isidentifier() or name.startswith("_"):
        return False
    try:
        return importlib.util.find_spec(f"{package}.{name}") is not None
    except (ImportError, ValueError):  # a package without `__path__` (the doctest's "pkg")
        return False
