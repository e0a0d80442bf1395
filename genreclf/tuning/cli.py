"""`genreclf tune`: KerasTuner search over a model family; `genreclf tune show DIR`."""

import argparse
import json
import os
import sys

from genreclf.cli.train import add_mlflow_arguments
from genreclf.errors import ConfigError

SHOW_HELP = "genreclf tune show DIR [--top N]: the leaderboard of a search"


def build_parser():
    p = argparse.ArgumentParser(
        prog="genreclf tune",
        description="Search hyperparameters of a model family with KerasTuner (random, "
        "Hyperband, Bayesian), on one machine or a chief with workers "
        "(KERASTUNER_TUNER_ID=chief|tuner0|..., KERASTUNER_ORACLE_IP, KERASTUNER_ORACLE_PORT). "
        "Writes DIR/leaderboard.csv|json and DIR/best.json (a `genreclf train --config` file). "
        f"Also: {SHOW_HELP}.",
    )
    p.add_argument("data", help="training file (any format `genreclf train` reads)")
    data = p.add_argument_group("data")
    data.add_argument("--text", help="text column")
    data.add_argument("--label", help="label column")
    data.add_argument(
        "--format", help="csv, tsv, tsv-unquoted, jsonl, parquet, kaggle-genre, aclimdb"
    )
    data.add_argument(
        "--multi-label", action="store_const", const=True, help="rows may carry several labels"
    )
    data.add_argument("--sep", help="separator between labels in one cell (implies --multi-label)")
    data.add_argument("--val-data", help="a separate validation file")
    data.add_argument(
        "--val-split", type=float, default=0.1, help="validation fraction (default 0.1)"
    )
    data.add_argument(
        "--seed", type=int, default=0, help="split, shuffle and oracle seed (default 0)"
    )
    search = p.add_argument_group("search")
    search.add_argument("--model", default="bilstm", help="model family (default bilstm)")
    search.add_argument("--tuner", default="hyperband", choices=("hyperband", "random", "bayesian"))
    search.add_argument(
        "--objective",
        default="auto",
        help="metric to optimise; direction inferred (loss: min) (default auto: "
        "val_tuned_macro_f1 for multi-label data, else val_macro_f1)",
    )
    search.add_argument(
        "--max-trials",
        type=int,
        default=30,
        help="most trials, 1 or more: every search ends (default 30)",
    )
    search.add_argument(
        "--max-epochs", type=int, default=20, help="most epochs per trial, 1 or more (default 20)"
    )
    search.add_argument(
        "--executions-per-trial",
        type=int,
        default=1,
        help="models per trial, scores averaged (default 1)",
    )
    search.add_argument("--max-time", type=float, help="seconds after which no new trial starts")
    search.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=JSON",
        help="fix or tune one argument: --set lstm_units=32 (fixed), "
        '--set lstm_units=[16,32] (choice), --set \'lr={"min":1e-4,"max":1e-2,'
        '"sampling":"log"}\' (range); repeatable',
    )
    search.add_argument(
        "--only-set",
        action="store_true",
        help="tune only the --set arguments; the rest keep their defaults",
    )
    search.add_argument(
        "--max-failures",
        type=int,
        default=3,
        help="stop after this many failed trials in a row (default 3)",
    )
    search.add_argument(
        "--retries", type=int, default=0, help="reruns of a crashed trial (default 0)"
    )
    search.add_argument("--kfold-top", type=int, default=0, help="k-fold score the N best trials")
    search.add_argument("--folds", type=int, default=5, help="k for --kfold-top (default 5)")
    folder = p.add_argument_group("folder")
    folder.add_argument("--dir", help="tuning folder (default tuning/<model>)")
    again = folder.add_mutually_exclusive_group()
    again.add_argument("--resume", action="store_true", help="continue the search in --dir")
    again.add_argument("--overwrite", action="store_true", help="delete the search in --dir first")
    dist = p.add_argument_group("distributed (or the KERASTUNER_* environment variables)")
    dist.add_argument("--tuner-id", help="chief, tuner0, tuner1, ... (sets KERASTUNER_TUNER_ID)")
    dist.add_argument("--oracle-ip", help="the chief's address (sets KERASTUNER_ORACLE_IP)")
    dist.add_argument(
        "--oracle-port", type=int, help="the chief's port (sets KERASTUNER_ORACLE_PORT)"
    )
    dist.add_argument(
        "--oracle-wait",
        type=float,
        default=300.0,
        help="worker: seconds to wait for the chief to come up (default 300)",
    )
    dist.add_argument(
        "--worker-timeout",
        type=float,
        default=None,
        help="chief: seconds without a heartbeat before a worker is presumed dead and "
        "its trial requeued (default: 4 heartbeats = 60 s; more than --heartbeat)",
    )
    dist.add_argument(
        "--rpc-timeout",
        type=float,
        default=600.0,
        help="worker: seconds each call to the chief may take before the worker gives up "
        "(default 600; a dead chief ends its workers after this long)",
    )
    dist.add_argument(
        "--heartbeat",
        type=float,
        default=15.0,
        help="worker: seconds between heartbeats during a trial (default 15; "
        "the chief's --worker-timeout must be longer)",
    )
    add_mlflow_arguments(p, what="the search (one run) and each trial (a nested run)")
    p.add_argument("--quiet", action="store_true", help="no per-trial output")
    return p


def build_show_parser():
    p = argparse.ArgumentParser(
        prog="genreclf tune show", description="The leaderboard of a search."
    )
    p.add_argument("dir", help="a tuning folder")
    p.add_argument("--top", type=int, help="show the N best trials only")
    p.add_argument("--json", action="store_true", help="print the leaderboard as JSON")
    return p


def parse_space(pairs):
    """`--set KEY=JSON` pairs as a search space: scalars fixed, lists choices, objects ranges.

    An object with `values` is a choice too, as in a family's declared
    space (with its `default`, or a `when`).

    One object is a fixed value: the weights' moving average as a horizon,
    `ema={"steps": N, "max_epochs": E}` (`genreclf.training.optimizers.check_ema`).

    Example:

    >>> space = parse_space(["lstm_units=[4, 8]", "dropout=0.2", "pooling=max",
    ...                      'lr={"min": 0.001, "max": 0.1, "sampling": "log"}'])
    >>> space["lstm_units"], space["dropout"], space["pooling"], type(space["lr"]).__name__
    ([4, 8], 0.2, 'max', 'Float')
    """
    from genreclf.cli.settings import parse_settings
    from genreclf.training.optimizers import check_ema
    from genreclf.tuning.conditional import conditions
    from genreclf.tuning.search_space import to_hyperparameter

    space = parse_settings(pairs, example="lstm_units=[16,32]")
    for key, value in space.items():
        if key == "ema" and isinstance(value, dict) and "steps" in value:
            value = check_ema(value)  # a horizon ({"steps": N}): one fixed value, not a range
        elif isinstance(value, dict):
            if not ({"min", "max"} <= set(value) or "values" in value):
                raise ConfigError(
                    "A range needs 'min' and 'max' (a choice: 'values'). Received: --set "
                    f"{key}={json.dumps(value)}. Example: --set "
                    '\'lr={"min": 1e-4, "max": 1e-2, "sampling": "log"}\' or --set '
                    '\'lstm_units={"values": [16, 32], "default": 32}\'.'
                )
            hyperparameter = to_hyperparameter(key, value)  # a bad range: refused here
            # A conditional range (`when`) stays as given: the hypermodel reads its parent.
            value = value if conditions({key: value}) else hyperparameter
        _check_numbers(key, value)
        space[key] = value
    return space


# Training arguments that only take numbers (a model setting's type is its family's).
_NUMERIC = ("lr", "weight_decay", "label_smoothing", "batch_size", "epochs", "patience")


def _check_numbers(key, value):
    candidates = value if isinstance(value, list) else [value]
    if key in _NUMERIC and any(isinstance(v, str) for v in candidates):
        raise ConfigError(
            f"--set {key} takes numbers: one, a list of candidates, or a range. Received: "
            f"{key}={value!r}. Example: --set {key}=[0.001,0.0003] or "
            f'--set \'{key}={{"min": 1e-4, "max": 1e-2, "sampling": "log"}}\'.'
        )


def show(argv):
    from genreclf.tuning import results

    args = build_show_parser().parse_args(argv)
    rows = results.leaderboard(args.dir)
    if args.json:
        print(json.dumps(rows[: args.top] if args.top else rows, indent=2))
        return 0
    spec = results.search_spec(args.dir)  # a make_tuner search: from its trials' records
    results.write_leaderboard(args.dir, rows)
    done = sum(1 for r in rows if r.get("rank"))
    executions = spec.get("executions_per_trial") or 1
    print(
        f"{spec.get('model') or '?'} search with {spec.get('tuner') or '?'}: {len(rows)} "
        f"trials, {done} completed, objective {spec.get('objective') or 'score'} "
        f"({spec.get('direction') or 'max'})"
        + (
            f"; epochs: the longest of each trial's {executions} executions"
            if executions > 1
            else ""
        )
    )
    print(
        results.format_leaderboard(rows, objective=spec.get("objective") or "score", top=args.top)
    )
    return 0


def main(argv):
    argv = list(argv)
    if argv and argv[0] == "show":
        return show(argv[1:])
    args = build_parser().parse_args(argv)
    from genreclf.tuning import distributed
    from genreclf.tuning.chief_client import ChiefLost
    from genreclf.tuning.search import tune

    distributed.configure(args.tuner_id, args.oracle_ip, args.oracle_port)
    import grpc  # keras-tuner's: how a worker calls its chief

    try:
        result = _run(args, tune)
    except (grpc.RpcError, ChiefLost) as error:  # RpcError: a call before the search began
        if distributed.role() != "worker":
            raise
        # A worker lost its chief: say what to do, not grpc's traceback.
        print(f"genreclf tune: error: {_lost_chief(error)}", file=sys.stderr)
        return 1
    return _report(result)


def _lost_chief(error):
    """What a worker that lost its chief says: what was kept, and what to do."""
    from genreclf.tuning import distributed
    from genreclf.tuning.chief_client import status_name

    ip, port = distributed.oracle_address()
    kept = ""
    if getattr(error, "kept", None):
        kept = (
            f" Trial {error.trial_id} finished but was not reported: its result is kept in "
            f"{error.kept}. A worker that runs the trial with this --dir (this one restarted, "
            "or any worker where --dir is a folder shared by all) reports it instead of "
            "training it again; elsewhere the trial trains again."
        )
    return (
        f"worker {os.environ.get(distributed.TUNER_ID, '')} lost the chief at {ip}:{port} "
        f"({status_name(error)}).{kept} Restart the chief with --resume, then this worker."
    )


def _run(args, tune):
    return tune(
        args.data,
        text=args.text,
        label=args.label,
        format=args.format or "auto",
        multi_label=args.multi_label,
        sep=args.sep,
        val_data=args.val_data,
        val_split=args.val_split,
        seed=args.seed,
        model=args.model,
        tuner=args.tuner,
        objective=args.objective,
        max_trials=args.max_trials,
        max_epochs=args.max_epochs,
        executions_per_trial=args.executions_per_trial,
        max_time=args.max_time,
        directory=args.dir,
        resume=args.resume,
        overwrite=args.overwrite,
        search_space=parse_space(args.set),
        search_defaults=not args.only_set,
        max_consecutive_failed_trials=args.max_failures,
        max_retries_per_trial=args.retries,
        oracle_wait=args.oracle_wait,
        worker_timeout=args.worker_timeout,
        heartbeat=args.heartbeat,
        kfold_top=args.kfold_top,
        folds=args.folds,
        verbose=0 if args.quiet else 1,
        mlflow_uri=args.mlflow,
        mlflow_experiment=args.mlflow_experiment,
        rpc_timeout=args.rpc_timeout,
    )


def _report(result):
    from genreclf.tuning import distributed
    from genreclf.tuning import results

    if not result.leaderboard:
        print(f"worker {os.environ.get(distributed.TUNER_ID, '')}: search finished")
        return 0
    spec = results.read_spec(result.directory)
    print()
    print(
        results.format_leaderboard(
            result.leaderboard, objective=spec.get("objective", "score"), top=10
        )
    )
    if result.kfold:
        print("\nk-fold macro-F1 of the top trials:")
        for s in result.kfold:
            print(f"  trial {s['trial']}: {s['macro_f1_mean']:.4f} ± {s['macro_f1_std']:.4f}")
    print(f"\nleaderboard: {result.directory / results.LEADERBOARD_CSV}")
    if result.best_config:
        monitor = result.best_config.get("monitor")
        print(
            f"best config: {result.best_config_path}  (genreclf train --config "
            f"{result.best_config_path}"
            + (f"; keeps epochs by {monitor}, as the trials did" if monitor else "")
            + ")"
        )
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main(sys.argv[1:]))
