"""The real corpus `augment` learns from: a `TextDataset` or a data file."""

from genreclf.errors import ConfigError


def as_dataset(
    data, *, text=None, label=None, format="auto", sep=None, multi_label=None, skip_bad_rows=False
):
    """Returns `data` as a `genreclf.data.TextDataset`.

    Args:
        data: a `TextDataset` (returned as is), or a path or pandas
            DataFrame that `genreclf.data.load_dataset` reads (CSV, JSONL,
            Parquet, Kaggle `:::` text).
        text, label, format, sep, multi_label, skip_bad_rows: passed to
            `load_dataset` (`skip_bad_rows=True` skips, counts and logs the
            rows it cannot read, such as a CSV row with an extra field).

    Example:

    >>> from genreclf.data.dataset import TextDataset
    >>> ds = TextDataset(["a ghost story"], [["horror"]])
    >>> as_dataset(ds) is ds
    True
    """
    if hasattr(data, "texts") and hasattr(data, "labels"):
        return data
    try:
        from genreclf.data import load_dataset
    except ImportError as e:  # the core loader is not installed/importable
        raise ConfigError(
            "Reading a data file needs `genreclf.data.load_dataset`, which could "
            f"not be imported ({e}). Received: data of type {type(data).__name__}. Pass a "
            "`TextDataset` instead, or install the full genreclf package."
        ) from None
    kwargs = {
        "text": text,
        "label": label,
        "format": format,
        "multi_label": multi_label,
        "sep": sep,
        "skip_bad_rows": skip_bad_rows,
    }
    return load_dataset(data, **kwargs)  # a path or a DataFrame; refuses the rest


def real_rows(dataset):
    """Indices of the rows that are real (not synthetic) in `dataset`."""
    sources = getattr(dataset, "sources", None)
    if not sources:
        return list(range(len(dataset.texts)))
    return [i for i, s in enumerate(sources) if s != "synthetic"]
