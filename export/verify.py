"""`verify_export`: check an exported version the way TF Serving will load it.

The SavedModel is loaded in a fresh Python process that can import TensorFlow
and TF Text's compiled ops and nothing else (Keras, keras-hub and genreclf are
unimportable there). That process lists every op of every function in the
graph and checks each is registered, loads the model, runs both signatures
(and the warmup requests) and sends the scores back; this process compares
them with the Keras model's, and the model card with the SavedModel it ships
with (`card_check`) and with the run given as the reference, whose thresholds
(or abstaining cascade) must decide the served `labels` (`check_run_decisions`).

A version folder that lacks the SavedModel's own files (`saved_model.pb`,
`variables/variables.index`, the `variables.data-*` shards) is reported as
incomplete, naming what is missing, and not loaded at all: every later check
would only restate that in TensorFlow's words.
"""

import dataclasses
import json
import os
import re
import subprocess
import sys
import tempfile
import time

import numpy as np

from genreclf.errors import ConfigError
from genreclf.export.errors import VerificationError
from genreclf.export.run_decisions import check_run_decisions
from genreclf.export.saved_model_files import check_saved_model_files
from genreclf.export.verify_arguments import checked_sample_texts
from genreclf.export.verify_arguments import not_a_version_folder
from genreclf.setting import number

# TensorFlow's start-up noise on the worker's stderr, harmless on a machine
# without a GPU (TF_CPP_MIN_LOG_LEVEL=2 hides the INFO and WARNING lines, but
# the CUDA probes log at ERROR): left out of the report's stderr tail.
_NOISE = re.compile(
    r"cuInit|cuda drivers|CUDA_ERROR_NO_DEVICE|Unable to register cu(DNN|FFT|BLAS) factory"
    r"|register factory for plugin|absl::InitializeLog|computation placer already registered"
    r"|TF-TRT Warning|TensorRT|oneDNN custom operations|This TensorFlow binary is optimized"
    r"|rebuild TensorFlow with the appropriate compiler flags|NUMA node"
)

WORKER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "_verify_worker.py")
OP_LISTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "op_lists")


@dataclasses.dataclass
class VerifyReport:
    """The outcome of `verify_export`.

    Attributes:
        version_dir: the verified SavedModel directory.
        ok: True if every check passed.
        checks: `[{"name", "ok", "detail"}]` in the order they ran.
        ops: op statistics (`total`, `tf_text`, `unregistered`, ...).
        max_abs_diff: max |SavedModel - Keras| over the sample (None without
            a reference model).
        scores: the SavedModel's scores on the sample (`[n, K]`).
        seconds: wall time, subprocess included.

    Example:

    >>> report = verify_export("models/genre/1")  # doctest: +SKIP
    >>> print(report.summary())  # doctest: +SKIP
    """

    version_dir: str
    ok: bool
    checks: list
    ops: dict
    max_abs_diff: float = None
    scores: list = None
    seconds: float = 0.0
    worker_log: str = ""

    def summary(self):
        """The report as one screen of text."""
        status = "PASSED" if self.ok else "FAILED"
        lines = [f"verify {self.version_dir}: {status} ({self.seconds:.1f} s)"]
        for check in self.checks:
            mark = "ok  " if check["ok"] else "FAIL"
            detail = f": {check['detail']}" if check["detail"] else ""
            lines.append(f"  [{mark}] {check['name']}{detail}"[:400])
        if self.ops.get("tf_text"):
            lines.append(f"  TF Text ops: {', '.join(self.ops['tf_text'])}"[:300])
        tail = worker_errors(self.worker_log)[-5:] if not self.ok else []
        if tail:
            lines += ["  worker stderr (last lines):"] + [f"    {t}"[:300] for t in tail]
        return "\n".join(lines)

    def __str__(self):
        return self.summary()


def worker_errors(log):
    """The non-empty lines of the worker's stderr, TensorFlow's start-up noise left out.

    Example:

    >>> worker_errors("E cuda_platform.cc:51] failed call to cuInit: UNKNOWN ERROR\\nboom\\n")
    ['boom']
    """
    return [line for line in (log or "").splitlines() if line.strip() and not _NOISE.search(line)]


def _unloaded(check):
    """The worker's catch-all failure from before the SavedModel loaded, as a failed "load"
    saying what it means: it was "run: IndexError: Read less bytes than requested" for
    a damaged variables.data shard, "run: DecodeError: ..." for a truncated saved_model.pb."""
    from genreclf.export.card_check import INCOMPLETE_FIX

    return {
        "name": "load",
        "ok": False,
        "detail": f"the SavedModel does not load ({check['detail']}): its files are damaged "
        f"(a truncated or interrupted copy?) or not a SavedModel. {INCOMPLETE_FIX}",
    }


def tf_text_op_list(version):
    """The TF Text op names a TF Serving image bundles, from `op_lists/`.

    Args:
        version: a TF Text version with a committed list (e.g. `"2.12.1"`),
            or the path of a file with one op name per line.

    Returns:
        A sorted list of op names.
    """
    path = (
        version
        if os.path.isfile(str(version))
        else os.path.join(OP_LISTS, f"tf_text_{version}.txt")
    )
    if not os.path.isfile(path):
        available = (
            sorted(
                f[len("tf_text_") : -len(".txt")]
                for f in os.listdir(OP_LISTS)
                if f.startswith("tf_text_")
            )
            if os.path.isdir(OP_LISTS)
            else []
        )
        raise VerificationError(
            f"No op list for TF Text {version}. Expected one of {available} or "
            f"the path of a file with one op name per line. Received: "
            f"serving_tf_text={version!r}."
        )
    with open(path, encoding="utf-8") as f:
        return sorted(line.strip() for line in f if line.strip() and not line.startswith("#"))


def _sample_inputs(texts, input_specs):
    from genreclf.export.warmup import default_feature_values

    inputs = {"text": list(texts)}
    for name, spec in input_specs:
        if name != "text":
            values = default_feature_values(spec, len(texts))
            if values.dtype == object:  # strings: JSON carries text, not bytes
                values = np.full(values.shape, "", dtype=object)
            inputs[name] = values.tolist()
    return inputs


def _reference_scores(model, inputs):
    import tensorflow as tf

    from genreclf.export.signatures import call_structure
    from genreclf.export.signatures import model_input_specs

    specs = model_input_specs(model)
    tensors = {name: tf.constant(inputs[name], dtype=spec.dtype) for name, spec in specs}
    scores = model(call_structure(model, tensors), training=False)
    return np.asarray(scores, dtype="float64")


def verify_export(
    version_dir,
    *,
    reference_model=None,
    reference_run=None,
    sample_texts=None,
    atol=1e-5,
    serving_tf_text=None,
    timeout=600,
):
    """Verifies an exported SavedModel in a fresh TensorFlow-only process.

    Args:
        version_dir: the SavedModel directory (e.g. `models/genre/1`).
        reference_model: the Keras model it was exported from; if given,
            the scores must match within `atol`.
        reference_run: the run it was exported from (a `genreclf.run.Run` or
            its folder; `export verify --run`): the model card must name it
            (`card_check.check_run_source`), and its model is the reference
            model unless one is given. A run with other labels or another
            label mode is reported as such and its scores are not compared;
            a multi-label or abstaining run's decisions must be the served
            `labels` (`check_run_decisions`).
        sample_texts: the texts to run: a list of strings, or one string
            (one text, as `Run.predict` takes it); default: a few synopses,
            an empty string and non-Latin text.
        atol: the largest allowed absolute score difference (a number of
            at least 0).
        serving_tf_text: the TF Text version of the target TF Serving image
            when it differs from the installed one (`"2.12.1"` for TF Serving
            2.12-2.19), or a file of op names; its ops must cover the graph's.
        timeout: seconds before the subprocess is killed.

    Returns:
        A `VerifyReport` (check `.ok`; `.summary()` prints one screen).

    Raises:
        ConfigError: `sample_texts` is not strings (or is empty), `atol` is
            not a number of at least 0, or `version_dir` is not a version
            folder: a run folder, a model folder holding version folders, or
            no folder at all (a version folder missing some of its files is
            reported as incomplete instead).

    Example:

    >>> report = verify_export("models/genre/1", reference_model=model)  # doctest: +SKIP
    >>> report.ok  # doctest: +SKIP
    True
    """
    start = time.perf_counter()
    texts = checked_sample_texts(sample_texts)
    number(minimum=0).check("atol", atol, fix="Pass e.g. atol=1e-5 (the default).")
    problem = not_a_version_folder(version_dir)
    if problem:
        raise ConfigError(problem)
    version_dir = os.path.abspath(str(version_dir))
    files = check_saved_model_files(version_dir)
    if not files["ok"]:  # nothing to load: say what is missing, and only that
        return VerifyReport(
            version_dir=version_dir,
            ok=False,
            checks=[files],
            ops={},
            seconds=time.perf_counter() - start,
        )
    source = None
    if reference_run is not None:
        from genreclf.export.card_check import check_run_source

        if isinstance(reference_run, (str, os.PathLike)):
            from genreclf.run import load_run

            reference_run = load_run(reference_run)
        source, comparable = check_run_source(version_dir, reference_run)
        if not comparable:  # other labels or label mode: the scores mean other things
            reference_model = None
        elif reference_model is None:
            reference_model = reference_run.model
    input_specs = [("text", None)]
    if reference_model is not None:
        from genreclf.export.signatures import model_input_specs

        input_specs = model_input_specs(reference_model)
    inputs = _sample_inputs(texts, input_specs)
    request = {
        "inputs": inputs,
        "atol": atol,
        "serving_tf_text": serving_tf_text,
        "allowed_text_ops": None if serving_tf_text is None else tf_text_op_list(serving_tf_text),
    }
    with tempfile.TemporaryDirectory(prefix="genreclf-verify-") as tmp:
        request_path = os.path.join(tmp, "request.json")
        out_path = os.path.join(tmp, "report.json")
        with open(request_path, "w", encoding="utf-8") as f:
            json.dump(request, f)
        env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2", CUDA_VISIBLE_DEVICES="")
        try:
            proc = subprocess.run(
                [
                    sys.executable,
                    "-I",
                    WORKER,
                    version_dir,
                    "--request",
                    request_path,
                    "--out",
                    out_path,
                ],
                capture_output=True,
                text=True,
                timeout=timeout,
                env=env,
                cwd=tmp,
            )
            log = proc.stderr
        except subprocess.TimeoutExpired as e:
            log = f"worker timed out after {timeout} s\n{e.stderr or ''}"
        if os.path.exists(out_path):
            with open(out_path, encoding="utf-8") as f:
                result = json.load(f)
        else:
            result = {
                "ok": False,
                "checks": [
                    {
                        "name": "worker",
                        "ok": False,
                        "detail": "the verification subprocess died without a report",
                    }
                ],
            }
    from genreclf.export.card_check import check_model_card

    worker = result.get("checks", [])
    loaded = any(c["name"] == "load" for c in worker)
    checks = [files, *(c if loaded or c["name"] != "run" else _unloaded(c) for c in worker)]
    checks += check_model_card(version_dir, result)
    if source is not None:
        checks.append(source)
    max_abs_diff = None
    scores = result.get("scores")
    if reference_model is not None and scores is not None:
        expected = _reference_scores(reference_model, inputs)
        got = np.asarray(scores, dtype="float64")
        if got.shape != expected.shape:
            checks.append(
                {
                    "name": "parity with Keras",
                    "ok": False,
                    "detail": f"shape {list(got.shape)} vs {list(expected.shape)}",
                }
            )
        else:
            max_abs_diff = float(np.max(np.abs(got - expected))) if got.size else 0.0
            checks.append(
                {
                    "name": "parity with Keras",
                    "ok": max_abs_diff <= atol,
                    "detail": f"max |SavedModel - Keras| = {max_abs_diff:.2e} "
                    f"(atol {atol:g}) on {len(texts)} texts",
                }
            )
    if reference_run is not None and reference_model is not None and scores is not None:
        decisions = check_run_decisions(version_dir, reference_run, scores, result)
        if decisions is not None:
            checks.append(decisions)
    return VerifyReport(
        version_dir=version_dir,
        ok=bool(result.get("ok")) and all(c["ok"] for c in checks),
        checks=checks,
        ops=result.get("ops", {}),
        max_abs_diff=max_abs_diff,
        scores=scores,
        seconds=time.perf_counter() - start,
        worker_log=log,
    )
