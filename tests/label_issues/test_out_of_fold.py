"""`out_of_fold_probabilities`: TF-IDF + logistic regression, or a family trained per fold."""

import numpy as np
import pytest

import genreclf
from genreclf.label_issues import out_of_fold_probabilities


def test_tfidf_rows_are_scored_by_models_that_never_saw_them():
    texts = [f"ghost crypt scream night {i}" for i in range(8)]
    texts += [f"kiss wedding love date {i}" for i in range(8)]
    data = genreclf.TextDataset(texts, [["horror"]] * 8 + [["romance"]] * 8)
    probs = out_of_fold_probabilities(data, data.vocabulary(), folds=4)
    assert probs.shape == (16, 2) and np.allclose(probs.sum(1), 1, atol=1e-5)
    assert (probs.argmax(1) == [0] * 8 + [1] * 8).all()
    # A row whose words only it has cannot be learnt from the other folds.
    lonely = genreclf.TextDataset(texts + ["zebra xylophone"], [["horror"]] * 8 + [["romance"]] * 9)
    probs = out_of_fold_probabilities(lonely, lonely.vocabulary(), folds=4)
    assert probs[-1].max() < 0.9


@pytest.mark.large  # trains three tiny runs
def test_a_family_is_trained_per_fold_and_a_rerun_reuses_the_folds(tmp_path, capsys):
    data = genreclf.load_dataset(genreclf.sample_path(), text="overview", label="genre")
    vocabulary = data.vocabulary()
    args = dict(model="ngram", folds=3, model_config={"max_tokens": 1000}, work_dir=tmp_path)
    probs = out_of_fold_probabilities(data, vocabulary, **args, verbose=1)
    assert "fold_0 (1 of 3): training ngram on" in capsys.readouterr().out  # as its folder
    assert probs.shape == (len(data), vocabulary.num_classes)
    targets = data.targets(vocabulary).argmax(1)
    assert (probs.argmax(1) == targets).mean() > 0.3  # 10 classes: chance is ~0.13
    saved = {p: p.stat().st_mtime_ns for p in tmp_path.glob("fold_*/model.keras")}
    assert len(saved) == 3
    again = out_of_fold_probabilities(data, vocabulary, **args, verbose=1)
    np.testing.assert_allclose(again, probs, atol=1e-6)
    assert "fold_2 (3 of 3): finished before; kept" in capsys.readouterr().out
    assert {p: p.stat().st_mtime_ns for p in saved} == saved  # not retrained
    # Other settings on the same folder: the folds are retrained, not reused.
    out_of_fold_probabilities(data, vocabulary, **{**args, "model_config": {"max_tokens": 500}})
    assert all(p.stat().st_mtime_ns != saved[p] for p in saved)
    assert all(genreclf.Run(p.parent).config["model_config"]["max_tokens"] == 500 for p in saved)
