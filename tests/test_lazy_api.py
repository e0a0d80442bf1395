import subprocess
import sys

import pytest

from genreclf.lazy_api import lazy_api


def test_a_name_is_imported_on_first_use_and_kept():
    namespace = {}
    getattr_, dir_ = lazy_api("pkg", {"sqrt": "math"}, namespace)
    assert getattr_("sqrt")(9.0) == 3.0
    assert "sqrt" in namespace and dir_() == ["sqrt"]


@pytest.mark.parametrize(
    "first",
    ["", "import genreclf.labelling.auditing\n", "labelling.wilson_interval\n"],
    ids=["alone", "its module imported first", "a neighbour first"],
)
def test_labelling_audit_is_the_function_whatever_was_used_first(first):
    # `audit` lived in a submodule of the same name, `genreclf.labelling.audit`: importing
    # it bound the module on the package, and `genreclf.labelling.audit(...)` then raised
    # "'module' object is not callable". The module is `auditing` now.
    code = (
        "import genreclf.labelling as labelling\n"
        + first
        + "from genreclf.labelling import audit\n"
        + "functions = (labelling.audit, labelling.audit, audit)\n"
        + "print(all(callable(f) and f.__name__ == 'audit' for f in functions))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.strip() == "True", result.stderr[-2000:]


def test_no_lazy_name_is_hidden_by_a_submodule_of_its_package():
    # A lazy name resolves only while the package lacks the attribute; importing a
    # submodule of the same name sets it, and the name is the module from then on.
    import importlib
    import pkgutil

    packages = {
        "genreclf": "_API",
        "genreclf.labelling": "_API",
        "genreclf.tuning": "_API",
        "genreclf.label_issues": "_API",
        "genreclf.tracking": "_API",
        "genreclf.metrics": "_KERAS_METRICS",
    }
    for package_name, table in packages.items():
        package = importlib.import_module(package_name)
        submodules = {m.name for m in pkgutil.iter_modules(package.__path__)}
        lazy = set(getattr(package, table))
        assert lazy and not submodules & lazy, package_name


def test_a_public_submodule_is_imported_on_first_use_without_tensorflow():
    # `import genreclf; genreclf.export.export_run(...)` was "module 'genreclf' has no
    # attribute 'export'", though `from genreclf import export` worked.
    code = (
        "import sys, genreclf\n"
        "functions = (genreclf.export.export_run, genreclf.data.train_val_split)\n"
        "print(all(callable(f) for f in functions), 'tensorflow' in sys.modules)\n"
        "for name in ('__main__', '_verify_worker', 'nope', 'a.b'):\n"
        "    try:\n"
        "        getattr(genreclf, name)\n"
        "        print('found', name)\n"
        "    except AttributeError as error:\n"
        "        assert str(error) == f\"module 'genreclf' has no attribute {name!r}\"\n"
        "print('genreclf.__main__' in sys.modules)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.split() == ["True", "False", "False"], result.stderr[-2000:]
