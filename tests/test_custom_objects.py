import subprocess
import sys
import textwrap

import pytest


@pytest.mark.parametrize("registration", ["import genreclf; genreclf.register()", "import genreclf.models"])
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
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "WeightedBinaryCrossentropy" in result.stdout


def test_run_model_registers_genreclf_objects_itself(trained_multilabel_run):
    script = textwrap.dedent(
        f"""
        import genreclf
        print(genreclf.load_run({str(trained_multilabel_run.path)!r}).model.output_shape)
        """
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "(None, 10)" in result.stdout
