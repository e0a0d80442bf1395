"""A `Run` opened by a relative path keeps to its folder after `os.chdir`, as notebooks do."""

import genreclf

TEXT = "A sheriff faces outlaws at noon."


def test_a_run_opened_by_a_relative_path_is_found_after_a_chdir(trained_run, tmp_path, monkeypatch):
    monkeypatch.chdir(trained_run.path.parent)
    run = genreclf.load_run(trained_run.path.name)
    assert str(run.path) == trained_run.path.name  # as given, while the working folder is its
    monkeypatch.chdir(tmp_path)  # a folder without that run: its name there names nothing
    assert run.path == trained_run.path
    assert run.labels == trained_run.labels and run.refresh() is False
    assert run.predict(TEXT) == trained_run.predict(TEXT)  # its model loads from its folder
    report = genreclf.evaluate(run, genreclf.sample_path(), out=tmp_path / "evaluation")
    assert report["num_examples"] == 310
