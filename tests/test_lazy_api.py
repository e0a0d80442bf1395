import subprocess
import sys

from genreclf.lazy_api import lazy_api


def test_a_name_is_imported_on_first_use_and_kept():
    namespace = {}
    getattr_, dir_ = lazy_api("pkg", {"sqrt": "math"}, namespace)
    assert getattr_("sqrt")(9.0) == 3.0
    assert "sqrt" in namespace and dir_() == ["sqrt"]


def test_a_function_named_as_its_submodule_stays_the_function():
    # `genreclf.labelling.audit` is a function defined in the submodule of the same name:
    # importing the submodule binds the module on the package, which hid the function from
    # the second use on.
    code = (
        "import genreclf.labelling as labelling\n"
        "first, second = labelling.audit, labelling.audit\n"
        "from genreclf.labelling import audit\n"
        "print(all(callable(f) and f.__name__ == 'audit' for f in (first, second, audit)))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.strip() == "True", result.stderr[-2000:]
