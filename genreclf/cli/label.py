"""`genreclf label`: label unlabelled texts with a confidence cascade; audit; mine keywords.

genreclf label unlabelled.csv --text overview --genres genres.yaml --out labelled.jsonl
genreclf label unlabelled.csv --run runs/x --llm gpt-4o-mini --budget-usd 2 --out l.jsonl
genreclf label in.csv --genres g.yaml --calibrate labels.csv --calibrate-sep ';' --out l.jsonl
genreclf label audit labelled.jsonl --sample 100 --judge labels.csv --genres genres.yaml
genreclf label keywords labelled.csv --label genre --out genres.yaml
"""

import argparse
import json
import os
import sys

from genreclf.errors import ConfigError
from genreclf.labelling.thresholds import check_target_precision
from genreclf.labelling.thresholds import check_threshold
from genreclf.setting import argument_type
from genreclf.setting import number
from genreclf.setting import whole

STAGE_NAMES = ("keywords", "zero_shot", "classifier", "llm")
# What `--format` takes: the formats of `genreclf.data.load_dataset`, as for `genreclf train`.
FORMAT_HELP = (
    "csv, tsv, tsv-unquoted (TSV without quoting), jsonl, parquet, kaggle-genre, aclimdb "
    "(default: from the file)"
)


def build_parser():
    p = argparse.ArgumentParser(
        prog="genreclf label",
        description="Label texts with a cascade: keywords -> zero-shot (MiniLM, offline) -> "
        "a trained run -> an LLM (optional). Each stage claims the rows it is confident "
        "about; every row is written with its provenance; rows no stage claims are written "
        "unlabelled. Rerunning the same command resumes a killed run. Also: "
        "`genreclf label audit ...`, `genreclf label keywords ...`.",
    )
    p.add_argument(
        "data",
        help="file of texts to label: CSV/TSV/JSONL/Parquet, Kaggle ':::' lines (the genre may "
        "be left out), or an aclImdb folder/.tar.gz",
    )
    p.add_argument(
        "--out",
        required=True,
        help="output JSONL (appended; a rerun with the same settings, recorded in "
        "OUT.settings.json, resumes it; other settings are refused)",
    )
    p.add_argument("--text", help="text column (default: first of text/overview/plot/...)")
    p.add_argument("--id-column", help="id column (default: id if present, else the line)")
    p.add_argument("--format", default="auto", help=FORMAT_HELP)
    p.add_argument("--genres", help="genres.yaml: each genre's description and keywords")
    p.add_argument("--run", help="a trained run folder: the classifier stage")
    p.add_argument("--multi-label", action="store_const", const=True, help="several labels a row")
    p.add_argument(
        "--stages",
        type=_names,
        help=f"stages to use, comma-separated, among {','.join(STAGE_NAMES)} (default: all "
        "that the other options allow)",
    )
    p.add_argument(
        "--thresholds",
        type=_thresholds,
        help="per-stage confidence thresholds, e.g. keywords=0.8,zero_shot=0.7,classifier=0.75",
    )
    p.add_argument(
        "--calibrate",
        help="a labelled file: choose each cheap stage's threshold on it for --target-precision",
    )
    p.add_argument(
        "--calibrate-text", help="text column of --calibrate (default: what --text says)"
    )
    p.add_argument("--calibrate-label", help="label column of --calibrate")
    p.add_argument(
        "--calibrate-format", default="auto", help=f"the --calibrate file's format: {FORMAT_HELP}"
    )
    p.add_argument(
        "--calibrate-sep", help="separator between labels in one cell of --calibrate (default '|')"
    )
    p.add_argument(
        "--target-precision",
        type=_target_precision,
        default=0.9,
        help="for --calibrate: the share of claimed rows that must be right, in (0, 1] "
        "(default 0.9)",
    )
    p.add_argument(
        "--calibrate-rule",
        choices=("average", "marginal"),
        default="average",
        help="for --calibrate: each stage's claimed rows reach the target on average "
        "(default), or each stage stops where its isotonic-calibrated chance of being "
        "right falls below the target (single-label; more precision for a given coverage)",
    )
    llm = p.add_argument_group("LLM stage (optional)")
    llm.add_argument("--llm", help="chat model for the last stage, e.g. gpt-4o-mini")
    llm.add_argument("--base-url", help="an OpenAI-compatible server (default api.openai.com)")
    llm.add_argument(
        "--budget-usd",
        type=argument_type(number(above=0), example=5),
        help="hard dollar cap on the job: earlier runs into --out count",
    )
    llm.add_argument(
        "--budget-tokens",
        type=argument_type(whole(1), example=200000),
        help="hard token cap on the job (likewise)",
    )
    llm.add_argument("--prices", help="JSON price table for models without a built-in price")
    llm.add_argument("--cache", help="response cache (default <out>.llm-cache.jsonl)")
    llm.add_argument(
        "--concurrency",
        type=argument_type(whole(1), example=8),
        default=8,
        help="requests in flight (default 8)",
    )
    llm.add_argument(
        "--timeout",
        type=argument_type(number(above=0), example=60),
        default=60.0,
        help="seconds per request attempt",
    )
    llm.add_argument(
        "--few-shot",
        type=argument_type(whole(0), example=4),
        default=4,
        help="examples per prompt (default 4)",
    )
    llm.add_argument(
        "--response-format",
        choices=("json_schema", "json_object", "none"),
        default="json_schema",
        help="structured output (default), JSON mode, or plain text",
    )
    p.add_argument("--quiet", action="store_true", help="no progress lines")
    return p


def build_audit_parser():
    p = argparse.ArgumentParser(
        prog="genreclf label audit",
        description="Sample labelled rows per stage and score them against a judge: per-stage "
        "and per-genre agreement with Wilson 95% intervals.",
    )
    p.add_argument("labelled", help="the JSONL `genreclf label` wrote")
    p.add_argument(
        "--judge",
        required=True,
        help="a labelled file (matched by id), a run folder, or 'llm' (with --llm, --genres)",
    )
    p.add_argument("--sample", type=int, default=100, help="rows sampled per stage (default 100)")
    p.add_argument("--seed", type=int, default=0, help="sampling seed")
    p.add_argument("--label", help="label column of the judge file")
    p.add_argument("--text", help="text column of the judge file")
    p.add_argument("--format", default="auto", help=f"the judge file's format: {FORMAT_HELP}")
    p.add_argument(
        "--sep", help="separator between labels in one cell of the judge file (default '|')"
    )
    p.add_argument("--llm", help="the judge model (with --judge llm)")
    p.add_argument(
        "--genres",
        help="the genres.yaml the rows were labelled with: the LLM judge's genres (with "
        "--judge llm); what a judge file's labels are compared with",
    )
    p.add_argument("--base-url", help="an OpenAI-compatible server")
    p.add_argument(
        "--budget-usd",
        type=argument_type(number(above=0), example=5),
        help="hard dollar cap for the judge's calls",
    )
    p.add_argument("--report", help="also write the result as JSON here")
    return p


def build_keywords_parser():
    p = argparse.ArgumentParser(
        prog="genreclf label keywords",
        description="Mine each genre's most discriminative terms (chi-squared, scikit-learn) "
        "from labelled data and write a genres.yaml for `genreclf label --genres`.",
    )
    p.add_argument(
        "data",
        help="a labelled file: CSV/TSV/JSONL/Parquet, Kaggle ':::' lines, or an aclImdb "
        "folder/.tar.gz",
    )
    p.add_argument("--out", required=True, help="the genres.yaml to write")
    p.add_argument("--overwrite", action="store_true", help="write over an existing --out")
    p.add_argument("--text", help="text column")
    p.add_argument("--label", help="label column")
    p.add_argument("--format", default="auto", help=FORMAT_HELP)
    p.add_argument("--sep", help="separator between labels in one cell")
    p.add_argument(
        "--skip-bad-rows",
        action="store_true",
        help="skip malformed rows (counted and logged) instead of stopping at the first",
    )
    p.add_argument(
        "--top-k",
        type=argument_type(whole(1), example=20),
        default=20,
        help="keywords per genre, 1 or more (default 20)",
    )
    p.add_argument(
        "--min-df",
        type=argument_type(whole(1), example=3),
        default=3,
        help="texts a keyword must occur in, 1 or more (default 3)",
    )
    return p


def _names(value):
    names = [v.strip() for v in value.split(",") if v.strip()]
    unknown = sorted(set(names) - set(STAGE_NAMES))
    if unknown:
        raise argparse.ArgumentTypeError(
            f"unknown stages {unknown}; expected some of {list(STAGE_NAMES)}"
        )
    return tuple(names)


def _thresholds(value):
    out = {}
    for pair in value.split(","):
        name, sep, raw = pair.partition("=")
        try:
            if not sep:
                raise ValueError
            out[name.strip()] = float(raw)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"expected STAGE=NUMBER pairs, e.g. keywords=0.8,classifier=0.7. Received: {pair!r}"
            ) from None
        if name.strip() not in STAGE_NAMES:
            raise argparse.ArgumentTypeError(
                f"unknown stage {name.strip()!r}; expected one of {list(STAGE_NAMES)}"
            )
        _as_argument_error(check_threshold, name.strip(), out[name.strip()])
    return out


def _target_precision(value):
    try:
        precision = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected a number in (0, 1], e.g. 0.9. Received: {value!r}"
        ) from None
    return _as_argument_error(check_target_precision, precision)


def _as_argument_error(check, *args):
    """`check(*args)`, its `ConfigError` raised as argparse's error for the option."""
    try:
        return check(*args)
    except ConfigError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def main(argv):
    argv = list(argv)
    if argv and argv[0] == "audit":
        return _audit(build_audit_parser().parse_args(argv[1:]))
    if argv and argv[0] == "keywords":
        return _keywords(build_keywords_parser().parse_args(argv[1:]))
    args = build_parser().parse_args(argv)
    from genreclf.labelling.api import label

    if args.genres is None and args.run is None:
        raise ConfigError(
            "Nothing to label with. Pass --genres genres.yaml (descriptions and keywords; "
            "`genreclf label keywords` writes one from labelled data) and/or --run RUN_FOLDER."
        )
    result = label(
        args.data,
        out=args.out,
        text=args.text,
        id_column=args.id_column,
        format=args.format,
        genres=args.genres,
        run=args.run,
        llm=args.llm,
        calibrate=args.calibrate,
        calibrate_text=args.calibrate_text,
        calibrate_label=args.calibrate_label,
        calibrate_format=args.calibrate_format,
        calibrate_sep=args.calibrate_sep,
        target_precision=args.target_precision,
        calibrate_rule=args.calibrate_rule,
        multi_label=args.multi_label,
        stages=args.stages,  # None: every stage the other options allow
        thresholds=args.thresholds,
        base_url=args.base_url,
        budget_usd=args.budget_usd,
        budget_tokens=args.budget_tokens,
        prices=args.prices,
        cache=args.cache,
        concurrency=args.concurrency,
        timeout=args.timeout,
        few_shot=args.few_shot,
        response_format=None if args.response_format == "none" else args.response_format,
        verbose=0 if args.quiet else 1,
    )
    print(result.summary())
    llm = result.llm or {}
    if llm.get("refused"):
        print(
            f"  llm refused: {llm['refused']} of the {llm['answered']} rows it answered "
            "(written unlabelled, reason llm_refused)"
        )
    if llm.get("stopped") == "fatal":
        print(f"genreclf label: the LLM stage stopped: {result.llm.get('error')}", file=sys.stderr)
        return 1
    if result.llm_answered_nothing:
        print("genreclf label: the LLM stage labelled nothing (above)", file=sys.stderr)
        return 1
    if llm.get("all_refused"):
        failed = sum(llm.get("failed", {}).values())
        print(
            f"genreclf label: the LLM stage labelled nothing: {llm.get('server')} refused "
            f"every one of the {llm['answered']} rows it answered"
            + (f" ({failed} more got no answer)" if failed else "")
            + ". Check --llm (a model that will label these synopses) and the genres' "
            "descriptions in --genres. The rows are written unlabelled (reason llm_refused) "
            "and the refusals are cached: label them again into a new --out, with another "
            "--llm or other genres",
            file=sys.stderr,
        )
        return 1
    return 0


def _audit(args):
    from genreclf.labelling.auditing import audit

    extra = {}
    if args.judge == "llm":
        extra = {"llm": args.llm, "base_url": args.base_url, "budget_usd": args.budget_usd}
    result = audit(
        args.labelled,
        args.judge,
        sample=args.sample,
        seed=args.seed,
        judge_label=args.label,
        judge_text=args.text,
        judge_format=args.format,
        judge_sep=args.sep,
        genres=args.genres,
        **extra,
    )
    print(result.table())
    if args.report:
        with open(args.report, "w", encoding="utf-8") as f:
            json.dump(result.to_dict(), f, indent=2)
    return 0


def _keywords(args):
    from genreclf.data import load_dataset
    from genreclf.labelling.genre_spec import Genre
    from genreclf.labelling.genre_spec import save_genres
    from genreclf.labelling.keyword_mining import mine_keywords

    if os.path.exists(args.out) and not args.overwrite:  # its edits were lost without a word
        raise ConfigError(
            f"Expected a new --out for the mined genres. Received: --out {args.out}, which "
            "exists (its descriptions and keywords may hold your edits). Pass --overwrite "
            "to replace it, or another --out."
        )
    dataset = load_dataset(
        args.data,
        text=args.text,
        label=args.label,
        format=args.format,
        sep=args.sep,
        skip_bad_rows=args.skip_bad_rows,
    )
    mined = mine_keywords(dataset.texts, dataset.labels, top_k=args.top_k, min_df=args.min_df)
    genres = [Genre(name, keywords=words) for name, words in mined.items()]
    save_genres(genres, args.out, overwrite=args.overwrite)  # refused above if it exists
    for g in genres:
        print(f"{g.name}: {', '.join(g.keywords[:8])}{' ...' if len(g.keywords) > 8 else ''}")
    print(f"\nwrote {args.out}: edit the descriptions, then `genreclf label --genres {args.out}`")
    return 0
