"""A worker's heartbeats to its chief while a trial trains.

In a distributed search the chief requeues the trial of a worker silent for
`worker_timeout` seconds (`genreclf.tuning.distributed`). A trial trains in
its own process (`genreclf.tuning.trial_process`) for as long as it takes,
so meanwhile the worker's tuner asks the chief for the trial
(`oracle.get_trial`) every `heartbeat` seconds (`make_tuner(...,
heartbeat=15.0)`) from a daemon thread: the chief sees the worker alive. A
missed heartbeat is logged at debug level, not fatal.
"""

import logging
import threading

logger = logging.getLogger("genreclf.tuning")


class TrialHeartbeat:
    """Calls `oracle.get_trial(trial_id)` every `interval` seconds in a daemon thread.

    Example:

    >>> class Chief:
    ...     def get_trial(self, trial_id):
    ...         pass
    >>> beat = TrialHeartbeat(Chief(), "00", interval=60.0)
    >>> beat.stop()
    """

    def __init__(self, oracle, trial_id, interval):
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._run, args=(oracle, trial_id, interval), daemon=True
        )
        self._thread.start()

    def _run(self, oracle, trial_id, interval):
        while not self._stop.wait(interval):
            try:
                oracle.get_trial(trial_id)
            except Exception as e:  # a missed heartbeat is not fatal
                logger.debug("heartbeat for trial %s failed: %s", trial_id, e)

    def stop(self):
        """Stops the heartbeats (the thread ends within `interval` seconds)."""
        self._stop.set()
