"""Scores `bench/gpu_device.py`'s output beside the strong baselines (issue 10, part 9).

Reads the task splits `bench/gpu_prepare.py` packed (`--data`, the same
splits as `bench/quality.py`) and what the GPU run wrote (`--device`):

- (a) TF-IDF + LR, fitted here, thresholds on 5-fold out-of-fold scores;
- (b) LR on the frozen MiniLM embeddings the GPU computed, likewise;
- (c) the average of (a) and (b);
- `finetuned`, one row per fine-tuning run (learning rate, kept word
  pieces): its epoch and per-class thresholds (genreclf's shrunk
  thresholds) are chosen on the dev rows (10% of the training rows it did
  not train on), never on the held-out rows;
- `avg(finetuned, a)` and `avg(finetuned, a, b)`: the fine-tuned scores
  averaged with the baselines' (dev scores: (a)'s and (b)'s out-of-fold
  scores of the same rows);
- with `--stack TASK` (trains the default recipe here) or `--stack-run
  TASK=DIR` (a run it already trained on the same rows): the default, and
  the pair a GPU trains (`genreclf/training/finetuned_member.py`): the
  stack's out-of-fold and the fine-tuned dev scores blended at the weight
  best on the dev rows.

`--cpu-bilstm` times the same BiLSTM layers as the GPU run (TensorFlow
backend, this machine's CPU) for the table's CPU column.

Usage: python bench/gpu_score.py --device DIR [--device DIR2] [--data .gpu] [--cpu-bilstm]
       [--tasks T1,T2] [--stack T1] [--stack-run T2=RUN_DIR]
"""

import argparse
import json
import lzma
import os
import pathlib
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import baselines  # noqa: E402  (bench/, the script's folder)
import gpu_prepare  # noqa: E402
import quality  # noqa: E402
import quality_data  # noqa: E402


def embeddings(device_dir):
    chunks = sorted(device_dir.glob("embeddings_*.npy"), key=lambda p: int(p.stem.split("_")[1]))
    vectors = np.concatenate([np.load(p).astype(np.float32) for p in chunks])
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True).clip(1e-12)


def finetuned_runs(scores, task_name):
    """The task's fine-tuning runs in `scores`: keys without their `/eN/split` tail."""
    return sorted({k.rsplit("/", 2)[0] for k in scores if k.startswith(task_name + "/")})


def choose_epoch(scores, run, dev_y, vocabulary):
    """`(key, dev macro-F1, thresholds)` of `run`'s epoch best on the dev rows."""
    from genreclf.metrics import classification_report
    from genreclf.metrics import tune_thresholds

    best = None
    for key in sorted(k for k in scores if k.startswith(run + "/e") and k.endswith("/dev")):
        dev = scores[key].astype(np.float32)
        thresholds = tune_thresholds(dev_y, dev) if vocabulary.multi_label else None
        f1 = classification_report(dev_y, dev, vocabulary, thresholds=thresholds)["macro_f1"]
        print(f"  dev {key[: -len('/dev')]}: macro-F1 {f1:.4f}")
        if best is None or f1 > best[1]:
            best = (key[: -len("/dev")], f1, thresholds)
    return best


def score_task(task_name, task, texts, vectors, scores, results, a_cache, stack=False):
    from genreclf.data import kfold_indices
    from genreclf.metrics import classification_report
    from genreclf.metrics import tune_thresholds

    name, rows, split = gpu_prepare.TASKS[task_name]
    train, test = quality_data.load(name, rows, split)
    vocabulary = train.vocabulary()
    if list(vocabulary.labels) != task["classes"]:
        raise RuntimeError(f"{task_name}: the packed classes differ from quality_data.load's.")
    ml = vocabulary.multi_label
    ids = {text: i for i, text in reversed(list(enumerate(texts)))}
    train_ids = [ids[gpu_prepare.clip(t)] for t in train.texts]
    test_ids = [ids[gpu_prepare.clip(t)] for t in test.texts]
    _, dev = next(iter(kfold_indices(train, k=10, seed=0)))
    y_train, y_test = train.targets(vocabulary), test.targets(vocabulary)
    out = []

    def report(model, test_scores, thresholds, seconds=float("nan")):
        scored = classification_report(y_test, test_scores, vocabulary, thresholds=thresholds)
        out.append(quality.row(task_name, model, scored, seconds, ml))
        print(quality._format([out[-1]], header=False), flush=True)

    cache = a_cache / f"a_{task_name}.npz"
    if cache.exists():
        packed = np.load(cache)
        a_test, a_oof, a_seconds = packed["test"], packed["oof"], float(packed["seconds"])
    else:
        start = time.perf_counter()
        features = baselines.tfidf_features(train, test)
        a_test, a_oof = baselines.baseline_scores(features, train, test, vocabulary, c=4.0)
        a_seconds = time.perf_counter() - start
        np.savez(cache, test=a_test, oof=a_oof, seconds=a_seconds)
    report("(a) tfidf+lr", a_test, baselines.thresholds_for(a_oof, train, vocabulary), a_seconds)
    if vectors is None:
        return out
    start = time.perf_counter()
    features = (vectors[train_ids], vectors[test_ids])
    b_test, b_oof = baselines.baseline_scores(features, train, test, vocabulary, c=1.0)
    b_seconds = time.perf_counter() - start + results["embeddings"]["seconds"]
    report("(b) minilm+lr", b_test, baselines.thresholds_for(b_oof, train, vocabulary), b_seconds)
    c_oof = (a_oof + b_oof) / 2
    report(
        "(c) avg(a,b)", (a_test + b_test) / 2, baselines.thresholds_for(c_oof, train, vocabulary)
    )
    if scores is None or not any(k.startswith(task_name + "/") for k in scores):
        return out
    stack_scores = None
    if stack:
        stack_scores = cached_default_recipe(
            a_cache / f"stack_{task_name}.npz", train, test, dev, None if stack is True else stack
        )
        s_dev, s_test, s_thresholds, s_seconds = stack_scores
        report("genreclf auto (stack, CPU)", s_test, s_thresholds, s_seconds)
    for run_key in finetuned_runs(scores, task_name):
        key, dev_f1, thresholds = choose_epoch(scores, run_key, y_train[dev], vocabulary)
        run = results["finetune"][run_key]
        epoch = int(key.rsplit("/e", 1)[1])
        seconds = sum(run["epoch_seconds"][:epoch])
        f_dev = scores[key + "/dev"].astype(np.float32)
        f_test = scores[key + "/test"].astype(np.float32)
        report(f"finetuned ({key.split('/', 1)[1]}, GPU)", f_test, thresholds, seconds)
        for label, dev_mix, test_mix in (
            ("avg(finetuned, a)", (f_dev + a_oof[dev]) / 2, (f_test + a_test) / 2),
            (
                "avg(finetuned, a, b)",
                (f_dev + a_oof[dev] + b_oof[dev]) / 3,
                (f_test + a_test + b_test) / 3,
            ),
        ):
            mix_thresholds = tune_thresholds(y_train[dev], dev_mix) if ml else None
            report(label, test_mix, mix_thresholds)
        if stack_scores is not None:
            weight, mix_thresholds = blend_on_dev(s_dev, f_dev, y_train[dev], vocabulary)
            report(
                f"{1 - weight:.1f} stack + {weight:.1f} finetuned",
                (1 - weight) * s_test + weight * f_test,
                mix_thresholds,
            )
    return out


def default_recipe(train, test, dev, run_dir=None):
    """`(dev out-of-fold scores, test scores, thresholds, seconds)` of `genreclf.train(train)`.

    `run_dir`: a run the default recipe already trained on `train` (its
    fingerprint must match), scored instead of training another.
    """
    import tempfile

    import genreclf

    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        if run_dir is None:
            run = genreclf.train(train, out=pathlib.Path(tmp) / "run", verbose=0)
        else:
            run = genreclf.load_run(run_dir)
            fingerprint = json.loads((pathlib.Path(run_dir) / "fingerprint.json").read_text())
            if fingerprint.get("train_sha256") != train.fingerprint():
                raise RuntimeError(f"{run_dir} was not trained on this task's training rows.")
        seconds = time.perf_counter() - start
        oof = run.out_of_fold()
        position = {digest: i for i, digest in enumerate(oof["rows"])}
        dev_scores = oof["scores"][[position[d] for d in train.row_digests()[dev]]]
        thresholds = run.thresholds if run.multi_label else None
        return dev_scores, run.scores(list(test.texts)), thresholds, seconds


def cached_default_recipe(cache, train, test, dev, run_dir=None):
    """`default_recipe`, kept in `cache` (an `.npz`) so that a second scoring reuses it."""
    if cache.exists():
        with np.load(cache) as packed:
            thresholds = packed["thresholds"] if packed["thresholds"].size else None
            return packed["dev"], packed["test"], thresholds, float(packed["seconds"])
    dev_scores, test_scores, thresholds, seconds = default_recipe(train, test, dev, run_dir)
    np.savez(
        cache,
        dev=dev_scores,
        test=test_scores,
        thresholds=np.zeros(0) if thresholds is None else np.asarray(thresholds),
        seconds=seconds,
    )
    return dev_scores, test_scores, thresholds, seconds


def blend_on_dev(first, second, dev_y, vocabulary, grid=11):
    """`(weight of second, thresholds)` of the best macro-F1 blend on the dev rows."""
    from genreclf.metrics import classification_report
    from genreclf.metrics import tune_thresholds

    best = None
    for weight in np.linspace(0.0, 1.0, grid):
        mix = (1 - weight) * first + weight * second
        thresholds = tune_thresholds(dev_y, mix) if vocabulary.multi_label else None
        f1 = classification_report(dev_y, mix, vocabulary, thresholds=thresholds)["macro_f1"]
        if best is None or f1 > best[0] + 1e-9:
            best = (f1, float(weight), thresholds)
    print(f"  dev blend: weight {best[1]:.1f} on finetuned, macro-F1 {best[0]:.4f}")
    return best[1], best[2]


def cpu_bilstm(data, rows=960):
    """Seconds per tmdb_genres epoch of the GPU run's BiLSTM layers on this CPU (TensorFlow)."""
    from gpu_bilstm import bilstm_defaults
    from gpu_bilstm import epoch_seconds
    from gpu_bilstm import load_ids

    ids, targets, vocabulary_size = load_ids(data)
    model = bilstm_defaults(vocabulary_size, ids.shape[1], targets.shape[1])
    per_epoch, times = epoch_seconds(model, ids, targets, batch=32, rows=rows)
    print(
        f"bilstm defaults, masked, batch 32, {os.cpu_count()} CPU cores: {per_epoch:.1f} s per "
        f"epoch of {len(ids)} rows (timed on {rows} rows, epochs {[round(t, 1) for t in times]})"
    )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", default=str(quality_data.REPO / ".gpu"))
    parser.add_argument(
        "--device", action="append", default=[], help="a folder gpu_device.py wrote (repeatable)"
    )
    parser.add_argument("--tasks", default=",".join(gpu_prepare.TASKS))
    parser.add_argument("--cpu-bilstm", action="store_true")
    parser.add_argument(
        "--stack",
        default="",
        help="tasks to also train the default recipe on (CPU) and blend with the fine-tuned scores",
    )
    parser.add_argument(
        "--stack-run",
        action="append",
        default=[],
        metavar="TASK=DIR",
        help="a default-recipe run already trained on TASK's rows, scored instead of a new one",
    )
    args = parser.parse_args(argv)
    data = pathlib.Path(args.data)
    stack_runs = dict(item.split("=", 1) for item in args.stack_run)
    if args.cpu_bilstm:
        cpu_bilstm(data)
    with lzma.open(data / "texts.json.xz", "rt") as f:
        texts = json.load(f)
    with lzma.open(data / "tasks.json.xz", "rt") as f:
        tasks = json.load(f)
    vectors = scores = None
    results = {"finetune": {}}
    for device in map(pathlib.Path, args.device):
        found = json.loads((device / "results.json").read_text())
        results["finetune"].update(found.pop("finetune", {}))
        results.update(found)
        if vectors is None and "embeddings" in found:
            vectors = embeddings(device)
        if (device / "finetune.npz").exists():
            with np.load(device / "finetune.npz") as packed:
                scores = {**(scores or {}), **{k: packed[k] for k in packed.files}}
    print(json.dumps({k: v for k, v in results.items() if k != "finetune"}, indent=1))
    for key, run in results["finetune"].items():
        print(f"{key}: {run['rows']} rows, epochs {run['epoch_seconds']} s")
    print(quality._format([]))
    for task_name in args.tasks.split(","):
        stack = stack_runs.get(task_name) or task_name in args.stack.split(",")
        score_task(task_name, tasks[task_name], texts, vectors, scores, results, data, stack)


if __name__ == "__main__":
    main()
