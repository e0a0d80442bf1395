"""The `pretrained` model family: keras-hub encoders from local presets.

Importing this package registers the family with `genreclf.models`:

>>> from genreclf.models import build_model
>>> model = build_model("pretrained", 3, preset="minilm", mode="lora",
...                     max_length=32)  # doctest: +SKIP
"""

from genreclf.models.pretrained.bert_packing import BertTextPreprocessor
from genreclf.models.pretrained.builder import MODE_TRAINING_DEFAULTS
from genreclf.models.pretrained.builder import MODES
from genreclf.models.pretrained.builder import PRETRAINED_DEFAULTS
from genreclf.models.pretrained.builder import build_pretrained
from genreclf.models.pretrained.builder import mode_training_defaults
from genreclf.models.pretrained.presets import load_encoder
from genreclf.models.pretrained.presets import resolve_preset
from genreclf.models.pretrained.token_pooling import FirstTokenPooling
from genreclf.models.pretrained.token_pooling import MaskedTokenPooling
from genreclf.models.pretrained.token_pooling import TokenMask
