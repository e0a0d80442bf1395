"""Imports every module that registers a Keras serializable of genreclf.

After `import genreclf`, saved models (`.keras`) load with plain
`keras.saving.load_model`, compiled or not.
"""

from genreclf.metrics import ClassCountsMetric  # noqa: F401
from genreclf.models import registry
from genreclf.models.pooling import MaskedGlobalPooling1D  # noqa: F401
from genreclf.preprocessing import normalize_text  # noqa: F401
from genreclf.training.losses import WeightedBinaryCrossentropy  # noqa: F401
from genreclf.training.schedules import StepDecay  # noqa: F401

registry._load_builtins()
