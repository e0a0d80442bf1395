import subprocess
import sys
import textwrap


def test_a_saved_compiled_run_model_loads_with_plain_keras_after_import_genreclf(trained_multilabel_run):
    script = textwrap.dedent(
        f"""
        import genreclf, keras
        model = keras.saving.load_model({str(trained_multilabel_run.path / "model.keras")!r})
        print(type(model.loss).__name__, [m.name for m in model.metrics])
        """
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "WeightedBinaryCrossentropy" in result.stdout
