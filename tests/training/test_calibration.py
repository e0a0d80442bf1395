"""Calibration fitted after training: NLL goes down, decisions stay, the run records it."""

import json

import numpy as np
import pytest

from genreclf.errors import ConfigError
from genreclf.training.calibration import fit_calibration
from genreclf.training.calibration import fit_platt
from genreclf.training.calibration import fit_temperature
from genreclf.training.calibration import temperature_nll


def _over_confident(n=600, k=4, seed=0):
    """Softmax scores of logits 4× too large for the labels drawn from them."""
    rng = np.random.default_rng(seed)
    logits = rng.normal(size=(n, k)) * 1.5
    p = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    labels = np.array([rng.choice(k, p=row) for row in p])
    sharp = np.exp(4 * logits) / np.exp(4 * logits).sum(axis=1, keepdims=True)
    return sharp, np.eye(k)[labels]


def test_temperature_scaling_reduces_nll_and_recovers_the_factor():
    scores, targets = _over_confident()
    temperature = fit_temperature(scores, targets)
    assert 3.0 < temperature < 5.5  # the scores were sharpened 4×
    assert temperature_nll(scores, targets, temperature) < 0.8 * temperature_nll(
        scores, targets, 1.0
    )
    layer = fit_calibration(scores, targets, multi_label=False)
    np.testing.assert_array_equal(layer.apply(scores).argmax(1), scores.argmax(1))


def test_platt_scaling_reduces_log_loss_per_class():
    from sklearn.metrics import log_loss

    rng = np.random.default_rng(1)
    true_p = rng.uniform(0.02, 0.98, size=(800, 3))
    targets = (rng.random((800, 3)) < true_p).astype("float64")
    # Miscalibrated three ways: too sharp, shifted up, too flat.
    logit = np.log(true_p / (1 - true_p))
    distorted = logit * np.array([3.0, 1.0, 0.3]) + np.array([0.0, 2.0, 0.0])
    scores = 1 / (1 + np.exp(-distorted))
    layer = fit_calibration(scores, targets, multi_label=True)
    assert layer.method == "platt"
    calibrated = layer.apply(scores)
    for k in range(3):
        before = log_loss(targets[:, k], scores[:, k])
        after = log_loss(targets[:, k], calibrated[:, k])
        assert after < before - 0.01, (k, before, after)
    slopes = np.array(layer.slopes)
    assert slopes[0] < 0.5 and slopes[2] > 2.0 and layer.intercepts[1] < -1.0


def test_a_class_with_one_outcome_keeps_the_identity():
    scores = np.array([[0.9, 0.2], [0.8, 0.7], [0.3, 0.4]])
    targets = np.array([[1, 0], [1, 1], [1, 0]])
    slopes, intercepts = fit_platt(scores, targets)
    assert (slopes[0], intercepts[0]) == (1.0, 0.0)


def _few_positives(seed=4):
    """The audit's case: 4 positives among 70 held-out rows, scored a little above the rest.

    scikit-learn's default Platt fit (C=1, a penalty towards slope 0) made it
    nearly flat: slope 0.065, intercept -2.64.
    """
    rng = np.random.default_rng(seed)
    logits = np.r_[rng.normal(-2.5, 1.0, 66), rng.normal(-2.0, 1.0, 4)]
    targets = np.r_[np.zeros(66), np.ones(4)][:, None]
    return 1 / (1 + np.exp(-logits[:, None])), targets


def test_a_class_with_few_positives_keeps_its_spread():
    scores, targets = _few_positives()
    slopes, intercepts = fit_platt(scores, targets)
    assert 0.4 < slopes[0] < 1.0  # shrunk towards the identity's 1, not crushed towards 0
    assert -2.0 < intercepts[0] < -1.0  # the shift the 70 rows ask for is still learned
    layer = fit_calibration(scores, targets, multi_label=True)
    calibrated = layer.apply(scores)[:, 0]
    assert calibrated.max() / calibrated.min() > 4  # not one score for every row (1.3 before)
    # Still strictly increasing, so thresholds keep their order and their decisions.
    grid = np.linspace(0.01, 0.99, 50, dtype="float32")
    mapped = layer.apply(grid[:, None])[:, 0]
    assert np.all(np.diff(mapped) > 0)
    t = float(np.sort(scores[:, 0])[-5])
    mapped_t = layer.map_thresholds([t])[0]
    np.testing.assert_array_equal(
        layer.apply(scores)[:, 0].astype("float32") >= mapped_t, scores[:, 0] >= t
    )


def test_separable_held_out_scores_keep_a_finite_slope():
    scores = np.array([[0.1], [0.2], [0.3], [0.7], [0.8], [0.9]])
    targets = np.array([[0], [0], [0], [1], [1], [1]])
    slopes, intercepts = fit_platt(scores, targets)
    assert 1.0 < slopes[0] < 10.0 and abs(intercepts[0]) < 1.0


def test_calibration_json_names_the_identity_and_few_outcome_classes():
    from genreclf.training.calibration import describe

    scores, few = _few_positives()
    rng = np.random.default_rng(0)
    common = (rng.random(70) < 0.4).astype("float64")
    common_scores = np.clip(0.3 + 0.4 * common + rng.normal(0, 0.15, 70), 0.01, 0.99)
    columns = [scores[:, 0], common_scores, np.full(70, 0.2)]
    targets = np.c_[few, common, np.zeros(70)]
    info = describe(fit_calibration(np.c_[tuple(columns)], targets, True), "the validation split")
    assert info["identity_classes"] == [
        {"class": 2, "why": "no positive among the 70 held-out rows"}
    ]
    assert info["few_outcome_classes"] == [{"class": 0, "positives": 4, "negatives": 66}]
    assert info["slopes"][2] == 1.0 and info["intercepts"][2] == 0.0
    assert "precision" in info["slope_prior"]
    json.dumps(info)  # what calibration.json holds


def test_a_class_ranked_backwards_keeps_the_identity_and_says_why():
    from genreclf.training.calibration import platt_classes

    scores = np.linspace(0.05, 0.95, 40)[:, None]
    targets = (np.arange(40) < 20).astype("float64")[:, None]  # lower scores are the positives
    fit = platt_classes(scores, targets)[0]
    assert (fit["slope"], fit["intercept"]) == (1.0, 0.0)
    assert "not positive" in fit["identity"]


def test_a_fit_that_fails_keeps_the_identity_and_says_so():
    from genreclf.training.calibration import platt_classes

    scores = np.array([[0.9], [np.nan], [0.2], [0.7]])  # a diverged model's NaN score
    with np.errstate(invalid="ignore"):
        fit = platt_classes(scores, [[1], [0], [0], [1]])[0]
    assert (fit["slope"], fit["intercept"]) == (1.0, 0.0)
    assert "did not converge" in fit["identity"]


def test_none_and_bad_choices():
    assert fit_calibration([[0.9, 0.1]], [[1, 0]], multi_label=False, calibration="none") is None
    with pytest.raises(ConfigError, match="Received: calibration='isotonic'"):
        fit_calibration([[0.9, 0.1]], [[1, 0]], multi_label=False, calibration="isotonic")
    with pytest.raises(ConfigError, match="same, non-empty shape"):
        fit_calibration([[0.9, 0.1]], [[1, 0, 0]], multi_label=False)


@pytest.fixture(scope="module")
def multi_label_runs(tmp_path_factory):
    """The same convex multi-label ngram run, with and without calibration."""
    import genreclf

    runs = {}
    for calibration in ("auto", "none"):
        runs[calibration] = genreclf.train(
            genreclf.sample_path(),
            text="overview",
            label="genres",
            sep="|",
            multi_label=True,
            model="ngram",
            model_config={"max_tokens": 2000},
            calibration=calibration,
            out=tmp_path_factory.mktemp("runs") / calibration,
            verbose=0,
        )
    return runs


def test_calibrated_run_keeps_every_decision(multi_label_runs):
    import genreclf

    calibrated, plain = multi_label_runs["auto"], multi_label_runs["none"]
    assert json.loads((calibrated.path / "config.json").read_text())["calibration"] == "auto"
    info = json.loads((calibrated.path / "calibration.json").read_text())
    assert info["method"] == "platt" and "out-of-fold" in info["fitted_on"]
    assert json.loads((plain.path / "calibration.json").read_text()) == {"method": "none"}
    # Thresholds re-expressed on calibrated scores: the same out-of-fold decisions...
    for name, entry in plain.metrics["per_class"].items():
        assert calibrated.metrics["per_class"][name]["f1"] == entry["f1"]
    section = calibrated.metrics["calibration"]
    assert section["ece_after"] < section["ece_before"]
    assert plain.metrics["calibration"]["ece_after"] is None
    # ...and the same labels from the saved models on texts.
    texts = genreclf.load_dataset(genreclf.sample_path(), text="overview", label="genre").texts
    assert [p["labels"] for p in calibrated.predict(texts[:80])] == [
        p["labels"] for p in plain.predict(texts[:80])
    ]
    assert (calibrated.path / "reliability.png").stat().st_size > 1000
    from genreclf.metrics import format_summary

    assert "(platt calibration)" in format_summary(calibrated.metrics)
    assert "calibration)" not in format_summary(plain.metrics)


def test_cli_flag_reaches_the_config():
    from genreclf.cli.train import build_parser
    from genreclf.cli.train import overrides_from_args

    overrides, _ = overrides_from_args(
        build_parser().parse_args(["x.csv", "--calibration", "none"])
    )
    assert overrides["calibration"] == "none"
    assert "calibration" not in overrides_from_args(build_parser().parse_args(["x.csv"]))[0]
    with pytest.raises(SystemExit):
        build_parser().parse_args(["x.csv", "--calibration", "isotonic"])


def test_evaluate_reports_calibration_on_new_data(multi_label_runs, tmp_path):
    import genreclf
    from genreclf.evaluation import evaluate

    report = evaluate(multi_label_runs["auto"], genreclf.sample_path(), out=tmp_path)
    section = report["calibration"]
    assert section["method"] == "platt" and section["pooled"] == "every (example, class) pair"
    assert section["ece_before"] != section["ece_after"]
    markdown = (tmp_path / "report.md").read_text(encoding="utf-8")
    assert "## Calibration" in markdown and "| after calibration |" in markdown
    assert (tmp_path / "reliability.png").exists()
    plain = evaluate(multi_label_runs["none"], genreclf.sample_path(), out=tmp_path / "plain")
    assert plain["calibration"]["ece_before"] == pytest.approx(section["ece_before"], abs=1e-6)
    assert plain["macro_f1"] == report["macro_f1"]
