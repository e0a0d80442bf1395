"""`audit`: how often a judge agrees with each stage, with Wilson 95% intervals.

Samples up to `sample` labelled rows per deciding stage (seeded), asks a
judge for their labels — a labelled file (`labels.csv`, matched by id), a
trained run, or an LLM (through the cascade's own LLM stage: cached and
budgeted) — and counts agreement per assigned label: a row labelled
`[a, b]` contributes two trials. Intervals are Wilson score intervals from
SciPy (`genreclf.metrics.wilson`), per stage and per genre.

A judge file is read by `genreclf.data.load_dataset`; its errors' hints and
its warning about labels joined by another separator name `audit`'s own
arguments (`judge_label=`, `judge_text=`, `judge_format=`, `judge_sep=`) and
the flags of `genreclf label audit` (`--label`, `--text`, `--format`,
`--sep`), and, since an audit skips no rows, a bad row's error ends with its
fix alone. Its labels are compared with the genres (`genres=`, `--genres`;
without it, the genres the labelled rows carry): an audit counts the labels
the rows were given, so a row the judge gives only labels outside the genres
counts as a disagreement wherever it is sampled, and such labels beside a
genre are ignored. That is warned about; labels that look like a mistake
stop the audit at their first row instead: several genres joined by another
separator, a genre but for case or spaces, or (with `genres=`) no row
carrying any of the genres.
"""

import collections
import dataclasses
import random

from genreclf.errors import ConfigError
from genreclf.errors import DataError
from genreclf.metrics.wilson import wilson_interval

# `load_dataset`'s option -> `audit`'s argument for the judge file. The flags of
# `genreclf label audit` are `load_dataset`'s own: `--label`, `--text`, `--format`, `--sep`.
JUDGE_ARGUMENTS = {
    "label": "judge_label",
    "text": "judge_text",
    "format": "judge_format",
    "sep": "judge_sep",
}


@dataclasses.dataclass
class AuditResult:
    """Agreement with the judge: `per_stage` and `per_genre` rows of
    `{"agree", "trials", "rows", "rate", "low", "high"}`, and `overall`."""

    judge: str
    per_stage: dict
    per_genre: dict
    overall: dict
    sampled: int
    unlabelled: int

    def to_dict(self):
        return dataclasses.asdict(self)

    def table(self):
        """A Markdown table of the agreement per stage, then per genre."""
        lines = [
            f"judge: {self.judge}; {self.sampled} rows sampled; {self.unlabelled} unlabelled rows",
            "",
            "| group | rows | labels | agree | rate | 95% CI (Wilson) |",
            "|---|---:|---:|---:|---:|---|",
        ]

        def line(name, r):
            return (
                f"| {name} | {r['rows']} | {r['trials']} | {r['agree']} | {r['rate']:.3f} | "
                f"{r['low']:.3f}–{r['high']:.3f} |"
            )

        lines += [line(f"stage {s}", r) for s, r in self.per_stage.items()]
        lines += [line(f"genre {g}", r) for g, r in self.per_genre.items()]
        lines.append(line("all", self.overall))
        return "\n".join(lines)


def sample_rows(rows, sample=100, seed=0):
    """Up to `sample` labelled rows of each stage (seeded), in file order."""
    by_stage = collections.defaultdict(list)
    for i, row in enumerate(rows):
        if row.get("stage") and row.get("labels"):
            by_stage[row["stage"]].append(i)
    rng = random.Random(seed)
    keep = []
    for stage in sorted(by_stage):
        indices = by_stage[stage]
        keep += indices if len(indices) <= sample else rng.sample(indices, sample)
    return [rows[i] for i in sorted(keep)]


def audit(
    labelled,
    judge,
    *,
    sample=100,
    seed=0,
    judge_label=None,
    judge_text=None,
    judge_format="auto",
    judge_sep=None,
    genres=None,
    **llm_args,
):
    """Scores a sample of labelled rows against a judge.

    Args:
        labelled: the JSONL `genreclf label` wrote.
        judge: a labelled file (CSV/TSV/JSONL/Parquet with an id column, or
            rows numbered by line as the input was), a run folder, or
            `"llm"` (then pass `llm=` the model and the LLM options of
            `genreclf.labelling.build_cascade`).
        sample: rows sampled per stage.
        seed: the sampling seed.
        judge_label, judge_text: the judge file's label and text columns.
        judge_format: the judge file's format (`genreclf.data.load_dataset`'s
            `format`; `"auto"`: from its extension).
        judge_sep: the separator between labels in one cell of the judge
            file (default `"|"`: `action|comedy` is two labels), e.g. `";"`.
            On the command line these are `--label`, `--text`, `--format`
            and `--sep`.
        genres: the genres.yaml (path, mapping or list) the rows were labelled
            with: the LLM judge's genres, and what a judge file's labels are
            compared with (without it, the genres `labelled`'s rows carry as
            label, runner-up or a stage's guess). A row the judge gives only
            labels outside them counts as a disagreement wherever it is
            sampled, so such labels are warned about; labels joined by
            another separator, a genre's name in other case, or (with
            `genres`) no row with any of the genres raise `DataError`.
        **llm_args: for `judge="llm"`: `llm`, `base_url`, `budget_usd`, ...

    Returns:
        An `AuditResult`.

    Example:

    >>> result = audit("labelled.jsonl", "labels.csv", sample=100)  # doctest: +SKIP
    >>> print(result.table())  # doctest: +SKIP
    """
    import os

    from genreclf.labelling.label_file import read_labelled

    if str(judge) == "llm" or os.path.isdir(str(judge)):
        from genreclf.labelling.reference_file import check_file_options

        check_file_options(
            {
                "judge_text": ("--text", judge_text, None),
                "judge_label": ("--label", judge_label, None),
                "judge_format": ("--format", judge_format, "auto"),
                "judge_sep": ("--sep", judge_sep, None),
            },
            "a judge file",
            f"judge={str(judge)!r}, {'an LLM' if str(judge) == 'llm' else 'a run folder'}",
            "judge= a labelled file (`--judge FILE`)",
        )
    rows = read_labelled(labelled)
    if not rows:  # an agreement of 0/0 was shown as nan
        raise DataError(
            "no rows to audit. Expected the rows `genreclf label --out` wrote, one JSON "
            "object a line; check the path, or run `genreclf label` first.",
            path=labelled,
        )
    picked = sample_rows(rows, sample, seed)
    unlabelled = sum(1 for r in rows if not r.get("labels"))
    if str(judge) == "llm":
        truth = _llm_judge(picked, labelled, genres=genres, **llm_args)
        name = f"llm {llm_args.get('llm')}"
    elif os.path.isdir(str(judge)):
        from genreclf.run import Run

        run = Run(judge)
        predicted = run.predict_names([r["text"] for r in picked]) if picked else []
        truth = {r["id"]: set(p["labels"]) for r, p in zip(picked, predicted)}
        name = f"run {judge}"
    else:
        known = _known(genres, rows, labelled)
        dataset = _read_judge(judge, judge_text, judge_label, judge_format, judge_sep, known)
        by_id = {str(i): set(l) for i, l in zip(dataset.ids, dataset.labels)}
        missing = [r["id"] for r in picked if r["id"] not in by_id]
        if missing:
            raise ConfigError(
                f"The judge file {str(judge)!r} has no row for ids {missing[:5]}"
                f"{' ...' if len(missing) > 5 else ''}. Expected the same ids as the labelled "
                "file (its `id` column, or the line numbers of the input file)."
            )
        truth = {r["id"]: by_id[r["id"]] for r in picked}
        name = f"labels {judge}"
    stage_counts = collections.defaultdict(lambda: [0, 0, 0])
    genre_counts = collections.defaultdict(lambda: [0, 0, 0])
    total = [0, 0, 0]
    for row in picked:
        if row["id"] not in truth:
            continue
        for label in row["labels"]:
            hit = int(label in truth[row["id"]])
            for counts in (stage_counts[row["stage"]], genre_counts[label], total):
                counts[0] += hit
                counts[1] += 1
        for counts in (stage_counts[row["stage"]], total):
            counts[2] += 1
        for label in set(row["labels"]):
            genre_counts[label][2] += 1
    return AuditResult(
        judge=name,
        per_stage={s: _rate(*c) for s, c in stage_counts.items()},
        per_genre={g: _rate(*c) for g, c in sorted(genre_counts.items())},
        overall=_rate(*total),
        sampled=len(picked),
        unlabelled=unlabelled,
    )


def _read_judge(judge, text, label, format, sep, known=None):
    """The judge file's dataset; its errors name `audit`'s arguments and skip no rows.

    With `known` (a `KnownGenres`), its labels outside them are refused
    when they look like a mistake and warned about otherwise
    (`genreclf.labelling.known_genres.check_known_labels`).
    """
    from genreclf.labelling.reference_file import read_labelled_file

    options = dict(arguments=JUDGE_ARGUMENTS, text=text, label=label, format=format, sep=sep)
    return read_labelled_file(judge, known=known, purpose="judge", **options)


def _known(genres, rows, labelled):
    """The `KnownGenres` a judge file's labels are compared with: those of `genres`, else
    every genre named in the labelled rows (not `complete`: perhaps not all the genres)."""
    from genreclf.labelling.known_genres import KnownGenres

    if genres is not None:
        return KnownGenres.of(genres)
    names = {}
    for row in rows:
        names.update(dict.fromkeys(row.get("labels") or []))
        if row.get("runner_up"):
            names[row["runner_up"]] = None
        for tried in row.get("tried") or []:
            names.update(dict.fromkeys(tried.get("labels") or []))
    if not names:
        return None  # no row labelled: nothing to compare with
    return KnownGenres(tuple(names), f"the rows of {labelled}", "", complete=False)


def _rate(agree, trials, rows):
    low, high = wilson_interval(agree, trials)
    return {
        "agree": agree,
        "trials": trials,
        "rows": rows,
        "rate": agree / trials if trials else float("nan"),
        "low": low,
        "high": high,
    }


def _llm_judge(picked, labelled, llm=None, genres=None, **llm_args):
    from genreclf.labelling.api import build_cascade
    from genreclf.labelling.label_file import LabelFile

    if not llm or genres is None:
        raise ConfigError(
            "An LLM judge needs the model and the genres. Received: "
            f"llm={llm!r}, genres={genres!r}. Pass --llm MODEL --genres genres.yaml."
        )
    llm_args.setdefault("cache", str(labelled) + ".judge-cache.jsonl")
    cascade = build_cascade(genres, llm=llm, stages=("llm",), **llm_args)
    out = str(labelled) + ".judge.jsonl"
    cascade.run([{"id": r["id"], "line": r.get("line"), "text": r["text"]} for r in picked], out)
    return {i: set(r["labels"]) for i, r in LabelFile(out).rows.items() if r.get("labels")}
