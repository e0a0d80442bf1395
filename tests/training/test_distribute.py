import json
import os
import pathlib
import shutil
import socket
import subprocess
import sys

import pytest

import genreclf
from genreclf.errors import ConfigError
from genreclf.training import distribute
from genreclf.training.worker_agreement import starts_by_task

TINY = {"embedding_dim": 4, "lstm_units": 4, "max_length": 16, "max_tokens": 300}


class _Resolver:
    def __init__(self, cluster, task_type, task_id):
        self._cluster, self.task_type, self.task_id = cluster, task_type, task_id

    def cluster_spec(self):
        cluster = self._cluster

        class Spec:
            def as_dict(self):
                return cluster

        return Spec()


class _Strategy:
    def __init__(self, *args):
        self.cluster_resolver = _Resolver(*args)


def test_no_strategy_is_a_no_op(tmp_path):
    assert distribute.make_strategy(None) is None
    assert distribute.is_chief(None)
    with distribute.WorkerFolder(tmp_path, None) as folder, distribute.scope(None):
        assert folder == tmp_path
    assert distribute.shard("dataset", None) == "dataset"


def test_bad_strategy_names_and_tf_config(monkeypatch):
    with pytest.raises(ConfigError, match="Received: strategy='horovod'"):
        distribute.make_strategy("horovod")
    monkeypatch.delenv("TF_CONFIG", raising=False)
    with pytest.raises(ConfigError, match="needs the TF_CONFIG"):
        distribute.make_strategy("multi-worker")
    monkeypatch.setenv("TF_CONFIG", "{not json")
    with pytest.raises(ConfigError, match="not valid JSON"):
        distribute.make_strategy("multi-worker")
    monkeypatch.setenv("TF_CONFIG", '{"cluster": {}}')
    with pytest.raises(ConfigError, match="'cluster' and a 'task'"):
        distribute.make_strategy("multi-worker")


def test_chief_is_worker_zero_or_the_chief_task(tmp_path):
    workers = {"worker": ["a:1", "b:2"]}
    assert distribute.is_chief(_Strategy(workers, "worker", 0))
    assert not distribute.is_chief(_Strategy(workers, "worker", 1))
    with_chief = {"chief": ["c:0"], "worker": ["a:1"]}
    assert distribute.is_chief(_Strategy(with_chief, "chief", 0))
    assert not distribute.is_chief(_Strategy(with_chief, "worker", 0))
    # A non-chief writes into its own folder in the run, removed when training ends.
    with distribute.WorkerFolder(tmp_path / "run", _Strategy(workers, "worker", 1)) as folder:
        assert pathlib.Path(folder) == tmp_path / "run" / ".worker-1"
        assert pathlib.Path(folder).is_dir()
    assert not (tmp_path / "run").exists()  # it created the run folder: an empty one goes too


def test_a_worker_keeps_its_folder_after_an_error(tmp_path):
    worker = _Strategy({"worker": ["a:1", "b:2"]}, "worker", 1)
    (tmp_path / "run").mkdir()  # the chief's, on a shared disk
    with pytest.raises(RuntimeError):
        with distribute.WorkerFolder(tmp_path / "run", worker) as folder:
            (pathlib.Path(folder) / "backup").mkdir()
            raise RuntimeError("killed mid-epoch")
    assert (tmp_path / "run" / ".worker-1" / "backup").is_dir()  # the rerun resumes from it
    with distribute.WorkerFolder(tmp_path / "run", worker):
        pass
    assert (tmp_path / "run").is_dir() and not (tmp_path / "run" / ".worker-1").exists()


def test_shard_sets_the_policy():
    import tensorflow as tf

    dataset = tf.data.Dataset.range(4)
    sharded = distribute.shard(dataset, object())
    policy = sharded.options().experimental_distribute.auto_shard_policy
    assert policy == tf.data.experimental.AutoShardPolicy.DATA
    off = distribute.shard(dataset, object(), "OFF").options().experimental_distribute
    assert off.auto_shard_policy == tf.data.experimental.AutoShardPolicy.OFF


def test_the_start_check_names_tasks_whatever_their_replicas():
    tasks = ["the chief", "worker 0", "worker 1"]
    assert starts_by_task(tasks, [3, 0, 3]) == [
        ("the chief", 3),
        ("worker 0", 0),
        ("worker 1", 3),
    ]
    # Two GPUs a worker: each task's replicas come in a row and share its backup.
    assert starts_by_task(tasks, [3, 3, 0, 0, 3, 3]) == [
        ("the chief", 3),
        ("worker 0", 0),
        ("worker 1", 3),
    ]
    # Counts that do not split evenly among the tasks: the replicas are named.
    assert starts_by_task(tasks[:2], [3, 0, 0]) == [
        ("replica 0", 3),
        ("replica 1", 0),
        ("replica 2", 0),
    ]


@pytest.mark.large  # a strategy's own build path; the two-worker job below stays in CI
def test_mirrored_strategy_trains_on_one_cpu(tmp_path):
    plain = genreclf.train(
        genreclf.sample_path(),
        text="overview",
        label="genre",
        model="bilstm",
        epochs=1,
        model_config=TINY,
        out=tmp_path / "plain",
        verbose=0,
    )
    mirrored = genreclf.train(
        genreclf.sample_path(),
        text="overview",
        label="genre",
        model="bilstm",
        epochs=1,
        model_config=TINY,
        strategy="mirrored",
        out=tmp_path / "mirrored",
        verbose=0,
    )
    assert mirrored.config["strategy"] == "mirrored"
    assert set(mirrored.metrics) == set(plain.metrics)
    assert mirrored.metrics["num_examples"] == plain.metrics["num_examples"]
    assert len(mirrored.predict(["A detective hunts a killer."])[0]["scores"]) == 10


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _train_on_two_workers(tmp_path, out, cwds=(None, None), extra=()):
    """`genreclf train --strategy multi-worker` on two processes on 127.0.0.1: exit codes, logs.

    Two TensorFlow processes talking gRPC: about 40 s on a quiet 2-core machine.
    """
    cluster = {"worker": [f"127.0.0.1:{_free_port()}", f"127.0.0.1:{_free_port()}"]}
    command = [
        sys.executable, "-m", "genreclf", "train", str(genreclf.sample_path()),
        "--text", "overview", "--label", "genre", "--model", "ngram", "--epochs", "2",
        "--set", "max_tokens=2000", "--set", "solver=adamw", "--strategy", "multi-worker",
        "--out", str(out), *extra,
    ]  # fmt: skip
    processes = []
    for index in (0, 1):
        env = {k: v for k, v in os.environ.items() if not k.startswith("KERASTUNER_")}
        env.update(
            {
                "TF_CPP_MIN_LOG_LEVEL": "2",
                "CUDA_VISIBLE_DEVICES": "",
                "TF_CONFIG": json.dumps(
                    {"cluster": cluster, "task": {"type": "worker", "index": index}}
                ),
            }
        )
        log = open(tmp_path / f"worker{index}.log", "w")
        processes.append(
            (subprocess.Popen(command, env=env, stdout=log, stderr=log, cwd=cwds[index]), log)
        )
    try:
        codes = [p.wait(timeout=400) for p, _ in processes]
    finally:
        for p, log in processes:
            if p.poll() is None:
                p.kill()
            log.close()
    return codes, [(tmp_path / f"worker{i}.log").read_text()[-3000:] for i in (0, 1)]


def test_two_workers_train_like_one_process(tmp_path, trained_run):
    """`genreclf train --strategy multi-worker` on two processes on 127.0.0.1."""
    out = tmp_path / "run"
    codes, logs = _train_on_two_workers(tmp_path, out, extra=["--quiet"])
    assert codes == [0, 0], logs
    run = genreclf.load_run(out)
    # The same metrics, of the same shape, as the single-process run of the same configuration.
    assert set(run.metrics) == set(trained_run.metrics)
    assert run.metrics["num_examples"] == trained_run.metrics["num_examples"]
    assert set(run.metrics["per_class"]) == set(trained_run.metrics["per_class"])
    assert run.config["strategy"] == "multi-worker"
    history = (out / "history.csv").read_text().splitlines()
    assert len(history) == 3  # header + 2 epochs, written once (by the chief)
    assert (out / "report.md").read_text().count("## Words behind the predictions") == 1
    assert "the chief writes the run folder" in logs[1]  # the other worker reads none of it


@pytest.mark.large  # two processes, three folds each: about 90 s on 2 cores
def test_workers_on_separate_disks_cross_validate_and_leave_the_folder_to_the_chief(tmp_path):
    pytest.importorskip("mlflow")
    from mlflow.tracking import MlflowClient

    from genreclf.tracking.mlflow_tracker import make_client

    # Each worker runs in its own folder, as on its own machine; `--out run` is
    # relative, so the other worker's folder is not the chief's. The MLflow
    # store is one for both, as a tracking server would be.
    disks = [tmp_path / "chief", tmp_path / "worker"]
    for disk in disks:
        disk.mkdir()
    uri = f"file:{tmp_path / 'mlruns'}"
    extra = ["--folds", "2", "--quiet", "--mlflow", uri]
    codes, logs = _train_on_two_workers(tmp_path, "run", cwds=disks, extra=extra)
    assert codes == [0, 0], logs
    out = disks[0] / "run"
    run = genreclf.load_run(out)
    assert run.metrics["cross_validation"]["k"] == 2
    assert "the chief writes the run folder" in logs[1]
    assert not (disks[1] / "run").exists()  # nothing left behind on the other disk
    make_client(uri)
    client = MlflowClient(tracking_uri=uri)
    experiment = client.get_experiment_by_name("genreclf")
    assert len(client.search_runs([experiment.experiment_id])) == 1  # the chief's alone

    # Resumed with fold 1 lost on the chief's disk: the chief keeps fold 0, and
    # the other worker, whose disk holds no folds, keeps it too rather than
    # training it beside the chief's fold 1 (both hung in their collectives).
    kept = (out / "folds" / "fold_0" / "model.keras").stat().st_mtime_ns
    shutil.rmtree(out / "folds" / "fold_1")
    codes, logs = _train_on_two_workers(
        tmp_path, "run", cwds=disks, extra=extra[:2] + ["--overwrite"]
    )
    assert codes == [0, 0], logs
    assert "fold_0 (1 of 2): finished before; kept" in logs[0]
    # the other worker did not finish it: it says whose fold it keeps
    assert "fold_0 (1 of 2): kept by the chief" in logs[1]
    assert "finished before" not in logs[1]
    assert (out / "folds" / "fold_0" / "model.keras").stat().st_mtime_ns == kept
    assert genreclf.load_run(out / "folds" / "fold_1").metrics["macro_f1"] is not None
    assert genreclf.load_run(out).metrics["cross_validation"]["k"] == 2
    assert not (disks[1] / "run").exists()


def test_a_chief_refused_its_run_folder_stops_every_worker(tmp_path):
    # Another job writes the folder: the chief is refused before training, and
    # the other worker, which would wait for it in its first collective, stops too.
    from genreclf.output_lock import output_lock

    out = tmp_path / "run"
    with output_lock(out, "genreclf train"):
        codes, logs = _train_on_two_workers(tmp_path, out, extra=["--quiet"])
    assert codes == [1, 1], logs
    assert "Another genreclf job is writing" in logs[0]
    assert "Another worker of this multi-worker job was refused the run folder" in logs[1]
    assert not out.exists()


KILLED_WORKER = """
import os, signal, sys, keras, genreclf

class KillAfter(keras.callbacks.Callback):
    def on_epoch_end(self, epoch, logs=None):
        if epoch == int(sys.argv[2]):
            os.kill(os.getpid(), signal.SIGKILL)

genreclf.train(genreclf.sample_path(), text="overview", label="genre", model="ngram",
               epochs=4, patience=10, model_config={"max_tokens": 500, "solver": "adamw"},
               strategy="multi-worker", out=sys.argv[1], verbose=0, callbacks=[KillAfter()])
"""


def _run_workers(tmp_path, cluster, args, name):
    processes = []
    for index in (0, 1):
        env = {k: v for k, v in os.environ.items() if not k.startswith("KERASTUNER_")}
        task = {"cluster": cluster, "task": {"type": "worker", "index": index}}
        env.update({"TF_CPP_MIN_LOG_LEVEL": "2", "CUDA_VISIBLE_DEVICES": ""})
        env["TF_CONFIG"] = json.dumps(task)
        log = open(tmp_path / f"{name}{index}.log", "w")
        command = [sys.executable, "-c", KILLED_WORKER, *args]
        processes.append((subprocess.Popen(command, env=env, stdout=log, stderr=log), log))
    try:
        return [p.wait(timeout=300) for p, _ in processes]
    finally:
        for p, log in processes:
            if p.poll() is None:
                p.kill()
            log.close()


@pytest.mark.large  # two TensorFlow processes, three times: about 2 min on a quiet 2-core machine
def test_a_killed_multi_worker_job_resumes_on_every_worker(tmp_path):
    cluster = {"worker": [f"127.0.0.1:{_free_port()}", f"127.0.0.1:{_free_port()}"]}
    out = tmp_path / "run"
    assert _run_workers(tmp_path, cluster, [str(out), "1"], "killed") == [-9, -9]
    worker = out / ".worker-1"
    assert (out / "backup").exists() and (worker / "backup").exists()
    # A copy of the killed run without the worker's folder: the worker would
    # start over beside the resuming chief; both say so before the first step.
    lost = tmp_path / "lost"
    shutil.copytree(out, lost)
    shutil.rmtree(lost / ".worker-1")
    assert _run_workers(tmp_path, cluster, [str(lost), "-1"], "lost") == [1, 1]
    for index in (0, 1):
        log = (tmp_path / f"lost{index}.log").read_text()
        assert "would resume at different epochs: worker 0 after epoch 2, " in log, log[-3000:]
        assert "worker 1 from the start (no backup)" in log
        assert "Received: completed epochs per worker=[2, 0]" in log
    assert (lost / "backup").exists()  # the chief's backup is kept for a rerun
    # Both restore their own backup, so they step together again (a worker
    # starting afresh beside the resumed chief failed both in a collective).
    codes = _run_workers(tmp_path, cluster, [str(out), "-1"], "resumed")
    logs = [(tmp_path / f"resumed{i}.log").read_text()[-3000:] for i in (0, 1)]
    assert codes == [0, 0], logs
    epochs = [line.split(",")[0] for line in (out / "history.csv").read_text().splitlines()[1:]]
    assert epochs == ["0", "1", "2", "3"]
    assert not worker.exists()  # deleted once training ended
