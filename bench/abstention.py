"""`train --abstain`: coverage vs precision of the one-vs-all cascade on held-out rows.

Protocol as bench/quality.py (single-label sets split once, stratified, seed
0, 85% / 15%): `ngram` trained with `abstain=True` on the 85%, its cascade
(classes in order of out-of-fold precision, per-class thresholds from the
out-of-fold scores) measured on the 15% by `genreclf.evaluate`; beside it,
the arg-max of the same scores answering only its surest rows at the same
coverage.

Usage: nice python bench/abstention.py [--datasets movielens_plots,imdb_genre27]
"""

import argparse
import os
import pathlib
import sys
import tempfile

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

REPO = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "bench"))

from quality_data import load  # noqa: E402


def run_dataset(name, workdir):
    import genreclf

    train, test = load(name, aclimdb_rows=0)
    run = genreclf.train(
        train, model="ngram", abstain=True, out=pathlib.Path(workdir) / name, verbose=0
    )
    report = genreclf.evaluate(run, test, out=pathlib.Path(workdir) / f"{name}-eval")
    section = report["abstention"]
    print(
        f"\n{name}: {len(train)} training rows, {len(test)} held out, "
        f"{len(run.labels)} classes; arg-max accuracy on every row {report['accuracy']:.3f}"
    )
    print("| threshold shift | coverage | cascade precision | arg-max precision, same coverage |")
    print("|---:|---:|---:|---:|")
    for point in section["curve"]:
        precision = "–" if point["precision"] is None else f"{point['precision']:.3f}"
        argmax = "–" if point["argmax_precision"] is None else f"{point['argmax_precision']:.3f}"
        print(f"| {point['shift']:+.1f} | {point['coverage']:.3f} | {precision} | {argmax} |")
    print(f"order: {', '.join(section['order'])}", flush=True)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--datasets", default="movielens_plots,imdb_genre27")
    args = p.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="genreclf-abstain-") as workdir:
        for name in args.datasets.split(","):
            run_dataset(name, workdir)
    return 0


if __name__ == "__main__":
    sys.exit(main())
