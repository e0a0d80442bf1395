import keras
import pytest

from genreclf.errors import ConfigError
from genreclf.training.schedules import StepDecay
from genreclf.training.schedules import make_schedule


def test_step_schedule_is_the_seeds():
    schedule = StepDecay(1e-3, steps_per_epoch=10)
    rates = [float(schedule(epoch * 10)) for epoch in range(8)]
    assert rates == pytest.approx([1e-3] * 5 + [5e-4, 2.5e-4, 1.25e-4])


def test_step_schedule_serializes():
    schedule = StepDecay(1e-3, steps_per_epoch=7, hold_epochs=2, factor=0.3)
    clone = keras.saving.deserialize_keras_object(keras.saving.serialize_keras_object(schedule))
    assert clone.get_config() == schedule.get_config()


def test_cosine_warms_up_then_decays():
    schedule, callbacks = make_schedule(
        "cosine", 1e-3, steps_per_epoch=10, epochs=5, warmup_epochs=1
    )
    assert callbacks == []
    assert float(schedule(0)) == 0.0
    assert float(schedule(10)) == pytest.approx(1e-3)
    assert float(schedule(49)) < 1e-4


def test_plateau_is_a_callback_with_a_constant_rate():
    rate, callbacks = make_schedule("plateau", 1e-3, steps_per_epoch=10, epochs=5)
    assert rate == 1e-3
    assert isinstance(callbacks[0], keras.callbacks.ReduceLROnPlateau)
    assert callbacks[0].monitor == "val_macro_f1"


def test_unknown_schedule():
    with pytest.raises(ConfigError, match="Received: schedule='linear'"):
        make_schedule("linear", 1e-3, steps_per_epoch=1, epochs=1)
