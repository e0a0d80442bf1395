"""Integer version folders and their atomic publication.

TF Serving polls `<base>/<name>/` and loads every folder whose name is an
integer. A version is therefore written to `<base>/<name>/.tmp-<N>-<random>`
(a name TF Serving ignores), checked, and only then renamed to `<N>` with one
`os.rename`, so a half-written version is never visible under an integer name.
"""

import contextlib
import os
import secrets
import shutil

from genreclf.export.errors import ExportError

TMP_PREFIX = ".tmp-"


def list_versions(model_dir):
    """The integer versions published under `model_dir`, ascending.

    Example:

    >>> list_versions("models/genre")  # doctest: +SKIP
    [1, 2]
    """
    if not os.path.isdir(model_dir):
        return []
    return sorted(
        int(entry)
        for entry in os.listdir(model_dir)
        if entry.isdigit() and os.path.isdir(os.path.join(model_dir, entry))
    )


def next_version(model_dir):
    """One more than the highest published version (1 for a new model)."""
    versions = list_versions(model_dir)
    return versions[-1] + 1 if versions else 1


def resolve_version(model_dir, version=None):
    """The version to write: `version` if free, else the next one.

    Raises:
        ExportError: if `version` is given and already exists, or is not a
            positive integer.
    """
    if version is None:
        return next_version(model_dir)
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise ExportError(
            "A version must be a positive integer (TF Serving only loads integer "
            f"folders). Received: version={version!r}."
        )
    target = os.path.join(model_dir, str(version))
    if os.path.exists(target):
        raise ExportError(
            f"Version {version} already exists at {target}; exports never "
            f"overwrite a published version. Received: version={version}. Omit "
            f"--version to publish the next one ({next_version(model_dir)}), or "
            "remove that folder first."
        )
    return version


@contextlib.contextmanager
def staged_version(model_dir, version):
    """Yields a temporary folder beside `<model_dir>/<version>` and publishes it.

    On normal exit the folder is renamed to `<model_dir>/<version>` atomically;
    if the body raises (or the rename fails) the temporary folder is removed
    and nothing is published.

    Example:

    >>> with staged_version("models/genre", 3) as tmp:  # doctest: +SKIP
    ...     write_everything_into(tmp)
    """
    os.makedirs(model_dir, exist_ok=True)
    tmp = os.path.join(model_dir, f"{TMP_PREFIX}{version}-{secrets.token_hex(4)}")
    target = os.path.join(model_dir, str(version))
    os.mkdir(tmp)
    try:
        yield tmp
        if os.path.exists(target):
            raise ExportError(
                f"Version {version} appeared at {target} while this export was "
                "running (another export?). Nothing was published; run the "
                "export again to take the next version."
            )
        try:
            os.rename(tmp, target)
        except OSError as e:
            raise ExportError(
                f"Could not publish {tmp} as {target}: {e}. Nothing was published."
            ) from e
    finally:
        if os.path.exists(tmp):
            shutil.rmtree(tmp, ignore_errors=True)
