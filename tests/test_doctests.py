"""Every docstring example (`>>>`) in genreclf runs as a doctest.

Modules are found on disk (`genreclf/`, and `augment/`, `export/`,
`serving/`, which install as `genreclf.augment`, `genreclf.export`,
`genreclf.serving`) and imported by their installed names. Examples that
need data files, the network or long training carry `# doctest: +SKIP`.
Each module's examples run in a fresh temporary working directory, so files
they write land there, not in the repository.
"""

import doctest
import importlib
import pathlib

import pytest

REPO = pathlib.Path(__file__).resolve().parents[1]
ROOTS = {
    "genreclf": REPO / "genreclf",
    "genreclf.augment": REPO / "augment",
    "genreclf.export": REPO / "export",
    "genreclf.serving": REPO / "serving",
}
# `__main__` modules run the CLI when imported; the export verifier's worker
# makes genreclf unimportable in its (separate) process.
NOT_IMPORTABLE = {"__main__", "_verify_worker"}
OPTIONS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE


def module_names():
    names = []
    for package, root in ROOTS.items():
        for path in sorted(root.rglob("*.py")):
            parts = list(path.relative_to(root).with_suffix("").parts)
            if parts[-1] in NOT_IMPORTABLE or "__pycache__" in parts:
                continue
            if parts[-1] == "__init__":
                parts = parts[:-1]
            if ">>>" in path.read_text(encoding="utf-8"):
                names.append(".".join([package, *parts]))
    return names


@pytest.mark.parametrize("name", module_names())
def test_docstring_examples(name, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    module = importlib.import_module(name)
    finder = doctest.DocTestFinder(exclude_empty=True)
    runner = doctest.DocTestRunner(optionflags=OPTIONS)
    report = []
    for test in finder.find(module, name):
        runner.run(test, out=report.append)
    results = runner.summarize(verbose=False)
    assert results.failed == 0, "".join(report)


def test_examples_are_found():
    names = module_names()
    assert "genreclf.metrics.f1" in names and "genreclf.augment.plan" in names
    assert not [name for name in names if name.endswith(("__main__", "_verify_worker"))]
