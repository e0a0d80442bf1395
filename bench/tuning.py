"""Tuning benchmark: search throughput (1 process vs chief + 2 workers), memory, tuned vs default.

Protocol (imdb_genre27, Kaggle `:::` format, 27 genres, single-label):
1. The file is split once (stratified, seed 0) into 85% search data and a 15%
   test split nobody tunes on. The search data goes to a temporary CSV.
2. `genreclf tune` runs the same random search (8 trials of the `ngram`
   family's default space, epochs tuned in {2, 4, 8}) twice, as separate
   processes: once alone, once as a chief with two workers on 127.0.0.1.
   Trials per minute = completed trials / wall time of the whole command
   (start-up included; each process imports TensorFlow and loads the data).
3. Memory: a 50-trial random search of tiny `ngram` models driven from this
   process. Each trial runs in its own process (`genreclf.tuning.trial_process`);
   the table gives, per trial, the resident set size (RSS) of the tuner
   process after the trial and the peak RSS of the trial's process, and the
   search's trials per minute. Target: every process's RSS after the last
   trial within 10% of after the first.
4. Quality: the best trial's configuration (`best.json`) and genreclf's
   default `ngram` configuration are both retrained on the search data and
   scored on the held-out test split (macro-F1). The retrained best
   configuration's validation score minus the best trial's score shows that
   a trial is reproducible (same recipe, same seed; target within 0.002).

On a 2-core machine one process and chief + 2 workers should be about on par:
the workers share the same two cores (and the chief only serves the oracle).
The distributed mode is for several machines; here the point is that it works.

Usage: python bench/tuning.py [--trials 8] [--memory-trials 50] [--memory-rows N] [--model ngram]
"""

import argparse
import json
import os
import pathlib
import socket
import subprocess
import sys
import tempfile
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

REPO = pathlib.Path(__file__).resolve().parents[1]
DATA = pathlib.Path(os.environ.get("GENRECLF_SHARED_DATA", REPO.parent / "shared" / "data"))
SOURCE = DATA / "imdb_genre27" / "train_data.txt"


def rss_mib():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def split_data(workdir):
    import pandas as pd

    import genreclf
    from genreclf.data import train_val_split

    data = genreclf.load_dataset(SOURCE, format="kaggle-genre")
    search, test = train_val_split(data, 0.15, seed=0)
    path = workdir / "search.csv"
    pd.DataFrame({"text": search.texts, "label": [labels[0] for labels in search.labels]}).to_csv(
        path, index=False
    )
    return path, search, test


def tune_command(data, folder, args, *extra):
    return [
        sys.executable,
        "-m",
        "genreclf",
        "tune",
        str(data),
        "--text",
        "text",
        "--label",
        "label",
        "--model",
        args.model,
        "--tuner",
        "random",
        "--max-trials",
        str(args.trials),
        "--max-epochs",
        str(args.max_epochs),
        "--dir",
        str(folder),
        "--seed",
        "0",
        "--quiet",
        "--overwrite",
        *extra,
    ]


def completed(folder):
    rows = json.loads((folder / "leaderboard.json").read_text())
    return [r for r in rows if r["status"] == "COMPLETED"], rows


def run_single(data, workdir, args):
    folder = workdir / "single"
    start = time.monotonic()
    subprocess.run(
        tune_command(data, folder, args),
        check=True,
        env=_env(),
        stdout=subprocess.DEVNULL,
        stderr=open(workdir / "single.log", "w"),
    )
    return time.monotonic() - start, folder


def run_distributed(data, workdir, args):
    folder, port = workdir / "distributed", free_port()
    dist = ["--oracle-ip", "127.0.0.1", "--oracle-port", str(port)]
    start = time.monotonic()
    procs = []
    for tuner_id in ("tuner0", "tuner1", "chief"):  # workers first: they wait for the chief
        cmd = tune_command(data, folder, args, *dist, "--tuner-id", tuner_id)
        if tuner_id != "chief":
            cmd.remove("--overwrite")  # only the chief manages the folder
        procs.append(
            subprocess.Popen(
                cmd,
                env=_env(),
                stdout=subprocess.DEVNULL,
                stderr=open(workdir / f"{tuner_id}.log", "w"),
            )
        )
        time.sleep(0.5)
    codes = [p.wait(timeout=1800) for p in procs]
    if any(codes):
        raise RuntimeError(f"distributed search failed: exit codes {codes}; see {workdir}/*.log")
    return time.monotonic() - start, folder


def _env():
    env = {k: v for k, v in os.environ.items() if not k.startswith("KERASTUNER_")}
    env["TF_CPP_MIN_LOG_LEVEL"] = "2"
    return env


def memory_search(search, workdir, trials):
    """A `trials`-trial search in this process; RSS per trial of every process."""
    from genreclf.data import train_val_split
    from genreclf.tuning import NgramHyperModel
    from genreclf.tuning import make_oracle
    from genreclf.tuning.tuners import TRIAL_RECORD
    from genreclf.tuning.tuners import GenreclfTuner

    tuner_rss = []

    class ProbedTuner(GenreclfTuner):
        def on_trial_end(self, trial):
            super().on_trial_end(trial)
            tuner_rss.append(rss_mib())

    train, val = train_val_split(search, 0.1, seed=0)
    start = rss_mib()
    tuner = ProbedTuner(
        oracle=make_oracle("random", max_trials=trials, seed=0),
        hypermodel=NgramHyperModel(
            train, max_epochs=1, max_tokens=[2000, 4000], hidden_dim=[0, 8], batch_size=64
        ),
        directory=str(workdir / "memory"),
        project_name="trials",
        overwrite=True,
    )
    began = time.monotonic()
    tuner.search(train, validation_data=val, verbose=0)
    seconds = time.monotonic() - began
    trial_rss = []
    for trial_id in sorted(tuner.oracle.trials):
        record = json.loads(
            (pathlib.Path(tuner.get_trial_dir(trial_id)) / TRIAL_RECORD).read_text()
        )
        trial_rss.append(
            max((p["max_rss_mb"] for p in record.get("processes", [])), default=float("nan"))
        )
    return start, tuner_rss, trial_rss, seconds


def print_memory(trials, start, tuner_rss, trial_rss, seconds):
    print(f"\n## Memory over a {trials}-trial search (RSS, MiB; each trial in its own process)\n")
    print(
        f"tuner process before the search: {start:.0f}; {trials / seconds * 60:.1f} trials/minute "
        f"({seconds:.0f} s)\n"
    )
    print("| trial | tuner process after the trial | trial process (peak) |")
    print("|---:|---:|---:|")
    for i, (tuner, trial) in enumerate(zip(tuner_rss, trial_rss), 1):
        print(f"| {i} | {tuner:.0f} | {trial:.0f} |")
    for name, values in (("tuner process", tuner_rss), ("trial processes", trial_rss)):
        change = (values[-1] - values[0]) / values[0]
        print(
            f"\n{name}: trial 1 {values[0]:.0f} → trial {len(values)} {values[-1]:.0f} MiB "
            f"({change:+.1%}; target within ±10%: {'yes' if abs(change) <= 0.10 else 'NO'})"
        )


def score(run, test):
    import genreclf

    report = genreclf.evaluate(run, test, out=pathlib.Path(run.path) / "test")
    return report["macro_f1"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--trials", type=int, default=8)
    parser.add_argument("--max-epochs", type=int, default=8)
    parser.add_argument("--memory-trials", type=int, default=50)
    parser.add_argument(
        "--memory-rows",
        type=int,
        default=None,
        help="search rows used by the memory search (default: all)",
    )
    parser.add_argument("--model", default="ngram")
    parser.add_argument(
        "--skip",
        default="",
        help="comma-separated parts to skip: single,distributed,memory,quality",
    )
    args = parser.parse_args()
    skip = set(filter(None, args.skip.split(",")))
    if not SOURCE.exists():
        print(f"needs {SOURCE} (absent here)")
        return 1
    import genreclf

    workdir = pathlib.Path(tempfile.mkdtemp(prefix="genreclf-bench-tuning-"))
    data, search, test = split_data(workdir)
    print(
        f"imdb_genre27: {len(search)} search rows, {len(test)} test rows, "
        f"{search.vocabulary().num_classes} classes; work folder {workdir}"
    )
    rows = []
    single_folder = None
    for name, runner in (("1 process", run_single), ("chief + 2 workers", run_distributed)):
        key = "single" if runner is run_single else "distributed"
        if key in skip:
            continue
        seconds, folder = runner(data, workdir, args)
        done, all_rows = completed(folder)
        tuners = sorted({r["tuner"] for r in done if r.get("tuner")})
        rows.append(
            (
                name,
                len(done),
                len(all_rows),
                seconds,
                60 * len(done) / seconds,
                max(r["score"] for r in done),
                ",".join(tuners),
            )
        )
        if key == "single":
            single_folder = folder
        print(f"{name}: {len(done)}/{len(all_rows)} trials in {seconds:.0f}s", flush=True)

    print("\n## Search throughput\n")
    print(
        "| mode | completed | trials | wall (s) | trials/min | best val macro-F1 | trials run by |"
    )
    print("|---|---:|---:|---:|---:|---:|---|")
    for r in rows:
        print(f"| {r[0]} | {r[1]} | {r[2]} | {r[3]:.0f} | {r[4]:.2f} | {r[5]:.4f} | {r[6]} |")

    if "memory" not in skip:
        rows_used = (
            search
            if args.memory_rows is None
            else search.subset(range(min(args.memory_rows, len(search))))
        )
        print_memory(args.memory_trials, *memory_search(rows_used, workdir, args.memory_trials))

    if "quality" not in skip and single_folder is not None:
        best = json.loads((single_folder / "best.json").read_text())
        best.pop("data", None)
        tuned = genreclf.train(search, config=best, out=workdir / "runs" / "tuned", verbose=0)
        default = genreclf.train(
            search, model=args.model, out=workdir / "runs" / "default", verbose=0
        )
        best_trial = completed(single_folder)[0][0]
        print("\n## Tuned vs default configuration (macro-F1)\n")
        print(
            "| configuration | search val (best trial) | retrained: val | retrained − trial "
            "| retrained: held-out test |"
        )
        print("|---|---:|---:|---:|---:|")
        print(
            f"| default `{args.model}` | - | {default.metrics['macro_f1']:.4f} | - | "
            f"{score(default, test):.4f} |"
        )
        print(
            f"| best of {args.trials} trials | {best_trial['score']:.4f} | "
            f"{tuned.metrics['macro_f1']:.4f} | {tuned.metrics['macro_f1'] - best_trial['score']:+.4f} | "
            f"{score(tuned, test):.4f} |"
        )
        print(f"\nbest trial: {json.dumps(best_trial['hyperparameters'])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
