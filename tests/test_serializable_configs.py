"""Each class in `CASES` round-trips its config, directly and through JSON, and computes alike."""

import inspect
import json

import numpy as np
import pytest

from tests.test_serializable_round_trip import CASES
from tests.test_serializable_round_trip import _floats
from tests.test_serializable_round_trip import _import_first_party
from tests.test_serializable_round_trip import _json_normal
from tests.test_serializable_round_trip import registered_classes


def _registered_class(name):
    import keras

    cls = keras.saving.get_registered_object(name)
    if cls is None:
        missing = _import_first_party()
        if missing:
            pytest.skip(f"{name} not registered; optional extras missing: {missing}")
        pytest.fail(f"{name} is in CASES but not registered: remove its entry.")
    assert name in registered_classes()
    return cls


def _constructor_arguments(cls):
    parameters = list(inspect.signature(cls.__init__).parameters.values())[1:]  # no `self`
    named = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
    return {p.name for p in parameters if p.kind in named}


def _outputs(layer, case):
    import keras

    args, kwargs = case.call()
    return [keras.ops.convert_to_numpy(x) for x in keras.tree.flatten(layer(*args, **kwargs))]


def _assert_same(before, after):
    assert len(before) == len(after)
    for x, y in zip(before, after):
        if x.dtype.kind in "OSU":
            np.testing.assert_array_equal(x, y)
        else:
            np.testing.assert_allclose(x, y, rtol=1e-6, atol=1e-6)


def _assert_same_behaviour(obj, clone, case):
    import keras

    if isinstance(obj, keras.layers.Layer) and case.call is not None:
        before = _outputs(obj, case)
        if case.sync is not None:
            case.sync(obj, clone)
        else:
            _outputs(clone, case)  # builds the clone, so that the weights can be copied
            clone.set_weights(obj.get_weights())
        _assert_same(before, _outputs(clone, case))
    elif isinstance(obj, keras.metrics.Metric):
        y_true = np.array([[1, 0, 1], [0, 1, 0], [1, 1, 0]], "float32")
        y_pred = _floats(3, 3)
        for metric in (obj, clone):
            metric.reset_state()
            metric.update_state(y_true, y_pred)
        _assert_same([np.asarray(obj.result())], [np.asarray(clone.result())])
    elif isinstance(obj, keras.losses.Loss):
        y_true = np.array([[1, 0], [0, 1]], "float32")
        y_pred = _floats(2, 2)
        _assert_same([np.asarray(obj(y_true, y_pred))], [np.asarray(clone(y_true, y_pred))])
    elif isinstance(obj, keras.optimizers.schedules.LearningRateSchedule):
        steps = (0, 19, 20, 35)
        _assert_same(
            [np.asarray([float(obj(s)) for s in steps])],
            [np.asarray([float(clone(s)) for s in steps])],
        )


@pytest.mark.parametrize("name", sorted(CASES))
def test_registered_class_round_trips_its_config(name):
    import keras

    cls = _registered_class(name)
    case = CASES[name]
    obj = case.make(cls)
    assert type(obj) is cls

    config = obj.get_config()
    lost = sorted(_constructor_arguments(cls) - set(config) - set(case.not_config))
    assert not lost, f"{name}.get_config() lacks constructor arguments {lost}"
    json.dumps(config)  # raises on values JSON cannot hold (arrays, bytes, tuples of objects)
    clone = cls.from_config(config)
    assert type(clone) is cls
    assert clone.get_config() == config

    # Through JSON and the registry, as a `.keras` file stores it.
    serialized = keras.saving.serialize_keras_object(obj)
    assert serialized["registered_name"] == name
    revived = keras.saving.deserialize_keras_object(_json_normal(serialized))
    assert type(revived) is cls
    assert _json_normal(revived.get_config()) == _json_normal(config)

    _assert_same_behaviour(obj, clone, case)
