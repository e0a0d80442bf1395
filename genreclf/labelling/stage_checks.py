"""The stages a cascade is asked for: their names, what they need, how to run without one.

`stage_names` reads `stages=` (a list of names, or `--stages`' comma-separated
string); `check_asked_stages` refuses stages the caller named that cannot run
(a classifier without a run, an LLM without a model); `without_zero_shot`
says which stages to run when the genres are too few for zero-shot.
"""

import collections.abc

from genreclf.data.inputs import short_repr
from genreclf.data.inputs import type_with_article
from genreclf.errors import ConfigError

STAGES = ("keywords", "zero_shot", "classifier", "llm")


def stage_names(stages):
    """`stages=` as a tuple of names: one name (`"keywords"`) is that stage, not its letters.

    A string is read as `--stages` reads it: names separated by commas
    (`"keywords,zero_shot"`). Otherwise a list, tuple or other iterable of names.

    Example:

    >>> stage_names("keywords"), stage_names("keywords, llm"), stage_names(["llm"])
    (('keywords',), ('keywords', 'llm'), ('llm',))
    """
    if isinstance(stages, str):
        return tuple(name.strip() for name in stages.split(",") if name.strip())
    if isinstance(stages, collections.abc.Iterable) and not isinstance(
        stages, (collections.abc.Mapping, bytes, bytearray)
    ):
        names = tuple(stages)
        if all(isinstance(name, str) for name in names):
            return names
    raise ConfigError(
        f"stages names the stages to run: a list of names among {list(STAGES)}, or one "
        f"name. Received: stages={short_repr(stages)} ({type_with_article(stages)}). Pass "
        "e.g. stages=['keywords', 'zero_shot'] (`--stages keywords,zero_shot`), or leave it "
        "out to run every stage that can run."
    )


def check_asked_stages(stages, spec, genres, run, llm):
    """Refuses stages the caller named (`stages=`, `--stages`) that cannot run."""
    needs = {}
    if "keywords" in stages and not any(g.keywords for g in spec):
        if genres is None:
            needs["keywords"] = "genres= with keywords (`--genres genres.yaml`)"
        else:
            where = path_of(genres) or "genres="
            needs["keywords"] = f"keywords in the genres, and no genre in {where} has any"
    if "zero_shot" in stages and genres is None:
        needs["zero_shot"] = "genres= to compare with (`--genres genres.yaml`)"
    if "classifier" in stages and run is None:
        needs["classifier"] = "run= (`--run RUN`)"
    if "llm" in stages and not llm:
        needs["llm"] = "llm= (`--llm MODEL`)"
    if not needs:
        return
    what = "; ".join(f"{stage} needs {need}" for stage, need in needs.items())
    rest = [s for s in stages if s not in needs]
    fix = "Pass what they need"
    if rest:
        fix += f", or leave them out: stages={tuple(rest)!r} (`--stages {','.join(rest)}`)"
    raise ConfigError(
        f"The stages {list(needs)} were asked for (stages={tuple(stages)!r}) but cannot run: "
        f"{what}. {fix}."
    )


def path_of(genres):
    """The genres file's path, or None for genres given in memory."""
    import os

    return str(genres) if isinstance(genres, (str, os.PathLike)) else None


def without_zero_shot(genres, spec, built, run, llm, stages):
    """`one_genre_fix` for this cascade: the stages other than zero-shot it runs."""
    from genreclf.labelling.zero_shot import one_genre_fix

    running = {s.name for s in built}
    running |= {"classifier"} if run is not None else set()
    running |= {"llm"} if llm else set()
    others = [name for name in STAGES if name in running and name in stages]
    return one_genre_fix(path_of(genres), spec[0].name, others)
