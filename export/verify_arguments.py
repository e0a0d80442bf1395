"""What `verify_export` is given, checked before anything loads.

The folder (`not_a_version_folder`: a run folder, a model folder of
versions, or no folder at all is named for what it is) and the sample texts
(`checked_sample_texts`). Kept apart from `genreclf.export.verify`, which
runs the checks themselves.
"""

import collections.abc
import os

from genreclf.errors import ConfigError

RUN_FILES = ("config.json", "labels.json", "model.keras")  # what makes a folder a run

DEFAULT_SAMPLE_TEXTS = (
    "A detective hunts a killer through the rain-soaked streets of a city that never sleeps.",
    "Two rival chefs fall in love while competing for the same Michelin star.",
    "Un fantôme hante la vieille maison — 東京の夜、誰もいない。",
    "",
    "Space marines fight aliens.",
)


def not_a_version_folder(version_dir):
    """Why `version_dir` is not a version folder to verify, or None when it may be one.

    A folder without `saved_model.pb` that is a run (it holds `config.json`,
    `labels.json` or `model.keras`), a model folder holding version folders
    (`models/genre`, not `models/genre/1`), or no folder at all is named for
    what it is: calling any of them an incomplete SavedModel sends the user
    copying files that were never meant to be there.

    Example:

    >>> not_a_version_folder("runs/default")  # doctest: +SKIP
    'version_dir must be a version folder of an export (it holds saved_model.pb)...'
    """
    version_dir = str(version_dir)
    if os.path.isfile(os.path.join(version_dir, "saved_model.pb")):
        return None
    expected = "version_dir must be a version folder of an export (it holds saved_model.pb)"
    received = f"Received: version_dir={version_dir!r}"
    if not os.path.exists(version_dir):
        return (
            f"{expected}. {received}, which does not exist. Pass a version folder, "
            f"e.g. models/genre/1."
        )
    if not os.path.isdir(version_dir):
        return f"{expected}. {received}, a file. Pass a version folder, e.g. models/genre/1."
    names = os.listdir(version_dir)
    run_files = [name for name in RUN_FILES if name in names]
    if run_files:
        return (
            f"{expected}. {received}, a run folder (it holds {', '.join(run_files)}), not an "
            f"export. Export it first with `genreclf export RUN`, then verify the version "
            f"folder that prints, e.g. models/genre/1."
        )
    versions = sorted(
        (
            name
            for name in names
            if name.isascii() and name.isdigit() and os.path.isdir(os.path.join(version_dir, name))
        ),
        key=int,
    )
    if versions:
        example = os.path.join(version_dir, versions[-1])
        return (
            f"{expected}. {received}, a model folder holding version folders "
            f"({', '.join(versions[:4])}{', ...' if len(versions) > 4 else ''}). Pass a "
            f"version folder, e.g. {example}."
        )
    return None  # a version folder that lost its files: `check_saved_model_files` says which


def checked_sample_texts(sample_texts):
    """The texts `verify_export` runs, as a list of `str`, checked before anything loads.

    None gives the default samples; one `str` is one text, as `Run.predict`
    takes it. Blank strings are accepted (the defaults include one: a served
    model must score them too); anything but a string is refused, as is an
    empty list.

    Example:

    >>> checked_sample_texts("A ghost haunts a lighthouse.")
    ['A ghost haunts a lighthouse.']
    >>> checked_sample_texts([])
    Traceback (most recent call last):
    ...
    genreclf.errors.ConfigError: sample_texts must hold at least one text. Received: ...
    """
    from genreclf.data.inputs import short_repr
    from genreclf.data.inputs import type_with_article

    if sample_texts is None:
        return list(DEFAULT_SAMPLE_TEXTS)
    if isinstance(sample_texts, str):
        return [str(sample_texts)]
    example = "Pass a list of strings, e.g. sample_texts=['A ghost haunts a lighthouse.']"
    shape = getattr(sample_texts, "shape", None)
    if (
        isinstance(sample_texts, (bytes, bytearray, collections.abc.Mapping))
        or hasattr(sample_texts, "columns")
        or not isinstance(sample_texts, collections.abc.Iterable)
        or (isinstance(shape, tuple) and len(shape) > 1)
    ):
        raise ConfigError(
            f"sample_texts must be a string or a list of strings. Received: "
            f"sample_texts={short_repr(sample_texts)} ({type_with_article(sample_texts)}). "
            f"{example}, or leave it out for the default samples."
        )
    texts = list(sample_texts)
    if not texts:
        raise ConfigError(
            f"sample_texts must hold at least one text. Received: "
            f"sample_texts={short_repr(sample_texts)}. {example}, or leave it out for the "
            f"default samples."
        )
    for position, text in enumerate(texts):
        if not isinstance(text, str):
            raise ConfigError(
                f"sample_texts[{position}] must be a string (an empty one is fine). Received: "
                f"sample_texts[{position}]={short_repr(text)} ({type_with_article(text)}). "
                f"{example}."
            )
    return [str(text) for text in texts]
