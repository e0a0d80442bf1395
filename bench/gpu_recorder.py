"""`Recorder`: the log and results files `bench/gpu_device.py` keeps current on the device."""

import json
import time

import numpy as np


class Recorder:
    """Appends to `log.txt` and keeps `results.json` and `finetune.npz` current."""

    def __init__(self, out):
        self.out, self.results, self.scores = out, {}, {}
        self.start = time.perf_counter()

    def log(self, message):
        line = f"[{time.perf_counter() - self.start:7.1f}s] {message}"
        print(line, flush=True)
        with open(self.out / "log.txt", "a") as f:
            f.write(line + "\n")

    def save(self):
        (self.out / "results.json").write_text(json.dumps(self.results, indent=1))
        if self.scores:
            np.savez(self.out / "finetune.npz", **self.scores)

    def elapsed(self):
        return time.perf_counter() - self.start
