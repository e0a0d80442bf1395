"""`label` and `build_cascade`: the Python API behind `genreclf label`."""

import collections.abc
import inspect
import logging
import os

from genreclf.data.inputs import short_repr
from genreclf.data.inputs import type_with_article
from genreclf.data.read_options import check_switch
from genreclf.errors import ConfigError
from genreclf.errors import did_you_mean
from genreclf.labelling.cascade_calibration import LABEL_ARGUMENTS
from genreclf.labelling.cascade_calibration import calibrate_rows
from genreclf.labelling.cascade_calibration import check_calibration_file_options
from genreclf.labelling.stage_checks import STAGES
from genreclf.labelling.stage_checks import check_asked_stages
from genreclf.labelling.stage_checks import path_of
from genreclf.labelling.stage_checks import stage_names
from genreclf.labelling.stage_checks import without_zero_shot
from genreclf.labelling.thresholds import DEFAULT_THRESHOLDS
from genreclf.labelling.thresholds import check_target_precision
from genreclf.labelling.thresholds import check_threshold

logger = logging.getLogger("genreclf.labelling")

# `multi_label` of `label` and `build_cascade`, checked with `check_switch`: "no" is truthy.
SWITCHES = {
    "multi_label": (
        "says whether a row may get several labels: exactly True, False or None (the "
        "run's mode; single-label without a run)",
        None,
    ),
}


def build_cascade(
    genres=None,
    *,
    run=None,
    llm=None,
    multi_label=None,
    thresholds=None,
    stages=None,
    embedder=None,
    temperature=0.02,
    base_url=None,
    api_key=None,
    budget_usd=None,
    budget_tokens=None,
    prices=None,
    cache=None,
    concurrency=8,
    timeout=60.0,
    max_attempts=6,
    backoff_base=1.0,
    few_shot=4,
    response_format="json_schema",
    chunk_size=512,
):
    """Builds a `Cascade` from genres, a run and an LLM name (see `label` for the arguments).

    Which stages run: keywords when a genre has keywords; zero-shot when
    `genres` are given (descriptions to compare with; it needs two genres or
    more, its scores being a softmax over them); the classifier with `run`;
    the LLM with `llm`. `stages` narrows that list; a stage named there that
    cannot run (`classifier` without `run`, `llm` without `llm`, `zero_shot`
    without `genres`, `keywords` without any genre's keywords) is a
    `ConfigError` naming it and what it needs. Left out (None), every stage
    that can run is used.

    Example:

    >>> cascade = build_cascade({"genres": {"horror": {"keywords": ["ghost"]}}},
    ...                         stages=("keywords",))
    >>> [s.name for s in cascade.stages]
    ['keywords']
    """
    from genreclf.labelling.cascade import Cascade
    from genreclf.labelling.genre_spec import Genre
    from genreclf.labelling.genre_spec import load_genres

    multi_label = check_switch("multi_label", multi_label, switches=SWITCHES)
    explicit = stages is not None
    stages = STAGES if stages is None else stage_names(stages)
    unknown = sorted(set(stages) - set(STAGES))
    if unknown:
        raise ConfigError(f"Unknown stages {unknown}. Expected some of {list(STAGES)}.")
    check_thresholds_mapping(thresholds)
    cuts = dict(DEFAULT_THRESHOLDS)
    bad = sorted(set(thresholds or {}) - set(STAGES))
    if bad:
        raise ConfigError(
            f"Thresholds are set per stage. Received: {bad}. Expected names among {list(STAGES)}."
        )
    for stage, value in (thresholds or {}).items():
        check_threshold(stage, value)
    cuts.update(thresholds or {})
    classifier = None
    if run is not None:
        from genreclf.run import Run

        run = run if isinstance(run, Run) else Run(run)
    if genres is None:
        if run is None:
            raise ConfigError(
                "Nothing to label with: pass genres (a genres.yaml with descriptions and "
                "keywords) and/or a trained run (--run). Received: neither."
            )
        spec = [Genre(name) for name in run.labels]
    else:
        spec = load_genres(genres)
    names = [g.name for g in spec]
    if explicit:
        check_asked_stages(stages, spec, genres, run, llm)
    if multi_label is None:
        multi_label = bool(run.multi_label) if run is not None else False
    built = []
    if "keywords" in stages:
        from genreclf.labelling.keyword_stage import KeywordStage

        stage = KeywordStage(spec, threshold=cuts["keywords"], multi_label=multi_label)
        if stage.available:
            built.append(stage)
    if genres is not None and "zero_shot" in stages:
        from genreclf.labelling.zero_shot import ZeroShotStage
        from genreclf.labelling.zero_shot import check_genre_count

        fix = without_zero_shot(genres, spec, built, run, llm, stages)
        check_genre_count(names, fix, source=path_of(genres))
        built.append(
            ZeroShotStage(
                spec,
                threshold=cuts["zero_shot"],
                multi_label=multi_label,
                temperature=temperature,
                embedder=embedder,
            )
        )
    if run is not None and "classifier" in stages:
        from genreclf.labelling.classifier_stage import ClassifierStage

        classifier = ClassifierStage(
            run, names=names, threshold=cuts["classifier"], multi_label=multi_label
        )
        built.append(classifier)
    labeller = None
    if llm and "llm" in stages:
        from genreclf.labelling.llm_labeller import LLMLabeller
        from genreclf.labelling.llm_stage import LLMStage

        labeller = LLMLabeller(
            LLMStage(
                spec,
                llm,
                threshold=cuts["llm"],
                multi_label=multi_label,
                response_format=response_format,
            ),
            cache=cache,
            base_url=base_url,
            api_key=api_key,
            concurrency=concurrency,
            timeout=timeout,
            max_attempts=max_attempts,
            backoff_base=backoff_base,
            budget_usd=budget_usd,
            budget_tokens=budget_tokens,
            prices=prices,
            few_shot=few_shot,
        )
    if not built and labeller is None:
        raise ConfigError(
            "No stage can run: the genres have no keywords, and there is no run (--run) "
            "or LLM (--llm). Add keywords or descriptions to genres.yaml, or pass --run."
        )
    from genreclf.labelling.known_genres import KnownGenres

    known = KnownGenres.of(genres, run, names=names)
    return Cascade(built, llm=labeller, chunk_size=chunk_size, genres=known)


def label(
    data,
    *,
    out,
    text=None,
    id_column=None,
    format="auto",
    genres=None,
    run=None,
    llm=None,
    calibrate=None,
    calibrate_text=None,
    calibrate_label=None,
    calibrate_format="auto",
    calibrate_sep=None,
    target_precision=0.9,
    calibrate_rule="average",
    verbose=0,
    **cascade_args,
):
    """Labels a file of texts with the cascade; writes JSONL with provenance per row.

    Stages, cheapest first, each claiming the rows it is confident about:
    keywords (counted in the text), zero-shot (MiniLM similarity with each
    genre's description and keywords, offline), the classifier of a trained
    run, and an LLM (through `genreclf.augment`'s client, cache and budget).
    Output rows carry `labels`, `stage`, `confidence`, `threshold`,
    `runner_up`, `runner_up_score`, `tried` (what each stage said) and, for
    the LLM, `llm.model`, `llm.prompt_hash`, `llm.response_id`. Rows no stage
    claims are written with `labels: []` and a `reason`. The file is
    appended and flushed row by row: rerunning a killed call resumes it.

    Args:
        data: a file of texts (any format `genreclf train` reads), a pandas
            DataFrame, or texts in memory: a list, tuple, pandas Series, 1-D
            array or other iterable of strings.
        out: the output JSONL.
        text, id_column, format: which column holds the text and the id.
        genres: a `genres.yaml` path, mapping or list (see `load_genres`).
        run: a run folder (or `Run`) for the classifier stage.
        llm: a chat model name for the LLM stage (e.g. `"gpt-4o-mini"`).
        calibrate: the labelled rows to choose each cheap stage's threshold
            on, for `target_precision`: a file, a pandas DataFrame, a
            `genreclf.TextDataset` or a `(texts, labels)` tuple.
        calibrate_text: the text column of `calibrate` (default: `text`, and
            without it the first of text/overview/plot/... present).
        calibrate_label: the label column of `calibrate` (default: the first
            of label/labels/genre/genres/tag present).
        calibrate_format: the format of `calibrate`: `"auto"` (from its
            extension) or one of the formats of `genreclf.data.load_dataset`
            (`format` above).
        calibrate_sep: the separator between labels in one cell of
            `calibrate` (default `"|"`: `action|comedy` is two labels), e.g.
            `";"` for `action;comedy`. On the command line these are
            `--calibrate-text`, `--calibrate-label`, `--calibrate-format`
            and `--calibrate-sep`.
        target_precision, calibrate_rule: see
            `genreclf.labelling.thresholds.calibrate` (`rule`).
        verbose: print progress.
        **cascade_args: `thresholds` (`{stage: value}`), `multi_label`,
            `stages`, `base_url`, `api_key`, `budget_usd`, `budget_tokens`,
            `prices`, `cache`, `concurrency`, `few_shot`, ... (see
            `build_cascade`).

    Returns:
        A `LabelResult` (`by_stage`, `coverage`, `llm` call stats, `summary()`).
        `llm["all_refused"]` is true when the LLM answered and every answer was a
        refusal (`llm["refused"]` of `llm["answered"]`): it labelled nothing.

    Example:

    >>> import genreclf
    >>> result = genreclf.label("unlabelled.csv", text="overview", genres="genres.yaml",
    ...                         out="labelled.jsonl")  # doctest: +SKIP
    >>> result.by_stage  # doctest: +SKIP
    {'keywords': 120, 'zero_shot': 310, 'unlabelled': 570}
    """
    check_cascade_args(cascade_args)
    if cascade_args.get("stages") is not None:
        cascade_args["stages"] = stage_names(cascade_args["stages"])
    check_target_precision(target_precision)
    check_calibration_file_options(
        calibrate, calibrate_text, calibrate_label, calibrate_format, calibrate_sep
    )
    if llm and "llm" in (cascade_args.get("stages") or STAGES):
        from genreclf.augment.client import resolve_api_key

        # No key: say so before the cheap stages run, not when the LLM's turn comes.
        resolve_api_key(cascade_args.get("api_key"), cascade_args.get("base_url"))
    cascade = build_cascade(genres, run=run, llm=llm, **cascade_args)
    running = {stage.name for stage in cascade.stages}  # calibrate= chooses theirs only
    fixed = {k: v for k, v in (cascade_args.get("thresholds") or {}).items() if k in running}
    if calibrate is not None and fixed:  # the calibrated thresholds replaced them unsaid
        raise ConfigError(
            f"calibrate= chooses the thresholds that thresholds= sets for {sorted(fixed)}, "
            f"and would replace them. Received: thresholds={fixed} (`--thresholds`) with "
            "calibrate= (`--calibrate`). Drop those stages from thresholds= to calibrate "
            "them, or drop calibrate= to keep your thresholds."
        )
    rows = _rows_to_label(data, text, id_column, format)
    if calibrate is not None:
        report = calibrate_rows(
            cascade,
            calibrate,
            text=text if calibrate_text is None else calibrate_text,
            label=calibrate_label,
            format=calibrate_format,
            sep=calibrate_sep,
            target_precision=target_precision,
            rule=calibrate_rule,
            arguments=LABEL_ARGUMENTS,
        )
        if verbose:
            from genreclf.labelling.thresholds import describe_calibration

            # A multi-label stage's threshold is scanned for, whatever the rule (`calibrate`).
            rules = {
                s.name: "average" if getattr(s, "multi_label", False) else calibrate_rule
                for s in cascade.stages
            }
            for name, r in report.items():
                print(describe_calibration(name, r, target_precision, rule=rules[name]))
    from genreclf.output_lock import output_lock

    with output_lock(out, "genreclf label"):  # two runs would pay and write every row twice
        return cascade.run(rows, out, verbose=verbose)


def check_thresholds_mapping(thresholds):
    """Refuses `thresholds=` that is not a `{stage: threshold}` mapping (or None).

    A string such as `"keywords=0.8"` is `--thresholds`' form: the error
    gives the mapping it stands for.

    Example:

    >>> check_thresholds_mapping({"keywords": 0.8})
    >>> check_thresholds_mapping("keywords=0.8")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    genreclf.errors.ConfigError: thresholds ... Pass thresholds={'keywords': 0.8}.
    """
    if thresholds is None or isinstance(thresholds, collections.abc.Mapping):
        return
    example = {"keywords": DEFAULT_THRESHOLDS["keywords"]}
    if isinstance(thresholds, str):
        parsed = {}
        for pair in thresholds.split(","):
            name, sep, raw = pair.partition("=")
            try:
                parsed[name.strip()] = float(raw) if sep else None
            except ValueError:
                parsed[name.strip()] = None
        if parsed and None not in parsed.values():
            example = parsed
    raise ConfigError(
        f"thresholds sets each stage's confidence threshold: a dict {{stage: threshold}}. "
        f"Received: thresholds={short_repr(thresholds)} ({type_with_article(thresholds)}). "
        f"Pass thresholds={example!r}."
    )


def check_cascade_args(cascade_args):
    """Refuses keyword arguments of `label` that `build_cascade` does not take, by name."""
    known = [
        name
        for name in inspect.signature(build_cascade).parameters
        if name not in ("genres", "run", "llm")
    ]
    unknown = [name for name in cascade_args if name not in known]
    if not unknown:
        return
    own = [
        name for name in inspect.signature(label).parameters if name not in ("data", "cascade_args")
    ]
    guess = did_you_mean(unknown, known + own)
    names = ", ".join(repr(name) for name in unknown)
    raise ConfigError(
        f"Unknown argument{'s' if len(unknown) > 1 else ''} {names} of genreclf.label."
        + (f" {guess[0].upper()}{guess[1:]}" if guess else "")
        + f" Expected its own arguments or build_cascade's: {sorted(own + known)}. Received: "
        + ", ".join(f"{name}={short_repr(cascade_args[name])}" for name in unknown)
        + ". Fix the name, or drop the argument."
    )


def _rows_to_label(data, text, id_column, format):
    """The rows `label` labels: `data`'s file or DataFrame read, or its texts in memory."""
    from genreclf.data.frames import is_frame
    from genreclf.labelling.input_rows import read_texts

    if isinstance(data, (str, os.PathLike)) or is_frame(data):
        return read_texts(data, text=text, id_column=id_column, format=format)
    if data is None or not isinstance(data, collections.abc.Iterable):
        raise ConfigError(
            "genreclf.label's data is what to label: a file of texts (a path), a pandas "
            "DataFrame, or texts in memory (a list, tuple, pandas Series, 1-D array or other "
            f"iterable of strings). Received: data={short_repr(data)} "
            f"({type_with_article(data)}). Pass e.g. genreclf.label('unlabelled.csv', ...) "
            "or genreclf.label(df['overview'], ...)."
        )
    from genreclf.texts_in import texts_in

    texts = texts_in(data, "genreclf.label", "labelling")  # every stage can read them
    return [{"id": str(i), "line": None, "text": t} for i, t in enumerate(texts)]
