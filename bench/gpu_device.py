"""Runs issue 10's part 9 on a GPU: MiniLM fine-tuned on all rows, BiLSTM on cuDNN.

Runs on the GPU machine, from the files `bench/gpu_prepare.py` packed into
`.gpu/`; `bench/gpu_score.py` scores what it writes, here, beside the
strong baselines. It imports neither genreclf nor TensorFlow: the machine has
PyTorch but no TensorFlow, and TensorFlow (a wheel of hundreds of MB) cannot
travel there (64 MiB). What it measures is therefore:

- **Fine-tuning.** The same MiniLM weights, word pieces and pooling as
  genreclf's `pretrained` family with `mode="finetune"` (mean over the
  tokens, dropout 0.1, one dense layer; sigmoid scores for multi-label,
  softmax otherwise), written in PyTorch (`transformers.BertModel`), since
  genreclf's keras-hub graph needs TensorFlow's tokenizer ops. AdamW with
  weight decay 0.01, 10% linear warm-up then linear decay, batches of 32,
  bfloat16 autocast. Texts longer than a 512 window keep their first 128
  and last 382 word pieces (Sun et al., 2019); a run's `:head` keeps the
  first 510 instead, as genreclf's `pretrained` family does, and `:cw`
  weighs the loss by genreclf's class weights, as its Keras families do. Every epoch's dev and test
  scores are written; the epoch and learning rate are chosen on the dev rows
  only, in `gpu_score.py`.
- **Frozen embeddings** for baseline (b): mean-pooled, L2-normalised, first
  256 word pieces, float32 — what `bench/quality.py` computes on the CPU.
- **cuDNN BiLSTM.** The `bilstm` family's default layers (Embedding 384 →
  SpatialDropout1D 0.1 → Bidirectional(LSTM 64) → max over time → Dropout
  0.2 → Dense) in Keras 3 on its PyTorch backend, on tmdb_genres' training
  texts vectorised by the family's own `TextVectorization`. Keras' PyTorch
  backend runs the fused cuDNN kernel only without a mask, so three
  variants are timed: no mask (cuDNN), no mask with `use_cudnn=False`, and
  the family's masked graph (Keras' step-by-step loop); `bench/gpu_bilstm.py`.

Writes to `--out`: `log.txt`, `results.json` (timings, settings),
`finetune.npz` (scores per task, learning rate and epoch) and
`embeddings_N.npy` (float16 frozen embeddings, in text-id order, in
chunks of at most 12,500 rows).

The BiLSTM timings need Keras, which the machine lacks: carry its wheels in
`.gpu/whl` (`pip download --no-deps --only-binary=:all: --python-version 3.12
--platform manylinux_2_28_x86_64 -d .gpu/whl keras==3.15.1 namex optree`) and
install them there first (`pip install --no-index --no-deps --target
/tmp/site .gpu/whl/*.whl`, `PYTHONPATH=/tmp/site`).

Usage (on the device): python bench/gpu_device.py --data .gpu --out "$OUT"
       [--runs TASK:WINDOW:EPOCHS:LR[:head|headtail][:cw],... --tag=-run2 [--embeddings]]
       [--smoke 16 (a CPU check)]
"""

import argparse
import json
import lzma
import math
import pathlib
import time
import typing

import numpy as np
from gpu_recorder import Recorder  # bench/: beside this script

CHUNK = 12500


class FineTuning(typing.NamedTuple):
    """One fine-tuning run: `--runs`' `TASK:WINDOW:EPOCHS:LR[:KEEP][:cw]`."""

    task: str
    window: int  # word pieces read per text
    epochs: int
    lrs: tuple  # each learning rate is a run of its own
    keep: str = None  # "head", "headtail" (`head_pieces`) or None: the window's default
    weighted: bool = False  # the loss weighed by genreclf's class weights


# In order of priority (a run starting past --deadline is skipped): the
# issue's two fine-tuning runs, the BiLSTM timings, then aclImdb's 8,000-review
# sample, which bench/quality.py's table scores the default recipe on.
RUNS = (  # FineTuning runs, or "bilstm" for the BiLSTM timings
    FineTuning("tmdb_genres", 256, 6, (1e-4, 5e-5)),
    FineTuning("aclimdb_all", 512, 3, (1e-4, 5e-5)),
    "bilstm",
    FineTuning("aclimdb_8k", 512, 4, (1e-4, 5e-5)),
)


def word_pieces(texts, model_dir):
    """Each text's word-piece ids, without special tokens, untruncated."""
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
    tokenizer.no_truncation()
    tokenizer.no_padding()
    encoded = tokenizer.encode_batch(texts, add_special_tokens=False)
    special = tokenizer.token_to_id("[CLS]"), tokenizer.token_to_id("[SEP]")
    return [e.ids for e in encoded], special


def window(pieces, length, special, head=None):
    """`[CLS] pieces [SEP]` in `length` ids: the first pieces, or `head` first and the rest last."""
    room = length - 2
    if len(pieces) > room:
        pieces = pieces[:room] if head is None else pieces[:head] + pieces[-(room - head) :]
    return [special[0], *pieces, special[1]]


def batches(sequences, order, size, device):
    """`(ids, mask)` tensors for `order`, each batch padded to its longest sequence."""
    import torch

    for start in range(0, len(order), size):
        chosen = [sequences[i] for i in order[start : start + size]]
        width = max(len(s) for s in chosen)
        ids = torch.zeros((len(chosen), width), dtype=torch.long)
        mask = torch.zeros((len(chosen), width), dtype=torch.long)
        for row, s in enumerate(chosen):
            ids[row, : len(s)] = torch.tensor(s)
            mask[row, : len(s)] = 1
        yield ids.to(device, non_blocking=True), mask.to(device, non_blocking=True)


def synchronize(device):
    import torch

    if device.type == "cuda":
        torch.cuda.synchronize()


def mean_pool(hidden, mask):
    mask = mask.unsqueeze(-1).to(hidden.dtype)
    return (hidden * mask).sum(1) / mask.sum(1).clamp(min=1)


def load_encoder(model_dir, device):
    from transformers import BertModel

    try:
        model = BertModel.from_pretrained(str(model_dir), dtype="float32", add_pooling_layer=False)
    except TypeError:  # transformers < 4.56 names it torch_dtype
        import torch

        model = BertModel.from_pretrained(
            str(model_dir), torch_dtype=torch.float32, add_pooling_layer=False
        )
    return model.to(device)


def frozen_embeddings(pieces, special, model_dir, rec, device):
    """Baseline (b)'s vectors: first 256 word pieces, mean-pooled, L2-normalised, float32."""
    import torch

    torch.backends.cuda.matmul.allow_tf32 = False
    encoder = load_encoder(model_dir, device).eval()
    sequences = [window(p, 256, special) for p in pieces]
    order = sorted(range(len(sequences)), key=lambda i: len(sequences[i]))
    vectors = np.zeros((len(sequences), encoder.config.hidden_size), np.float32)
    start = time.perf_counter()
    with torch.no_grad():
        done = 0
        for ids, mask in batches(sequences, order, 256, device):
            pooled = mean_pool(encoder(input_ids=ids, attention_mask=mask).last_hidden_state, mask)
            pooled = torch.nn.functional.normalize(pooled, dim=-1)
            vectors[order[done : done + len(ids)]] = pooled.float().cpu().numpy()
            done += len(ids)
    synchronize(device)
    seconds = time.perf_counter() - start
    for n, first in enumerate(range(0, len(vectors), CHUNK)):
        np.save(rec.out / f"embeddings_{n}.npy", vectors[first : first + CHUNK].astype(np.float16))
    rec.results["embeddings"] = {"texts": len(vectors), "seconds": round(seconds, 2)}
    rec.log(f"frozen embeddings: {len(vectors)} texts in {seconds:.1f} s")
    del encoder


def build_classifier(model_dir, num_classes, device):
    """MiniLM → mean over tokens → dropout 0.1 → dense (the `pretrained` family's head)."""
    import torch

    class Classifier(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.encoder = load_encoder(model_dir, device)
            self.dropout = torch.nn.Dropout(0.1)
            self.dense = torch.nn.Linear(self.encoder.config.hidden_size, num_classes)

        def forward(self, ids, mask):
            hidden = self.encoder(input_ids=ids, attention_mask=mask).last_hidden_state
            return self.dense(self.dropout(mean_pool(hidden, mask)))

    return Classifier().to(device)


def head_pieces(length, keep):
    """How many of a long text's first word pieces a `length` window keeps (the rest: its last).

    `keep` "head" keeps the first `length - 2` (genreclf's `pretrained` family),
    "headtail" `length // 4` from the start and the rest from the end (128 and
    382 at 512, Sun et al., 2019; genreclf's `truncation="head_tail"`), None
    the twenty-third session's rule (head and tail at 512 only).
    """
    if keep == "head":
        return None
    if keep == "headtail":
        return length // 4  # as genreclf's BertTextPreprocessor: 128 of 512
    if keep is None:
        return 128 if length == 512 else None
    raise ValueError(f"keep must be 'head' or 'headtail'. Received: keep={keep!r}.")


def weighted_loss(task, device, weighted):
    """The loss, with genreclf's class weights (packed by `gpu_prepare.py`) when `weighted`.

    As genreclf's Keras families train: single-label rows weigh their class's
    weight (the batch's mean of weighted losses); multi-label positives weigh
    their class's weight.
    """
    import torch

    weights = torch.tensor(task["class_weights"], device=device) if weighted else None
    if task["multi_label"]:
        return torch.nn.BCEWithLogitsLoss(pos_weight=weights)
    if weights is None:
        return torch.nn.CrossEntropyLoss()
    unreduced = torch.nn.CrossEntropyLoss(reduction="none")
    return lambda logits, y: (unreduced(logits, y) * weights[y]).mean()


def finetune(
    task_name, task, pieces, special, model_dir, length, epochs, lr, rec, device, tag="", keep=None,
    weighted=False, seed=0,
):  # fmt: skip
    """Fine-tunes on the task's training rows; records dev and test scores every epoch."""
    import torch

    torch.backends.cuda.matmul.allow_tf32 = True
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    k, multi = len(task["classes"]), task["multi_label"]
    head = head_pieces(length, keep)
    split = {
        name: (
            [window(pieces[t], length, special, head) for t, _ in task[name]],
            [labels for _, labels in task[name]],
        )
        for name in ("train", "dev", "test")
    }
    train_x, train_y = split["train"]
    targets = np.zeros((len(train_y), k), np.float32)
    for row, labels in enumerate(train_y):
        targets[row, labels] = 1.0
    model = build_classifier(model_dir, k, device)
    decay = [p for n, p in model.named_parameters() if p.ndim > 1 and "LayerNorm" not in n]
    other = [p for n, p in model.named_parameters() if not (p.ndim > 1 and "LayerNorm" not in n)]
    optimizer = torch.optim.AdamW(
        [{"params": decay, "weight_decay": 0.01}, {"params": other, "weight_decay": 0.0}], lr=lr
    )
    batch = 32
    steps = epochs * math.ceil(len(train_x) / batch)
    warmup = max(1, steps // 10)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda s: min((s + 1) / warmup, max(0.0, (steps - s) / max(1, steps - warmup)))
    )
    loss_fn = weighted_loss(task, device, weighted)
    key = f"{task_name}/lr{lr:g}{'-' + keep if keep else ''}{'-cw' if weighted else ''}{tag}"
    record = {
        "rows": len(train_x), "epochs": epochs, "window": length, "head": head,
        "class_weights": weighted, "epoch_seconds": [],
    }  # fmt: skip
    for epoch in range(1, epochs + 1):
        model.train()
        order = rng.permutation(len(train_x))
        start = time.perf_counter()
        for step, (ids, mask) in enumerate(batches(train_x, order, batch, device)):
            rows = order[step * batch : step * batch + len(ids)]
            y = torch.from_numpy(targets[rows]).to(device)
            with torch.autocast(device.type, dtype=torch.bfloat16):
                logits = model(ids, mask)
            loss = loss_fn(logits.float(), y if multi else y.argmax(-1))
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            schedule.step()
        synchronize(device)
        record["epoch_seconds"].append(round(time.perf_counter() - start, 2))
        model.eval()
        for name in ("dev", "test"):
            x = split[name][0]
            out = np.zeros((len(x), k), np.float32)
            order_eval = sorted(range(len(x)), key=lambda i: len(x[i]))
            done = 0
            with torch.no_grad(), torch.autocast(device.type, dtype=torch.bfloat16):
                for ids, mask in batches(x, order_eval, 256, device):
                    logits = model(ids, mask).float()
                    scores = torch.sigmoid(logits) if multi else torch.softmax(logits, -1)
                    out[order_eval[done : done + len(ids)]] = scores.cpu().numpy()
                    done += len(ids)
            rec.scores[f"{key}/e{epoch}/{name}"] = out.astype(np.float16)
        rec.results.setdefault("finetune", {})[key] = record
        rec.save()
        rec.log(f"{key} epoch {epoch}: {record['epoch_seconds'][-1]} s, loss {loss.item():.4f}")
    del model, optimizer


def parse_run(spec):
    """`TASK:WINDOW:EPOCHS:LR[:KEEP][:cw]` → its `FineTuning`.

    KEEP: "head" or "headtail" (`head_pieces`); "cw": genreclf's class weights.
    """
    task, length, epochs, lr, *extra = spec.split(":")
    weighted = "cw" in extra
    keep = [e for e in extra if e != "cw"]
    if len(keep) > 1:
        raise ValueError(f"One KEEP at most. Received: {spec!r}.")
    if keep:
        head_pieces(int(length), keep[0])  # checks it
    return FineTuning(
        task, int(length), int(epochs), (float(lr),), keep[0] if keep else None, weighted
    )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", default=".gpu")
    parser.add_argument("--out", required=True)
    parser.add_argument("--deadline", type=float, default=420.0, help="seconds: skip later runs")
    parser.add_argument(
        "--runs",
        help="TASK:WINDOW:EPOCHS:LR[:head|headtail][:cw],... instead of RUNS (no BiLSTM timings)",
    )
    parser.add_argument(
        "--embeddings", action="store_true", help="with --runs: baseline (b)'s vectors too"
    )
    parser.add_argument("--tag", default="", help="appended to each fine-tuning run's key")
    parser.add_argument("--seed", type=int, default=0, help="the fine-tuning runs' seed")
    parser.add_argument(
        "--smoke", type=int, default=0, help="rows per split and 1 epoch: a CPU check of the script"
    )
    args = parser.parse_args(argv)
    data, out = pathlib.Path(args.data), pathlib.Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    rec = Recorder(out)

    import torch

    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    rec.results["device"] = torch.cuda.get_device_name(0) if device.type == "cuda" else "cpu"
    rec.log(f"{rec.results['device']}, torch {torch.__version__}")
    with lzma.open(data / "texts.json.xz", "rt") as f:
        texts = json.load(f)
    with lzma.open(data / "tasks.json.xz", "rt") as f:
        tasks = json.load(f)
    if args.smoke:
        tasks = {
            name: {**task, **{s: task[s][: args.smoke] for s in ("train", "dev", "test")}}
            for name, task in tasks.items()
        }
        used = {t for task in tasks.values() for s in ("train", "dev", "test") for t, _ in task[s]}
        texts = [text if t in used else "" for t, text in enumerate(texts)]
    model_dir = data / "minilm"
    pieces, special = word_pieces(texts, model_dir)
    rec.log(f"{len(texts)} texts tokenised")
    runs = RUNS
    if args.runs:
        runs = [parse_run(r) for r in args.runs.split(",")]
    if args.embeddings or not args.runs:
        frozen_embeddings(pieces, special, model_dir, rec, device)
    rec.save()
    for run in runs:
        if run == "bilstm":
            try:
                from gpu_bilstm import bilstm_timings  # bench/: sets Keras' backend first

                bilstm_timings(
                    data, rec, args.deadline + 60, lambda: synchronize(device), args.smoke or None
                )
            except Exception as error:  # the fine-tuning results are already saved
                rec.log(f"bilstm timings failed: {type(error).__name__}: {error}")
            continue
        epochs = 1 if args.smoke else run.epochs
        for lr in run.lrs:
            if rec.elapsed() > args.deadline:
                rec.log(f"{run.task} lr {lr:g}: skipped, past the {args.deadline} s deadline")
                continue
            try:
                finetune(
                    run.task, tasks[run.task], pieces, special, model_dir, run.window, epochs,
                    lr, rec, device, args.tag, run.keep, run.weighted, args.seed,
                )  # fmt: skip
            except Exception as error:  # one failed run must not lose the others' results
                rec.log(f"{run.task} lr {lr:g} failed: {type(error).__name__}: {error}")
    rec.save()
    rec.log("done")


if __name__ == "__main__":
    main()
