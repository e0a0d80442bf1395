"""`import genreclf`, reading data and the command line's help load no TensorFlow.

Each check runs in a fresh interpreter: a test process has long imported
TensorFlow, and a fresh one is what a user's `genreclf --help` is.
"""

import os
import pathlib
import re
import subprocess
import sys
import textwrap

BLOCK_TENSORFLOW = textwrap.dedent(
    """
    import importlib.abc
    import sys

    BLOCKED = ("tensorflow", "keras", "tensorflow_text", "keras_hub", "pandas")

    class BlockTensorFlow(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in BLOCKED:
                raise ImportError(f"{name} is blocked: this path must not load TensorFlow")
            return None

    sys.meta_path.insert(0, BlockTensorFlow())
    """
)


def run_python(code):
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120
    )


def test_help_import_and_reading_data_work_with_tensorflow_and_pandas_blocked(tmp_path):
    data = tmp_path / "movies.csv"
    data.write_text(
        "overview,genre\nA detective hunts a killer.,thriller\nTwo chefs fall in love.,romance\n"
    )
    import pyarrow as pa
    import pyarrow.parquet as pq

    pq.write_table(
        pa.table({"overview": ["A ghost story."], "genre": ["horror"]}), tmp_path / "m.parquet"
    )
    code = BLOCK_TENSORFLOW + textwrap.dedent(
        f"""
        import contextlib
        import io

        import genreclf
        import genreclf.data
        from genreclf.cli import main
        from genreclf.data.sample import sample_path

        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            assert main(["--help"]) == 0
            for argv in (["train", "--help"], ["evaluate", "--help"], ["predict", "--help"],
                         ["ensemble", "--help"], ["tune", "--help"],
                         ["labels", "check", "--help"]):
                try:
                    main(argv)
                except SystemExit as e:
                    assert e.code == 0, (argv, e.code)
            assert main(["augment", "plan", str(sample_path()), "--text", "overview",
                         "--label", "genre", "--target-count", "45"]) == 0
        assert "train" in out.getvalue() and "western" in out.getvalue()
        # Bad input is refused before TensorFlow would load (it cannot, here).
        errors = io.StringIO()
        with contextlib.redirect_stderr(errors):
            for argv in (["train", {str(data)!r}, "--text", "plot"],
                         ["train", {str(data)!r}, "--epochs", "0"],
                         ["evaluate", "nowhere"],
                         ["ensemble", "nowhere", "nowhere2", "--out", "x"],
                         ["explain", "nowhere", "a text"],
                         ["tune", "show", "nowhere"]):
                assert main(argv) == 1, argv
            try:  # a range-checked flag is argparse's usage error
                main(["train", {str(data)!r}, "--val-split", "1.5"])
            except SystemExit as e:
                assert e.code == 2, e.code
            else:
                raise AssertionError("--val-split 1.5 was accepted")
        assert errors.getvalue().count("error:") == 7, errors.getvalue()
        import genreclf.metrics
        assert callable(genreclf.metrics.format_summary) and "MacroF1" in dir(genreclf.metrics)
        dataset = genreclf.load_dataset({str(data)!r}, text="overview", label="genre")
        assert len(dataset) == 2 and dataset.vocabulary().labels == ["romance", "thriller"]
        parquet = genreclf.load_dataset({str(tmp_path / "m.parquet")!r}, text="overview", label="genre")
        assert parquet.texts == ["A ghost story."], parquet.texts
        print("ok")
        """
    )
    result = run_python(code)
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.strip().endswith("ok")


def test_the_block_is_real():
    result = run_python(BLOCK_TENSORFLOW + "import genreclf\ngenreclf.register()\n")
    assert result.returncode != 0
    assert "blocked" in result.stderr


def test_genreclf_help_in_a_fresh_process_loads_no_tensorflow():
    code = textwrap.dedent(
        """
        import sys

        from genreclf.cli import main

        assert main(["--help"]) == 0
        heavy = sorted({"tensorflow", "keras", "pandas", "matplotlib"} & set(sys.modules))
        print("loaded:", heavy)
        """
    )
    result = run_python(code)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "loaded: []" in result.stdout
    assert "train" in result.stdout


def test_console_script_help_prints_no_tensorflow_noise():
    result = subprocess.run(
        [sys.executable, "-m", "genreclf", "--help"], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0
    assert "usage: genreclf" in result.stdout
    assert result.stderr == ""


def test_register_makes_saved_models_loadable_with_plain_keras():
    code = textwrap.dedent(
        """
        import sys

        import genreclf

        assert "keras" not in sys.modules
        objects = genreclf.register()
        for name in ("MacroF1", "WeightedBinaryCrossentropy", "StepDecay",
                     "MaskedGlobalPooling1D", "MaskedGlobalMaxPooling1D", "normalize_text",
                     "normalize_words"):
            assert f"genreclf>{name}" in objects, name
        assert genreclf.register() == objects
        print("ok")
        """
    )
    result = run_python(code)
    assert result.returncode == 0, result.stderr[-3000:]


def test_genreclf_sources_never_import_pandas():
    package = pathlib.Path(__file__).resolve().parents[1] / "genreclf"
    offenders = [
        str(path.relative_to(package.parent))
        for path in package.rglob("*.py")
        if re.search(r"^\s*(import pandas|from pandas)", path.read_text(encoding="utf-8"), re.M)
    ]
    assert offenders == [], "pandas is a dev/bench dependency only"
