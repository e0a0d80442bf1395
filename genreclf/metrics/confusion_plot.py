"""`plot_confusion`: a row-normalized confusion matrix as a PNG, readable for dozens of classes."""

import numpy as np

from genreclf.errors import ConfigError


def plot_confusion(confusion, labels, path, title="Confusion matrix (rows normalized)"):
    """Draws a confusion matrix, each row normalized to the share of its true class.

    Uses Matplotlib's Agg canvas directly (no `pyplot`, no display, no global
    backend change), so it works on servers and in threads. The figure grows
    with the number of classes; cells carry their percentage up to 40 classes.

    Args:
        confusion: `[K, K]` counts, rows true classes, columns predicted.
        labels: the K class names.
        path: the PNG file to write.
        title: the figure title.

    Returns:
        `path`.

    Example:

    >>> import tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "confusion.png")
    >>> plot_confusion([[3, 1], [0, 4]], ["comedy", "drama"], path) == path
    True
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    counts = np.asarray(confusion, dtype="float64")
    num_classes = len(labels)
    if counts.shape != (num_classes, num_classes):
        raise ConfigError(
            f"Expected a [{num_classes}, {num_classes}] confusion matrix (one row "
            f"and column per label). Received: confusion.shape={counts.shape}."
        )
    totals = counts.sum(axis=1, keepdims=True)
    shares = np.divide(counts, totals, out=np.zeros_like(counts), where=totals > 0)

    side = min(max(5.0, 0.42 * num_classes + 3.0), 30.0)
    figure = Figure(figsize=(side + 1.2, side), dpi=100)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot(1, 1, 1)
    image = axes.imshow(shares, cmap="Blues", vmin=0.0, vmax=1.0, interpolation="nearest")
    figure.colorbar(image, ax=axes, fraction=0.046, pad=0.04, label="share of the true class")

    font_size = 10 if num_classes <= 10 else 9 if num_classes <= 20 else 8
    if num_classes > 30:
        font_size = 7
    ticks = np.arange(num_classes)
    support = [f"{label} ({int(total)})" for label, total in zip(labels, totals[:, 0])]
    axes.set_xticks(ticks)
    axes.set_xticklabels(
        labels, rotation=60, ha="right", rotation_mode="anchor", fontsize=font_size
    )
    axes.set_yticks(ticks)
    axes.set_yticklabels(support, fontsize=font_size)
    axes.set_xlabel("predicted class")
    axes.set_ylabel("true class (support)")
    axes.set_title(title)

    if num_classes <= 40:
        for i in range(num_classes):
            for j in range(num_classes):
                if counts[i, j] == 0:
                    continue
                share = shares[i, j]
                axes.text(
                    j,
                    i,
                    f"{100 * share:.0f}",
                    ha="center",
                    va="center",
                    fontsize=font_size - 1,
                    color="white" if share > 0.5 else "black",
                )
    figure.tight_layout()
    figure.savefig(path, format="png")
    return path
