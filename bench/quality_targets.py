"""bench/quality.py's targets: the issue's gaps per dataset, and over held-out splits.

Rows are `bench/quality.py`'s: `{"dataset", "model", "macro_f1", "micro_or_acc",
"rare_f1", "fit_s", "targets", "predictions", "rare_classes", "labels",
"multi_label"}` (`targets` and `predictions` 0/1 `[n, K]`); a split other than 0
is named `NAME/sK` (`split_name`), a cross-validation fold `NAME/fK`
(`fold_name`) and the folds taken together `NAME/pooled` (`pooled_rows`).
The default's macro-F1 gap to the best baseline and its rare-class F1 gap to
(c) get 95% paired bootstrap intervals over the held-out rows
(`genreclf.metrics.paired_bootstrap`), and their means over splits one more
(`mean_gap_interval`): a gap whose interval holds 0 is one the rows cannot
tell from none.
"""

import numpy as np

# Families trained from scratch: `--seeds N` trains them N times (each with its
# declared epochs and patience, 30 / 6); their target is 0.9 × (a).
SEEDED_FAMILIES = ("bilstm", "transformer")
SPLIT_MARK = "/s"
FOLD_MARK = "/f"
POOLED = "/pooled"


def split_name(name, split):
    """The dataset column of split `split`: `name`, then `name/s1`, `name/s2`, ...

    >>> split_name("imdb_genre27", 0), split_name("imdb_genre27", 2)
    ('imdb_genre27', 'imdb_genre27/s2')
    """
    return f"{name}{SPLIT_MARK}{split}" if split else name


def fold_name(name, fold):
    """The dataset column of cross-validation fold `fold`: `name/f0`, `name/f1`, ...

    >>> fold_name("imdb_genre27", 0)
    'imdb_genre27/f0'
    """
    return f"{name}{FOLD_MARK}{fold}"


def dataset_of(column):
    """The dataset a `split_name`, `fold_name` or pooled column names.

    >>> dataset_of("imdb_genre27/s2"), dataset_of("imdb_genre27/f1"), dataset_of("x/pooled")
    ('imdb_genre27', 'imdb_genre27', 'x')
    """
    return column.split("/")[0]


def row(name, model, report, seconds, multi_label, targets=None, predictions=None):
    """A table row; `targets` and `predictions` (0/1 `[n, K]`) feed the paired intervals."""
    return {
        "dataset": name,
        "model": model,
        "macro_f1": report["macro_f1"],
        "micro_or_acc": report["micro_f1"] if multi_label else report["accuracy"],
        "rare_f1": report["rare_macro_f1"],
        "fit_s": seconds,
        "targets": targets,
        "predictions": predictions,
        "rare_classes": report["rare_classes"],
        "labels": report["labels"],
        "multi_label": multi_label,
    }


def rare_class_table(rows):
    """Each rare class's rows, and every model's hits and F1 on it, per dataset.

    `rows` are rows with predictions (`pooled_rows`' above all: there a
    rare class is scored on every row it has in the file). A hit is a row
    of the class predicted as it; the F1 also counts the rows wrongly
    predicted as it.
    """
    from genreclf.metrics.scores import class_counts
    from genreclf.metrics.scores import per_class_scores

    lines = []
    for name, mine in by_dataset(rows).items():
        models = [m for m, r in mine.items() if r.get("predictions") is not None]
        if not models:
            continue
        first = mine[models[0]]
        labels, rare = list(first["labels"]), first["rare_classes"]
        header = " | ".join(f"{m} hits, F1" for m in models)
        lines += [f"{name}: rare classes", f"| class | rows | {header} |"]
        lines.append("|---|---:|" + "---:|" * len(models))
        scores = {}
        for model in models:
            r = mine[model]
            tp, fp, fn = class_counts(r["targets"], r["predictions"])
            scores[model] = (tp, per_class_scores(tp, fp, fn))
        for label in rare:
            k = labels.index(label)
            support = int(scores[models[0]][1]["support"][k])
            cells = " | ".join(
                f"{int(scores[m][0][k])}, {scores[m][1]['f1'][k]:.3f}" for m in models
            )
            lines.append(f"| {label} | {support} | {cells} |")
    return "\n".join(lines)


def pooled_rows(rows):
    """One row per model for the folds' held-out rows taken together.

    In k-fold cross-validation every row is held out exactly once, so the
    folds' predictions, stacked, score each row of the file once: a class with
    ten rows in the file is scored on ten, where one held-out split of 15%
    has one or two of them. The report is recomputed on the stacked 0/1
    predictions (rare classes: the quarter with the fewest rows in the file);
    `fit_s` is the folds' sum. `rows` are one dataset's fold rows
    (`fold_name` columns), every model in every fold.
    """
    from genreclf.metrics import classification_report

    folds = by_dataset(rows)
    first = next(iter(folds.values()))
    name = dataset_of(next(iter(folds))) + POOLED
    labels = list(next(iter(first.values()))["labels"])
    for column, mine in folds.items():
        if set(mine) != set(first):
            raise ValueError(
                f"{column}: every fold must have the same models to pool them. "
                f"Received: {sorted(mine)}, expected {sorted(first)}."
            )
    pooled = []
    for model in first:
        targets, predictions = [], []
        for column, mine in folds.items():
            fold = mine[model]
            if sorted(fold["labels"]) != sorted(labels):
                raise ValueError(
                    f"{column}: every fold must score the same classes to pool them. "
                    f"Received: {list(fold['labels'])}, expected the classes {labels}."
                )
            order = [list(fold["labels"]).index(label) for label in labels]
            targets.append(np.asarray(fold["targets"])[:, order])
            predictions.append(np.asarray(fold["predictions"])[:, order])
        targets, predictions = np.concatenate(targets), np.concatenate(predictions)
        multi_label = first[model].get("multi_label")
        if multi_label is None:  # rows written before `multi_label` was kept
            multi_label = bool((targets.sum(axis=1) != 1).any())
        report = classification_report(
            targets.astype("float32"),
            predictions.astype("float32"),
            labels,
            thresholds=0.5 if multi_label else None,
            multi_label=multi_label,
        )
        seconds = sum(mine[model]["fit_s"] for mine in folds.values())
        pooled.append(row(name, model, report, seconds, multi_label, targets, predictions))
    return pooled


BASELINES = ("(a) tfidf+lr", "(b) minilm+lr", "(c) avg(a,b)")


def target_gaps(mine):
    """The targets' gaps for one dataset's rows `{model: row}` (positive is better)."""
    base = [mine[m] for m in BASELINES]
    auto = next(r for m, r in mine.items() if m.startswith("genreclf auto ("))
    best = max(b["macro_f1"] for b in base)
    best_row = next(b for b in base if b["macro_f1"] == best)
    gaps = {
        "default": auto["macro_f1"],
        "best": best,
        "default − max(a,b,c)": auto["macro_f1"] - best,
        "micro/acc − max": auto["micro_or_acc"] - max(b["micro_or_acc"] for b in base),
        "rare − (c)": auto["rare_f1"] - base[2]["rare_f1"],
    }
    if auto.get("predictions") is not None:
        rare = [auto["labels"].index(name) for name in auto["rare_classes"]]
        # (targets, baseline's predictions, default's, rare columns) for the intervals
        gaps["paired"] = {
            "default − max(a,b,c)": (auto["targets"], best_row["predictions"], auto["predictions"], None),
            "rare − (c)": (auto["targets"], base[2]["predictions"], auto["predictions"], rare),
        }  # fmt: skip
    if "genreclf ngram" in mine:
        gaps["ngram − (a)"] = mine["genreclf ngram"]["macro_f1"] - base[0]["macro_f1"]
    for family in SEEDED_FAMILIES:
        if f"genreclf {family}" in mine:
            gaps[f"{family} / (a)"] = mine[f"genreclf {family}"]["macro_f1"] / max(
                base[0]["macro_f1"], 1e-9
            )
    return gaps


TARGETS = {  # gap: (target, how the target line reads)
    "default − max(a,b,c)": (0.01, "≥ +0.01"),
    "micro/acc − max": (-0.01, "≥ −0.01"),
    "rare − (c)": (0.0, "≥ 0"),
    "ngram − (a)": (-0.005, "≥ −0.005"),
    "bilstm / (a)": (0.9, "≥ 0.9"),
    "transformer / (a)": (0.9, "≥ 0.9"),
}


def by_dataset(rows):
    """`{dataset: {model: row}}`, in the order the datasets were run."""
    out = {}
    for r in rows:
        out.setdefault(r["dataset"], {})[r["model"]] = r
    return out


def targets_check(rows):
    """The issue's targets, per dataset: default ≥ max(a, b, c) + 0.01 macro-F1, and so on."""
    lines = []
    for name, mine in by_dataset(rows).items():
        gaps = target_gaps(mine)
        default_gap, a = gaps["default − max(a,b,c)"], mine[BASELINES[0]]["macro_f1"]
        lines.append(
            f"{name}: default {gaps['default']:.4f} vs max(a,b,c) {gaps['best']:.4f} "
            f"(target ≥ +0.01: {'met' if default_gap >= 0.01 else 'NOT met'}, "
            f"{default_gap:+.4f}{_interval(gaps, 'default − max(a,b,c)')}); "
            f"micro/acc {gaps['micro/acc − max']:+.4f} "
            f"(target ≥ −0.01); rare-F1 {gaps['rare − (c)']:+.4f} vs (c) "
            f"(target ≥ 0{_interval(gaps, 'rare − (c)')})"
        )
        if "ngram − (a)" in gaps:
            ngram = mine["genreclf ngram"]["macro_f1"]
            lines.append(
                f"{name}: ngram {ngram:.4f} vs (a) {a:.4f} "
                f"({gaps['ngram − (a)']:+.4f}, target ≥ −0.005)"
            )
        for family in SEEDED_FAMILIES:
            if f"{family} / (a)" not in gaps:
                continue
            line = f"{name}: {family} {gaps[f'{family} / (a)']:.2f} × (a) (target ≥ 0.9)"
            seeded = [
                r["macro_f1"] / max(a, 1e-9)
                for m, r in mine.items()
                if m == f"genreclf {family}" or m.startswith(f"genreclf {family} seed ")
            ]
            if len(seeded) > 1:
                line += (
                    f"; over {len(seeded)} seeds: mean {np.mean(seeded):.2f}, "
                    f"lowest {min(seeded):.2f}, highest {max(seeded):.2f}"
                )
            lines.append(line)
    return "\n".join(lines)


def _interval(gaps, gap):
    """`, 95% interval ...` of the default's `gap` over the held-out rows, when known."""
    paired = (gaps.get("paired") or {}).get(gap)
    if paired is None:
        return ""
    low, high = mean_gap_interval([paired])
    return f", 95% interval {low:+.4f} to {high:+.4f}"


def splits_summary(rows):
    """Each target's gap over the splits of a dataset: mean, lowest, highest, splits met."""
    splits = {}
    for name, mine in by_dataset(rows).items():
        splits.setdefault(dataset_of(name), []).append(target_gaps(mine))
    parts = {
        dataset_of(name): "folds" if FOLD_MARK in name else "splits" for name in by_dataset(rows)
    }
    lines = []
    for name, runs in splits.items():
        if len(runs) < 2:
            continue
        for gap, (target, reads) in TARGETS.items():
            values = [g[gap] for g in runs if gap in g]
            if not values:
                continue
            met = sum(v >= target - 1e-12 for v in values)
            mean = f"mean {np.mean(values):+.4f}"
            paired = [g["paired"][gap] for g in runs if gap in g.get("paired", {})]
            if paired and len(paired) == len(runs):
                low, high = mean_gap_interval(paired)
                mean += f" (95% interval {low:+.4f} to {high:+.4f})"
            lines.append(
                f"{name}: {gap} over {len(values)} {parts[name]}: {mean}, "
                f"lowest {min(values):+.4f}, highest {max(values):+.4f} "
                f"(target {reads}; met on {met} of {len(values)})"
            )
    return "\n".join(lines)


def mean_gap_interval(splits, confidence=0.95, resamples=2000, seed=0):
    """Bootstrap interval of the mean macro-F1 gap B − A over held-out splits.

    `splits` holds one `(targets, predictions_a, predictions_b, columns)` per
    split; `columns` (None: all) are the classes the macro-F1 averages, the
    rare ones for the rare-F1 target. Each split's rows are resampled on their
    own (`scipy.stats.bootstrap`, one sample per split; with one split this is
    `genreclf.metrics.paired_bootstrap`'s interval). The splits are drawn from
    the same file with different seeds, so their held-out rows overlap (and
    their training rows more): the interval treats them as more independent
    than they are and is narrower than it should be. Read it as a lower bound
    on the uncertainty. Cross-validation folds hold out disjoint rows, but
    their training rows overlap too.
    """
    from scipy.stats import bootstrap

    from genreclf.metrics.scores import class_counts
    from genreclf.metrics.scores import per_class_scores

    def macro(y, predicted, columns):
        f1 = per_class_scores(*class_counts(y, predicted))["f1"]
        return float(np.mean(f1 if columns is None else f1[columns]))

    def mean_gap(*rows):
        return np.mean(
            [macro(y[r], b[r], k) - macro(y[r], a[r], k) for (y, a, b, k), r in zip(splits, rows)]
        )

    result = bootstrap(
        tuple(np.arange(len(split[0])) for split in splits),
        mean_gap,
        vectorized=False,
        n_resamples=resamples,
        confidence_level=confidence,
        method="percentile",
        random_state=np.random.default_rng(seed),
    )
    return float(result.confidence_interval.low), float(result.confidence_interval.high)
