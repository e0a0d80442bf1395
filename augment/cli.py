"""`genreclf augment plan|run|audit`: the command line over `augment`'s Python API."""

import argparse
import json
import logging
import sys

from genreclf.errors import GenreclfError
from genreclf.setting import argument_type
from genreclf.setting import at_least_one
from genreclf.setting import number
from genreclf.setting import whole

# Failures of a server that answered, with no usable synopses.
UNUSABLE = {"empty", "malformed_json", "bad_schema"}  # (a reply no completion at all: --base-url)


def _data_args(p):
    p.add_argument("data", help="the real training data (CSV, JSONL, Parquet, Kaggle ::: text)")
    p.add_argument("--text", default=None, help="text column (default: auto)")
    p.add_argument("--label", default=None, help="label column, e.g. genres")
    p.add_argument("--format", default="auto", help="data format (default: auto)")
    p.add_argument("--sep", default=None, help='multi-label separator, e.g. "|"')
    p.add_argument(
        "--multi-label",
        action="store_true",
        default=None,
        help="treat labels as multi-label (default: auto)",
    )
    p.add_argument(
        "--skip-bad-rows",
        action="store_true",
        help="skip (count and log) rows that cannot be read, e.g. a CSV row with an extra field",
    )


def _plan_args(p):
    p.add_argument(
        "--target-count", type=int, required=True, help="rows each rare genre should reach"
    )
    p.add_argument(
        "--min-count",
        type=int,
        default=None,
        help="genres below this count are rare (default: --target-count)",
    )
    p.add_argument("--genres", default=None, help="comma-separated genres to augment instead")
    p.add_argument("--model", default="gpt-4o-mini")
    p.add_argument("--per-request", type=int, default=5, help="synopses per request")
    p.add_argument("--length", type=int, default=80, help="synopsis length in words")
    p.add_argument("--few-shot", type=int, default=3, help="real examples per prompt")
    p.add_argument(
        "--overgenerate",
        type=float,
        default=1.2,
        help="request this factor more than needed (filters drop some)",
    )
    p.add_argument("--max-tokens", type=int, default=None, help="completion cap per request")
    p.add_argument(
        "--prices",
        default=None,
        help='JSON price file {"model": {"input": usd, "output": usd}} per 1M tokens',
    )


def build_parser():
    parser = argparse.ArgumentParser(
        prog="genreclf augment",
        description="Synthetic synopses for rare genres: plan, generate, audit.",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser(
        "plan", help="which genres, how many rows, estimated tokens and cost (no calls)"
    )
    _data_args(p)
    _plan_args(p)
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")

    r = sub.add_parser("run", help="generate, cache, filter and write synthetic rows")
    _data_args(r)
    _plan_args(r)
    r.add_argument("--out", required=True, help="output JSONL, e.g. aug.jsonl")
    r.add_argument("--cache", default=None, help="response cache (default: OUT.cache.jsonl)")
    r.add_argument(
        "--base-url", default=None, help="OpenAI-compatible server, e.g. http://localhost:8000/v1"
    )
    r.add_argument(
        "--budget-usd",
        type=argument_type(number(above=0), example=5),
        default=None,
        help="hard dollar cap on the job: what earlier runs into --out spent counts",
    )
    r.add_argument(
        "--budget-tokens",
        type=argument_type(whole(1), example=200000),
        default=None,
        help="hard token cap on the job (likewise)",
    )
    r.add_argument("--concurrency", type=at_least_one, default=16)
    r.add_argument(
        "--timeout",
        type=argument_type(number(above=0), example=60),
        default=60.0,
        help="seconds per request",
    )
    r.add_argument("--max-attempts", type=at_least_one, default=6)
    r.add_argument("--backoff", type=float, default=1.0, help="backoff base, seconds")
    r.add_argument("--temperature", type=float, default=1.0)
    r.add_argument(
        "--template", default=None, help="prompt template file with {genre} {examples} {n} {length}"
    )
    r.add_argument("--seed", type=int, default=0)
    r.add_argument(
        "--response-format",
        default="json_schema",
        choices=["json_schema", "json_object", "none"],
        help="structured output (default); json_object or none for servers "
        "without JSON-schema support",
    )
    r.add_argument("--min-words", type=int, default=20)
    r.add_argument("--max-words", type=int, default=400)
    r.add_argument(
        "--near-dup",
        type=float,
        default=0.8,
        help="shingle Jaccard threshold for near duplicates (0 turns it off)",
    )
    r.add_argument("--no-language-check", action="store_true")
    r.add_argument(
        "--filter-run",
        default=None,
        help="keep rows whose genre this classifier run ranks in its top 3",
    )
    r.add_argument(
        "--dedup-against",
        action="append",
        default=[],
        help="another real data file (validation, test) to deduplicate against",
    )
    r.add_argument(
        "--batch",
        action="store_true",
        help="use the Batch API (half price, results within 24 h; resumable)",
    )
    r.add_argument(
        "--poll-interval", type=float, default=30.0, help="seconds between batch status checks"
    )
    r.add_argument(
        "--batch-max-wait",
        type=float,
        default=None,
        help="stop waiting for the batch after this many seconds; rerun to collect",
    )
    r.add_argument("--json", action="store_true", help="print the summary as JSON")

    a = sub.add_parser("audit", help="agreement with a classifier or manual labels, 95%% Wilson CI")
    a.add_argument("rows", help="the JSONL written by `run`")
    judge = a.add_mutually_exclusive_group(required=True)
    judge.add_argument("--run", default=None, help="a classifier run folder")
    judge.add_argument("--labels", default=None, help="manual labels CSV: id,label or text,label")
    a.add_argument(
        "--label",
        default=None,
        help="the --labels CSV's label column (default: label, labels, genre, genres or tag)",
    )
    a.add_argument("--sep", default="|", help="separator of several labels in one --labels cell")
    a.add_argument(
        "--sample",
        type=argument_type(whole(1), example=100),
        default=100,
        help="rows to audit at most (default: 100)",
    )
    a.add_argument("--seed", type=int, default=0)
    a.add_argument(
        "--top-k",
        type=at_least_one,
        default=1,
        help="with --run: a row agrees when its genre is among the run's top k (default: 1)",
    )
    a.add_argument("--json", action="store_true")
    return parser


def _load_args(args):
    return {
        "text": args.text,
        "label": args.label,
        "format": args.format,
        "sep": args.sep,
        "multi_label": args.multi_label,
        "skip_bad_rows": args.skip_bad_rows,
    }


def _plan_kwargs(args):
    return {
        "target_count": args.target_count,
        "min_count": args.min_count,
        "genres": args.genres,
        "model": args.model,
        "per_request": args.per_request,
        "length_words": args.length,
        "few_shot": args.few_shot,
        "overgenerate": args.overgenerate,
        "max_tokens": args.max_tokens,
        "prices": args.prices,
    }


def main(argv=None):
    """Runs `genreclf augment ...`; returns the exit code.

    0: done; 1: an error, one line on stderr, as the other `genreclf`
    commands print theirs (an option that cannot be used as given, a file
    that is missing, unreadable, not UTF-8 or malformed, named with its line,
    or a run that failed); 2: argparse's usage errors (an unknown option, a
    missing argument).
    """
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO, stream=sys.stderr, format="%(levelname)s %(name)s: %(message)s"
    )
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpx2").setLevel(logging.WARNING)
    logging.getLogger("openai").setLevel(logging.WARNING)
    from genreclf import augment

    try:
        if args.command == "plan":
            p = augment.plan(args.data, **_plan_kwargs(args), **_load_args(args))
            print(json.dumps(p.to_dict(), indent=2) if args.json else p.to_table())
            return 0
        if args.command == "run":
            predictor = None
            if args.filter_run:
                import genreclf

                predictor = genreclf.load_run(args.filter_run)
            filters = augment.FilterConfig(
                min_words=args.min_words,
                max_words=args.max_words,
                near_dup_threshold=args.near_dup or None,
                language=None if args.no_language_check else "en",
            )
            result = augment.generate(
                args.data,
                out=args.out,
                cache=args.cache,
                base_url=args.base_url,
                budget_usd=args.budget_usd,
                budget_tokens=args.budget_tokens,
                concurrency=args.concurrency,
                timeout=args.timeout,
                max_attempts=args.max_attempts,
                backoff_base=args.backoff,
                temperature=args.temperature,
                template=args.template,
                seed=args.seed,
                filters=filters,
                predictor=predictor,
                dedup_against=args.dedup_against,
                batch=args.batch,
                response_format=None if args.response_format == "none" else args.response_format,
                poll_interval=args.poll_interval,
                batch_max_wait=args.batch_max_wait,
                **_plan_kwargs(args),
                **_load_args(args),
            )
            if args.json:
                print(json.dumps(result.summary(), indent=2, default=str))
            else:
                print(result.to_table())
            if result.stopped == "fatal" or result.all_failed:
                what = "every request failed" if result.all_failed else "stopped"
                summary = result.failure_summary()
                retries = (result.calls or {}).get("retries", {})
                if "connection" in retries and result.stopped != "fatal":
                    # (a fatal stop for an unreachable server says so itself)
                    summary += (
                        f"; could not connect to {args.base_url or 'the OpenAI API'}: check "
                        "--base-url and that the server is running"
                    )
                kinds = set(result.failures) | set((result.calls or {}).get("failed", {}))
                if kinds & UNUSABLE and result.stopped != "fatal":
                    summary += (
                        f"; {args.base_url or 'the OpenAI API'} answered, but not with the "
                        'JSON {"synopses": [...]} asked for: check --model, or pass '
                        "--response-format json_object (or none) for a server without "
                        "JSON-schema support"
                    )
                if kinds & {"bad_response", "too_large"}:
                    summary += (
                        f"; {args.base_url or 'the OpenAI API'} sent replies that are no chat "
                        "completion at all (not JSON, a web page, or over 8 MiB): check "
                        "--base-url (an OpenAI-compatible server's /v1)"
                    )
                if "truncated" in kinds:
                    summary += (
                        "; answers were cut off at max_tokens (finish_reason 'length'): raise "
                        "--max-tokens, or ask fewer synopses a request (--per-request)"
                    )
                print(f"genreclf augment run: error: {what}: {summary}", file=sys.stderr)
                return 1
            if result.nothing_written:
                # The server answered, but every answer was refused or unusable, or the
                # filters dropped every synopsis: an empty output is no success.
                summary = result.nothing_written_summary(args.base_url or "the OpenAI API")
                print(f"genreclf augment run: error: no rows written: {summary}", file=sys.stderr)
                return 1
            return 0
        if args.command == "audit":
            res = augment.audit(
                args.rows,
                run=args.run,
                labels=args.labels,
                label=args.label,
                sep=args.sep,
                sample=args.sample,
                seed=args.seed,
                top_k=args.top_k,
            )
            print(json.dumps(res.to_dict(), indent=2) if args.json else res.to_table())
            return 0
    except GenreclfError as e:
        print(f"genreclf augment {args.command}: error: {e}", file=sys.stderr)
    except OSError as e:  # a path the user gave that cannot be read or written
        from genreclf.cli import describe_os_error

        print(f"genreclf augment {args.command}: error: {describe_os_error(e)}", file=sys.stderr)
    return 1
