"""Imported by the trial processes' fork server only (its preload, see `trial_process`).

Installs `trial_startup`'s exception hook there: the trial processes forked
from it write a failure while they import the search's script again to their
log, which the search shows in the trial's failure message.
"""

from genreclf.tuning.trial_startup import install_hook

install_hook(always=True)
