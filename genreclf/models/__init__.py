"""Model families: raw strings in, per-class scores out."""

from genreclf.models.registry import Family
from genreclf.models.registry import available_families
from genreclf.models.registry import build_model
from genreclf.models.registry import check_family_name
from genreclf.models.registry import family_defaults
from genreclf.models.registry import family_parameters
from genreclf.models.registry import get_family
from genreclf.models.registry import missing_package
from genreclf.models.registry import register_family
from genreclf.models.registry import resolve_config


def _register_keras_objects():
    # Importing genreclf.models registers every genreclf Keras serializable (the
    # layers of all families, and the losses, metrics and schedules a compiled
    # model.keras refers to), so plain `keras.saving.load_model` works after it.
    from genreclf import custom_objects  # noqa: F401


_register_keras_objects()
