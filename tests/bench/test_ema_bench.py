"""bench/ema.py's table line: seeds, mean, spread and the seeds under 0.9 × (a)."""

import doctest
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "bench"))

import ema  # noqa: E402


def test_a_line_counts_the_seeds_under_the_bar():
    line = ema.seed_row("movielens_plots", "bilstm", 0.997, [0.40, 0.47, 0.48], 0.4547)
    assert line.startswith("| movielens_plots | bilstm | 0.997 | 0.4000 / 0.4700 / 0.4800 |")
    assert line.endswith("| 0.4500 | 0.080 | 0.99 | 1 of 3 |")
    auto = ema.seed_row("imdb_genre27", "transformer", "auto", [0.25], 0.2587)
    assert auto.startswith("| imdb_genre27 | transformer | auto | 0.2500 |")
    assert doctest.testmod(ema).failed == 0
