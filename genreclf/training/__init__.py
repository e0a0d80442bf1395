"""Training: optimizers, schedules, losses, callbacks, `train` and cross-validation."""

from genreclf.training.config import TrainConfig
from genreclf.training.fitting import fit_run
from genreclf.training.trainer import make_config
from genreclf.training.trainer import train
