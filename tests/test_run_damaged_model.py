"""`Run.model` refuses a damaged `model.keras` as a damaged run folder."""

import pytest

import genreclf
from genreclf.errors import RunFolderError


def test_a_zip_with_a_damaged_member_is_a_damaged_run_from_python_too(trained_run, tmp_path):
    # A zip whose members are cut short was refused by `genreclf predict` only; from Python,
    # `run.model` raised Keras' or zipfile's own error.
    import shutil
    import zipfile

    copy = tmp_path / "run"
    shutil.copytree(trained_run.path, copy)
    with zipfile.ZipFile(trained_run.path / "model.keras") as whole:
        members = {info.filename: whole.read(info) for info in whole.infolist()}
    with zipfile.ZipFile(copy / "model.keras", "w") as damaged:
        for name, data in members.items():
            damaged.writestr(name, data[: len(data) // 2] if name.endswith(".json") else data)
    with pytest.raises(RunFolderError, match=r"has a damaged model\.keras \(\w+Error: "):
        _ = genreclf.load_run(copy).model
