"""`genreclf export` / `python -m genreclf.export`, end to end in subprocesses."""

import json
import os
import pathlib
import subprocess
import sys

import pytest

from genreclf.run import write_thresholds

REPO = pathlib.Path(__file__).resolve().parents[2]


def _run(*args, cwd):
    env = dict(
        os.environ,
        TF_CPP_MIN_LOG_LEVEL="2",
        CUDA_VISIBLE_DEVICES="",
        PYTHONPATH=str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""),
    )
    return subprocess.run(
        [sys.executable, "-m", "genreclf.export", *map(str, args)],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


@pytest.fixture(scope="module")
def run_folder(tmp_path_factory, single_model, single_vocab):
    path = tmp_path_factory.mktemp("cli") / "run"
    path.mkdir()
    single_model.save(path / "model.keras")
    single_vocab.save(path / "labels.json")
    (path / "config.json").write_text(json.dumps({"model": "tiny"}))
    (path / "metrics.json").write_text(json.dumps({"macro_f1": 0.5}))
    write_thresholds(path, None, single_vocab.num_classes)  # a run folder's last file
    return path


@pytest.mark.large  # four subprocesses, two verification workers: ~40 s of CPU
def test_cli_export_then_verify(run_folder, tmp_path, make_model, single_vocab):
    base = tmp_path / "models"
    result = _run(run_folder, "--name", "genre", "--base", base, "--top-k", "2", cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "PASSED" in result.stdout and result.stdout.strip().endswith(
        f"exported {base / 'genre' / '1'}"
    )
    card = json.loads((base / "genre" / "1" / "assets.extra" / "model_card.json").read_text())
    assert card["top_k"] == 2 and card["metrics"] == {"macro_f1": 0.5}

    again = _run(
        run_folder, "--name", "genre", "--base", base, "--version", "1", "--no-verify", cwd=tmp_path
    )
    assert again.returncode == 1
    assert again.stderr.strip() == again.stderr.strip().splitlines()[-1]  # one line
    assert again.stderr.startswith("genreclf export: error: Version 1 already exists")
    assert sorted(p.name for p in (base / "genre").iterdir()) == ["1"]

    verified = _run("verify", base / "genre" / "1", "--run", run_folder, cwd=tmp_path)
    assert verified.returncode == 0, verified.stdout + verified.stderr[-3000:]
    assert "parity with Keras" in verified.stdout and "PASSED" in verified.stdout

    other = tmp_path / "other_run"
    other.mkdir()
    make_model(3, False, 11).save(other / "model.keras")
    single_vocab.save(other / "labels.json")
    (other / "config.json").write_text("{}")
    write_thresholds(other, None, single_vocab.num_classes)
    mismatch = _run("verify", base / "genre" / "1", "--run", other, cwd=tmp_path)
    assert mismatch.returncode == 1
    assert "[FAIL] parity with Keras" in mismatch.stdout


def test_cli_verify_rejects_a_folder_without_a_saved_model(tmp_path):
    result = _run("verify", tmp_path, cwd=tmp_path)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("genreclf export verify: error: No SavedModel at ")
    assert f"Received: version_dir={str(tmp_path)!r}" in line


def test_cli_errors_are_one_line_with_exit_code_1_as_the_other_commands(tmp_path, capsys):
    from genreclf.cli import main

    assert main(["export", str(tmp_path / "nosuch"), "--name", "g", "--base", str(tmp_path)]) == 1
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert line.startswith("genreclf export: error: No run folder at ")
    assert main(["export", str(tmp_path), "--name", "../evil", "--no-verify"]) == 1
    assert capsys.readouterr().err.startswith("genreclf export: error: ")
    assert main(["export", "verify", str(tmp_path)]) == 1
    assert capsys.readouterr().err.startswith("genreclf export verify: error: No SavedModel")
    with pytest.raises(SystemExit) as exit_:  # usage errors stay argparse's, exit code 2
        main(["export", str(tmp_path), "--name", "g", "--version", "x"])
    assert exit_.value.code == 2
    assert "genreclf export: error: argument --version" in capsys.readouterr().err
    assert not (tmp_path / "g").exists() and not (tmp_path / "models").exists()
