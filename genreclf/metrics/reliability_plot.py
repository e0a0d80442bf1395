"""`plot_reliability`: a reliability diagram (before and after calibration) as a PNG."""

import numpy as np

from genreclf.errors import ConfigError


def plot_reliability(curves, path, title="Reliability diagram"):
    """Draws observed frequency against mean confidence per bin, one curve per entry.

    Like `plot_confusion`, it uses Matplotlib's Agg canvas directly (no
    `pyplot`, no display). The lower panel shows how many predictions fall
    in each bin, so a bin's gap can be weighed by its size.

    Args:
        curves: name → bins from `genreclf.metrics.calibration_error.reliability_bins`
            (e.g. `{"before": ..., "after": ...}`); each legend entry carries its ECE.
        path: the PNG file to write.
        title: the figure title.

    Returns:
        `path`.

    Example:

    >>> import tempfile, os
    >>> from genreclf.metrics.calibration_error import reliability_bins
    >>> bins = reliability_bins([[1, 0], [0, 1]], [[0.9, 0.1], [0.6, 0.4]], multi_label=False)
    >>> path = os.path.join(tempfile.mkdtemp(), "reliability.png")
    >>> plot_reliability({"before": bins}, path) == path
    True
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    if not curves:
        raise ConfigError(
            "Expected at least one curve, e.g. {'before': bins, 'after': bins}. Received: {}."
        )
    figure = Figure(figsize=(6.0, 7.0), dpi=100)
    FigureCanvasAgg(figure)
    grid = figure.add_gridspec(2, 1, height_ratios=(3, 1))
    axes = figure.add_subplot(grid[0])
    counts_axes = figure.add_subplot(grid[1], sharex=axes)
    axes.plot([0, 1], [0, 1], linestyle="--", color="grey", label="perfectly calibrated")
    width = 1.0 / max(table["bins"] for table in curves.values())
    offsets = np.linspace(-0.25, 0.25, len(curves)) * width if len(curves) > 1 else [0.0]
    for (name, table), offset in zip(curves.items(), offsets):
        confidence = np.asarray(table["confidence"])
        axes.plot(
            confidence, table["frequency"], marker="o", label=f"{name} (ECE {table['ece']:.3f})"
        )
        counts_axes.bar(
            confidence + offset, table["count"], width=width / max(2, len(curves)), label=name
        )
    axes.set_xlim(0, 1)
    axes.set_ylim(0, 1)
    axes.set_ylabel("observed frequency")
    axes.set_title(title)
    axes.legend(loc="upper left")
    counts_axes.set_xlabel("mean confidence in bin")
    counts_axes.set_ylabel("predictions")
    counts_axes.set_yscale("log")
    figure.tight_layout()
    figure.savefig(path, format="png")
    return path
