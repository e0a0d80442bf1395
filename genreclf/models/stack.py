"""`stack`: TF-IDF logistic regression, frozen-encoder heads, one graph.

Two towers read the same raw text, and four heads score it:

* TF-IDF n-grams (`ngram`'s features) → a linear head: what the words say;
* a frozen pretrained encoder (MiniLM's last three blocks, each mean-pooled
  and L2-normalised, long texts in windows) → a linear head: what the text
  means;
* the last block's vectors → the `k` nearest training texts vote
  (`genreclf.models.neighbours`): which known texts it resembles;
* the last block's vectors → their closeness to the labels' names, read by
  the same encoder in a few prompts (`genreclf.models.prompt_scores`): what
  the labels are called. Off for ratings (labels that are all numbers).

Ratings (labels that are all numbers) end in `OrdinalScores`
(`genreclf.models.ordinal`): neighbouring ratings share evidence.

The linear heads are fitted by a convex solver
(`genreclf.training.linear_heads`) on every training row; the encoder's
vectors are computed once per distinct text and cached on disk
(`genreclf.models.embedding_cache`). The heads' scores are averaged with
weights chosen on 5-fold out-of-fold scores (`blend`,
`genreclf.models.blending`): the best macro-F1 among the blends at least as
accurate (micro-F1 for multi-label) as the better linear head alone
(`genreclf.models.ordinal.choose_blend_and_share`). Multi-label thresholds
are tuned on the same out-of-fold blend. The saved model contains both towers
and the neighbours' memory bank and takes raw strings: one `.keras` file, one
SavedModel.

This is the default recipe (`model="auto"`) wherever the MiniLM weights are
installed.
"""

import logging

import keras
import numpy as np

from genreclf.models.blending import WeightedScores
from genreclf.models.blending import simplex_grid
from genreclf.models.family import register_family
from genreclf.models.heads import text_input
from genreclf.models.neighbours import DEFAULT_K
from genreclf.models.neighbours import NeighbourScores
from genreclf.models.neighbours import fit_neighbours
from genreclf.models.ngram import ANALYZERS
from genreclf.models.ngram import set_linear_head
from genreclf.models.ngram import tfidf_features
from genreclf.models.ngram import tfidf_tower_matrix
from genreclf.models.ngram import tower_sizes
from genreclf.models.ngram import with_unknown_rows
from genreclf.models.ordinal import OrdinalScores
from genreclf.models.ordinal import check_ordinal
from genreclf.models.ordinal import choose_blend_and_share
from genreclf.models.ordinal import mixing_matrix
from genreclf.models.ordinal import ordinal_positions
from genreclf.models.ordinal import smooth
from genreclf.models.prompt_scores import PROMPTS_SETTING
from genreclf.models.prompt_scores import PromptScores
from genreclf.models.prompt_scores import fit_prompt_head
from genreclf.models.setting_checks import number
from genreclf.models.setting_checks import one_of
from genreclf.models.setting_checks import text
from genreclf.models.setting_checks import whole
from genreclf.models.stack_heads import AUTO
from genreclf.models.stack_heads import EQUAL
from genreclf.models.stack_heads import HEADS
from genreclf.models.stack_heads import NONE
from genreclf.models.stack_heads import blend_weights
from genreclf.models.stack_heads import head_names
from genreclf.models.stack_heads import without_prompt_weight

ORDINAL_LAYER = "ordinal"
logger = logging.getLogger("genreclf.models")

STACK_DEFAULTS = {
    "preset": "minilm",
    "max_length": 256,
    "max_chunks": 4,
    "encoder_layers": 3,
    "max_tokens": 200000,
    "ngrams": 2,
    "min_df": 2,
    "analyzer": "word",
    "char_max_tokens": 20000,
    "c_tfidf": 4.0,
    "c_encoder": AUTO,
    "neighbours": DEFAULT_K,
    "max_neighbours": 30000,
    "prompts": AUTO,
    "blend": AUTO,
    "ordinal": AUTO,
}

# `blend` and `ordinal` take lists or shares: `blend_weights` and
# `check_ordinal` check them.
STACK_CHECKS = {
    "preset": text(),
    "max_length": whole(3),  # [CLS], [SEP] and one word piece per window
    "max_chunks": whole(1),
    "encoder_layers": whole(1),
    "max_tokens": whole(1, also=(None,)),
    "ngrams": whole(1),
    "min_df": whole(1),
    "analyzer": one_of(*ANALYZERS),
    "char_max_tokens": whole(1, also=(None,)),
    "c_tfidf": number(above=0, also=(AUTO,)),
    "c_encoder": number(above=0, also=(AUTO,)),
    "neighbours": whole(0),
    "max_neighbours": whole(1),
    "prompts": PROMPTS_SETTING,
}


def build_stack(
    num_classes,
    multi_label=False,
    train_texts=None,
    preset="minilm",
    max_length=256,
    max_chunks=4,
    encoder_layers=3,
    max_tokens=200000,
    ngrams=2,
    min_df=2,
    analyzer="word",
    char_max_tokens=20000,
    c_tfidf=4.0,
    c_encoder=AUTO,
    neighbours=DEFAULT_K,
    max_neighbours=30000,
    prompts=AUTO,
    blend=AUTO,
    ordinal=AUTO,
):
    """Builds the model (heads unfitted: `fit_stack` fits them).

    Args:
        num_classes: number of classes K.
        multi_label: sigmoid scores if True, softmax otherwise.
        train_texts: the training texts: the TF-IDF vocabulary is fitted on
            them and the neighbours' bank holds (up to `max_neighbours` of) them.
        preset: the frozen encoder: `"minilm"` or a local preset directory.
        max_length: word pieces per encoder window (256, sentence-transformers'
            setting for MiniLM, read one 150-word synopsis better than two
            128-piece windows in bench/quality.py).
        max_chunks: encoder windows per text (long texts: 4 × 256 pieces).
        encoder_layers: the encoder's last blocks read, each mean-pooled and
            normalised, concatenated (`sentence_embedding(layers=...)`). 3
            against 1 moved the default's margin over the best baseline from
            −0.003 to +0.015 on movielens_plots (mean of 5 held-out splits)
            and from +0.009 to +0.011 on imdb_genre27 (3), and cost
            tmdb_genres 0.011 (1) and aclImdb 0.005 (3) (bench/RESULTS.md).
        max_tokens: TF-IDF vocabulary size.
        ngrams: TF-IDF n-grams from 1 to this size.
        min_df: TF-IDF minimum document frequency.
        analyzer: the TF-IDF head's features, as `ngram`'s: `"word"`,
            `"char_wb"` (word-boundary character 2–5-grams, which lose least
            to typos in bench/robustness.py) or `"word+char_wb"` (both side by
            side, one linear head on both: inflected languages, clean text).
            `"word+char_wb"` moved the default's macro-F1 by +0.004 on
            imdb_genre27 and −0.003 on movielens_plots (5-fold, every row
            held out once), so words stay the default.
        char_max_tokens: the character n-grams kept, most frequent first
            (None: `max_tokens`); unused with `analyzer="word"`.
        c_tfidf: inverse L2 penalty of the TF-IDF head, or `"auto"` (chosen
            on out-of-fold scores, see `genreclf.training.linear_heads`).
            Choosing it out-of-fold moved held-out macro-F1 by less than its
            noise in bench/quality.py, so the default is the fixed 4.
        c_encoder: inverse L2 penalty of the encoder head, or `"auto"` (the
            default): three blocks' features want less penalty the more rows
            there are (out of fold: C=1 on movielens_plots' 1,456 rows, 4–8
            on imdb_genre27's 3,439).
        neighbours: training texts voting per text in the neighbour head;
            0 leaves the head out.
        max_neighbours: the most training texts the neighbours' bank holds
            (4 bytes × encoder width each, the last block's vectors:
            30,000 × 384 dimensions is 46 MB);
            a larger training set keeps a seeded random subset.
        prompts: the label-name head's prompts: `"auto"` (the default:
            `DEFAULT_PROMPTS`, and the head's weight kept at 0 when every
            label is a number), `"none"` (no head), or a list of texts with
            one `{}` for the name. It moved the default's held-out macro-F1
            by +0.009 on imdb_genre27 and +0.001 on movielens_plots (5
            folds, every row held out once) and +0.009 on tmdb_genres, and
            rare-genre F1 by +0.019, +0.018 and +0.035 (bench/RESULTS.md).
        blend: the heads' weights: `"auto"` (chosen on out-of-fold scores),
            `"equal"`, or one weight per head (TF-IDF, encoder[, neighbours]
            [, prompts]).
        ordinal: single-label only: `"auto"` ends the model in an
            `OrdinalScores` layer whose share of neighbouring ratings is
            chosen on out-of-fold scores when every label is a number (the
            identity otherwise; `genreclf.models.ordinal`), `"none"` leaves
            it out, a number fixes the share.

    Example:

    >>> model = build_stack(3, train_texts=["a heist", "a ghost"])  # doctest: +SKIP
    >>> model.output_shape  # doctest: +SKIP
    (None, 3)
    """
    from genreclf.models.pretrained.sentence import sentence_embedding

    names = head_names(neighbours, prompts)
    weights = blend_weights(blend, names)
    activation = "sigmoid" if multi_label else "softmax"
    text = text_input()
    words = tfidf_features(
        text,
        train_texts,
        max_tokens=max_tokens,
        ngrams=ngrams,
        min_df=min_df,
        analyzer=analyzer,
        char_max_tokens=char_max_tokens,
    )
    meaning, last = sentence_embedding(
        text,
        preset=preset,
        max_length=max_length,
        max_chunks=max_chunks,
        layers=encoder_layers,
        last_block=True,
    )
    scores = [
        keras.layers.Dense(num_classes, activation=activation, dtype="float32", name=HEADS[0])(
            words
        ),
        keras.layers.Dense(num_classes, activation=activation, dtype="float32", name=HEADS[1])(
            meaning
        ),
    ]
    if HEADS[2] in names:
        bank = min(len(train_texts), int(max_neighbours))
        layer = NeighbourScores(bank, num_classes, k=int(neighbours), name=HEADS[2])
        scores.append(layer(last))  # the last block: see `fit_neighbours`
    if HEADS[3] in names:
        scores.append(PromptScores(num_classes, name=HEADS[3])(last))
    blended = WeightedScores(weights, dtype="float32", name="scores")(scores)
    if not multi_label and check_ordinal(ordinal) != NONE:
        blended = OrdinalScores(name=ORDINAL_LAYER)(blended)
    return keras.Model({"text": text}, blended, name="stack")


def encoder_features(model, texts, config, verbose=0):
    """The frozen tower's vectors of `texts`, through the on-disk cache."""
    from genreclf.models.embedding_cache import EmbeddingCache
    from genreclf.models.embedding_cache import cached_embeddings
    from genreclf.models.pretrained.sentence import EMBEDDING_LAYER
    from genreclf.models.pretrained.sentence import encoder_cache_key

    tower = keras.Model(model.input, model.get_layer(EMBEDDING_LAYER).output)
    key = encoder_cache_key(
        config["preset"], config["max_length"], config["max_chunks"], config["encoder_layers"]
    )
    cache = EmbeddingCache(key, dim=tower.output_shape[-1])
    return cached_embeddings(tower, texts, cache, verbose=verbose, name="encoder")


def fit_stack(
    model, train_set, vocabulary, config, *, folds=5, seed=0, class_weight=True, verbose=1
):
    """Fits the heads on every row and their blend on out-of-fold scores."""
    from genreclf.models.pretrained.sentence import last_block_of
    from genreclf.training.linear_heads import fit_head

    multi_label = vocabulary.multi_label
    words = fit_head(
        tfidf_tower_matrix(model, train_set.texts),
        train_set,
        vocabulary,
        c=config["c_tfidf"],
        folds=folds,
        seed=seed,
        class_weight=class_weight,
        verbose=verbose,
        name="tf-idf",
    )
    vectors = encoder_features(model, train_set.texts, config, verbose=verbose)
    meaning = fit_head(
        vectors,
        train_set,
        vocabulary,
        c=config["c_encoder"],
        folds=folds,
        seed=seed,
        class_weight=class_weight,
        verbose=verbose,
        name="encoder",
    )
    mask = words.oof_mask
    targets = train_set.targets(vocabulary)
    oof = [words.oof_scores, meaning.oof_scores]
    # each TF-IDF tower's column 0 (unknown n-grams) gets weight 0
    set_linear_head(
        model, HEADS[0], with_unknown_rows(words.kernel, tower_sizes(model)), words.bias
    )
    set_linear_head(model, HEADS[1], meaning.kernel, meaning.bias)
    if int(config["neighbours"]) > 0:
        # Plain votes: weighting them by class ("balanced") let rare classes
        # outvote the evidence (imdb_genre27: 0.19 -> 0.13 macro-F1 alone).
        layer = model.get_layer(HEADS[2])
        keys = last_block_of(vectors, layer.input.shape[-1])
        oof.append(fit_neighbours(layer, keys, train_set, targets, seed=seed, folds=folds))
    names = head_names(config["neighbours"], config.get("prompts", AUTO))
    prompts = None
    if HEADS[3] in names:
        width = model.get_layer(HEADS[3]).input.shape[-1]
        prompts = fit_prompt_head(
            model.get_layer(HEADS[3]),
            lambda texts: last_block_of(encoder_features(model, texts, config), width),
            last_block_of(vectors, width),
            vocabulary.labels,
            targets,
            config.get("prompts", AUTO),
        )
        oof.append(prompts.pop("scores"))
        if verbose and prompts["used"]:
            print(f"stack: label names in prompts, temperature {prompts['temperature']:.1f}")
    blend = config["blend"]
    grid = None if blend == AUTO else [blend_weights(blend, names)]
    if prompts is not None and not prompts["used"]:  # ratings: no name to read
        if blend == AUTO:
            grid = [w for w in simplex_grid(len(names)) if w[-1] == 0]
        else:
            if blend != EQUAL and grid[0][-1] > 0:
                logger.warning(
                    "blend gives the label-name head %s, but the labels are numbers, whose "
                    "names it does not read: its share goes to the other heads.",
                    grid[0][-1],
                )
            grid = [without_prompt_weight(grid[0])]
    chosen = choose_blend_and_share(
        [h[mask] for h in oof],
        targets[mask],
        vocabulary,
        config.get("ordinal", AUTO),
        grid,
        floor_heads=(0, 1),  # the linear heads (see `choose_blend_and_share`)
    )
    weights, share = chosen["weights"], chosen["share"]
    short_names = [n.split("_")[0] for n in names]
    blend_by_head = {n: float(w) for n, w in zip(short_names, weights)}
    alone = dict(zip(short_names, chosen["alone"]))
    if verbose:
        accuracy = "micro-F1" if multi_label else "accuracy"
        shares = ", ".join(f"{n} {w:.1f}" for n, w in blend_by_head.items())
        ordinal = "" if share is None else f", ordinal share {share:.2f}"
        print(
            f"stack: weights {shares}{ordinal}; out-of-fold macro-F1 {chosen['macro_f1']:.4f}, "
            f"{accuracy} {chosen['micro_f1']:.4f}",
            flush=True,
        )
        each = ", ".join(f"{n} {h['macro_f1']:.4f} / {h['micro_f1']:.4f}" for n, h in alone.items())
        print(f"stack: each head alone, out-of-fold macro-F1 / {accuracy}: {each}", flush=True)
    model.get_layer("scores").set_weights([np.asarray(weights, dtype="float32")])
    blended = sum(w * h for w, h in zip(weights, oof))
    fitted = {
        "thresholds": chosen["thresholds"],
        "oof_scores": blended,
        "oof_mask": mask,
        "choices": {
            "c_tfidf": float(words.c),
            "c_encoder": float(meaning.c),
            "blend": blend_by_head,
            "ordinal_share": share,
            "out_of_fold_macro_f1": chosen["macro_f1"],
            "out_of_fold_micro_f1": chosen["micro_f1"],
            "micro_f1_floor": chosen["micro_floor"],
            "heads_alone": alone,
            **({} if prompts is None else {"prompts": prompts}),
        },
    }
    if share is not None:  # ratings: the model ends in `OrdinalScores` (`build_stack`)
        matrix = mixing_matrix(ordinal_positions(vocabulary.labels), share)
        model.get_layer(ORDINAL_LAYER).set_mixing(matrix)
        fitted["oof_scores"] = smooth(blended, matrix).astype("float32")
    return fitted


register_family(
    "stack",
    defaults=STACK_DEFAULTS,
    training_defaults={"lr": 1e-3, "schedule": "constant", "weight_decay": 0.0},
    fit=fit_stack,
    checks=STACK_CHECKS,
    version=3,  # 2: the label-name head (`prompts`); 3: words keep their marks
)(build_stack)
