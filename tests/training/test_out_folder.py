"""`genreclf.train`'s `out` and `config` paths: a file or a missing path is a clear error.

Both are refused before the data is read, so no run folder (and no MLflow
run) is left behind.
"""

import pytest

import genreclf
from genreclf.errors import ConfigError

TINY = dict(text="overview", label="genre", model="ngram", verbose=0)


def test_out_that_is_a_file_is_refused_before_any_work(tmp_path):
    script = tmp_path / "repro_A.py"
    script.write_text("print('not a run folder')\n")
    with pytest.raises(ConfigError, match=r"out must be a run folder, not a file\. Received: out="):
        genreclf.train(genreclf.sample_path(), out=script, **TINY)
    assert script.read_text() == "print('not a run folder')\n"  # untouched
    # A folder below a file cannot be made either.
    with pytest.raises(ConfigError, match=r"repro_A\.py/run', inside .*which is a file"):
        genreclf.train(genreclf.sample_path(), out=str(script / "run"), **TINY)


def test_ensemble_out_that_is_a_file_is_refused(tmp_path):
    script = tmp_path / "notes.txt"
    script.write_text("notes")
    with pytest.raises(ConfigError, match="out must be a run folder, not a file"):
        genreclf.ensemble([tmp_path / "a", tmp_path / "b"], script)


def test_a_config_path_that_does_not_exist_is_named(tmp_path):
    missing = tmp_path / "nope.json"
    frame = genreclf.load_dataset(genreclf.sample_path(), text="overview", label="genre")
    with pytest.raises(ConfigError, match=r"Received: config='.*nope\.json', which does not exist"):
        genreclf.train(frame, config=str(missing), out=tmp_path / "run", verbose=0)
    assert not (tmp_path / "run").exists()


def test_a_run_folder_given_as_config_points_at_its_config_json(trained_run, tmp_path):
    with pytest.raises(ConfigError, match=r"a folder\. Did you mean '.*config\.json'\?"):
        genreclf.train(config=trained_run.path, out=tmp_path / "run", verbose=0)
    with pytest.raises(ConfigError, match=r"Received: config=3 \(int\)"):
        genreclf.train(genreclf.sample_path(), config=3, out=tmp_path / "run", **TINY)
