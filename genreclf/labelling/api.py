"""`label` and `build_cascade`: the Python API behind `genreclf label`."""

import logging

from genreclf.errors import ConfigError
from genreclf.labelling.stage_checks import STAGES
from genreclf.labelling.stage_checks import check_asked_stages
from genreclf.labelling.stage_checks import path_of
from genreclf.labelling.stage_checks import without_zero_shot
from genreclf.labelling.thresholds import DEFAULT_THRESHOLDS
from genreclf.labelling.thresholds import check_target_precision
from genreclf.labelling.thresholds import check_threshold

logger = logging.getLogger("genreclf.labelling")


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

    explicit = stages is not None
    stages = STAGES if stages is None else tuple(stages)
    unknown = sorted(set(stages) - set(STAGES))
    if unknown:
        raise ConfigError(f"Unknown stages {unknown}. Expected some of {list(STAGES)}.")
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
            DataFrame, or a list of texts.
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

    Example:

    >>> import genreclf
    >>> result = genreclf.label("unlabelled.csv", text="overview", genres="genres.yaml",
    ...                         out="labelled.jsonl")  # doctest: +SKIP
    >>> result.by_stage  # doctest: +SKIP
    {'keywords': 120, 'zero_shot': 310, 'unlabelled': 570}
    """
    from genreclf.labelling.input_rows import read_texts

    check_target_precision(target_precision)
    _check_calibration_file_options(
        calibrate, calibrate_text, calibrate_label, calibrate_format, calibrate_sep
    )
    if llm and "llm" in (cascade_args.get("stages") or STAGES):
        from genreclf.augment.client import resolve_api_key

        # No key: say so before the cheap stages run, not when the LLM's turn comes.
        resolve_api_key(cascade_args.get("api_key"), cascade_args.get("base_url"))
    cascade = build_cascade(genres, run=run, llm=llm, **cascade_args)
    if isinstance(data, (list, tuple)):
        from genreclf.texts_in import texts_in

        texts = texts_in(data, "genreclf.label", "labelling")  # every stage can read them
        rows = [{"id": str(i), "line": None, "text": t} for i, t in enumerate(texts)]
    else:
        rows = read_texts(data, text=text, id_column=id_column, format=format)
    if calibrate is not None:
        report = _calibrate(
            cascade,
            calibrate,
            text=text if calibrate_text is None else calibrate_text,
            label=calibrate_label,
            format=calibrate_format,
            sep=calibrate_sep,
            target_precision=target_precision,
            rule=calibrate_rule,
            arguments=_LABEL_ARGUMENTS,
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


def calibrate_cascade(
    cascade,
    data,
    text=None,
    label=None,
    target_precision=0.9,
    rule="average",
    format="auto",
    sep=None,
):
    """Chooses the cascade's cheap-stage thresholds on labelled data; returns the report.

    What `genreclf.label(..., calibrate=...)` (`genreclf label --calibrate`)
    runs before labelling.

    Args:
        cascade: a `Cascade` (`build_cascade`); its stages' thresholds are set.
        data: a labelled file (any format `genreclf.data.load_dataset`
            reads), a pandas DataFrame, or `(texts, labels)`.
        text, label: the file's text and label columns (default: found by name).
        target_precision: the share of each stage's claimed rows that must be right.
        rule: `"average"` or `"marginal"` (`genreclf.labelling.thresholds.calibrate`).
        format: the file's format: `"auto"` (from its extension) or one of
            `load_dataset`'s (`--calibrate-format` on the command line).
        sep: the separator between labels in one cell (default `"|"`;
            `--calibrate-sep` on the command line).

    Returns:
        `{stage name: {"threshold", "precision", "claimed", "offered"}}`.

    Example:

    >>> cascade = build_cascade({"genres": {"horror": {"keywords": ["ghost"]},
    ...                                     "comedy": {"keywords": ["chefs"]}}},
    ...                         stages=("keywords",))
    >>> texts = ["a ghost", "chefs cook"] * 10
    >>> labels = [["horror"], ["comedy"]] * 10
    >>> report = calibrate_cascade(cascade, (texts, labels), target_precision=0.9)
    >>> report["keywords"]["precision"], report["keywords"]["claimed"]
    (1.0, 20)
    """
    return _calibrate(cascade, data, text, label, format, sep, target_precision, rule)


# The calibration file's options as `label` names them (its hints name these, not `label=`).
_LABEL_ARGUMENTS = {
    "text": "calibrate_text",
    "label": "calibrate_label",
    "format": "calibrate_format",
    "sep": "calibrate_sep",
}


def _calibrate(cascade, data, text, label, format, sep, target_precision, rule, arguments=None):
    from genreclf.labelling.calibration_file import read_calibration
    from genreclf.labelling.known_genres import check_known_labels
    from genreclf.labelling.thresholds import calibrate

    check_target_precision(target_precision)
    texts_and_labels = _texts_and_labels(data)
    if texts_and_labels is not None:
        texts, labels = texts_and_labels
        check_known_labels(labels, cascade.known, "calibration")
    else:
        texts, labels = read_calibration(
            data,
            text=text,
            label=label,
            format=format,
            sep=sep,
            arguments=arguments,
            known=cascade.known,
        )
        _warn_if_trained_on(cascade, data)
    return calibrate(cascade.stages, list(texts), list(labels), target_precision, rule=rule)


def _check_calibration_file_options(calibrate, text, label, format, sep):
    """Refuses the calibration file's options where no calibration file is read."""
    from genreclf.labelling.reference_file import check_file_options
    from genreclf.labelling.reference_file import read_as_file

    if read_as_file(calibrate):
        return
    received = "no calibrate=" if calibrate is None else "calibrate= rows held in memory"
    options = {"calibrate_text": text, "calibrate_label": label, "calibrate_sep": sep}
    options = {name: (f"--{name.replace('_', '-')}", v, None) for name, v in options.items()}
    options["calibrate_format"] = ("--calibrate-format", format, "auto")
    fix = "calibrate= a labelled file (`--calibrate FILE`)"
    check_file_options(options, "the calibration file", received, fix)


def _texts_and_labels(data):
    """`(texts, labels)` of calibration rows held in memory; None for a file or a DataFrame.

    A row's labels are a list of names; one name alone is that name's list,
    as in a `genreclf.TextDataset`.

    Example:

    >>> _texts_and_labels((["A ghost.", "Chefs."], [["horror"], "comedy"]))
    (['A ghost.', 'Chefs.'], [['horror'], ['comedy']])
    >>> _texts_and_labels("labels.csv") is None
    True
    """
    from genreclf.data.frames import has_class
    from genreclf.data.inputs import describe
    from genreclf.labelling.reference_file import read_as_file

    if read_as_file(data):
        return None
    if has_class(data, "genreclf", "TextDataset"):
        return list(data.texts), list(data.labels)
    if isinstance(data, tuple) and len(data) == 2 and len(data[0]) == len(data[1]):
        from genreclf.data.dataset import _label_names

        return list(data[0]), [_label_names(i, label) for i, label in enumerate(data[1])]
    raise ConfigError(
        "calibrate takes the labelled rows to choose thresholds on: a file, a pandas "
        "DataFrame, a genreclf.TextDataset or a (texts, labels) tuple of equal lengths. "
        f"Received: {describe(data)}. Pass e.g. calibrate='labels.csv' (`--calibrate "
        "labels.csv`) or calibrate=(texts, labels)."
    )


def _warn_if_trained_on(cascade, data):
    """Warns when the calibration file is the one the classifier stage trained on."""
    import os

    from genreclf.data.frames import is_frame

    if is_frame(data):
        return  # rows in memory: no file to compare

    for stage in cascade.stages:
        trained_on = getattr(getattr(stage, "run", None), "config", {}).get("data")
        if trained_on and os.path.exists(trained_on) and os.path.samefile(trained_on, data):
            logger.warning(
                "%s is the file the classifier (%s) trained on: its precision there is "
                "optimistic, so the thresholds calibrated on it claim too many rows. "
                "Calibrate on labelled rows the run did not train on.",
                data,
                stage.run.path,
            )
