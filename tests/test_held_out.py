"""`genreclf.held_out`: the ensemble's warnings of rows its members trained on, named for the
Python API and the command line alike."""

import numpy as np
import pytest

from genreclf.errors import ConfigError


class _Member:
    """What `held_out.warn_given_rows_trained_on` reads of a run."""

    def __init__(self, path, trained, out_of_fold, val_split):
        self.path, self._trained, self._oof = path, np.array(trained), out_of_fold
        self.fingerprint = {"val_sha256": "v" if val_split else None}

    def trained_on(self, rows):
        return self._trained

    def out_of_fold(self):
        return self._oof


def test_leaving_out_data_is_advised_only_where_the_weights_could_be_chosen_without_it(caplog):
    from genreclf.held_out import warn_given_rows_trained_on

    rows = [0, 1, 2]
    oof = _Member("runs/oof", [True, True, True], out_of_fold=object(), val_split=False)
    with_split = _Member("runs/split", [False, False, False], out_of_fold=None, val_split=True)
    neither = _Member("runs/neither", [False, False, False], out_of_fold=None, val_split=False)
    with caplog.at_level("WARNING", logger="genreclf"):
        assert warn_given_rows_trained_on([oof, with_split], rows)
        assert warn_given_rows_trained_on([oof, neither], rows)
    first, second = [r.getMessage() for r in caplog.records]
    assert first.endswith(
        "Leave out data (`--data`) to choose the weights on the out-of-fold scores "
        "instead, or use rows none of the members trained on."
    )
    assert "Leave out data" not in second
    assert second.endswith(
        "(data, `--data`, is needed: runs/neither saved neither out-of-fold scores nor a "
        "validation split)."
    )


def test_messages_of_the_python_api_name_its_arguments_beside_the_flags(tmp_path, caplog):
    # genreclf.ensemble(..., out=<a member's folder>) said "The ensemble's --out must be".
    from genreclf.ensemble_members import check_out_apart
    from genreclf.held_out import warn_given_rows_trained_on

    with pytest.raises(ConfigError) as error:
        check_out_apart([tmp_path / "a", tmp_path / "b"], tmp_path / "a")
    assert str(error.value).startswith("The ensemble's out (`--out`) must be a folder apart")
    assert str(error.value).endswith("e.g. out='runs/ensemble' (`--out runs/ensemble`).")
    oof = _Member("runs/oof", [True], out_of_fold=object(), val_split=False)
    with caplog.at_level("WARNING", logger="genreclf"):
        warn_given_rows_trained_on([oof], [0])
    (said,) = [r.getMessage() for r in caplog.records]
    assert "the ensemble's weights (data, `--data`) are training rows" in said
    assert "Leave out data (`--data`) to choose" in said
