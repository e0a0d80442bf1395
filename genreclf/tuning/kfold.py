"""`kfold_scores`: k-fold cross-validation of the best trials of a search.

A search scores each trial on one validation split; on small data the ranking
is noisy. `genreclf tune ... --kfold-top 3` retrains the three best
configurations with `genreclf.training.cross_validation` and reports the mean
± std of macro-F1 over k folds, a steadier basis to pick the winner.
"""

import pathlib

from genreclf.json_files import write_json
from genreclf.tuning import results
from genreclf.tuning.results import best_config


def kfold_scores(directory, rows, *, dataset=None, hypermodel=None, folds=5, verbose=0):
    """Cross-validates the configurations of leaderboard `rows`; writes `kfold.json`.

    Args:
        directory: the tuning folder.
        rows: leaderboard rows (e.g. the top 3).
        dataset: the full `TextDataset` (default: read from `tune.json`).
        hypermodel: the search's hypermodel (maps trial values to a config).
        folds: k.
        verbose: Keras verbosity.

    Returns:
        A list of `{"trial", "score", "macro_f1_mean", "macro_f1_std", "run"}`,
        best mean first.

    Example:

    >>> from genreclf.tuning import leaderboard
    >>> kfold_scores("tuning/bilstm", leaderboard("tuning/bilstm")[:2], folds=3)  # doctest: +SKIP
    """
    from genreclf.training.config import TrainConfig
    from genreclf.training.cross_validation import cross_validate
    from genreclf.training.trainer import read_dataset

    directory = pathlib.Path(directory)
    scores = []
    for row in rows:
        cfg = TrainConfig.from_dict({**best_config(directory, row, hypermodel), "folds": folds})
        data = dataset if dataset is not None else read_dataset(cfg)
        out = directory / "kfold" / f"trial_{row['trial']}"
        run = cross_validate(data, None, cfg, out, verbose=verbose)
        summary = run.metrics["cross_validation"]["summary"]["macro_f1"]
        scores.append(
            {
                "trial": row["trial"],
                "score": row.get("score"),
                "macro_f1_mean": summary["mean"],
                "macro_f1_std": summary["std"],
                "run": str(out),
            }
        )
    scores.sort(key=lambda s: s["macro_f1_mean"], reverse=True)
    write_json(directory / results.KFOLD, scores)
    return scores
