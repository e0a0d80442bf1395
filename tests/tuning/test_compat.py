"""One test per KerasTuner internal genreclf relies on (`genreclf.tuning.compat`)."""

import socket

import keras_tuner
import pytest

from genreclf.errors import ConfigError
from genreclf.tuning import compat
from genreclf.tuning import make_oracle


def test_the_installed_keras_tuner_is_in_the_tested_range():
    compat.check_version()
    with pytest.raises(ConfigError, match="tested with keras-tuner 1.4.*Received: keras-tuner 1.3"):
        compat.check_version("1.3.5")
    with pytest.raises(ConfigError, match="Received: keras-tuner 2.0.0"):
        compat.check_version("2.0.0")


def test_requeue_gives_the_trial_to_the_next_request(tmp_path):
    oracle = make_oracle("random", max_trials=3, seed=0)
    oracle._set_project_dir(str(tmp_path), "trials")  # what a tuner does
    first = oracle.create_trial("tuner0")
    oracle.ongoing_trials.pop("tuner0")  # the worker died
    compat.requeue(oracle, first.trial_id)
    again = oracle.create_trial("tuner1")
    assert again.trial_id == first.trial_id
    assert again.hyperparameters.values == first.hyperparameters.values


def test_set_rpc_timeout_bounds_the_worker_calls():
    from keras_tuner.src.distribute import oracle_client

    before = oracle_client.TIMEOUT
    try:
        compat.set_rpc_timeout(12)
        assert oracle_client.TIMEOUT == 12.0
    finally:
        oracle_client.TIMEOUT = before


def test_oracle_server_serves_keras_tuner_workers(monkeypatch):
    oracle = make_oracle("random", max_trials=1, seed=0)
    oracle.hyperparameters.Choice("units", [4, 8])
    server, servicer = compat.oracle_server(oracle)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    assert server.add_insecure_port(f"127.0.0.1:{port}")
    server.start()
    try:
        from keras_tuner.src.distribute import oracle_client

        monkeypatch.setenv("KERASTUNER_ORACLE_IP", "127.0.0.1")
        monkeypatch.setenv("KERASTUNER_ORACLE_PORT", str(port))
        monkeypatch.setenv("KERASTUNER_TUNER_ID", "tuner0")
        client = oracle_client.OracleClient(oracle)
        space = client.get_space()  # a real round trip over gRPC
        assert [hp.name for hp in space.space] == ["units"]
        assert servicer.stop_triggered is False
        assert isinstance(space, keras_tuner.HyperParameters)
    finally:
        server.stop(grace=0)


def test_a_trial_begun_under_an_earlier_chief_ends_without_a_key_error(tmp_path, capsys):
    oracle = make_oracle("random", max_trials=3, seed=0)
    oracle._set_project_dir(str(tmp_path), "trials")
    trial = oracle.create_trial("tuner0")
    # A chief restarted with --resume: its display never saw the trial begin.
    oracle._display.verbose = 1
    oracle._display.trial_start.clear()
    oracle._display.trial_number.clear()
    trial.status = "COMPLETED"
    oracle.update_trial(trial.trial_id, {oracle.objective.name: 0.5})
    oracle.end_trial(trial)
    assert oracle.trials[trial.trial_id].status == "COMPLETED"
    assert "Complete" in capsys.readouterr().out


def test_an_oracle_replaces_its_files_whole(tmp_path):
    oracle = make_oracle("random", max_trials=3, seed=0)
    oracle._set_project_dir(str(tmp_path), "trials")
    trial = oracle.create_trial("tuner0")  # saves trial.json and oracle.json
    files = [tmp_path / "trials" / f"trial_{trial.trial_id}" / "trial.json"]
    files.append(tmp_path / "trials" / "oracle.json")
    inodes = [path.stat().st_ino for path in files]
    oracle.update_trial(trial.trial_id, {oracle.objective.name: 0.5})
    oracle.save()
    # New files renamed over the old ones: KerasTuner's own saves reuse the file.
    assert all(path.stat().st_ino != inode for path, inode in zip(files, inodes))
    assert oracle.trials[trial.trial_id].metrics.exists(oracle.objective.name)
