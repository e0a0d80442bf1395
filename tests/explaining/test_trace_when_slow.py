"""`TraceWhenSlow`: the first eager call never decides; a slow later one switches for good."""

import time

from genreclf.explaining.trace_when_slow import TraceWhenSlow


def _call(switch, seconds, slower_than):
    with switch.timing(slower_than=slower_than):
        time.sleep(seconds)


def test_a_slow_first_call_does_not_switch():
    switch = TraceWhenSlow()
    _call(switch, 0.02, slower_than=0.01)
    assert not switch.traced and switch.eager_calls == 1


def test_fast_calls_stay_eager_and_a_slow_one_switches_for_good():
    switch = TraceWhenSlow()
    for _ in range(3):
        _call(switch, 0.0, slower_than=1.0)
    assert not switch.traced
    _call(switch, 0.02, slower_than=0.01)
    assert switch.traced
    _call(switch, 0.0, slower_than=1.0)  # a fast call later does not switch back
    assert switch.traced


def test_a_call_that_raises_is_not_counted():
    switch = TraceWhenSlow()
    try:
        with switch.timing(slower_than=0.0):
            raise RuntimeError("the model failed")
    except RuntimeError:
        pass
    assert switch.eager_calls == 0 and not switch.traced
