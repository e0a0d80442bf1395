"""`find_label_issues` / `genreclf labels check`: planted wrong labels are found, by cleanlab."""

import csv

import numpy as np
import pytest

import genreclf
from genreclf.data import read_options
from genreclf.errors import ConfigError

pytest.importorskip("cleanlab")

# Three genres with their own words; each synopsis draws 6 of its genre's words.
WORDS = {
    "horror": "ghost haunted demon scream blood curse crypt zombie possessed coffin".split(),
    "romance": "love kiss wedding heart romance couple sweetheart date passion bride".split(),
    "western": "cowboy sheriff ranch saloon outlaw horse desert gunslinger cattle frontier".split(),
}
PLANTED = {5: "romance", 47: "horror", 88: "western", 120: "romance"}  # row -> wrong label


def _rows(n_per_class=50, seed=0):
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(n_per_class * len(WORDS)):
        genre = list(WORDS)[i % len(WORDS)]
        words = rng.choice(WORDS[genre], size=6, replace=False)
        rows.append((f"A story of {' '.join(words)} in town {i}.", genre))
    return rows


@pytest.fixture
def noisy_csv(tmp_path):
    rows = _rows()
    for i, wrong in PLANTED.items():
        assert rows[i][1] != wrong
        rows[i] = (rows[i][0], wrong)
    path = tmp_path / "movies.csv"
    with open(path, "w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["overview", "genre"])
        writer.writerows(rows)
    return path


def test_planted_wrong_labels_are_the_top_suspects(noisy_csv):
    issues = genreclf.find_label_issues(noisy_csv, text="overview", label="genre", folds=3)
    top = issues.rows(top=len(PLANTED))
    # Line numbers are the file's: the header is line 1, row i is line i + 2.
    assert {r["line"] for r in top} == {i + 2 for i in PLANTED}
    for row in top:
        i = row["line"] - 2
        assert row["given"] == PLANTED[i] and row["suggested"] == _rows()[i][1]
        assert row["flagged"] and 0.0 <= row["score"] < 0.5
    assert set(np.flatnonzero(issues.flagged)) >= set(PLANTED)
    assert issues.num_flagged <= 2 * len(PLANTED)  # clean rows are (mostly) left alone
    assert issues.caution() is None and "Caution" not in issues.to_markdown()


def test_cli_writes_the_ranked_csv_and_the_report(noisy_csv, tmp_path, capsys):
    from genreclf.cli import main

    out = tmp_path / "out" / "suspects.csv"
    argv = ["labels", "check", str(noisy_csv), "--text", "overview", "--label", "genre"]
    assert main(argv + ["--folds", "3", "--out", str(out), "--quiet"]) == 0
    with open(out, encoding="utf-8") as f:
        reader = csv.DictReader(f)
        rows = list(reader)
    assert reader.fieldnames == [
        "rank",
        "line",
        "id",
        "text",
        "given",
        "suggested",
        "score",
        "flagged",
    ]
    assert [int(r["rank"]) for r in rows] == list(range(1, len(rows) + 1))
    assert {int(r["line"]) for r in rows[: len(PLANTED)]} == {i + 2 for i in PLANTED}
    scores = [float(r["score"]) for r in rows]
    assert scores == sorted(scores) and all(r["flagged"] == "True" for r in rows)
    report = out.with_suffix(".md").read_text(encoding="utf-8")
    assert report.startswith(f"## Label issues in {noisy_csv}")
    assert "| given label | rows | flagged | share |" in report and "Top " in report
    # --top N writes the N lowest scores, flagged or not.
    assert main(argv + ["--folds", "3", "--out", str(out), "--top", "20", "--quiet"]) == 0
    assert len(out.read_text(encoding="utf-8").splitlines()) == 21


def test_multi_label_rows_with_a_wrong_genre_are_found(tmp_path):
    rows = _rows(seed=1)
    # Every tenth row also carries a second genre, written in its words.
    multi = []
    for i, (text, genre) in enumerate(rows):
        labels = [genre]
        if i % 10 == 0:
            other = list(WORDS)[(list(WORDS).index(genre) + 1) % 3]
            text += " " + " ".join(WORDS[other][:6])
            labels.append(other)
        multi.append((text, labels))
    planted = {7: ["western"], 61: ["horror"], 95: ["romance"]}
    for i, wrong in planted.items():
        assert multi[i][1] != wrong
        multi[i] = (multi[i][0], wrong)
    data = genreclf.TextDataset(
        [t for t, _ in multi], [labels for _, labels in multi], multi_label=True
    )
    issues = genreclf.find_label_issues(data, folds=3)
    assert issues.vocabulary.multi_label
    top = issues.rows(top=len(planted))
    assert {r["line"] - 1 for r in top} == set(planted)  # no file: lines count rows from 1
    for row in top:
        i = row["line"] - 1
        assert row["given"] == "|".join(planted[i]) and row["suggested"] == rows[i][1]
        assert row["flagged"]
    # The report scores the out-of-fold probabilities at the thresholds cleanlab flags
    # against (each class's mean probability over the rows given it), not at 0.5.
    given = data.targets(issues.vocabulary)[:, 0] > 0.5
    thresholds = issues.class_thresholds()
    assert thresholds[0] == pytest.approx(issues.probabilities[given, 0].mean(), rel=1e-5)
    f1 = float(issues.to_markdown().split("out-of-fold macro-F1 ")[1].split(" ")[0])
    assert f1 > 0.8, f1


def test_bad_input_is_a_clear_error(tmp_path):
    from genreclf.cli import main

    one_genre = genreclf.TextDataset(["a ghost", "a crypt"], [["horror"], ["horror"]])
    with pytest.raises(ConfigError, match=r"at least two labels. Received: labels=\['horror'\]\."):
        genreclf.find_label_issues(one_genre)
    one_genre_file = tmp_path / "one.csv"
    one_genre_file.write_text("overview,genre\nA ghost.,horror\nA crypt.,horror\n")
    with pytest.raises(ConfigError, match=r"labels=\['horror'\] in .*one\.csv\. Check --label"):
        genreclf.find_label_issues(one_genre_file)
    with pytest.raises(ConfigError, match="folds=9 for 3 rows"):
        genreclf.find_label_issues(
            genreclf.TextDataset(["a", "b", "c"], [["x"], ["y"], ["x"]]), folds=9
        )
    assert main(["labels", "fix", "movies.csv"]) == 1  # unknown action: an error, not a crash


def test_missing_extra_names_the_install_command(monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "cleanlab", None)  # as if cleanlab were not installed
    data = genreclf.TextDataset(["a ghost", "a kiss"], [["horror"], ["romance"]])
    with pytest.raises(ConfigError, match=r"pip install 'genreclf\[labels\]'"):
        genreclf.find_label_issues(data, folds=2)


def test_cli_refuses_a_top_under_one_and_an_unknown_model_before_any_fold(
    noisy_csv, tmp_path, capsys
):
    from genreclf.cli import main

    out = tmp_path / "suspects.csv"
    argv = ["labels", "check", str(noisy_csv), "--label", "genre", "--out", str(out)]
    assert main(argv + ["--top", "0"]) == 1
    assert main(argv + ["--model", "bilstn"]) == 1
    captured = capsys.readouterr()
    assert "--top is how many" in captured.err and "Expected 'tfidf'" in captured.err
    assert "fold 1" not in captured.out and not out.exists()


@pytest.mark.parametrize("where", ["folder", "slash", "under_a_file"])
def test_cli_refuses_an_out_that_cannot_be_written_before_any_fold(
    where, noisy_csv, tmp_path, capsys, monkeypatch
):
    # The CSV is written last: a folder there failed after every fold had trained.
    import genreclf.label_issues
    from genreclf.cli import main

    def never(*args, **kwargs):
        raise AssertionError("scored the rows before checking --out")

    monkeypatch.setattr(genreclf.label_issues, "find_label_issues", never)
    (tmp_path / "a_file").write_text("x")
    out = {
        "folder": str(tmp_path),
        "slash": str(tmp_path / "new") + "/",
        "under_a_file": str(tmp_path / "a_file" / "suspects.csv"),
    }[where]
    argv = ["labels", "check", str(noisy_csv), "--label", "genre", "--model", "ngram"]
    assert main(argv + ["--out", out]) == 1
    err = capsys.readouterr().err
    assert f"Received: --out {out!r}" in err and "Pass a file name" in err, err


def test_the_report_scores_a_small_multi_label_set_at_cleanlabs_thresholds(sample_csv):
    # On the sample's 310 synopses the one-vs-rest probabilities stay under 0.5
    # (at 0.5 the report said macro-F1 0.035, as if the scorer knew nothing).
    issues = genreclf.find_label_issues(sample_csv, text="overview", label="genres", verbose=0)
    assert float(issues.probabilities.max()) < 0.9
    f1 = float(issues.to_markdown().split("out-of-fold macro-F1 ")[1].split(" ")[0])
    assert f1 > 0.3, f1
    # A third of the sample is flagged: the scorer is weak, and the report says so.
    caution = issues.caution()
    assert issues.num_flagged > 0.2 * len(issues.dataset), issues.num_flagged
    assert caution.startswith(f"{issues.num_flagged / len(issues.dataset):.0%} of the rows")
    assert f"macro-F1 {f1:.2f}" in caution and "--model stack" in caution
    assert f"**Caution:** {caution}" in issues.to_markdown()


def test_cli_warns_when_the_scorer_flags_too_much(sample_csv, tmp_path, capsys):
    from genreclf.cli import main

    argv = ["labels", "check", str(sample_csv), "--text", "overview", "--label", "genres"]
    assert main(argv + ["--out", str(tmp_path / "s.csv"), "--quiet"]) == 0
    err = capsys.readouterr().err
    assert err.startswith("genreclf labels check: warning: ") and "the CSV is ranked" in err


def test_cli_skips_bad_rows_when_asked(noisy_csv, tmp_path, capsys):
    from genreclf.cli import main

    with open(noisy_csv, "a", encoding="utf-8") as f:
        f.write(",horror\n")  # an empty text: a row error
    out = tmp_path / "suspects.csv"
    argv = ["labels", "check", str(noisy_csv), "--text", "overview", "--label", "genre"]
    argv += ["--folds", "3", "--out", str(out), "--quiet"]
    assert main(argv) == 1
    assert "--skip-bad-rows" in capsys.readouterr().err
    assert main(argv + ["--skip-bad-rows"]) == 0
    assert out.exists()


def test_the_result_and_its_errors_are_short(noisy_csv):
    # repr(LabelIssues) printed the dataset and every probability (75k characters on
    # the sample); a list of texts was "[<every text>]: File not found."
    texts = [text for text, _ in _rows()]
    with pytest.raises(ConfigError) as caught:
        genreclf.find_label_issues(texts)
    assert str(caught.value) == (
        "data must be a file path, a pandas DataFrame or a TextDataset. Received: a list of "
        "150 items. For texts and labels in memory: genreclf.TextDataset(texts, labels)."
    )
    issues = genreclf.find_label_issues(noisy_csv, folds=3)
    assert repr(issues) == (
        f"LabelIssues(150 rows, {issues.num_flagged} flagged, 3 labels, single-label, "
        f"model='tfidf', folds=3, path={str(noisy_csv)!r})"
    )


@pytest.mark.parametrize("folds", ["1", "0", "-2"])
def test_cli_refuses_folds_under_two_before_reading_the_data(folds, tmp_path, capsys):
    # `--folds 1` was refused only once the data had been read (and so, with a missing
    # file, not at all: the file's error came first).
    from genreclf.cli import main

    argv = ["labels", "check", str(tmp_path / "no_such.csv"), "--label", "genre"]
    with pytest.raises(SystemExit) as usage_error:
        main(argv + ["--folds", folds, "--out", str(tmp_path / "suspects.csv")])
    assert usage_error.value.code == 2
    err = capsys.readouterr().err
    assert "argument --folds: expected a whole number of at least 2. " in err, err
    assert f"Received: '{folds}'. Pass e.g. --folds 5." in err and "no_such" not in err


@pytest.mark.parametrize("folds", [1, 0, -2, 2.5, True, "5"])
def test_folds_under_two_are_refused_before_reading_the_data(folds, tmp_path):
    expected = (
        f"folds (k of the k-fold) must be a whole number of at least 2. Received: folds={folds!r}."
    )
    with pytest.raises(ConfigError) as caught:
        genreclf.find_label_issues(tmp_path / "no_such.csv", label="genre", folds=folds)
    assert str(caught.value) == f"{expected} Pass e.g. folds=5 (--folds 5)."


def _fake_run(folder, *marks):
    folder.mkdir(parents=True)
    for name in ("config.json", "labels.json", "metrics.json", "model.keras", *marks):
        (folder / name).write_text("{}")
    return folder


@pytest.mark.parametrize("marks", [("fingerprint.json", "thresholds.json"), ("fingerprint.json",)])
def test_a_run_folder_is_refused_as_the_work_dir_before_any_work(
    marks, noisy_csv, tmp_path, capsys, monkeypatch
):
    # A finished (or started) `train` run given as --work-dir got fold_0/, fold_1/, ... written
    # into it.
    import genreclf.label_issues
    from genreclf.cli import main

    run = _fake_run(tmp_path / "runs" / "ngram", *marks)
    before = sorted(p.name for p in run.iterdir())

    def never(*args, **kwargs):
        raise AssertionError("scored the rows before checking --work-dir")

    monkeypatch.setattr(genreclf.label_issues, "find_label_issues", never)
    out = tmp_path / "suspects.csv"
    argv = ["labels", "check", str(noisy_csv), "--label", "genre", "--model", "ngram"]
    assert main(argv + ["--work-dir", str(run), "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert f"--work-dir {str(run)!r} is a genreclf run's folder (it holds " in err, err
    assert "fingerprint.json" in err and "Expected a new folder, or the fold runs of an" in err
    assert f"Received: --work-dir={str(run)!r}" in err
    assert f"Pass another folder, e.g. --work-dir={str(tmp_path / 'suspects.folds')!r}" in err
    assert sorted(p.name for p in run.iterdir()) == before and not out.exists()
    monkeypatch.undo()
    with pytest.raises(ConfigError, match=r"work_dir .* is a genreclf run's folder"):
        genreclf.find_label_issues(tmp_path / "no_such.csv", model="ngram", work_dir=run)
    data = genreclf.TextDataset(["a ghost", "a kiss"] * 2, [["horror"], ["romance"]] * 2)
    with pytest.raises(ConfigError, match=r"work_dir=.*Pass another folder"):
        genreclf.label_issues.out_of_fold_probabilities(
            data, data.vocabulary(), model="ngram", folds=2, work_dir=run
        )
    assert sorted(p.name for p in run.iterdir()) == before


def test_an_earlier_checks_fold_folder_is_accepted_as_the_work_dir(
    noisy_csv, tmp_path, monkeypatch
):
    # Its folds are runs, but the folder itself is not: a rerun resumes it.
    import genreclf.label_issues
    from genreclf.cli import main

    work_dir = tmp_path / "suspects.folds"
    _fake_run(work_dir / "fold_0", "fingerprint.json", "thresholds.json")
    _fake_run(work_dir / "fold_1", "fingerprint.json")
    called = {}

    def scored(data, **kwargs):
        called.update(kwargs)
        raise ConfigError("scored")

    monkeypatch.setattr(genreclf.label_issues, "find_label_issues", scored)
    argv = ["labels", "check", str(noisy_csv), "--label", "genre", "--model", "ngram"]
    assert main(argv + ["--work-dir", str(work_dir), "--out", str(tmp_path / "s.csv")]) == 1
    assert called["work_dir"] == str(work_dir) and called["folds"] == 5
    from genreclf.label_issues.out_of_fold import check_work_dir

    check_work_dir(work_dir)  # the API accepts it too
    with pytest.raises(ConfigError, match="holds fingerprint.json, thresholds.json"):
        check_work_dir(work_dir / "fold_0")  # one fold of it is a run


def test_reading_options_a_dataset_was_not_read_with_are_refused(sample_csv):
    # text="overview" with a dataset read from the titles scored the titles without a word.
    titles = genreclf.load_dataset(sample_csv, text="title", label="genre")
    with pytest.raises(ConfigError, match=r"Received: text='overview'; the TextDataset was read"):
        genreclf.find_label_issues(titles, text="overview")
    with pytest.raises(ConfigError, match=r"Received: multi_label=True; .* multi_label=False\."):
        genreclf.find_label_issues(titles, multi_label=True)


def test_a_format_a_dataset_was_not_read_in_is_refused_as_evaluate_refuses_it(sample_csv):
    # format= was not compared with a TextDataset's, where train and evaluate compare it:
    # find_label_issues(data, format="tsv") ranked the rows read as CSV without a word.
    data = genreclf.load_dataset(sample_csv, label="genre")
    with pytest.raises(ConfigError, match=r"Received: format='tsv'; the TextDataset was read"):
        genreclf.find_label_issues(data, format="tsv")
    in_memory = genreclf.TextDataset(data.texts, data.labels)  # read in no format
    with pytest.raises(ConfigError, match=r"Received: format='csv'; .* with format=None\."):
        genreclf.find_label_issues(in_memory, format="csv")
    assert len(genreclf.find_label_issues(data, format="csv", folds=2).dataset) == len(data)
    # "auto" (the command line's default, detected) agrees with any format read in
    assert not read_options.not_read_with(in_memory, {"format": "auto"})
    assert not read_options.not_read_with(data, {"format": "auto"})
