"""`genreclf predict`: the genres of synopses, from the command line."""

import argparse
import json
import sys


def build_parser():
    p = argparse.ArgumentParser(
        prog="genreclf predict",
        description="Predict labels for synopses given as arguments, or one per line "
        "on standard input ('-').",
    )
    p.add_argument("run", help="the run folder")
    p.add_argument("texts", nargs="+", help="synopses, or '-' to read one per line from stdin")
    p.add_argument("--top-k", type=int, default=3, help="how many top labels to show (default 3)")
    p.add_argument("--json", action="store_true", help="print JSON lines instead of a table")
    return p


def main(argv):
    args = build_parser().parse_args(argv)
    from genreclf.run import load_run

    texts = args.texts
    if texts == ["-"]:
        texts = [line.rstrip("\n") for line in sys.stdin if line.strip()]
    run = load_run(args.run)
    for text, result in zip(texts, run.predict(texts, top_k=args.top_k)):
        if args.json:
            print(json.dumps({"text": text, **result}, ensure_ascii=False))
            continue
        preview = text if len(text) <= 70 else text[:67] + "..."
        print(preview)
        print(f"  labels: {', '.join(result['labels']) or '(none above threshold)'}")
        for label, score in zip(result["top_labels"], result["top_scores"]):
            print(f"  {score:6.3f}  {'#' * int(round(score * 30)):<30} {label}")
    return 0
