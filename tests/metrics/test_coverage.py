"""Coverage vs precision of the abstaining cascade."""

import numpy as np

from genreclf.metrics.coverage import abstention_markdown
from genreclf.metrics.coverage import abstention_section
from genreclf.metrics.coverage import argmax_precision_at
from genreclf.metrics.report import classification_report
from genreclf.metrics.report import format_summary


def test_section_counts_coverage_precision_and_the_curve():
    targets = np.eye(2)[[0, 0, 1, 1]]
    scores = np.array([[0.9, 0.1], [0.3, 0.6], [0.2, 0.8], [0.45, 0.4]])
    section = abstention_section(targets, scores, ["comedy", "horror"], [0, 1], [0.5, 0.5])
    # row 0 comedy (right), row 1 horror (wrong), row 2 horror (right), row 3 unknown
    assert section["coverage"] == 0.75
    assert section["precision"] == 2 / 3 and section["accuracy"] == 0.5
    shifts = {p["shift"]: p for p in section["curve"]}
    assert shifts[-0.1]["coverage"] == 1.0 and shifts[0.3]["coverage"] == 0.5
    assert all(
        a["coverage"] >= b["coverage"] for a, b in zip(section["curve"], section["curve"][1:])
    )
    lines = abstention_markdown(section)
    assert "| +0.0 | 0.750 | 0.667 |" in "\n".join(lines)


def test_argmax_precision_keeps_the_surest_rows():
    targets = np.eye(2)[[0, 1, 0]]
    scores = np.array([[0.9, 0.1], [0.6, 0.4], [0.2, 0.8]])
    assert argmax_precision_at(targets, scores, 1 / 3) == 1.0
    assert argmax_precision_at(targets, scores, 1.0) == 1 / 3
    assert argmax_precision_at(targets, scores, 0.0) is None


def test_the_terminal_summary_says_what_the_cascade_answers_beside_the_top_class_scores():
    # evaluate's headline scores each row's top class; an --abstain run answers from its
    # cascade (`run.predict`: 'unknown' below every threshold), which the summary never named.
    targets = np.eye(2)[[0, 0, 1, 1]]
    scores = np.array([[0.9, 0.1], [0.3, 0.6], [0.2, 0.8], [0.45, 0.4]])
    report = classification_report(targets, scores, ["comedy", "horror"])
    assert "abstention" not in format_summary(report)
    report["abstention"] = abstention_section(
        targets, scores, ["comedy", "horror"], [0, 1], [0.5] * 2
    )
    (line,) = [line for line in format_summary(report).splitlines() if "abstention" in line]
    assert "answers 75.0% of rows at precision 0.6667 (accuracy 0.5000, 'unknown'" in line
    assert line.endswith("the lines above: each row's top class")
    # No row answered: no precision to show (the summary raised a TypeError on None).
    report["abstention"] = abstention_section(
        targets, scores, ["comedy", "horror"], [0, 1], [1.0] * 2
    )
    (line,) = [line for line in format_summary(report).splitlines() if "abstention" in line]
    assert "answers 0.0% of rows (accuracy 0.0000, 'unknown' counted wrong)" in line
