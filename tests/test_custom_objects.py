import subprocess
import sys
import textwrap
import types

import pytest


@pytest.mark.parametrize(
    "registration", ["import genreclf; genreclf.register()", "import genreclf.models"]
)
def test_a_saved_compiled_run_model_loads_with_plain_keras_after_registration(
    trained_multilabel_run, registration
):
    script = textwrap.dedent(
        f"""
        {registration}
        import keras
        model = keras.saving.load_model({str(trained_multilabel_run.path / "model.keras")!r})
        print(type(model.loss).__name__, [m.name for m in model.metrics])
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "WeightedBinaryCrossentropy" in result.stdout


def test_run_model_registers_genreclf_objects_itself(trained_multilabel_run):
    script = textwrap.dedent(
        f"""
        import genreclf
        print(genreclf.load_run({str(trained_multilabel_run.path)!r}).model.output_shape)
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "(None, 10)" in result.stdout


def test_register_imports_every_module_that_declares_a_serializable():
    from genreclf import custom_objects

    objects = custom_objects.register()
    names = custom_objects.declaring_modules()
    assert {"genreclf.metrics.f1", "genreclf.training.losses", "genreclf.models.pooling"} <= set(
        names
    )
    assert [name for name in names if name not in sys.modules] == []
    assert {obj.__module__ for obj in objects.values()} <= set(names)


@pytest.mark.parametrize("missing, raises", [("keras_hub", False), ("genreclf.nowhere", True)])
def test_register_skips_a_missing_optional_dependency_only(monkeypatch, missing, raises):
    from genreclf import custom_objects

    def import_module(name):
        raise ModuleNotFoundError(f"No module named {missing!r}", name=missing)

    monkeypatch.setattr(custom_objects, "_registered", False)
    monkeypatch.setattr(
        custom_objects, "declaring_modules", lambda: ["genreclf.models.pretrained.x"]
    )
    monkeypatch.setattr(
        custom_objects, "importlib", types.SimpleNamespace(import_module=import_module)
    )
    if raises:
        with pytest.raises(ModuleNotFoundError):
            custom_objects.register()
    else:
        assert "genreclf>MacroF1" in custom_objects.register()
