"""Model families: raw strings in, per-class scores out."""

from genreclf.models.registry import available_families
from genreclf.models.registry import build_model
from genreclf.models.registry import family_defaults
from genreclf.models.registry import family_parameters
from genreclf.models.registry import register_family
from genreclf.models.registry import resolve_config
