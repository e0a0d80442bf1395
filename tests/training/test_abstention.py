"""`train --abstain`: one-vs-all scores, an abstaining cascade in the graph, "unknown"."""

import json

import keras
import numpy as np
import pytest

import genreclf
from genreclf.errors import ConfigError
from genreclf.models.cascade import find_cascade

NONSENSE = "zzqx vvbn qwrt"  # no n-gram of the training texts: every score is low


@pytest.fixture(scope="module")
def abstain_run(tmp_path_factory):
    from genreclf.data.sample import sample_path

    return genreclf.train(
        sample_path(),
        text="overview",
        label="genre",
        model="ngram",
        abstain=True,
        out=tmp_path_factory.mktemp("runs") / "abstain",
        verbose=0,
    )


def test_run_records_the_option_and_reports_coverage(abstain_run):
    config = json.loads((abstain_run.path / "config.json").read_text())
    assert config["abstain"] is True
    assert not abstain_run.multi_label  # labels.json stays single-label
    section = abstain_run.metrics["abstention"]
    assert 0 < section["coverage"] < 1 and 0 < section["precision"] <= 1
    assert sorted(section["order"]) == sorted(abstain_run.labels)
    report = (abstain_run.path / "report.md").read_text()
    assert "## Abstention: one-vs-all cascade" in report and "| +0.0 |" in report


def test_scores_are_one_vs_all_and_predict_answers_unknown(abstain_run):
    texts = [NONSENSE, "A sheriff and his deputies ride out to face an outlaw gang."]
    scores = abstain_run.scores(texts)
    assert not np.allclose(scores.sum(axis=1), 1.0)  # independent sigmoids, not a softmax
    cascade = abstain_run.cascade
    assert np.all(scores[0] < np.asarray(cascade.thresholds))  # nothing clears
    predicted = abstain_run.predict(texts)
    assert predicted[0]["labels"] == ["unknown"]
    assert predicted[1]["labels"][0] in abstain_run.labels


def test_model_file_round_trips_with_its_cascade(abstain_run, tmp_path):
    model = abstain_run.model
    model.save(tmp_path / "again.keras")
    restored = keras.saving.load_model(tmp_path / "again.keras")
    texts = np.array([NONSENSE, "A ghost haunts the old house."], dtype=object)
    np.testing.assert_allclose(
        restored.predict({"text": texts}, verbose=0), model.predict({"text": texts}, verbose=0)
    )
    assert find_cascade(restored).get_config() == find_cascade(model).get_config()


def test_multi_label_tasks_refuse_abstain(tmp_path):
    from genreclf.data.sample import sample_path

    with pytest.raises(ConfigError, match="--abstain .* single-label"):
        genreclf.train(
            sample_path(),
            text="overview",
            label="genres",
            multi_label=True,
            sep="|",
            model="ngram",
            abstain=True,
            out=tmp_path / "multi",
            verbose=0,
        )


def test_cli_predict_and_evaluate_show_unknown_and_coverage(abstain_run, capsys, tmp_path):
    from genreclf.cli import main
    from genreclf.data.sample import sample_path

    assert main(["predict", str(abstain_run.path), NONSENSE, "--json"]) == 0
    assert json.loads(capsys.readouterr().out.splitlines()[-1])["labels"] == ["unknown"]
    report = genreclf.evaluate(
        abstain_run.path, sample_path(), out=tmp_path / "eval", text="overview", label="genre"
    )
    section = report["abstention"]
    assert (
        0 < section["coverage"] <= 1
        and section["order"] == abstain_run.metrics["abstention"]["order"]
    )


def test_compare_without_data_says_why_it_has_no_intervals(abstain_run, trained_run, tmp_path):
    report = genreclf.evaluate(trained_run, compare=abstain_run, out=tmp_path / "cmp")
    assert "paired_bootstrap" not in report
    assert (
        f"No paired intervals: {abstain_run.path.name} abstains (--abstain)" in report["comparison"]
    )
    assert "Pass --data FILE" in (tmp_path / "cmp" / "compare.md").read_text()


def test_an_ensemble_refuses_an_abstaining_member(abstain_run, trained_run, tmp_path):
    # Its cascade was dropped (the ensemble never answered "unknown") and, uncalibrated,
    # the blended one-vs-all scores did not sum to 1: export refused the ensemble.
    for members in ([abstain_run, trained_run], [trained_run, abstain_run]):
        with pytest.raises(ConfigError, match=r"abstain was trained with --abstain") as error:
            genreclf.ensemble(
                members, tmp_path / "ens", data=genreclf.sample_path(), calibration="none"
            )
        assert "Join runs trained without --abstain" in str(error.value)
        assert not (tmp_path / "ens" / "model.keras").exists()
