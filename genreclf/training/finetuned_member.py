"""The `stack` run joined by a fine-tuned copy of its encoder: the default on a GPU.

With a GPU and at least 3,000 rows (`genreclf.models.auto`), `genreclf.train`
without a model (or any `stack` run with `finetune=True`, `--finetune`) trains
two members into `OUT/members/` and
joins them into `OUT` with `genreclf.ensemble`:

* `members/stack`: the `stack` recipe as on a CPU (TF-IDF, frozen encoder and
  neighbour heads fitted on every row; its out-of-fold scores saved);
* `members/finetune`: the same encoder fine-tuned end to end
  (`pretrained --mode finetune`, the mode's training defaults), holding out
  `val_split` of the rows. It reads enough word pieces for 95% of the
  training texts (`finetune_length`: 512 for aclImdb's reviews, far fewer for
  synopses): every text is padded to that length, so a synopsis set read at
  512 would pay three to four times the compute for the same words. A longer
  text keeps its head and tail (`truncation="head_tail"`).

The ensemble's weights (and multi-label thresholds, and calibration) are
chosen on the fine-tuned member's validation rows, where the stack's scores
are its out-of-fold ones: neither member saw those rows when it scored them.

On single-label data the fine-tuned member trains without class weights: the
stack's balanced heads and the ensemble's weights carry the rare classes, and
a member whose loss weighs a class seen a few dozen times up to 10 times lost
the accuracy the pair needs it for. On imdb_genre27 (three splits, an H200,
the same recipe in PyTorch) the weighted member scored 0.33–0.38 accuracy
alone against 0.57 unweighted, and the pair 0.3386 macro-F1 on the mean
against 0.3618 (the stack alone: 0.3425). On aclImdb's 8 ratings (one
seed) the weighted pair scored 0.4386 macro-F1 against 0.4340, with 0.019
less accuracy and 0.047 more rare-class F1: a trade-off there, a loss on
imdb_genre27, so single-label members train unweighted (bench/RESULTS.md,
"The pair on a GPU"). Multi-label members keep positive-class weights
(tmdb_genres: 0.580 alone, the pair 0.602 against the stack's 0.597).
`OUT` is an ordinary ensemble run (evaluate, predict, export, verify).

Measured on an H200 (bench/RESULTS.md, "The pair on a GPU"): the pair beat
the `stack` alone by 0.063–0.069 macro-F1 on aclImdb's reviews, where a
frozen encoder says little about a rating, and by 0.005 on tmdb_genres'
synopses. On a CPU a fine-tuning pass over thousands of texts takes hours, so `auto`
does this only on a GPU; `finetune=True` asks for it anywhere.

A killed run resumes: a member whose folder is complete, with the same
settings and rows, is kept, an unfinished one resumes as its own `train` would (a
Keras member from its last finished epoch), and the ensemble is rebuilt.
"""

import pathlib

from genreclf.errors import ConfigError
from genreclf.training.config import AUTO
from genreclf.training.finished_runs import RETRAIN
from genreclf.training.finished_runs import finished_run
from genreclf.training.finished_runs import unmark_finished

MEMBERS = "members"
MEMBER_NAMES = ("stack", "finetune")  # trained in this order, each into MEMBERS/<name>
FINETUNE_MAX_LENGTH = 512
FINETUNE_MIN_LENGTH = 64
LENGTH_PERCENTILE = 95
LENGTH_SAMPLE = 5000


def joins_finetuned_member(cfg):
    """Whether a run of `cfg` adds a fine-tuned member; refuses what cannot have one.

    `cfg.finetune` "auto" adds it when the default recipe picked `stack` with a
    fine-tuned member (`cfg.model_choice["finetune"]`: on a GPU, from
    `genreclf.models.auto.FINETUNE_MIN_ROWS` rows); True asks for it on any
    `stack` run.

    Example:

    >>> from genreclf.training.config import TrainConfig
    >>> joins_finetuned_member(TrainConfig(model="stack"))
    False
    >>> gpu = {"requested": "auto", "chosen": "stack", "hardware": "GPU", "finetune": True}
    >>> joins_finetuned_member(TrainConfig(model="stack", model_choice=gpu))
    True
    """
    if cfg.finetune is False:
        return False
    if cfg.finetune == AUTO:
        choice = cfg.model_choice or {}
        return (
            choice.get("requested") == AUTO
            and choice.get("finetune") is True
            and cfg.model == "stack"
            and not (cfg.folds or cfg.abstain or cfg.strategy)
        )
    refused = {
        "model": cfg.model != "stack",
        "folds": bool(cfg.folds),
        "abstain": bool(cfg.abstain),
        "strategy": bool(cfg.strategy),
    }
    for name, bad in refused.items():
        if bad:
            raise ConfigError(
                "finetune=True (--finetune) joins a fine-tuned encoder to a `stack` run "
                "trained once, without --folds, --abstain or --strategy. Received: "
                f"{name}={getattr(cfg, name)!r}. Use --model stack (or no --model), drop "
                f"--{name}, or drop --finetune."
            )
    return True


def finetune_length(preset, texts, percentile=LENGTH_PERCENTILE, sample=LENGTH_SAMPLE):
    """Word pieces the fine-tuned member reads: enough for `percentile`% of `texts`.

    The pieces are counted by the preset's own tokenizer (on up to `sample`
    texts), `[CLS]` and `[SEP]` added, rounded up to a multiple of 32, and
    kept between 64 and min(512, the encoder's positions).

    Example:

    >>> finetune_length("minilm", ["A detective hunts a killer."] * 10)
    64
    >>> finetune_length("minilm", ["word " * 2000])
    512
    """
    import math

    import numpy as np
    import tensorflow as tf

    from genreclf.models.pretrained.presets import load_tokenizer
    from genreclf.models.pretrained.presets import max_positions

    longest = min(FINETUNE_MAX_LENGTH, max_positions(preset) or FINETUNE_MAX_LENGTH)
    texts = list(texts)
    if len(texts) > sample:
        picked = np.random.default_rng(0).choice(len(texts), sample, replace=False)
        texts = [texts[i] for i in picked]
    if not texts:
        return longest
    # autograph=False: converting keras-hub's tokenizer took seconds; its ops need none.
    tokenize = tf.function(
        load_tokenizer(preset).tokenize,
        input_signature=[tf.TensorSpec([None], tf.string)],
        autograph=False,
    )
    counts = np.concatenate(
        [
            tokenize(tf.constant(texts[i : i + 256])).row_lengths().numpy()
            for i in range(0, len(texts), 256)
        ]
    )
    length = 32 * math.ceil((float(np.percentile(counts, percentile)) + 2) / 32)
    return int(min(max(length, FINETUNE_MIN_LENGTH), longest))


def member_configs(cfg, texts, multi_label=False):
    """`{"stack": ..., "finetune": ...}`: each member's `TrainConfig`.

    On single-label data the fine-tuned member trains without class weights
    (see the module docstring); multi-label members keep the run's.

    Args:
        cfg: the run's `TrainConfig` (a `stack` run).
        texts: the training texts (the fine-tuned member's length is read off them).
        multi_label: whether the rows carry several labels.

    Example:

    >>> from genreclf.training.config import TrainConfig
    >>> cfg = TrainConfig(model="stack", model_config={"preset": "minilm"})
    >>> members = member_configs(cfg, ["A detective hunts a killer."])
    >>> members["finetune"].model, members["finetune"].model_config["mode"]
    ('pretrained', 'finetune')
    >>> members["finetune"].class_weight, members["stack"].class_weight
    (False, True)
    """
    from genreclf.training.trainer import make_config

    stack = make_config(config=cfg, finetune=False)
    preset = (cfg.model_config or {}).get("preset", "minilm")
    length = finetune_length(preset, texts)
    finetune = make_config(config=cfg, model="pretrained", finetune=False, refit=AUTO)
    finetune.model_config = {
        "preset": preset,
        "mode": "finetune",
        "max_length": length,
        "truncation": "head_tail",
    }
    finetune.max_length = None
    if not multi_label:
        finetune.class_weight = False
    finetune.model_choice = None
    return dict(zip(MEMBER_NAMES, (stack, finetune)))


def train_with_finetuned_member(dataset, synthetic, cfg, out, verbose=1, callbacks=()):
    """Trains (or keeps) both members in `out/members/`, then ensembles them into `out`.

    Args:
        dataset: the training `TextDataset`.
        synthetic: `augment`'s rows (both members train on them), or None.
        cfg: the run's `TrainConfig` (a `stack` run).
        out: the run folder.
        verbose: Keras verbosity.
        callbacks: extra Keras callbacks (the fine-tuned member's).

    Returns:
        The ensemble's `Run`.
    """
    from genreclf.ensembling import ensemble
    from genreclf.training.reading import training_rows
    from genreclf.training.trainer import train_on_rows

    out = pathlib.Path(out)
    members = member_configs(cfg, dataset.texts, multi_label=bool(dataset.multi_label))
    unmark_finished(out)  # until the ensemble is rebuilt
    runs, split = [], None
    for name, member in members.items():
        folder = out / MEMBERS / name
        train_set, val_set = training_rows(dataset, synthetic, member)
        split = val_set if val_set is not None else split
        kept = finished_run(folder, member, train_set, val_set)
        if kept is not None:
            if verbose:
                print(
                    f"member {name}: kept, finished with the same settings and rows ({folder})",
                    flush=True,
                )
            runs.append(kept)
            continue
        if verbose:
            print(f"member {name}: {member.model} → {folder}", flush=True)
        folder.mkdir(parents=True, exist_ok=True)
        # A member left unfinished with other settings is retrained, as a finished one is.
        runs.append(
            train_on_rows(
                train_set, val_set, member, folder, verbose, callbacks, unfinished=RETRAIN
            )
        )
    choice = {
        **(cfg.model_choice or {}),
        "members": {name: str(r.path.resolve()) for name, r in zip(MEMBER_NAMES, runs)},
    }
    return ensemble(
        runs,
        out,
        verbose=verbose,
        split=split,
        config_fields={"finetune": cfg.finetune, "model_choice": choice},
    )
