"""`genreclf tune show` of a folder made by `make_tuner` (no tune.json)."""

from genreclf.tuning import NgramHyperModel
from genreclf.tuning import make_oracle
from genreclf.tuning import make_tuner
from genreclf.tuning.cli import main as tune_main


def test_show_reads_the_search_from_the_trials_of_a_make_tuner_folder(
    sample_data, tmp_path, tiny_ngram, capsys
):
    _, train, val = sample_data
    hypermodel = NgramHyperModel(
        train, max_epochs=2, epochs=2, objective="val_loss", lr=[0.001, 0.03], **tiny_ngram
    )
    tuner = make_tuner(
        make_oracle("random", objective="val_loss", max_trials=2, seed=1),
        hypermodel,
        directory=tmp_path,
        executions_per_trial=2,
    )
    tuner.search(train, validation_data=val, verbose=0)
    capsys.readouterr()
    assert tune_main(["show", str(tmp_path)]) == 0
    header, table = capsys.readouterr().out.split("\n", 1)
    assert header.startswith("ngram search with random: 2 trials, 2 completed")
    assert "objective val_loss (min)" in header and "longest of each trial's 2 executions" in header
    rows = [line.split() for line in table.splitlines()[1:] if line.strip()]
    scores = [float(r[3]) for r in rows]
    assert scores == sorted(scores)  # a loss: lowest first
    assert [r[4] for r in rows] == ["2", "2"]  # per execution, not 2 + 2
