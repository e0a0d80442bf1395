"""`--resume` after a distributed search: nothing rerun, nothing lost (issue 14)."""

import json
import subprocess

import pytest

from .conftest import subprocess_env
from .test_distributed import _free_port
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
