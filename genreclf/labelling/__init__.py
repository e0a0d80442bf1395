"""Labelling unlabelled synopses with a confidence cascade.

keywords → zero-shot (MiniLM similarity, offline) → a trained run's
classifier → an LLM (optional; through `genreclf.augment`'s client, cache and
budget). Each stage claims the rows it is confident about; every output row
carries its provenance; `audit` measures agreement with a judge.

>>> from genreclf.labelling import Genre, KeywordStage
>>> stage = KeywordStage([Genre("horror", keywords=["ghost"])], threshold=0.5)
>>> stage.decide(["A ghost in the attic."])[0].labels
['horror']

The names below are resolved on first use: importing this package loads no
TensorFlow.
"""

from genreclf.lazy_api import lazy_api

_API = {
    "label": "genreclf.labelling.api",
    "build_cascade": "genreclf.labelling.api",
    "calibrate_cascade": "genreclf.labelling.cascade_calibration",
    "Cascade": "genreclf.labelling.cascade",
    "LabelResult": "genreclf.labelling.cascade",
    "Decision": "genreclf.labelling.decision",
    "decide": "genreclf.labelling.decision",
    "Genre": "genreclf.labelling.genre_spec",
    "load_genres": "genreclf.labelling.genre_spec",
    "save_genres": "genreclf.labelling.genre_spec",
    "mine_keywords": "genreclf.labelling.keyword_mining",
    "KeywordStage": "genreclf.labelling.keyword_stage",
    "ZeroShotStage": "genreclf.labelling.zero_shot",
    "ClassifierStage": "genreclf.labelling.classifier_stage",
    "LLMStage": "genreclf.labelling.llm_stage",
    "LLMLabeller": "genreclf.labelling.llm_labeller",
    "LabelFile": "genreclf.labelling.label_file",
    "read_labelled": "genreclf.labelling.label_file",
    "TextEmbedder": "genreclf.labelling.text_embedder",
    "audit": "genreclf.labelling.auditing",
    "wilson_interval": "genreclf.metrics.wilson",
    "calibrate": "genreclf.labelling.thresholds",
    "choose_threshold": "genreclf.labelling.thresholds",
    "DEFAULT_THRESHOLDS": "genreclf.labelling.thresholds",
}


__getattr__, __dir__ = lazy_api(__name__, _API, globals())


__all__ = sorted(_API)
