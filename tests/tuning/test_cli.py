import json
import os
import signal
import subprocess
import sys
import time

import pytest

import genreclf
from genreclf.errors import ConfigError
from genreclf.tuning.cli import main
from genreclf.tuning.cli import parse_space

from .conftest import subprocess_env

TINY_SETS = [
    "--set",
    "max_tokens=300",
    "--set",
    "ngrams=[1,2]",
    "--set",
    "hidden_dim=0",
    "--set",
    "batch_size=32",
    "--set",
    "epochs=2",
]


def _command(folder, *extra):
    return [
        sys.executable,
        "-m",
        "genreclf",
        "tune",
        str(genreclf.sample_path()),
        "--text",
        "overview",
        "--label",
        "genre",
        "--model",
        "ngram",
        "--tuner",
        "random",
        "--max-trials",
        "4",
        "--max-epochs",
        "2",
        "--dir",
        str(folder),
        "--quiet",
        *TINY_SETS,
        *extra,
    ]


def _statuses(folder):
    out = {}
    for path in sorted((folder / "trials").glob("trial_*/trial.json")):
        try:
            out[path.parent.name] = json.loads(path.read_text())["status"]
        except (json.JSONDecodeError, OSError):  # being written
            pass
    return out


def test_show_prints_the_leaderboard(finished, capsys):
    assert main(["show", str(finished.directory)]) == 0
    out = capsys.readouterr().out
    assert "ngram search with random: 2 trials, 2 completed" in out
    lines = out.splitlines()
    assert lines[1].split()[:4] == ["rank", "trial", "status", "val_macro_f1"]
    assert lines[2].split()[0] == "1" and "COMPLETED" in lines[2]
    assert main(["show", str(finished.directory), "--json", "--top", "1"]) == 0
    assert len(json.loads(capsys.readouterr().out)) == 1


def test_parse_space():
    space = parse_space(["units=[4,8]", "pooling=max", 'layers={"min": 1, "max": 3}'])
    assert space["units"] == [4, 8] and space["pooling"] == "max"
    assert type(space["layers"]).__name__ == "Int"
    with pytest.raises(ConfigError, match="KEY=VALUE"):
        parse_space(["units"])
    with pytest.raises(ConfigError, match="'min' and 'max'"):
        parse_space(['lr={"low": 1}'])
    # A choice written as a family declares one (it said "A range needs 'min' and 'max'").
    (units,) = parse_space(['units={"values": [16, 32], "default": 32}']).values()
    assert type(units).__name__ == "Choice" and units.values == [16, 32] and units.default == 32
    with pytest.raises(ConfigError, match=r"units: a choice.s default must be one of its values"):
        parse_space(['units={"values": [16, 32], "default": 8}'])


@pytest.mark.parametrize(
    "pair,words",
    [
        ("lstm_units=[8,16", ["--set lstm_units: the value is not valid JSON", "'[8,16'"]),
        ("lr=fast", ["--set lr takes numbers", "lr='fast'"]),
        ('batch_size=[16, "big"]', ["--set batch_size takes numbers"]),
        ('lr={"min": 1e-2, "max": 1e-4}', ["not a range KerasTuner can sample", "min <= max"]),
        # KerasTuner took these and failed when sampling (ZeroDivisionError) or sampled 4, 2, 4.
        (
            'lr={"min": 1e-4, "max": 1e-2, "step": 0}',
            ["lr: a range's step must be a number above 0"],
        ),
        ('lr={"min": 1e-4, "max": 1e-2, "step": -1}', ["step must be a number above 0"]),
        ('lstm_units={"min": 4, "max": 8, "step": -1}', ["lstm_units: a range's step"]),
        # KerasTuner took a default outside the range: a first trial off the space.
        ('lstm_units={"min": 8, "max": 32, "default": 100}', ["default must lie between"]),
        ('lr={"min": 1e-4, "max": 1e-2, "default": 0.1}', ["lr: a range's default"]),
    ],
)
def test_malformed_settings_are_one_clear_error_not_a_trial_traceback(pair, words):
    with pytest.raises(ConfigError) as info:
        parse_space([pair])
    for word in words:
        assert word in str(info.value), str(info.value)


def test_a_conditional_range_keeps_its_condition(sample_data):
    """`when` is not dropped: the trial samples `dropout` only with `hidden_dim` 16."""
    import keras_tuner

    from genreclf.tuning import FamilyHyperModel

    space = parse_space(
        ["hidden_dim=[0, 16]", 'dropout={"min": 0.1, "max": 0.5, "when": {"hidden_dim": [16]}}']
    )
    _, train, _ = sample_data
    hypermodel = FamilyHyperModel("ngram", train, max_epochs=1, max_tokens=300, **space)
    assert hypermodel.conditions == {"dropout": ("hidden_dim", [16])}
    config = hypermodel.trial_config(keras_tuner.HyperParameters())  # hidden_dim 0
    assert "dropout" not in config["model_config"]
    with pytest.raises(ConfigError, match="min <= max"):
        parse_space(['dropout={"min": 0.5, "max": 0.1, "when": {"hidden_dim": [16]}}'])


def test_a_moving_average_horizon_is_one_fixed_value():
    space = parse_space(['ema={"steps": 333, "max_epochs": 3}', "lr=[0.001, 0.002]"])
    assert space["ema"] == {"steps": 333, "max_epochs": 3}
    with pytest.raises(ConfigError, match="horizon"):
        parse_space(['ema={"steps": 0}'])


@pytest.mark.large  # three genreclf processes: about 30 s on a quiet 2-core machine
def test_killed_search_resumes_without_rerunning_finished_trials(tmp_path):
    """SIGKILL `genreclf tune` mid-trial (after one finished), rerun with --resume."""
    folder = tmp_path / "search"
    log = open(tmp_path / "first.log", "w")
    process = subprocess.Popen(_command(folder), env=subprocess_env(), stdout=log, stderr=log)
    finished_before = {}
    deadline = time.monotonic() + 240
    try:
        while time.monotonic() < deadline and process.poll() is None:
            statuses = _statuses(folder)
            if "COMPLETED" in statuses.values() and "RUNNING" in statuses.values():
                os.kill(process.pid, signal.SIGKILL)
                break
            time.sleep(0.05)
    finally:
        if process.poll() is None:
            process.kill()
        process.wait()
        log.close()
    assert process.returncode == -signal.SIGKILL, (tmp_path / "first.log").read_text()[-3000:]
    statuses = _statuses(folder)
    assert "RUNNING" in statuses.values(), statuses  # killed mid-trial
    for name, status in statuses.items():
        if status == "COMPLETED":
            finished_before[name] = (folder / "trials" / name / "genreclf_trial.json").read_text()

    # Without --resume the folder is refused, with a hint.
    refused = subprocess.run(
        _command(folder), env=subprocess_env(), capture_output=True, text=True, timeout=240
    )
    assert refused.returncode == 1 and "--resume" in refused.stderr

    resumed = subprocess.run(
        _command(folder, "--resume"),
        env=subprocess_env(),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    final = _statuses(folder)
    assert len(final) == 4 and set(final.values()) == {"COMPLETED"}, final
    for name, record in finished_before.items():
        # Same start time, same record: a finished trial was not run again.
        assert (folder / "trials" / name / "genreclf_trial.json").read_text() == record
    assert (folder / "best.json").exists()


def test_a_worker_that_loses_its_chief_says_what_to_do(tmp_path):
    import socket
    import threading

    # A "chief" that accepts connections and drops them: every call fails.
    chief = socket.create_server(("127.0.0.1", 0))
    port = chief.getsockname()[1]

    def drop():
        while True:
            try:
                connection, _ = chief.accept()
            except OSError:
                return
            connection.close()

    threading.Thread(target=drop, daemon=True).start()
    argv = [sys.executable, "-m", "genreclf", "tune", genreclf.sample_path(), "--text",
            "overview", "--label", "genre", "--model", "ngram", "--tuner", "random",
            "--max-trials", "1", "--max-epochs", "1", "--dir", str(tmp_path / "t"),
            "--oracle-ip", "127.0.0.1", "--oracle-port", str(port), "--tuner-id", "tuner0",
            "--rpc-timeout", "5", "--oracle-wait", "5"]  # fmt: skip
    try:
        worker = subprocess.run(argv, capture_output=True, text=True, env=subprocess_env())
    finally:
        chief.close()
    assert worker.returncode == 1
    assert f"worker tuner0 lost the chief at 127.0.0.1:{port}" in worker.stderr
    assert "restart the chief with --resume" in worker.stderr.lower()
    assert "Traceback" not in worker.stderr
