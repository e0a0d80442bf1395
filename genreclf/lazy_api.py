"""`lazy_api`: a package's public names, imported on first use (PEP 562).

`import genreclf` (or `genreclf.metrics`, `genreclf.tuning`, ...) must not
load TensorFlow, keras-tuner or MLflow: `--help` and the CLI's checks of bad
input answer in a fraction of a second. Each package lists its lazy names and
the module defining each; this function makes the package's `__getattr__`
and `__dir__` from that table. The standard library has no helper for it,
and scientific-python's `lazy_loader.attach` resolves names only in the
package's own submodules (genreclf's `export` package maps to
`genreclf.export.*`), so these dozen lines are written here once.
"""

import importlib


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
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    def __dir__():
        return sorted(set(namespace) | set(api))

    return __getattr__, __dir__
