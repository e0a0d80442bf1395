"""Seconds an explanation takes per family: the first text (traces) and each one after.

`Explainer` runs integrated gradients and the shown scores as traced graphs
(`genreclf.explaining.integrated_gradients`); run eagerly, a BiLSTM stepped
through its tokens in Python. The time of an attribution does not depend on
what the model learned, so each family is built untrained on
movielens_plots' vocabulary (the `stack` with its default MiniLM encoder
and random heads) and explains the first `--texts` synopses, one label
each, as `report.md` does, at each step count. Reads `../shared/data`;
exits with a note when it is absent.

    python bench/explain_speed.py [--families bilstm,transformer,stack,pretrained]
                                  [--steps 8,32] [--texts 6]
"""

import argparse
import os
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from quality_data import DATA  # noqa: E402  (bench/, the script's folder)
from quality_data import load_file  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--families", default="bilstm,transformer,stack,pretrained")
    parser.add_argument("--steps", default="8,32")
    parser.add_argument("--texts", type=int, default=6)
    args = parser.parse_args()
    if not DATA.is_dir():
        sys.exit(f"No shared data at {DATA}: set GENRECLF_SHARED_DATA. Nothing measured.")

    from genreclf.explaining.explainer import Explainer
    from genreclf.models.registry import build_model

    rows, _ = load_file("movielens_plots", aclimdb_rows=0)
    labels = rows.vocabulary().labels
    texts = list(rows.texts)
    print("| family | IG steps | first text, s | each text after, s (mean) | texts |")
    print("|---|---:|---:|---:|---:|")
    for family in args.families.split(","):
        config = {"preset": "minilm"} if family == "pretrained" else {}
        model = build_model(
            family, len(labels), multi_label=rows.multi_label, train_texts=texts, **config
        )
        for steps in (int(s) for s in args.steps.split(",")):
            explainer = Explainer(model, labels, steps=steps)
            seconds = []
            for i in range(args.texts):
                start = time.perf_counter()
                explainer.explain([texts[i]], labels=[labels[i % len(labels)]])
                seconds.append(time.perf_counter() - start)
            after = sum(seconds[1:]) / max(1, len(seconds) - 1)
            print(f"| {family} | {steps} | {seconds[0]:.2f} | {after:.2f} | {args.texts} |")
            sys.stdout.flush()


if __name__ == "__main__":
    main()
