"""`TuningResult`, what `tune` returns, and `finish`, the step that writes a search's results.

Once the trials are done (or the search stopped), `finish` writes the
leaderboard files and `best.json` of the tuning folder (see
`genreclf.tuning.results`), k-fold scores the best trials when asked, and
returns a `TuningResult`: the folder, the leaderboard rows and the best
configuration.
"""

import dataclasses
import logging
import pathlib

from genreclf.json_files import write_json
from genreclf.tuning import results
from genreclf.tuning.results import best_config

logger = logging.getLogger("genreclf.tuning")


@dataclasses.dataclass(repr=False)
class TuningResult:
    """What `tune` returns: the folder, the leaderboard rows and the best config.

    On a worker process `leaderboard` is empty and `best_config` None: the
    chief writes the results. Its repr is a summary (the rows are in
    `leaderboard`, or `format_leaderboard(result.leaderboard)` as a table).

    Example:

    >>> TuningResult(pathlib.Path("tuning/ngram"), [
    ...     {"trial": "1", "status": "COMPLETED", "score": 0.61234, "rank": 1},
    ...     {"trial": "0", "status": "FAILED", "score": None, "rank": None}],
    ...     objective="val_macro_f1")
    TuningResult('tuning/ngram': 2 trials, 1 completed, 1 failed; best val_macro_f1=0.6123 (trial 1))
    """

    directory: pathlib.Path
    leaderboard: list
    best_config: dict = None
    kfold: list = None
    objective: str = None  # the name of the score the leaderboard ranks by

    @property
    def best_config_path(self):
        return self.directory / results.BEST_CONFIG

    def __repr__(self):
        rows = self.leaderboard or []
        if not rows:
            return f"TuningResult('{self.directory}': no trials here; on a worker, see the chief)"
        completed = sum(r.get("status") == "COMPLETED" for r in rows)
        failed = sum(r.get("status") in ("FAILED", "INVALID") for r in rows)
        summary = (
            f"{len(rows)} trial{'s' if len(rows) != 1 else ''}, {completed} completed, "
            f"{failed} failed"
        )
        best = next((r for r in rows if r.get("rank") and r.get("score") is not None), None)
        if best is not None:
            summary += (
                f"; best {self.objective or 'score'}={best['score']:.4g} (trial {best['trial']})"
            )
        else:
            summary += "; no best trial"
        if self.kfold:
            summary += f"; k-fold scores of {len(self.kfold)} trials"
        return f"TuningResult('{self.directory}': {summary})"


def finish(directory, *, dataset=None, hypermodel=None, kfold_top=0, folds=5, verbose=1):
    """Writes the leaderboard files and `best.json` of a tuning folder; k-fold scores the top.

    Args:
        directory: the tuning folder.
        dataset: the full `TextDataset` for k-fold (default: read from `tune.json`).
        hypermodel: the search's hypermodel (maps a trial's values to its config).
        kfold_top: k-fold score the N best trials (0: no).
        folds: k for `kfold_top`.
        verbose: Keras verbosity of the k-fold runs.

    Returns:
        A `TuningResult`.

    Example:

    >>> result = finish("tuning/ngram")  # doctest: +SKIP
    >>> result.best_config_path  # doctest: +SKIP
    PosixPath('tuning/ngram/best.json')
    """
    directory = pathlib.Path(directory)
    rows = results.leaderboard(directory)
    results.write_leaderboard(directory, rows)
    done = [r for r in rows if r.get("rank")]
    best = None
    if done:
        best = best_config(directory, done[0], hypermodel)
        write_json(directory / results.BEST_CONFIG, best)
    else:
        logger.warning("no trial of %s completed: no best.json written", directory)
    kfold = None
    if kfold_top and done:
        from genreclf.tuning.kfold import kfold_scores

        kfold = kfold_scores(
            directory,
            done[:kfold_top],
            dataset=dataset,
            hypermodel=hypermodel,
            folds=folds,
            verbose=verbose,
        )
    objective = results.search_spec(directory).get("objective")
    return TuningResult(directory, rows, best, kfold, objective)
