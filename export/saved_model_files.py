"""`check_saved_model_files`: whether an exported version holds every file TF Serving loads.

`saved_model.pb`, `variables/variables.index` and a complete set of
`variables/variables.data-*-of-N` shards; `verify_export` reports a version
lacking any of them as incomplete, naming what is missing, and loads nothing.
"""

import os
import re

_DATA_SHARD = re.compile(r"variables\.data-(\d+)-of-(\d+)")  # whole name: `fullmatch`


def check_saved_model_files(version_dir):
    """Whether the files TF Serving loads are all there: `saved_model.pb`,
    `variables/variables.index` and every `variables/variables.data-*-of-N` shard.

    Returns:
        A `{"name", "ok", "detail"}` check; a failing one names each missing
        or empty file.

    Example:

    >>> check_saved_model_files("models/genre/1")["detail"]  # doctest: +SKIP
    'saved_model.pb, variables/variables.index, 1 variables.data shard'
    """
    from genreclf.export.card_check import INCOMPLETE_FIX

    problems = []

    def present(path):
        if not os.path.isfile(path):
            problems.append(f"{path} is missing")
        elif os.path.getsize(path) == 0:
            problems.append(f"{path} is empty (0 bytes)")

    present(os.path.join(version_dir, "saved_model.pb"))
    variables = os.path.join(version_dir, "variables")
    shards = {}
    if not os.path.isdir(variables):
        problems.append(
            f"{variables}{os.sep} is missing (the weights: variables.index, variables.data-*)"
        )
    else:
        present(os.path.join(variables, "variables.index"))
        for name in os.listdir(variables):
            match = _DATA_SHARD.fullmatch(name)
            if match:
                shards.setdefault(int(match[2]), set()).add(int(match[1]))
        complete = [n for n, parts in shards.items() if parts >= set(range(n))]
        total = max(complete) if complete else max(shards, default=1)
        missing = [
            os.path.join(variables, f"variables.data-{i:05d}-of-{total:05d}")
            for i in range(total)
            if i not in shards.get(total, ())
        ]
        if missing:  # no complete set of shards (a stray one beside a complete set is fine)
            others = len(missing) - 1
            more = f" (and {others} more shard{'s' if others > 1 else ''})" if others else ""
            problems.append(f"{missing[0]} is missing{more}")
    name = "SavedModel files"
    if problems:
        return {
            "name": name,
            "ok": False,
            "detail": f"{'; '.join(problems)}: the SavedModel is incomplete, so it was not "
            f"loaded (TF Serving cannot load it either). {INCOMPLETE_FIX}",
        }
    count = total
    return {
        "name": name,
        "ok": True,
        "detail": f"saved_model.pb, variables/variables.index, {count} variables.data "
        f"shard{'s' if count > 1 else ''}",
    }
