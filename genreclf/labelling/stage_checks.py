"""What the stages a cascade is asked for need, and how to run without one.

`check_asked_stages` refuses stages the caller named that cannot run (a
classifier without a run, an LLM without a model); `without_zero_shot` says
which stages to run when the genres are too few for zero-shot.
"""

from genreclf.errors import ConfigError

STAGES = ("keywords", "zero_shot", "classifier", "llm")


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
