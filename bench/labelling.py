"""Benchmark of `genreclf label`: the cascade on data whose labels are hidden, then the LLM stage.

    python bench/labelling.py                       # all three datasets, then the LLM parts
    python bench/labelling.py --datasets movielens_plots --skip-llm

Protocol (each dataset, labels hidden from the cascade on the pool):
- split (stratified, seed 0): 50% train (labelled: the classifier run, `--model`
  (default: the default recipe, `auto`), is trained on
  it and the keywords are mined from it), 15% calibration (labelled: each
  stage's threshold is chosen on it, `genreclf.labelling.calibrate`), 35% pool
  (the "unlabelled" data the cascade labels; its labels only score the result).
  imdb_genre27 keeps its 8 most frequent genres; tmdb_genres is multi-label
  (micro-F1 beside precision).
- genres.yaml: one generic sentence per genre name (GENRE_DESCRIPTIONS below,
  written once, not tuned) and the 20 most discriminative terms mined from the
  train part (chi2).
- the cascade without an LLM: keywords -> zero-shot (MiniLM) -> the classifier run;
  coverage and precision (and micro-F1) per stage and overall on the pool, at
  the calibration target 0.9, and at the target whose pool coverage is closest
  to 60% (coverage needs no labels) beside the classifier alone at equal
  coverage (its most confident rows).
- with `augment`'s local OpenAI-compatible server as the LLM (movielens_plots):
  rows that reached the LLM vs LLM-only; then `genreclf label` in a subprocess
  killed with SIGKILL mid-run and rerun: paid requests sent twice (only those
  in flight may be).
"""

import argparse
import json
import os
import pathlib
import signal
import subprocess
import sys
import time

import numpy as np

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
DATA = pathlib.Path(os.environ.get("GENRECLF_SHARED_DATA", ROOT.parent / "shared" / "data"))

DATASETS = {
    "movielens_plots": dict(path="movielens_plots/train.csv", text="plot", label="tag"),
    "imdb_genre27": dict(path="imdb_genre27/train_data.txt", format="kaggle-genre", top=8),
    "tmdb_genres": dict(
        path="tmdb_genres/train.csv", text="overview", label="genres", sep="|", multi_label=True
    ),
}
GENRE_DESCRIPTIONS = {
    "action": "An action film of fights, chases, explosions and combat.",
    "adventure": "An adventure film: a journey or quest to faraway places.",
    "animation": "An animated film, often for children, with cartoon characters.",
    "comedy": "A comedy: a funny, light-hearted film meant to make people laugh.",
    "crime": "A crime film about criminals, gangsters, robberies, police and murder.",
    "documentary": "A documentary: a non-fiction film about real people and events.",
    "drama": "A drama: a serious story about people's lives, relationships and struggles.",
    "family": "A family film for children and parents.",
    "fantasy": "A fantasy film with magic, wizards, dragons and mythical worlds.",
    "history": "A historical film about real events and people of the past.",
    "horror": "A horror film meant to frighten, with ghosts, monsters, demons or killers.",
    "music": "A film about music, musicians, bands and singers.",
    "mystery": "A mystery film about solving a puzzling crime or secret.",
    "romance": "A romance: a love story between two people.",
    "science fiction": "A science-fiction film about space, aliens, robots or the future.",
    "sci-fi": "A science-fiction film about space, aliens, robots or the future.",
    "tv movie": "A film made for television.",
    "thriller": "A thriller: a suspenseful film of danger, murder and tension.",
    "war": "A war film about soldiers, battles and armies.",
    "western": "A western about cowboys, outlaws and sheriffs in the American Old West.",
    "short": "A short film.",
}
TARGETS = [round(t, 2) for t in np.arange(0.50, 0.991, 0.01)]


def load(name):
    from genreclf.data import load_dataset
    from genreclf.data import train_val_split

    spec = dict(DATASETS[name])
    path, top = DATA / spec.pop("path"), spec.pop("top", None)
    dataset = load_dataset(path, **spec)
    if top:
        keep_labels = sorted(dataset.label_counts(), key=lambda l: -dataset.label_counts()[l])[:top]
        dataset = dataset.subset([i for i, l in enumerate(dataset.labels) if l[0] in keep_labels])
    rest, pool = train_val_split(dataset, 0.35, seed=0)
    train, calib = train_val_split(rest, 0.15 / 0.65, seed=0)
    return train, calib, pool


def genres_for(train):
    from genreclf.labelling import Genre
    from genreclf.labelling import mine_keywords

    mined = mine_keywords(train.texts, train.labels, top_k=20, min_df=3)
    return [Genre(g, GENRE_DESCRIPTIONS.get(g.casefold(), ""), mined[g]) for g in mined]


def score(decisions_labels, truth, multi_label):
    """Label-level precision, and micro-F1 over the claimed rows (recall over their labels)."""
    hits = chosen = relevant = 0
    for labels, gold in zip(decisions_labels, truth):
        hits += len(set(labels) & set(gold))
        chosen += len(labels)
        relevant += len(gold)
    precision = hits / chosen if chosen else float("nan")
    recall = hits / relevant if relevant else float("nan")
    f1 = 2 * precision * recall / (precision + recall) if hits else 0.0
    return precision, f1


def simulate(stages, scores, n):
    """The cascade's decisions from precomputed scores: `(stage name or None, labels)` per row."""
    out = [(None, [])] * n
    left = np.arange(n)
    for stage in stages:
        decisions = stage.decide(None, scores=scores[stage.name][left])
        keep = []
        for i, d in zip(left, decisions):
            if d.claimed:
                out[i] = (stage.name, d.labels)
            else:
                keep.append(i)
        left = np.array(keep, dtype=int)
    return out


def run_dataset(name, work, model="auto"):
    import genreclf
    from genreclf.labelling import calibrate
    from genreclf.labelling.api import build_cascade

    t0 = time.perf_counter()
    train, calib, pool = load(name)
    multi = train.multi_label
    run_dir = work / f"{name}-{model}"
    run = genreclf.train(train, model=model, out=run_dir, verbose=0, overwrite=True)
    genres = genres_for(train)
    cascade = build_cascade(genres, run=run, multi_label=multi)
    stages = cascade.stages
    scores = {}
    for part, data in (("calib", calib), ("pool", pool)):
        for stage in stages:
            scores[(part, stage.name)] = stage.scores(data.texts)
    calib_scores = {s.name: scores[("calib", s.name)] for s in stages}
    pool_scores = {s.name: scores[("pool", s.name)] for s in stages}
    truth = pool.labels
    n = len(pool)

    def evaluate(target, rule="average"):
        report = calibrate(
            stages, calib.texts, calib.labels, target, scores=calib_scores, rule=rule
        )
        decided = simulate(stages, pool_scores, n)
        rows = {}
        for stage in [s.name for s in stages] + ["all"]:
            picked = [
                (labels, truth[i])
                for i, (s, labels) in enumerate(decided)
                if s is not None and (stage == "all" or s == stage)
            ]
            precision, f1 = score([p[0] for p in picked], [p[1] for p in picked], multi)
            rows[stage] = {"coverage": len(picked) / n, "precision": precision, "micro_f1": f1}
        return report, rows, decided

    curve = {t: evaluate(t)[1]["all"] for t in TARGETS}
    at60 = min(TARGETS, key=lambda t: (abs(curve[t]["coverage"] - 0.6), -t))
    rule = "average" if multi else "marginal"  # the marginal rule is single-label only
    marginal_curve = curve if multi else {t: evaluate(t, rule)[1]["all"] for t in TARGETS}
    m60 = min(TARGETS, key=lambda t: (abs(marginal_curve[t]["coverage"] - 0.6), -t))
    # the classifier alone at equal coverage: its most confident rows
    clf = stages[-1]
    saved = clf.threshold
    clf.threshold = -1.0
    clf_decisions = clf.decide(None, scores=pool_scores[clf.name])
    clf.threshold = saved
    order = np.argsort([-d.confidence for d in clf_decisions], kind="stable")

    def classifier_alone(coverage):
        k = int(round(coverage * n))
        picked = [i for i in order[:k]]
        return score([clf_decisions[i].labels for i in picked], [truth[i] for i in picked], multi)

    # what a user gets without calibrating: the default thresholds, each stage alone and cascaded
    from genreclf.labelling import DEFAULT_THRESHOLDS

    defaults = {}
    for stage in stages:
        stage.threshold = DEFAULT_THRESHOLDS[stage.name]
        decided = [d for d in stage.decide(None, scores=pool_scores[stage.name])]
        picked = [(d.labels, truth[i]) for i, d in enumerate(decided) if d.claimed]
        precision, _ = score([p[0] for p in picked], [p[1] for p in picked], multi)
        defaults[stage.name] = {
            "threshold": stage.threshold,
            "alone_coverage": len(picked) / n,
            "alone_precision": precision,
        }
    decided = simulate(stages, pool_scores, n)
    for stage in [s.name for s in stages] + ["all"]:
        picked = [
            (labels, truth[i])
            for i, (s, labels) in enumerate(decided)
            if s is not None and (stage == "all" or s == stage)
        ]
        precision, f1 = score([p[0] for p in picked], [p[1] for p in picked], multi)
        defaults.setdefault(stage, {}).update(
            {"coverage": len(picked) / n, "precision": precision, "micro_f1": f1}
        )

    report90, rows90, _ = evaluate(0.9)
    thresholds90 = {s.name: s.threshold for s in stages}
    report_m, rows_m, _ = evaluate(m60, rule)
    thresholds_m = {s.name: s.threshold for s in stages}
    report60, rows60, _ = evaluate(at60)
    thresholds60 = {s.name: s.threshold for s in stages}
    result = {
        "dataset": name,
        "rows": {"train": len(train), "calib": len(calib), "pool": n},
        "multi_label": multi,
        "target_0.9": {
            "calibration": report90,
            "thresholds": thresholds90,
            "pool": rows90,
            "classifier_alone": dict(
                zip(("precision", "micro_f1"), classifier_alone(rows90["all"]["coverage"]))
            ),
        },
        "coverage_60": {
            "target": at60,
            "thresholds": thresholds60,
            "calibration": report60,
            "pool": rows60,
            "classifier_alone": dict(
                zip(("precision", "micro_f1"), classifier_alone(rows60["all"]["coverage"]))
            ),
        },
        "coverage_60_marginal": {
            "target": m60,
            "rule": rule,
            "thresholds": thresholds_m,
            "calibration": report_m,
            "pool": rows_m,
            "classifier_alone": dict(
                zip(("precision", "micro_f1"), classifier_alone(rows_m["all"]["coverage"]))
            ),
        },
        "defaults": defaults,
        "curve": {str(t): curve[t] for t in TARGETS[::5]},
        "seconds": time.perf_counter() - t0,
    }
    # The real cascade (Cascade.run, JSONL out) at the 0.9 thresholds agrees with the simulation.
    for stage in stages:
        stage.threshold = thresholds90[stage.name]
    out = work / f"{name}-labelled.jsonl"
    if out.exists():
        out.unlink()
    rows = [{"id": str(i), "line": None, "text": t} for i, t in enumerate(pool.texts)]
    real = cascade.run(rows, out)
    result["cascade_run_by_stage"] = real.by_stage
    return result, genres, run_dir, pool


def llm_parts(name, genres, run_dir, pool, work, operating_points):
    """Rows that reach the LLM vs LLM-only, and a kill -9 resume with no repeated paid call."""
    from genreclf.augment.fake_server import FakeChatServer
    from genreclf.labelling import save_genres
    from genreclf.labelling.api import build_cascade

    out = {}
    rows = [{"id": str(i), "line": None, "text": t} for i, t in enumerate(pool.texts)]
    with FakeChatServer() as server:
        runs = [(f"cascade {point}", None, t) for point, t in operating_points.items()]
        for label, stages, thresholds in runs + [("llm_only", ("llm",), None)]:
            path = work / f"{name}-{label.replace(' ', '-')}.jsonl"
            for p in (path, pathlib.Path(str(path) + ".llm-cache.jsonl")):
                if p.exists():
                    p.unlink()
            args = dict(run=run_dir, llm="gpt-4o-mini", base_url=server.url, budget_usd=2.0)
            args["thresholds"] = thresholds
            if stages:
                args["stages"] = stages
            result = build_cascade(genres, **args).run(rows, path)
            out[label] = {"by_stage": result.by_stage, "llm": result.llm}
    # kill -9 mid-run, then rerun: count requests sent twice
    yaml_path = work / f"{name}-genres.yaml"
    save_genres(genres, yaml_path)
    csv_path = work / f"{name}-pool.csv"
    import csv

    with open(csv_path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["id", "overview"])
        for r in rows:
            w.writerow([r["id"], r["text"]])
    target = work / f"{name}-killed.jsonl"
    for p in (target, pathlib.Path(str(target) + ".llm-cache.jsonl")):
        if p.exists():
            p.unlink()
    concurrency = 4
    with FakeChatServer(latency=0.1) as server:
        command = [
            sys.executable,
            "-m",
            "genreclf",
            "label",
            str(csv_path),
            "--text",
            "overview",
            "--genres",
            str(yaml_path),
            "--stages",
            "keywords,llm",
            "--llm",
            "gpt-4o-mini",
            "--base-url",
            server.url,
            "--budget-usd",
            "2",
            "--concurrency",
            str(concurrency),
            "--out",
            str(target),
            "--quiet",
        ]
        proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 300
        while len(server.requests) < 60 and time.time() < deadline and proc.poll() is None:
            time.sleep(0.05)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        before = len(server.requests)
        written_before = sum(1 for _ in open(target, encoding="utf-8")) if target.exists() else 0
        rerun = subprocess.run(command, capture_output=True, text=True, timeout=600)
        counts = server.counts()
        repeated = sum(1 for c in counts.values() if c > 1)
        ids = [json.loads(line)["id"] for line in open(target, encoding="utf-8")]
    out["kill9"] = {
        "requests_before_kill": before,
        "rows_written_before_kill": written_before,
        "requests_total": sum(counts.values()),
        "distinct_prompts": len(counts),
        "sent_twice": repeated,
        "in_flight_limit": concurrency,
        "rerun_exit": rerun.returncode,
        "rows_after": len(ids),
        "unique_ids_after": len(set(ids)),
        "pool_rows": len(rows),
    }
    return out


def main(argv=None):
    parser = argparse.ArgumentParser()
    parser.add_argument("--datasets", default="movielens_plots,imdb_genre27,tmdb_genres")
    parser.add_argument("--work", default="/tmp/genreclf-bench-labelling")
    parser.add_argument("--skip-llm", action="store_true")
    parser.add_argument("--model", default="auto", help="the classifier stage's family")
    parser.add_argument("--json", default=None, help="write the results here")
    parser.add_argument(
        "--markdown", nargs="+", help="print the RESULTS.md tables of these result files, and stop"
    )
    args = parser.parse_args(argv)
    if args.markdown:
        from labelling_tables import markdown  # bench/, the script's folder, is on sys.path

        results = {}
        for path in args.markdown:
            with open(path) as f:
                results.update(json.load(f))
        print(markdown(results))
        return 0
    work = pathlib.Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    results = {}
    for name in args.datasets.split(","):
        result, genres, run_dir, pool = run_dataset(name, work, args.model)
        result["model"] = args.model
        results[name] = result
        print(json.dumps(result, indent=1, default=float), flush=True)
        if not args.skip_llm and name == "movielens_plots":
            points = {
                "target 0.9": result["target_0.9"]["thresholds"],
                "coverage 60%": result["coverage_60_marginal"]["thresholds"],
            }
            llm = llm_parts(name, genres, run_dir, pool, work, points)
            results[name]["llm"] = llm
            print(json.dumps(llm, indent=1, default=float), flush=True)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1, default=float)
    return 0


if __name__ == "__main__":
    sys.exit(main())
