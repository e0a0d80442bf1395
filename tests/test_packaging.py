"""One namespace: `augment/`, `export/`, `serving/` install as `genreclf.*`.

A fresh environment gains exactly one top-level import name, `genreclf`. The
import checks run in a subprocess started in a temporary folder, so the
repository root (which holds folders named `augment`, `export`, `serving`) is
not on `sys.path`.
"""

import configparser
import json
import pathlib
import shutil
import subprocess
import sys
import textwrap
import zipfile

import pytest

REPO = pathlib.Path(__file__).resolve().parents[1]

_PROBE = textwrap.dedent(
    """
    import importlib, importlib.metadata, json, sys
    import genreclf
    loaded_by_genreclf = sorted(
        m for m in sys.modules
        if m.split(".")[:2] in (["genreclf", "augment"], ["genreclf", "export"],
                                ["genreclf", "serving"])
    )
    import genreclf.augment, genreclf.export, genreclf.serving
    import genreclf.serving.server.local_server
    outside = {}
    for name in ("augment", "export", "serving"):
        try:
            importlib.import_module(name)
            outside[name] = "imported"
        except ImportError:
            outside[name] = "missing"
    dist = importlib.metadata.distribution("genreclf")
    top_level = (dist.read_text("top_level.txt") or "").split()
    owned = sorted(name for name, dists in importlib.metadata.packages_distributions().items()
                   if "genreclf" in dists)
    print(json.dumps({"loaded_by_genreclf": loaded_by_genreclf, "outside": outside,
                      "top_level": top_level, "owned": owned,
                      "serving_file": genreclf.serving.__file__}))
    """
)


def test_one_top_level_import_name(tmp_path):
    result = subprocess.run(
        [sys.executable, "-c", _PROBE],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        env={"TF_CPP_MIN_LOG_LEVEL": "3", "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 0, result.stderr[-2000:]
    probe = json.loads(result.stdout.strip().splitlines()[-1])
    assert probe["loaded_by_genreclf"] == [], "import genreclf must not load its subpackages"
    assert probe["outside"] == {"augment": "missing", "export": "missing", "serving": "missing"}
    assert probe["top_level"] == ["genreclf"]
    assert probe["owned"] == ["genreclf"]
    assert pathlib.Path(probe["serving_file"]).parent == REPO / "serving"


def _packages_in_setup_cfg():
    config = configparser.ConfigParser()
    config.read(REPO / "setup.cfg")
    packages = config["options"]["packages"].split()
    package_dir = dict(
        line.split("=") for line in config["options"]["package_dir"].strip().splitlines()
    )
    return packages, {k.strip(): v.strip() for k, v in package_dir.items()}


def test_setup_cfg_lists_every_package_folder():
    packages, package_dir = _packages_in_setup_cfg()
    roots = {"genreclf": REPO / "genreclf"}
    roots.update({name: REPO / folder for name, folder in package_dir.items()})
    on_disk = set()
    for name, root in roots.items():
        for init in root.rglob("__init__.py"):
            relative = init.parent.relative_to(root).parts
            on_disk.add(".".join((name, *relative)))
    assert sorted(on_disk - set(packages)) == [], (
        "package folders missing from [options] packages in setup.cfg"
    )
    assert sorted(set(packages) - on_disk) == []


def test_wheel_holds_only_genreclf(tmp_path):
    # Built from a copy, so no build/ folder is left in (or reused from) the repository.
    source = tmp_path / "source"
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info")
    for folder in ("genreclf", "augment", "export", "serving"):
        shutil.copytree(REPO / folder, source / folder, ignore=ignore)
    for name in ("setup.cfg", "pyproject.toml", "README.md"):
        shutil.copy(REPO / name, source / name)
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(tmp_path),
            str(source),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    if result.returncode != 0:
        pytest.skip(f"cannot build a wheel here: {result.stderr[-500:]}")
    (wheel,) = tmp_path.glob("genreclf-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert {name.split("/")[0] for name in names} == {
        "genreclf",
        wheel.name.split("-")[0] + "-" + wheel.name.split("-")[1] + ".dist-info",
    }
    for data_file in (
        "genreclf/serving/models.config",
        "genreclf/serving/web/index.html",
        "genreclf/export/op_lists/tf_text_2.20.txt",
        "genreclf/augment/prices.json",
    ):
        assert data_file in names
