import numpy as np

from genreclf.labelling.genre_spec import Genre
from genreclf.labelling.keyword_stage import KeywordStage
from genreclf.labelling.thresholds import NEVER
from genreclf.labelling.thresholds import calibrate
from genreclf.labelling.thresholds import choose_threshold


def test_lowest_threshold_reaching_the_target():
    conf = [0.95, 0.9, 0.8, 0.8, 0.7, 0.6]
    correct = [1, 1, 1, 0, 1, 0]
    assert choose_threshold(conf, correct, target_precision=0.8, min_rows=1) == (0.7, 0.8, 5)
    # ties are claimed together: no cut between the two 0.8 rows
    assert choose_threshold(conf, correct, target_precision=1.0, min_rows=1) == (0.9, 1.0, 2)
    threshold, precision, claimed = choose_threshold(conf, correct, min_rows=10)
    assert threshold == NEVER and np.isnan(precision) and claimed == 0


def test_calibrate_sets_thresholds_in_cascade_order():
    genres = [Genre("horror", keywords=["ghost"]), Genre("comedy", keywords=["chef"])]
    first = KeywordStage(genres, threshold=0.0)
    texts = ["a ghost", "a ghost ghost chef", "a chef", "a chef and a ghost"] * 5
    labels = [["horror"], ["horror"], ["comedy"], ["comedy"]] * 5
    report = calibrate([first], texts, labels, target_precision=0.99, min_rows=5)
    # the rows at 1/3 (one hit each) are half wrong; the rows at 0.5 are all right
    assert first.threshold == report["keywords"]["threshold"] == 0.5
    assert report["keywords"]["claimed"] == 10 and report["keywords"]["precision"] == 1.0
    assert report["keywords"]["offered"] == 20
    report = calibrate([first], texts, labels, target_precision=0.7, min_rows=5)
    assert report["keywords"]["claimed"] == 20 and report["keywords"]["precision"] == 0.75


def test_multi_label_thresholds_also_choose_the_labels():
    stage = KeywordStage(
        [Genre("horror", keywords=["ghost"]), Genre("comedy", keywords=["chef"])],
        multi_label=True,
    )
    texts = ["a ghost", "a ghost chef", "a chef", "a ghost ghost"] * 5
    labels = [["horror"], ["horror", "comedy"], ["comedy"], ["comedy"]] * 5
    report = calibrate([stage], texts, labels, target_precision=0.7, min_rows=2)
    assert report["keywords"]["precision"] == 0.8 and stage.threshold == 0.5  # 4 of 5 labels
    calibrate([stage], texts, labels, target_precision=0.9, min_rows=2)
    assert stage.threshold == NEVER


def test_marginal_rule_stops_where_the_last_rows_reach_the_target():
    stage = KeywordStage([Genre("horror", keywords=["ghost", "demon", "haunted"]), Genre("x")])
    # one keyword: right 3 times in 5; two or three keywords: always right
    texts = ["a ghost"] * 5 + ["a ghost demon"] * 5 + ["a ghost demon haunted"] * 5
    labels = [["horror"]] * 3 + [["x"]] * 2 + [["horror"]] * 10
    average = calibrate([stage], texts, labels, target_precision=0.85, min_rows=1)
    assert average["keywords"]["threshold"] == 0.5  # 13/15 on average
    marginal = calibrate([stage], texts, labels, 0.85, min_rows=1, rule="marginal")
    assert marginal["keywords"]["threshold"] == round(2 / 3, 6)  # the 0.5 rows are 60% right


def test_a_stage_that_claims_no_rows_says_so_instead_of_precision_nan(tmp_path, capsys):
    # It printed `calibrated keywords: threshold 1.010 (precision nan on 0/20 rows)`.
    from genreclf.labelling.api import label

    genres = {"genres": {"horror": {"keywords": ["ghost"]}, "comedy": {"keywords": ["chefs"]}}}
    texts = ["A ghost.", "A ghost cooks."] * 10  # the keyword says horror; half are comedies
    labels = [["horror"], ["comedy"]] * 10
    label(
        ["A ghost."],
        genres=genres,
        stages=("keywords",),
        calibrate=(texts, labels),
        out=tmp_path / "labelled.jsonl",
        verbose=1,
    )
    assert capsys.readouterr().out.splitlines()[0] == (
        "calibrated keywords: threshold 1.010: claims no rows (no threshold reaches precision "
        "0.900 on 10 or more of the 20 rows it was offered)"
    )


def test_the_no_rows_line_says_why_as_the_marginal_rule_chose(tmp_path, capsys):
    # It said `no threshold reaches precision 0.900 on 10 or more of the 20 rows`: the marginal
    # rule has no fewest rows; its threshold comes from the isotonic fit on every labelled row.
    from genreclf.labelling.api import label
    from genreclf.labelling.thresholds import describe_calibration

    genres = {"genres": {"horror": {"keywords": ["ghost"]}, "comedy": {"keywords": ["chefs"]}}}
    texts = ["A ghost.", "A ghost cooks."] * 10  # the keyword says horror; half are comedies
    options = dict(
        genres=genres, stages=("keywords",), calibrate=(texts, ["horror", "comedy"] * 10)
    )
    label(["A ghost."], out=tmp_path / "m.jsonl", verbose=1, calibrate_rule="marginal", **options)
    assert capsys.readouterr().out.splitlines()[0] == (
        "calibrated keywords: threshold 1.010: claims no rows (at no confidence does its "
        "isotonic-calibrated chance of being right, fitted on every labelled row, reach 0.900)"
    )
    # A multi-label stage is scanned whatever the rule: its line is the average rule's.
    label(
        ["A ghost."],
        out=tmp_path / "a.jsonl",
        verbose=1,
        calibrate_rule="marginal",
        multi_label=True,
        **options,
    )
    assert (
        capsys.readouterr()
        .out.splitlines()[0]
        .endswith(
            "(no threshold reaches precision 0.900 on 10 or more of the 20 rows it was offered)"
        )
    )
    claimed_none = {"threshold": 0.7, "precision": float("nan"), "claimed": 0, "offered": 20}
    for rule in ("average", "marginal"):
        assert describe_calibration("keywords", claimed_none, 0.9, rule=rule) == (
            "calibrated keywords: threshold 0.700: claims no rows (none of the 20 rows it was "
            "offered reaches it)"
        )
