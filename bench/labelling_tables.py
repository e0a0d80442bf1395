"""The bench/RESULTS.md tables of `bench/labelling.py`'s result files.

Run through `python bench/labelling.py --markdown RESULT.json ...`.
"""


def _f(x):
    return "—" if x is None or x != x else f"{x:.3f}"


def markdown(results):
    """The tables for bench/RESULTS.md."""
    out = [
        "Cascade without an LLM at the default thresholds (no calibration; pool rows; "
        "coverage / precision, and each stage alone):",
        "",
        "| dataset | keywords | zero-shot | classifier | overall | keywords alone | zero-shot "
        "alone | classifier alone |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, r in results.items():
        d = r.get("defaults")
        if not d:
            continue
        cells = [
            f"{d[s]['coverage']:.1%} / {_f(d[s]['precision'])}"
            for s in ("keywords", "zero_shot", "classifier", "all")
        ]
        cells += [
            f"{d[s]['alone_coverage']:.1%} / {_f(d[s]['alone_precision'])}"
            for s in ("keywords", "zero_shot", "classifier")
        ]
        out.append(f"| {name} | " + " | ".join(cells) + " |")
    out += [
        "",
        "Cascade without an LLM, thresholds calibrated for precision 0.9 on the calibration part "
        "(pool rows; coverage / precision, micro-F1 for multi-label):",
        "",
        "| dataset | pool | keywords | zero-shot | classifier | overall | classifier alone at "
        "equal coverage |",
        "|---|---:|---|---|---|---|---|",
    ]
    for name, r in results.items():
        rows = r["target_0.9"]["pool"]
        cells = []
        for stage in ("keywords", "zero_shot", "classifier", "all"):
            x = rows.get(stage, {})
            extra = f" (F1 {_f(x.get('micro_f1'))})" if r["multi_label"] else ""
            cells.append(f"{x.get('coverage', 0):.1%} / {_f(x.get('precision'))}{extra}")
        alone = r["target_0.9"]["classifier_alone"]["precision"]
        out.append(f"| {name} | {r['rows']['pool']} | " + " | ".join(cells) + f" | {_f(alone)} |")
    out += [
        "",
        "At about 60% coverage (the calibration target whose pool coverage is nearest 60%; "
        "coverage needs no labels) — target: precision ≥ 0.85 on movielens_plots and "
        "imdb_genre27 top-8:",
        "",
        "| dataset | rule, target | coverage | cascade precision | classifier alone, same coverage | "
        "by stage (coverage / precision) | met? |",
        "|---|---:|---:|---:|---:|---|---|",
    ]
    for name, c in [
        (n, r[key]) for n, r in results.items() for key in ("coverage_60", "coverage_60_marginal")
    ]:
        if c is results[name].get("coverage_60_marginal") and c.get("rule") == "average":
            continue  # multi-label: the marginal rule falls back to the average one
        rows = c["pool"]
        stages = ", ".join(
            f"{s} {rows[s]['coverage']:.1%} / {_f(rows[s]['precision'])}"
            for s in ("keywords", "zero_shot", "classifier")
            if s in rows
        )
        precision = rows["all"]["precision"]
        met = "—" if name == "tmdb_genres" else ("yes" if precision >= 0.85 else "**no**")
        multi = results[name]["multi_label"]
        cascade = _f(precision) + (f" (F1 {_f(rows['all']['micro_f1'])})" if multi else "")
        alone = c["classifier_alone"]
        alone = _f(alone["precision"]) + (f" (F1 {_f(alone['micro_f1'])})" if multi else "")
        out.append(
            f"| {name} | {c.get('rule', 'average')} {c['target']:.2f} | "
            f"{rows['all']['coverage']:.1%} | {cascade} | {alone} | {stages} | {met} |"
        )
    for name, r in results.items():
        if "llm" not in r:
            continue
        llm = r["llm"]
        only = llm["llm_only"]
        out += [
            "",
            f"With the local OpenAI-compatible server as the LLM ({name}, {r['rows']['pool']} "
            "pool rows, gpt-4o-mini prices):",
            "",
            "| run | rows decided by cheap stages | rows to the LLM | requests | spent (USD) | "
            "requests saved vs LLM only |",
            "|---|---:|---:|---:|---:|---:|",
        ]
        for label, run in llm.items():
            if label == "kill9" or "llm" not in run:
                continue
            saved = 1 - run["llm"]["sent"] / max(only["llm"]["sent"], 1)
            out.append(
                f"| {label} | {r['rows']['pool'] - run['llm']['rows']} | {run['llm']['rows']} | "
                f"{run['llm']['sent']} | {run['llm']['spent_usd']:.4f} | {saved:.1%} |"
            )
        k = llm["kill9"]
        out += [
            "",
            "`genreclf label` (keywords → LLM) killed with SIGKILL mid-run, then rerun:",
            "",
            "| requests before the kill | rows written before | requests in all | distinct "
            "prompts | prompts sent twice | in flight at most | rows after | unique ids |",
            "|---:|---:|---:|---:|---:|---:|---:|---:|",
            f"| {k['requests_before_kill']} | {k['rows_written_before_kill']} | "
            f"{k['requests_total']} | {k['distinct_prompts']} | {k['sent_twice']} | "
            f"{k['in_flight_limit']} | {k['rows_after']} | {k['unique_ids_after']} |",
        ]
    return "\n".join(out)
