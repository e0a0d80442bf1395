"""`genreclf ensemble`: trained runs joined into one run that evaluates, predicts and exports."""

import pathlib
import re
import subprocess
import sys

import numpy as np
import pytest

import genreclf
from genreclf.ensembling import select_weights
from genreclf.errors import ConfigError
from genreclf.models.calibrated_scores import find_calibration


@pytest.fixture(scope="module")
def second_run(trained_run, tmp_path_factory):
    """Another Keras-recipe run on the same file and validation split as `trained_run`."""
    return genreclf.train(
        genreclf.sample_path(),
        text="overview",
        label="genre",
        model="ngram",
        epochs=2,
        model_config={"max_tokens": 500, "ngrams": 1, "solver": "adamw"},
        out=tmp_path_factory.mktemp("runs") / "unigrams",
        verbose=0,
    )


def test_greedy_selection_never_trails_the_best_member():
    rng = np.random.default_rng(0)
    targets = np.eye(3)[rng.integers(0, 3, 200)]
    members = [np.clip(targets * q + rng.random((200, 3)), 0, None) for q in (0.2, 0.6, 1.0)]
    weights = select_weights(members, targets, multi_label=False)
    assert abs(weights.sum() - 1) < 1e-9 and weights[2] > 0

    def accuracy(scores):
        return (scores.argmax(1) == targets.argmax(1)).mean()

    blended = sum(w * m for w, m in zip(weights, members))
    assert accuracy(blended) >= max(accuracy(m) for m in members) - 0.02


def test_runs_sharing_a_validation_split_join_into_an_exportable_run(
    trained_run, second_run, tmp_path
):
    from genreclf.export.exporter import export_run

    run = genreclf.ensemble([trained_run.path, second_run.path], tmp_path / "ens", verbose=0)
    assert run.config["model"] == "ensemble" and len(run.config["model_config"]["weights"]) == 2
    assert run.labels == trained_run.labels and 0 <= run.metrics["macro_f1"] <= 1
    weights = np.asarray(run.config["model_config"]["weights"])
    texts = ["A ghost haunts a lighthouse.", "Two chefs fall in love."]
    expected = weights[0] * trained_run.scores(texts) + weights[1] * second_run.scores(texts)
    # The blend is temperature-scaled on the held-out rows, inside the model.
    layer = find_calibration(genreclf.load_run(run.path).model)
    assert layer.method == "temperature" and run.metrics["calibration"]["ece_after"] is not None
    expected = layer.apply(expected)
    np.testing.assert_allclose(genreclf.load_run(run.path).scores(texts), expected, atol=1e-5)
    path = export_run(run.path, tmp_path / "models", "genre", verify=True)
    assert (path / "saved_model.pb").exists()


@pytest.fixture(scope="module")
def convex_run(tmp_path_factory):
    """An `ngram` run fitted on every row of the sample (out-of-fold scores saved)."""
    from genreclf.data.sample import sample_path

    return fit_ngram(sample_path(), tmp_path_factory.mktemp("runs") / "convex")


def fit_ngram(data, out, label="genre", **options):
    """An `ngram` run on the sample's synopses, fitted on every row (out-of-fold scores saved)."""
    return genreclf.train(
        data, text="overview", label=label, model="ngram", out=out, verbose=0, **options
    )


def test_a_run_trained_on_every_row_saves_its_out_of_fold_scores(convex_run):
    saved = convex_run.out_of_fold()
    n = convex_run.metrics["num_examples"]
    assert saved["scores"].shape == (n, len(convex_run.labels)) == saved["targets"].shape
    assert saved["rows"].dtype == np.dtype("S32") and len(set(saved["rows"].tolist())) > n - 5
    # The scores the run's own report was computed on: its macro-F1 comes back.
    from genreclf.metrics import classification_report

    report = classification_report(saved["targets"], saved["scores"], convex_run.vocabulary)
    assert report["macro_f1"] == pytest.approx(convex_run.metrics["macro_f1"])


def test_a_split_run_and_an_every_row_run_join_on_the_split_without_data(
    trained_run, convex_run, tmp_path
):
    run = genreclf.ensemble([trained_run.path, convex_run.path], tmp_path / "ens", verbose=0)
    assert run.metrics["num_examples"] == trained_run.metrics["num_examples"]  # its val split
    assert run.metrics["evaluated_on"].startswith(
        f"the validation split of {trained_run.path.name}"
    )
    # convex_run's scores of those rows are its out-of-fold ones, not its final model's.
    from genreclf.held_out import held_out_scores

    held = held_out_scores([trained_run, convex_run], None, trained_run.vocabulary)
    saved = convex_run.out_of_fold()
    assert all(any(np.allclose(s, row) for row in saved["scores"]) for s in held.member_scores[1])
    assert not np.allclose(held.member_scores[1], convex_run.scores(_val_texts(trained_run)))


def _val_texts(run):
    from genreclf.held_out import read_rows

    return read_rows([run], None).texts


def test_runs_trained_on_every_row_join_on_their_out_of_fold_scores(convex_run, tmp_path):
    from genreclf.data.sample import sample_path

    read = genreclf.load_dataset(sample_path(), text="overview", label="genre")
    in_memory = genreclf.TextDataset(list(read.texts), read.labels)  # no file, no columns
    other = genreclf.train(
        in_memory,
        model="ngram",
        model_config={"ngrams": 1, "c": 1.0},
        out=tmp_path / "unigrams",
        verbose=0,
    )
    assert other.config["label"] is None
    run = genreclf.ensemble([other.path, convex_run.path], tmp_path / "ens", verbose=0)
    # How to read data files comes from the member that knows.
    assert (run.config["text"], run.config["label"]) == ("overview", "genre")
    assert run.metrics["num_examples"] == convex_run.metrics["num_examples"]
    assert run.metrics["evaluated_on"].startswith("the out-of-fold scores of the training rows")
    assert run.metrics["macro_f1"] >= min(convex_run.metrics["macro_f1"], other.metrics["macro_f1"])


def test_members_trained_on_different_rows_need_held_out_data(trained_run, tmp_path, sample_csv):
    import pandas as pd

    half = tmp_path / "half.csv"
    pd.read_csv(sample_csv).iloc[::2].to_csv(half, index=False)
    # Fitted on every row of half the file: no out-of-fold score for the other half,
    # where most of trained_run's validation rows are.
    half_run = fit_ngram(half, tmp_path / "half")
    with pytest.raises(
        ConfigError, match=r"no out-of-fold score for .* data= \(`--data`\)"
    ) as error:
        genreclf.ensemble([trained_run.path, half_run.path], tmp_path / "ens", verbose=0)
    # Which file each member trained on, so the user sees which differs.
    assert f"{half_run.path}: {half}" in str(error.value)
    assert f"{trained_run.path}: {trained_run.config['data']}" in str(error.value)
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "genreclf",
            "ensemble",
            str(trained_run.path),
            str(half_run.path),
            "--data",
            str(sample_csv),
            "--out",
            str(tmp_path / "ens"),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr
    assert "ensemble weights:" in result.stdout and (tmp_path / "ens" / "model.keras").exists()


def test_a_lone_member_keeps_its_own_thresholds_when_they_score_higher(tmp_path, sample_csv):
    import shutil

    from genreclf.held_out import held_out_scores
    from genreclf.json_files import write_json
    from genreclf.metrics import classification_report
    from genreclf.metrics import tune_thresholds
    from genreclf.run_files import THRESHOLDS

    genres = dict(label="genres", sep="|")
    strong = fit_ngram(sample_csv, tmp_path / "strong", **genres)
    weak_config = {"ngrams": 1, "c": 0.05}
    weak = fit_ngram(sample_csv, tmp_path / "weak", model_config=weak_config, **genres)
    # Thresholds tuned per class without shrinkage on the very rows the ensemble
    # chooses on: the best any threshold rule can do there.
    saved = strong.out_of_fold()
    shutil.copytree(strong.path, tmp_path / "tuned")
    own = tune_thresholds(saved["targets"], saved["scores"])
    write_json(tmp_path / "tuned" / THRESHOLDS, {"thresholds": [float(t) for t in own]})
    members = [genreclf.load_run(tmp_path / "tuned"), weak]
    held = held_out_scores(members, None, strong.vocabulary)
    alone = classification_report(
        held.targets, held.member_scores[0], strong.vocabulary, thresholds=members[0].thresholds
    )
    run = genreclf.ensemble(members, tmp_path / "ens", verbose=0, calibration="none")
    assert run.config["model_config"]["weights"] == [1.0, 0.0]
    assert run.metrics["macro_f1"] >= alone["macro_f1"] - 1e-9


def test_a_single_label_and_a_multi_label_member_are_named_as_such(
    trained_run, trained_multilabel_run, tmp_path
):
    # The same ten genres, so the error must not list two equal label sets.
    with pytest.raises(ConfigError, match="is multi-label, .* is single-label"):
        genreclf.ensemble([trained_run, trained_multilabel_run], out=tmp_path / "ens")


def test_weights_chosen_on_rows_the_members_trained_on_are_named_so(
    convex_run, tmp_path, sample_csv, caplog
):
    other = fit_ngram(sample_csv, tmp_path / "unigrams", model_config={"ngrams": 1})
    with caplog.at_level("WARNING", logger="genreclf"):
        run = genreclf.ensemble([other.path, convex_run.path], tmp_path / "ens", data=sample_csv)
    assert run.metrics["evaluated_on"].startswith("the given rows")
    # One warning names both members, and says that the rows given win over the out-of-fold
    # scores they saved of them and how to choose on those instead.
    warned = [r.getMessage() for r in caplog.records if "training rows of" in r.getMessage()]
    assert len(warned) == 1, warned
    assert warned[0].startswith(
        "310 of the 310 rows given for choosing the ensemble's weights (data, `--data`) are "
        f"training rows of members that saved out-of-fold scores of them: {other.path} trained "
        f"on 310 of the 310, {convex_run.path} trained on 310 of the 310. Their scores on those "
        "rows are optimistic"
    )
    assert "the rows given replace the out-of-fold scores" in warned[0]
    assert "Leave out data (`--data`) to choose the weights on the out-of-fold" in warned[0]
    # The ensemble records the rows its members trained on, for its own evaluations.
    assert len(run.training_rows()) == len(convex_run.training_rows()) == 310


def test_a_member_without_out_of_fold_scores_keeps_its_own_warning_of_the_rows_given(
    trained_run, convex_run, tmp_path, sample_csv, caplog
):
    with caplog.at_level("WARNING", logger="genreclf"):
        genreclf.ensemble([trained_run.path, convex_run.path], tmp_path / "ens", data=sample_csv)
    warned = [r.getMessage() for r in caplog.records if "training rows of" in r.getMessage()]
    assert len(warned) == 2, warned
    n = len(trained_run.training_rows())
    assert warned[0].startswith(
        "310 of the 310 rows given for choosing the ensemble's weights (data, `--data`) are "
        f"training rows of members that saved out-of-fold scores of them: {convex_run.path} "
        "trained on 310 of the 310."
    )
    assert warned[1] == (
        f"{n} of the 310 rows given for choosing the ensemble's weights are training rows of "
        f"{trained_run.path}: its scores on them are optimistic. Use rows it did not train on."
    )


def test_a_run_given_twice_is_warned_about(trained_run, tmp_path, caplog):
    genreclf.ensemble([trained_run, str(trained_run.path)], out=tmp_path / "ens")
    assert f"['{trained_run.path}'] given more than once" in caplog.text


def test_members_with_other_labels_are_told_which_differ(trained_run, tmp_path):
    data = genreclf.load_dataset(genreclf.sample_path(), text="overview", label="genre")
    keep = [i for i, labels in enumerate(data.labels) if labels != ["western"]]
    no_western = genreclf.train(
        data.subset(keep), model="ngram", out=tmp_path / "no_western", verbose=0
    )
    with pytest.raises(ConfigError, match=r"\['western'\] only in .* \(of 10 and 9 labels\)"):
        genreclf.ensemble([trained_run, no_western], out=tmp_path / "ens")


@pytest.mark.parametrize("lone", ["runs/E0", "path", "run"])
def test_one_run_folder_alone_is_refused_not_read_letter_by_letter(lone, trained_run, tmp_path):
    import pathlib

    runs = {"runs/E0": "runs/E0", "path": pathlib.Path("runs/E0"), "run": trained_run}[lone]
    with pytest.raises(ConfigError, match=r"runs takes a list of two or more run folders"):
        genreclf.ensemble(runs, tmp_path / "F1")
    assert not (tmp_path / "F1").exists()


def test_fewer_than_two_members_or_a_member_that_is_not_a_folder_is_refused(trained_run, tmp_path):
    with pytest.raises(ConfigError, match=r"Received: 1 run \('.*ngram'\): an ensemble of one"):
        genreclf.ensemble([trained_run.path], tmp_path / "ens")
    with pytest.raises(ConfigError, match=r"Received: no runs\."):
        genreclf.ensemble([], tmp_path / "ens")
    with pytest.raises(ConfigError, match=r"Received: runs\[1\]=3 \(int\)"):
        genreclf.ensemble([trained_run, 3], tmp_path / "ens")
    with pytest.raises(ConfigError, match=r"Received: runs=None"):
        genreclf.ensemble(None, tmp_path / "ens")
    assert not (tmp_path / "ens").exists()


def _sample_rows(label="genre", keep=lambda labels: True, **options):
    """The bundled sample's rows (a `TextDataset`) whose labels `keep` accepts."""
    data = genreclf.load_dataset(genreclf.sample_path(), text="overview", label=label, **options)
    return data.subset([i for i, labels in enumerate(data.labels) if keep(labels)])


def test_classes_without_held_out_rows_are_named_and_learn_nothing(trained_run, tmp_path, caplog):
    rows = _sample_rows(keep=lambda labels: labels[0] not in ("horror", "western"))
    with caplog.at_level("WARNING", logger="genreclf"):
        genreclf.ensemble([trained_run, trained_run.path], tmp_path / "ens", data=rows, verbose=0)
    assert "2 of the 10 classes have no row in the given rows: horror, western" in caplog.text
    assert "temperature is fitted on the other classes' rows" in caplog.text


def test_multi_label_classes_without_a_positive_keep_the_identity_and_a_shared_threshold(
    trained_multilabel_run, tmp_path, caplog
):
    run = trained_multilabel_run
    rows = _sample_rows("genres", lambda labels: "western" not in labels, sep="|")
    with caplog.at_level("WARNING", logger="genreclf"):
        ens = genreclf.ensemble([run, run.path], tmp_path / "ens", data=rows, verbose=0)
    assert "1 of the 10 classes have no positive row in the given rows: western." in caplog.text
    assert "their thresholds are the global one (or a lone member's own)" in caplog.text
    # Nothing learned from no positive: the identity map, and the threshold every
    # class shrinks toward (support 0) or the lone member's own, never one tuned on it.
    from genreclf.metrics.thresholds import tune_thresholds_shrunk

    western = ens.labels.index("western")
    layer = find_calibration(ens.model)
    assert (layer.slopes[western], layer.intercepts[western]) == (1.0, 0.0)
    shared = tune_thresholds_shrunk(rows.targets(run.vocabulary), run.scores(rows.texts))
    chosen = float(ens.thresholds[western])
    assert chosen in (float(shared[western]), float(run.thresholds[western]))


def test_held_out_labels_no_member_saw_are_all_named_before_any_member_scores(
    trained_run, tmp_path, monkeypatch
):
    from genreclf.errors import DataError
    from genreclf.run import Run

    rows = _sample_rows()
    labels = [list(labels) for labels in rows.labels]
    labels[3], labels[7], labels[9] = ["musical"], ["noir"], ["musical"]
    rows = genreclf.TextDataset(list(rows.texts), labels, source_name="held.csv")

    def scores(*args, **kwargs):
        raise AssertionError("a member scored the rows before their labels were checked")

    monkeypatch.setattr(Run, "scores", scores)
    with pytest.raises(DataError) as error:
        genreclf.ensemble([trained_run, trained_run.path], tmp_path / "ens", data=rows)
    message = str(error.value)
    assert message.startswith("held.csv: ")
    assert "'musical' (2 rows, the first at row 3), 'noir' (1 row, the first at row 7)" in message
    assert str(trained_run.labels) in message and "--skip-bad-rows" in message
    assert not (tmp_path / "ens" / "model.keras").exists()


def test_too_few_held_out_rows_are_refused(trained_run, tmp_path):
    from genreclf.errors import DataError

    rows = _sample_rows().subset([0, 1, 2])
    with pytest.raises(DataError, match=r"Expected at least 20 labelled rows .* Received: 3 rows"):
        genreclf.ensemble([trained_run, trained_run.path], tmp_path / "ens", data=rows)
    assert not (tmp_path / "ens" / "model.keras").exists()


def test_a_hybrid_member_is_refused_first_or_not(trained_run, tmp_path):
    # As the first member it was scored without its features, and the error asked for
    # features= (which ensemble does not take) instead of naming the hybrid run.
    hybrid = genreclf.train(
        genreclf.sample_path(),
        text="overview",
        label="genre",
        model="hybrid",
        features=["year"],
        model_config={"encoder": "ngram", "encoder_config": {"max_tokens": 300}, "hidden_dim": 0},
        epochs=1,
        out=tmp_path / "hybrid",
        verbose=0,
    )
    for members in ([hybrid, trained_run], [trained_run, hybrid]):
        with pytest.raises(
            ConfigError, match=r"text-only runs.*hybrid reads the features \['year'\]"
        ):
            genreclf.ensemble(members, tmp_path / "ens", verbose=0)
        assert not (tmp_path / "ens" / "model.keras").exists()


def test_config_names_the_file_the_weights_were_chosen_on(trained_run, sample_csv, tmp_path):
    # `train --config ENS/config.json` says how to rebuild it; the command it gave left out
    # the --data file, so the weights would be chosen on other rows, or not at all.
    from genreclf.training import TrainConfig

    run = genreclf.ensemble([trained_run, trained_run.path], tmp_path / "ens", data=sample_csv)
    assert run.config["model_config"]["data"] == str(pathlib.Path(sample_csv).resolve())
    with pytest.raises(
        ConfigError, match=rf" --data {re.escape(run.config['model_config']['data'])} --out DIR"
    ):
        TrainConfig(
            **{k: v for k, v in run.config.items() if k in {"model", "model_config"}}
        ).check()
