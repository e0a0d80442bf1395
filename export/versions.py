"""Integer version folders, their atomic publication and stale staging folders.

TF Serving polls `<base>/<name>/` and serves every child whose name parses as
a 64-bit integer (`strings::safe_strto64` in its `FileSystemStoragePathSource`:
optional ASCII white space around an optional `-` and ASCII digits). So `007`
is version 7 and `0` and `-1` are versions too, while `²`, `+1`, `1.0` and
`.tmp-3-...` are ignored; `parse_version` mirrors that rule.

A version is written to `<base>/<name>/.tmp-<N>-<pid>-<host>-<random>` (a name
TF Serving ignores), checked, and only then renamed to `<N>` with one
`os.rename`, so a half-written version is never visible under an integer name.
An export killed before the rename leaves its staging folder behind; the next
export of the same model removes the staging folders whose process is gone
(`remove_stale_staging`). Folders named `.tmp-<N>-<random>` by older genreclf
versions record no process and are left alone: remove them by hand when no
export is running.

This is not `genreclf.output_lock`, which refuses a second job on an output:
two exports of one model may run together (the second to publish takes the
next number), so nothing here refuses anything; the lock only tells a live
export's staging folder from a killed one's. It is a `flock` on the staging
folder itself, not a lock file in the temporary folder as `output_lock`'s:
every process that sees the folder sees its lock, whatever its `TMPDIR` (a
container sharing the disk), the lock goes with the folder, and the random
staging names leave no lock files piling up in `genreclf-locks/`. The pid and
host in the name are what `output_lock` has no use for: folders of other
hosts are never touched (their locks may not be seen here), a folder whose
process runs is kept without trying its lock, and the lock keeps a live
export whose pid means nothing here (another pid namespace).
"""

import contextlib
import errno
import numbers
import os
import re
import secrets
import shutil
import socket

from genreclf.export.errors import ExportError

TMP_PREFIX = ".tmp-"
PUBLISH_ATTEMPTS = 10  # versions tried when others keep publishing first
_INT64 = 2**63
_SPACE = " \t\n\v\f\r"  # C's isspace(), which safe_strto64 skips
_HOST = re.sub(r"[^A-Za-z0-9.]", "_", socket.gethostname())[:40] or "host"
_STAGING = re.compile(r"\.tmp-(\d+)-(\d+)-([A-Za-z0-9._]+)-[0-9a-f]{8}")


def parse_version(name):
    """The version TF Serving reads from a folder name, or None if it skips it.

    Example:

    >>> [parse_version(n) for n in ("3", "007", " 5 ", "-1", "²", "+1", "1.0", "x")]
    [3, 7, 5, -1, None, None, None, None]
    """
    digits = name.strip(_SPACE)
    digits = digits[1:] if digits.startswith("-") else digits
    if not (digits.isascii() and digits.isdigit()):
        return None
    value = int(name.strip(_SPACE))
    return value if -_INT64 <= value < _INT64 else None


def _holders(model_dir, version):
    """The entries of `model_dir` TF Serving would read as `version`."""
    if not os.path.isdir(model_dir):
        return []
    return sorted(e for e in os.listdir(model_dir) if parse_version(e) == version)


def list_versions(model_dir):
    """The integer versions published under `model_dir` (folders only), ascending.

    Example:

    >>> list_versions("models/genre")  # doctest: +SKIP
    [1, 2]
    """
    if not os.path.isdir(model_dir):
        return []
    versions = {
        parse_version(entry)
        for entry in os.listdir(model_dir)
        if os.path.isdir(os.path.join(model_dir, entry))
    }
    return sorted(versions - {None})


def next_version(model_dir):
    """One more than the highest published version (1 for a new model).

    Example:

    >>> next_version("models/nothing-yet")
    1
    """
    versions = list_versions(model_dir)
    return max(versions[-1] + 1, 1) if versions else 1


def resolve_version(model_dir, version=None):
    """The version to write: `version` if free, else the next one.

    Raises:
        ExportError: if `version` is given and already exists (under any name
            TF Serving reads as it, such as `007`), or is not a positive integer
            (any `numbers.Integral` but a bool, such as `numpy.int64(3)`, is one).

    Example:

    >>> resolve_version("models/nothing-yet")
    1
    """
    if version is None:
        version = next_version(model_dir)
        if version >= _INT64:  # a folder named 2**63 - 1 already: nothing above it is read
            raise ExportError(
                f"The next version of {model_dir} would be {version}, beyond TF Serving's "
                f"largest (2**63 - 1 = {_INT64 - 1}), which it cannot read. Received: "
                f"versions up to {version - 1}. Pass a free version with --version."
            )
        return version
    if isinstance(version, bool) or not isinstance(version, numbers.Integral) or version < 1:
        raise ExportError(
            "A version must be a positive integer (TF Serving only loads integer "
            f"folders). Received: version={version!r}. Pass a whole number of at least "
            "1, e.g. version=3 (`--version 3`), or leave it out to publish the next one."
        )
    version = int(version)  # NumPy's ints too: the folder is named, the card written, with it
    if version >= _INT64:  # TF Serving would skip the folder; no protocol field holds it
        raise ExportError(
            f"A version must fit a 64-bit integer, as TF Serving reads version folders. "
            f"Received: version={version}. Pass a whole number from 1 to {_INT64 - 1}, "
            "e.g. version=3 (`--version 3`), or leave it out to publish the next one."
        )
    holders = _holders(model_dir, version)
    if holders:
        raise ExportError(
            f"Version {version} already exists at {os.path.join(model_dir, holders[0])}; "
            f"exports never overwrite a published version. Received: version={version}. "
            f"Omit --version to publish the next one ({next_version(model_dir)}), or "
            "remove that folder first."
        )
    return version


def _process_alive(pid):
    if pid <= 0:
        return True  # not a process this module wrote: never stale
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # PermissionError: alive, another user's
        return True
    return True


def _lock_folder(path):
    """An open descriptor holding an exclusive `flock` on folder `path`, or None if held."""
    import fcntl

    fd = os.open(path, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        return None
    return fd


def exports_in_progress(model_dir):
    """The staging folders in `model_dir` of exports still running (not stale).

    A folder of another host, or of an older genreclf that recorded no
    process, counts as running: nothing here can tell it has stopped.

    Example:

    >>> exports_in_progress("models/genre")  # doctest: +SKIP
    ['models/genre/.tmp-2-4242-build01-1f2e3d4c']
    """
    if not os.path.isdir(model_dir):
        return []
    return [
        os.path.join(model_dir, entry)
        for entry in sorted(os.listdir(model_dir))
        if entry.startswith(TMP_PREFIX) and _may_be_running(entry)
    ]


def _may_be_running(entry):
    """Whether the export of a folder named `entry` may run: not a staging folder of a
    process of this host that is gone."""
    match = _STAGING.fullmatch(entry)
    return match is None or match.group(3) != _HOST or _process_alive(int(match.group(2)))


def remove_stale_staging(model_dir):
    """Removes the staging folders in `model_dir` that no running export uses.

    A staging folder is stale when it was made on this host, its process is
    gone, and no process holds its lock (a killed process holds none). Staging
    folders of other hosts (a shared file system) and those of older genreclf
    versions, which record no process, are kept.

    Returns:
        The paths removed.

    Example:

    >>> remove_stale_staging("models/genre")  # doctest: +SKIP
    ['models/genre/.tmp-5-4242-build01-1f2e3d4c']
    """
    if os.name != "posix" or not os.path.isdir(model_dir):
        return []
    removed = []
    for entry in sorted(os.listdir(model_dir)):
        path = os.path.join(model_dir, entry)
        if _may_be_running(entry):
            continue
        try:
            fd = _lock_folder(path)
        except OSError:  # gone already, or not ours to open
            continue
        if fd is not None:
            try:
                shutil.rmtree(path, ignore_errors=True)
                removed.append(path)
            finally:
                os.close(fd)
    return removed


def _publish(model_dir, tmp, version, renumber):
    """Renames `tmp` to the version folder; returns the version published."""
    first = version
    for attempt in range(PUBLISH_ATTEMPTS):
        if attempt:  # another export published `version` first
            version = max(next_version(model_dir), version + 1)
            renumber(tmp, version)
        if not _holders(model_dir, version):
            target = os.path.join(model_dir, str(version))
            try:
                os.rename(tmp, target)
                return version
            except OSError as e:  # EEXIST, ENOTEMPTY: another export renamed first
                if e.errno not in (errno.EEXIST, errno.ENOTEMPTY, errno.ENOTDIR):
                    raise ExportError(
                        f"Could not publish {tmp} as {target}: {e}. Nothing was published."
                    ) from e
        if renumber is None:
            raise ExportError(
                f"Version {version} appeared in {model_dir} while this export was "
                f"running (another export?). Nothing was published. Received: "
                f"version={version}, given explicitly, so it is not renumbered. Omit "
                "--version to publish the next free version, or choose a free one."
            )
    raise ExportError(
        f"Versions {first} to {version} of {model_dir} were all published by other "
        f"exports while this one was publishing ({PUBLISH_ATTEMPTS} tries); nothing was "
        "published. Run the export again when the others are done."
    )


@contextlib.contextmanager
def staged_version(model_dir, version, *, renumber=None):
    """Yields a temporary folder beside `<model_dir>/<version>` and publishes it.

    Stale staging folders of killed exports are removed first
    (`remove_stale_staging`). On normal exit the folder is renamed to
    `<model_dir>/<version>` atomically; if the body raises (or the rename
    fails) the temporary folder is removed and nothing is published.

    Args:
        model_dir: the model's folder, `<base>/<name>`.
        version: the version to publish.
        renumber: what to do when `version` was published by another export
            meanwhile. None: refuse (an explicit version). A callable:
            publish the next free version instead; `renumber(tmp, new_version)`
            is called first to update the staged files (up to
            `PUBLISH_ATTEMPTS` times).

    Example:

    >>> published = []
    >>> with staged_version("models/genre", 3,
    ...                     renumber=lambda tmp, v: published.append(v)) as tmp:  # doctest: +SKIP
    ...     write_everything_into(tmp)
    """
    os.makedirs(model_dir, exist_ok=True)
    remove_stale_staging(model_dir)
    name = f"{TMP_PREFIX}{version}-{os.getpid()}-{_HOST}-{secrets.token_hex(4)}"
    tmp = os.path.join(model_dir, name)
    os.mkdir(tmp)
    lock = _lock_folder(tmp) if os.name == "posix" else None
    try:
        yield tmp
        _publish(model_dir, tmp, version, renumber)
    finally:
        if os.path.exists(tmp):
            shutil.rmtree(tmp, ignore_errors=True)
        if lock is not None:
            os.close(lock)
