"""One job per output: a second train, augment run or label on the same output is refused."""

import pathlib
import threading

import pytest

import genreclf
from genreclf import augment
from genreclf.augment.fake_server import FakeChatServer
from genreclf.errors import ConfigError
from genreclf.output_lock import OutputInUseError
from genreclf.output_lock import output_lock


class AnotherJob:
    """A first job on another thread: holds `output_lock(output, job)` until `finish()`.

    `finish(mark=True)` writes a finished run's mark before it lets go, as a
    training job's last step does.
    """

    def __init__(self, output, job):
        self.output, self.job = output, job
        self._holding, self._done = threading.Event(), threading.Event()
        self._mark, self.refused = False, None
        self._thread = threading.Thread(target=self._hold, daemon=True)

    def _hold(self):
        try:
            with output_lock(self.output, self.job):
                self._holding.set()
                self._done.wait(timeout=120)
                if self._mark:
                    (pathlib.Path(self.output) / "thresholds.json").write_text("{}")
        except OutputInUseError as error:
            self.refused = error

    def __enter__(self):
        self._thread.start()
        assert self._holding.wait(timeout=30)
        return self

    def finish(self, mark=False):
        self._mark = mark
        self._done.set()
        self._thread.join(timeout=30)

    def __exit__(self, *exc):
        self.finish(self._mark)


def test_a_second_train_into_a_folder_in_use_is_refused(tmp_path, sample_csv):
    out = tmp_path / "run"
    out.mkdir()
    with AnotherJob(out, "genreclf augment run"):  # whatever holds it
        with pytest.raises(OutputInUseError, match="Another genreclf job is writing .*run'"):
            genreclf.train(sample_csv, text="overview", label="genre", model="ngram", out=out,
                           epochs=1, verbose=0)  # fmt: skip
    assert not (out / "config.json").exists()  # refused before writing anything


def test_the_same_job_takes_its_own_lock_again(tmp_path):
    outer = AnotherJob(tmp_path, "genreclf train")  # what a second job would meet
    with output_lock(tmp_path, "genreclf train"):
        with output_lock(tmp_path / "." / "", "genreclf train"):  # fit_run inside train
            pass
        outer._thread.start()  # the outer hold survives the inner one's end
        assert not outer._holding.wait(timeout=1)
    outer._thread.join(timeout=30)
    assert isinstance(outer.refused, OutputInUseError)  # refused at once
    with output_lock(tmp_path, "genreclf train"):  # released by the outer hold
        pass


@pytest.mark.parametrize("named_out", [True, False], ids=["--out", "runs/<model>"])
def test_a_job_never_trains_over_a_run_finished_while_it_started(
    tmp_path, sample_csv, monkeypatch, named_out
):
    # A first job is finishing the folder when a second starts. With --out the
    # second holds the folder before it reads its rows, so it is refused at
    # once; with the default folder (known once `auto` has chosen), the first
    # finishes while the second reads, and the check under the lock refuses.
    from genreclf.training import trainer

    monkeypatch.chdir(tmp_path)
    out = tmp_path / "runs" / "ngram"
    out.mkdir(parents=True)
    read_dataset = trainer.read_dataset

    with AnotherJob(out, "genreclf train") as first:

        def read_while_the_first_job_finishes(*args, **kwargs):
            first.finish(mark=True)
            return read_dataset(*args, **kwargs)

        monkeypatch.setattr(trainer, "read_dataset", read_while_the_first_job_finishes)
        kwargs = {"out": out} if named_out else {}
        with pytest.raises((OutputInUseError, ConfigError)) as refused:
            genreclf.train(sample_csv, text="overview", label="genre", model="ngram",
                           verbose=0, **kwargs)  # fmt: skip
    expected = OutputInUseError if named_out else ConfigError
    assert isinstance(refused.value, expected), refused.value
    assert {p.name for p in out.iterdir()} <= {"thresholds.json"}  # the second wrote nothing


def test_a_second_augment_run_on_an_output_in_use_sends_nothing(tmp_path, sample_csv):
    out = tmp_path / "aug.jsonl"
    with FakeChatServer() as server, AnotherJob(out, "genreclf augment run"):
        with pytest.raises(OutputInUseError, match="is writing .*aug.jsonl'.*augment run"):
            augment.generate(sample_csv, text="overview", label="genre", out=out,
                             target_count=20, base_url=server.url)  # fmt: skip
        assert server.requests == []


def test_a_second_label_run_on_an_output_in_use_is_refused(tmp_path, capsys):
    from genreclf.cli import main

    texts = tmp_path / "texts.csv"
    texts.write_text("id,text\na1,A ghost haunts a lighthouse.\n")
    genres = tmp_path / "genres.yaml"
    genres.write_text("genres:\n  horror:\n    keywords: [ghost]\n")
    out = tmp_path / "labelled.jsonl"
    argv = ["label", str(texts), "--genres", str(genres), "--stages", "keywords", "--out", str(out)]
    with AnotherJob(out, "genreclf train"):
        assert main(argv) != 0
    assert "labelled.jsonl', so this genreclf label cannot" in capsys.readouterr().err
    assert main(argv) == 0 and out.exists()  # once the first has finished
    assert sorted(p.name for p in tmp_path.iterdir()) == [  # no lock file left beside it
        "genres.yaml",
        "labelled.jsonl",
        "labelled.jsonl.settings.json",  # what a rerun must match to resume
        "texts.csv",
    ]


def test_folds_are_kept_or_trained_under_their_folder_s_lock(tmp_path, sample_csv):
    # `tune --kfold-top` cross-validates into its trial folders, and `labels
    # check --model` trains into its fold folder, outside `train`'s hold: a
    # second job there is refused before it keeps or trains any fold.
    from genreclf.label_issues import out_of_fold_probabilities
    from genreclf.training import TrainConfig
    from genreclf.training.cross_validation import cross_validate

    data = genreclf.load_dataset(sample_csv, text="overview", label="genre")
    cfg = TrainConfig(model="ngram", folds=2, epochs=1)
    cfg.multi_label = data.multi_label
    trial = tmp_path / "kfold" / "trial_0"
    with AnotherJob(trial, "genreclf tune"):
        with pytest.raises(OutputInUseError, match="so this cross-validation cannot"):
            cross_validate(data, None, cfg, trial, verbose=0)
    folds = tmp_path / "label_folds"
    with AnotherJob(folds, "genreclf labels check"):
        with pytest.raises(OutputInUseError, match="so this genreclf labels check cannot"):
            out_of_fold_probabilities(
                data, data.vocabulary(), model="ngram", folds=2, work_dir=folds
            )
    assert not trial.exists() and not folds.exists()  # nothing kept, trained or written


@pytest.mark.parametrize("how", ["resume", "overwrite"])
def test_a_second_search_on_a_folder_in_use_is_refused_and_deletes_nothing(
    tmp_path, sample_csv, how
):
    from genreclf.tuning import tune

    folder = tmp_path / "search"
    (folder / "trials" / "trial_0").mkdir(parents=True)
    (folder / "trials" / "trial_0" / "trial.json").write_text("{}")  # a running search's
    with AnotherJob(folder, "genreclf tune"):
        with pytest.raises(OutputInUseError, match="so this tuning search cannot"):
            tune(sample_csv, text="overview", label="genre", model="ngram", tuner="random",
                 max_trials=1, max_epochs=1, directory=folder, verbose=0,
                 **{how: True})  # fmt: skip
    assert (folder / "trials" / "trial_0" / "trial.json").exists()


def test_a_second_augment_run_on_a_cache_in_use_sends_nothing(tmp_path, sample_csv):
    cache = tmp_path / "shared.cache.jsonl"
    with FakeChatServer() as server, AnotherJob(cache, "genreclf augment run"):
        with pytest.raises(OutputInUseError, match="is writing .*shared.cache.jsonl'"):
            augment.generate(sample_csv, text="overview", label="genre",
                             out=tmp_path / "other.jsonl", cache=cache, target_count=20,
                             base_url=server.url)  # fmt: skip
        assert server.requests == []


def test_a_label_run_on_an_llm_cache_in_use_sends_nothing(tmp_path):
    from genreclf.labelling import label

    texts = tmp_path / "texts.csv"
    texts.write_text("id,text\na1,A quiet story about a long summer.\n")
    genres = tmp_path / "genres.yaml"
    genres.write_text(
        "genres:\n  horror:\n    keywords: [ghost]\n  comedy:\n    keywords: [prank]\n"
    )
    cache = tmp_path / "shared.llm-cache.jsonl"
    with FakeChatServer() as server, AnotherJob(cache, "genreclf label"):
        with pytest.raises(OutputInUseError, match="so this genreclf label \\(its LLM cache\\)"):
            label(texts, out=tmp_path / "labelled.jsonl", genres=genres, stages=("llm",),
                  llm="gpt-4o-mini", base_url=server.url, cache=str(cache))  # fmt: skip
        assert server.requests == []
