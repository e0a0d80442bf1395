"""The files of a training run's backup folder: what Keras' `BackupAndRestore` and
`ResumingBackupAndRestore` (`genreclf.training.callbacks`) write there, read back.

`backed_up_epochs` reads the epoch record; `mend_torn_record` and
`rewind_weights_ahead_of_record` mend the torn states Keras' write order can
leave (a record cut while written; an epoch's weights written, its record not
yet).
"""

import hashlib
import json
import pathlib
import sys

SEED_STATES = "seed_states.json"
# The files Keras' `BackupAndRestore` writes in its folder, in this order.
BACKUP_WEIGHTS = "latest.weights.h5"
BACKUP_RECORD = "training_metadata.json"
PREVIOUS = ".bkp"  # `double_checkpoint`'s copy of each, made before they are rewritten


def file_sha256(path):
    """The SHA-256 of a file's bytes, hex (None when it cannot be read)."""
    try:
        with open(path, "rb") as f:
            return hashlib.file_digest(f, "sha256").hexdigest()
    except OSError:
        return None


def rewind_weights_ahead_of_record(backup_dir):
    """Puts back the recorded epoch's weights when a kill left the next epoch's in their place.

    Each epoch's backup is written in order: the previous weights and record
    copied aside (`.bkp`), the weights, the epoch record, then `SEED_STATES`,
    which names its epoch and the SHA-256 of the weights it went with. When
    the record's epoch is the seed states' but the weights are other bytes,
    and the copy aside is those bytes, the weights are the next epoch's,
    written before its record: the copy aside is put back. (Hashes, not file
    times: a copied folder or a coarse clock keeps the bytes.)

    Returns:
        True when the weights were put back (or, for the first epoch, removed).

    Example:

    >>> import tempfile
    >>> rewind_weights_ahead_of_record(tempfile.mkdtemp())  # no backup: nothing to do
    False
    """
    backup = pathlib.Path(backup_dir)
    mend_torn_record(backup)
    weights, seeds = backup / BACKUP_WEIGHTS, backup / SEED_STATES
    previous = backup / (BACKUP_WEIGHTS + PREVIOUS)
    first = not (backup / BACKUP_RECORD).exists() and not seeds.exists()
    if first and weights.is_file() and not previous.exists():
        # The first epoch's weights, killed before its record: Keras would train
        # epoch 1 again from them. Nothing was recorded, so start afresh.
        weights.unlink()
        print(
            f"the backup in {backup} held the first epoch's weights without its record "
            "(killed between the two): starting afresh",
            file=sys.stderr,
            flush=True,
        )
        return True
    try:
        saved = json.loads(seeds.read_text())
        seeds_epoch, expected = saved.get("epoch"), saved.get("weights_sha256")
    except (OSError, ValueError, AttributeError):
        return False
    recorded = backed_up_epochs(backup)
    if expected is None or seeds_epoch != recorded or recorded < 1:
        return False  # an older backup, or killed after the record (only the seed states lag)
    if file_sha256(weights) == expected or file_sha256(previous) != expected:
        return False  # in step, or nothing to put back
    _put_back(
        previous,
        weights,
        ".rewind",
        f"the backup in {backup} held the weights of epoch {recorded + 1} under the record of "
        f"epoch {recorded} (killed between the two): resuming from epoch {recorded}'s weights",
    )
    return True


def mend_torn_record(backup_dir):
    """Puts back the last whole epoch record when a kill cut the one Keras was writing.

    Keras truncates `training_metadata.json` and then writes it: a kill
    between the two leaves it empty or cut, which Keras cannot read back (a
    `JSONDecodeError` on every rerun). With `double_checkpoint` the record
    before it was copied aside first (`.bkp`): that one is put back, and
    `rewind_weights_ahead_of_record` then puts back its weights. Without a
    copy aside (the first epoch's record), the cut record is removed: nothing
    was recorded, so the run starts afresh.

    Returns:
        True when the record was put back or removed.

    Example:

    >>> import tempfile
    >>> mend_torn_record(tempfile.mkdtemp())  # no backup: nothing to do
    False
    """
    backup = pathlib.Path(backup_dir)
    record = backup / BACKUP_RECORD
    if not record.exists() or _epoch_of(record) is not None:
        return False
    previous = backup / (BACKUP_RECORD + PREVIOUS)
    epoch = _epoch_of(previous)
    if epoch is None:
        record.unlink()
        print(
            f"the backup in {backup} held a cut epoch record (killed while writing it) and "
            "no earlier one: starting afresh",
            file=sys.stderr,
            flush=True,
        )
        return True
    _put_back(
        previous,
        record,
        ".mend",
        f"the backup in {backup} held a cut epoch record (killed while writing epoch "
        f"{epoch + 1}'s): resuming from the record of epoch {epoch}",
    )
    return True


def _put_back(copy, path, suffix, said):
    """Puts `copy`'s bytes at `path`, whole or not at all (written beside with `suffix`,
    then renamed), and says so on stderr."""
    partial = path.with_name(path.name + suffix)
    partial.write_bytes(copy.read_bytes())
    partial.replace(path)
    print(said, file=sys.stderr, flush=True)


def _epoch_of(record):
    """The epoch a Keras epoch record names, or None when it cannot be read."""
    try:
        return int(json.loads(record.read_text())["epoch"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def save_weights_whole(model, path):
    """`model.save_weights(path)`, whole or not at all: written beside it, then renamed.

    Keras writes an HDF5 file in place, and one cut by a kill cannot be read
    back (`OSError: ... truncated file`): a cut best checkpoint failed the
    resumed run at its end, and cut fitted weights every rerun. Left over by
    a kill, the partial file (`<name>.partial.weights.h5`) is written over by
    the next save.

    Example:

    >>> import keras, tempfile, os
    >>> model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    >>> path = os.path.join(tempfile.mkdtemp(), "best.weights.h5")
    >>> save_weights_whole(model, path)
    >>> sorted(os.listdir(os.path.dirname(path)))
    ['best.weights.h5']
    """
    path = pathlib.Path(path)
    partial = partial_weights_path(path)
    model.save_weights(str(partial), overwrite=True)
    partial.replace(path)


def partial_weights_path(path):
    """Where `save_weights_whole` writes `path` before renaming it (Keras wants
    the `.weights.h5` ending)."""
    path = pathlib.Path(path)
    stem = path.name.removesuffix(".weights.h5")
    return path.with_name(stem + ".partial.weights.h5")


def backed_up_epochs(backup_dir):
    """The epochs a Keras `BackupAndRestore` folder says were completed.

    0 without a backup; -1 for weights without their epoch record (Keras
    restores them and starts at the first epoch). Reads the folder's
    `training_metadata.json` and `latest.weights.h5`, as Keras writes them.

    Example:

    >>> import json, pathlib, tempfile
    >>> backup = pathlib.Path(tempfile.mkdtemp())
    >>> backed_up_epochs(backup)
    0
    >>> _ = (backup / "training_metadata.json").write_text(json.dumps({"epoch": 2, "batch": -1}))
    >>> backed_up_epochs(backup)
    2
    """
    backup = pathlib.Path(backup_dir)
    metadata = backup / BACKUP_RECORD
    try:
        return int(json.loads(metadata.read_text())["epoch"])
    except (OSError, ValueError, KeyError, TypeError):
        return -1 if (backup / BACKUP_WEIGHTS).exists() else 0
