"""`--resume` after a distributed search: nothing rerun, nothing lost (issue 14), a trial
finished while its chief was down included."""

import json
import subprocess
import time

import pytest

from genreclf.tuning import chief_client
from genreclf.tuning.trial_record import TRIAL_RECORD

from .conftest import subprocess_env
from .test_distributed import _free_port
from .test_distributed import _ongoing
from .test_distributed import _run_cluster
from .test_distributed import _tune_command


def _started(folder):
    rows = json.loads((folder / "leaderboard.json").read_text())
    return {r["trial"]: (r["status"], r["started"], r["tuner"]) for r in rows}


@pytest.mark.large  # a chief and two workers, then two single-process resumes: ~1.5 min
def test_resume_after_a_distributed_search_neither_reruns_nor_loses_a_trial(tmp_path):
    folder, port = tmp_path / "search", _free_port()
    codes, text = _run_cluster(tmp_path, folder, port, max_trials=3)
    assert codes == {"tuner0": 0, "tuner1": 0, "chief": 0}, {n: t[-2000:] for n, t in text.items()}
    oracle = json.loads((folder / "trials" / "oracle.json").read_text())
    assert oracle["ongoing_trials"] == {}  # a clean end lists no trial as running
    before = _started(folder)
    assert len(before) == 3 and {s for s, _, _ in before.values()} == {"COMPLETED"}

    def resume(max_trials):
        command = _tune_command(folder, "chief", port)
        # The same search, on one machine this time: drop the distributed flags.
        cut = command.index("--tuner-id")
        command = command[:cut] + ["--resume", "--max-trials", str(max_trials)]
        return subprocess.run(
            command, env=subprocess_env(), capture_output=True, text=True, timeout=300
        )

    same = resume(3)
    assert same.returncode == 0, same.stderr[-2000:]
    assert _started(folder) == before  # nothing rerun
    more = resume(4)
    assert more.returncode == 0, more.stderr[-2000:]
    after = _started(folder)
    assert len(after) == 4 and all(after[t] == before[t] for t in before)  # nothing lost
    assert json.loads((folder / "trials" / "oracle.json").read_text())["ongoing_trials"] == {}


def test_cli_refuses_a_zero_trial_search(tmp_path):
    command = _tune_command(tmp_path / "zero", "chief", 1)
    command = command[: command.index("--tuner-id")] + ["--max-trials", "0"]
    done = subprocess.run(
        [*command], env=subprocess_env(), capture_output=True, text=True, timeout=120
    )
    assert done.returncode != 0
    assert "max_trials must be a positive integer" in done.stderr + done.stdout
    assert not (tmp_path / "zero").exists()


@pytest.mark.large  # a chief killed mid-trial, then resumed with its worker: ~1 min
def test_a_trial_finished_while_the_chief_was_down_is_reported_not_trained_again(tmp_path):
    """kill -9 the chief while its worker trains: the worker ends with one message (no
    traceback) and keeps the finished trial; the resumed chief gets it without a retrain."""
    folder, port = tmp_path / "search", _free_port()
    # One long trial (30 epochs, no early stop): the chief dies while it trains.
    slow = ["--max-trials", "1", "--max-epochs", "30", "--set", "epochs=30", "--set",
            "patience=100", "--heartbeat", "1"]  # fmt: skip

    def start(name, tuner_id, *extra):
        log = open(tmp_path / f"{name}.log", "w")
        command = _tune_command(folder, tuner_id, port, *slow, *extra)
        process = subprocess.Popen(command, env=subprocess_env(), stdout=log, stderr=log)
        log.close()
        return process

    processes = []
    try:
        processes.append(chief := start("chief", "chief"))
        processes.append(worker := start("worker", "tuner0", "--rpc-timeout", "3"))
        deadline = time.monotonic() + 300
        while "tuner0" not in _ongoing(folder) and worker.poll() is None:
            assert time.monotonic() < deadline, (tmp_path / "worker.log").read_text()[-2000:]
            time.sleep(0.05)
        chief.kill()
        assert chief.wait(timeout=30) == -9
        assert worker.wait(timeout=300) == 1
        log = (tmp_path / "worker.log").read_text()
        kept = folder / "trials" / "trial_0" / chief_client.UNREPORTED
        last = log.strip().splitlines()[-1]
        assert last.startswith(
            f"genreclf tune: error: worker tuner0 lost the chief at 127.0.0.1:{port}"
        )
        assert f"Trial 0 finished but was not reported: its result is kept in {kept}" in last
        assert "Traceback" not in log and "invalid" not in log, log[-3000:]
        trained = json.loads(kept.read_text())["processes"]

        processes.append(chief := start("chief2", "chief", "--resume"))
        processes.append(worker := start("worker2", "tuner0"))
        assert worker.wait(timeout=300) == 0, (tmp_path / "worker2.log").read_text()[-2000:]
        assert chief.wait(timeout=120) == 0, (tmp_path / "chief2.log").read_text()[-2000:]
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
    assert "the trial is not trained again" in (tmp_path / "worker2.log").read_text()
    assert not kept.exists()  # the chief has it now
    (row,) = json.loads((folder / "leaderboard.json").read_text())
    assert row["status"] == "COMPLETED" and row["score"] is not None and row["epochs"] == 30
    record = json.loads((folder / "trials" / "trial_0" / TRIAL_RECORD).read_text())
    assert record["processes"] == trained  # the first run's trial process: no second training
    assert _ongoing(folder) == {}
