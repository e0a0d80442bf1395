"""`genreclf export` / `python -m genreclf.export`, end to end in subprocesses."""

import json
import os
import pathlib
import shutil
import subprocess
import sys

import pytest

from genreclf.run_files import write_thresholds

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
    with pytest.raises(SystemExit) as exit_:  # before the model loads
        main(["export", str(tmp_path), "--name", "g", "--top-k", "0"])
    assert exit_.value.code == 2
    assert "argument --top-k: expected a whole number" in capsys.readouterr().err
    assert not (tmp_path / "g").exists() and not (tmp_path / "models").exists()


def test_cli_verify_names_the_run_an_export_came_from(
    single_export, make_model, tmp_path, monkeypatch, capsys
):
    # models/genre/1 exported from runs/bilstm (single-label), verified against
    # runs/ngram (multi-label, the same 3 labels).
    from genreclf.cli import main
    from genreclf.data.labels import LabelVocabulary

    monkeypatch.chdir(tmp_path)
    path, _ = single_export
    version = tmp_path / "models" / "genre" / "1"
    shutil.copytree(path, version)
    card_path = version / "assets.extra" / "model_card.json"
    card = json.loads(card_path.read_text())
    card["source"] = str(tmp_path / "runs" / "bilstm")
    card_path.write_text(json.dumps(card))
    ngram = tmp_path / "runs" / "ngram"
    ngram.mkdir(parents=True)
    make_model(3, True, 3).save(ngram / "model.keras")
    LabelVocabulary(["crime", "horror", "romance"], multi_label=True).save(ngram / "labels.json")
    (ngram / "config.json").write_text("{}")
    write_thresholds(ngram, [0.5, 0.5, 0.5], 3)

    assert main(["export", "verify", "models/genre/1", "--run", "runs/ngram"]) == 1
    out = capsys.readouterr().out
    assert (
        "  [FAIL] source run: the export came from runs/bilstm (single-label, 3 labels); "
        "--run runs/ngram is another run (multi-label, 3 labels), so their scores were "
        "not compared. Pass --run runs/bilstm, or re-export runs/ngram to serve it.\n"
    ) in out
    assert "parity with Keras" not in out  # not a bare score difference
    # Everything about the SavedModel itself is fine.
    assert [line for line in out.splitlines() if "[FAIL]" in line] == [
        line for line in out.splitlines() if "[FAIL] source run" in line
    ]


def test_cli_verify_names_a_missing_variables_folder(single_export, tmp_path, capsys):
    from genreclf.cli import main

    path, _ = single_export
    version = tmp_path / "1"
    shutil.copytree(path, version)
    shutil.rmtree(version / "variables")
    assert main(["export", "verify", str(version)]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith(f"verify {version}: FAILED")
    assert lines[1].startswith(f"  [FAIL] SavedModel files: {version / 'variables'}/ is missing")
    assert not any("another SavedModel" in line for line in lines)


def test_cli_verify_names_a_run_folder_and_a_model_folder(tmp_path, capsys):
    from genreclf.cli import main

    run = tmp_path / "runs" / "default"
    run.mkdir(parents=True)
    (run / "config.json").write_text("{}")
    (tmp_path / "models" / "genre" / "1").mkdir(parents=True)
    assert main(["export", "verify", str(run)]) == 1
    assert "a run folder (it holds config.json)" in capsys.readouterr().err
    assert main(["export", "verify", str(tmp_path / "models" / "genre")]) == 1
    assert "Pass a version folder, e.g. " in capsys.readouterr().err
