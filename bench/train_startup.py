"""Seconds a short training run takes per family, and how often Keras traces its train step.

What a run pays before it learns anything: building the model, tracing the
train and test steps, and the run's report. `Recipe.fit` builds the
optimizer before `fit` (`genreclf.training.recipe.build_optimizer`), so the
train step is traced once; Keras alone creates the optimizer's slots inside
the first trace, and `tf.function` traces such a step twice. Each family
trains `--epochs` epochs of its default configuration on the bundled sample
(310 synopses) in a fresh process, so every run pays its own first traces,
as `genreclf train` does. Needs no shared data.

    python bench/train_startup.py [--families bilstm,transformer,stack] [--epochs 2]
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

ONE_RUN = """
import json, sys, time
import keras
import genreclf

traces = {"train_step": 0}
step = keras.Model.train_step


def counted(self, data):  # runs in Python once per trace of the step
    traces["train_step"] += 1
    return step(self, data)


keras.Model.train_step = counted
family, epochs, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
began = time.perf_counter()
genreclf.train(genreclf.sample_path(), text="overview", label="genres", sep="|",
               model=family, epochs=epochs, out=out, verbose=0)
print(json.dumps({"seconds": time.perf_counter() - began, **traces}))
"""


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--families", default="bilstm,transformer,stack")
    parser.add_argument("--epochs", type=int, default=2)
    args = parser.parse_args()
    print(f"{'family':<12} {'seconds':>8} {'train-step traces':>18}")
    for family in args.families.split(","):
        with tempfile.TemporaryDirectory() as folder:
            done = subprocess.run(
                [sys.executable, "-c", ONE_RUN, family, str(args.epochs), f"{folder}/run"],
                capture_output=True,
                text=True,
                check=True,
            )
        result = json.loads(done.stdout.strip().splitlines()[-1])
        print(f"{family:<12} {result['seconds']:>8.1f} {result['train_step']:>18}")


if __name__ == "__main__":
    main()
