"""The settings a labelled file was made with, recorded beside it, so a rerun resumes only them.

`genreclf label` resumes an existing `--out`: the rows already there are
skipped. That is right for a killed run rerun as it was, and wrong for a
rerun with other settings (another threshold, other genres, another run or
model): its summary would report settings the rows were not labelled with,
and the rows it adds would mix two settings in one file. So the run that
starts a file records what decides the labels in `<out>.settings.json`
(stages in order, each stage's threshold, after any calibration, the genre
names and a digest of their descriptions and keywords, the classifier's run,
its labels and a digest of the files its training wrote, the LLM model and
its few-shot examples a prompt, multi-label), and a rerun compares: the same
settings resume; others are refused naming each change. A file written
before the record existed resumes as before.
"""

import hashlib
import json
import os

from genreclf.errors import ConfigError
from genreclf.errors import DataError

SUFFIX = ".settings.json"


class OutputNotWritableError(ConfigError, OSError):
    """The labelled file `--out` (or the record of its settings) cannot be written there.

    A `ConfigError` naming `--out` as the user gave it, not the temporary
    file genreclf writes beside it; an `OSError` too, as the error it
    replaces was.
    """


def settings_path(out):
    """Where the settings of the labelled file `out` are recorded."""
    return str(out) + SUFFIX


def cascade_settings(cascade):
    """What decides the labels of `cascade` (a `Cascade`), as a JSON-able dict.

    Example:

    >>> from genreclf.labelling.cascade import Cascade
    >>> from genreclf.labelling.genre_spec import Genre
    >>> from genreclf.labelling.keyword_stage import KeywordStage
    >>> cascade = Cascade([KeywordStage([Genre("horror", keywords=["ghost"])], threshold=0.5)])
    >>> settings = cascade_settings(cascade)
    >>> settings["stages"], settings["thresholds"], settings["genres"]
    (['keywords'], {'keywords': 0.5}, ['horror'])
    """
    stages = list(cascade.stages) + ([cascade.llm.stage] if cascade.llm is not None else [])
    names = [s.name for s in cascade.stages] + (["llm"] if cascade.llm is not None else [])
    settings = {
        "stages": names,
        "thresholds": {name: float(t) for name, t in cascade.thresholds.items()},
        "genres": list(cascade.known.names),
        "genres_digest": _genres_digest(stages, cascade.known.names),
        "multi_label": bool(stages and getattr(stages[0], "multi_label", False)),
    }
    for stage in cascade.stages:
        if stage.name == "zero_shot":
            settings["zero_shot_temperature"] = float(stage.temperature)
        if stage.name == "classifier":
            settings["classifier_run"] = os.path.abspath(str(stage.run.path))
            settings["classifier_labels"] = list(stage.run.labels)
            settings["classifier_digest"] = _run_digest(stage.run.path)
    if cascade.llm is not None:
        settings["llm_model"] = cascade.llm.stage.model
        few_shot = getattr(cascade.llm, "few_shot", None)  # the examples in every prompt
        if few_shot is not None:
            settings["llm_few_shot"] = int(few_shot)
    return settings


def _genres_digest(stages, names):
    """A digest of the genres' names, descriptions and keywords (of names alone without them)."""
    genres = next((s.genres for s in stages if getattr(s, "genres", None)), None)
    if genres is None:
        spec = [[n, "", []] for n in names]
    else:
        spec = [[g.name, g.description, list(g.keywords)] for g in genres]
    text = json.dumps(spec, ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


# What a run folder's training decided: trained again (another seed, other rows), they change.
_RUN_FILES = ("config.json", "labels.json", "metrics.json", "calibration.json", "thresholds.json")


def _run_digest(path):
    """A digest of the files of the run folder `path` that a retraining rewrites."""
    digest = hashlib.sha256()
    for name in _RUN_FILES:
        try:
            with open(os.path.join(str(path), name), "rb") as f:
                digest.update(name.encode() + b"\0" + f.read() + b"\0")
        except OSError:
            continue  # a file this kind of run has not
    return digest.hexdigest()[:16]


def check_or_record(out, settings, started):
    """Records `settings` for a new output; refuses a started one made with others.

    Args:
        out: the labelled file.
        settings: `cascade_settings` of the run about to write it.
        started: whether `out` already holds rows (a rerun that would resume).

    Raises:
        ConfigError: `out` was started with other settings; names each change and the fix.
    """
    path = settings_path(out)
    if not started:
        try:
            _write(path, settings)  # a new output (or an empty one): these settings start it
        except OSError as error:  # it names `<out>.settings.json.tmp`: say which --out
            raise OutputNotWritableError(_not_writable(out, error)) from None
        return
    if not os.path.exists(path):
        return  # written before the settings were recorded: resume as before
    recorded = _read(path, out)
    changes = describe_changes(recorded, settings)
    if changes:
        raise ConfigError(
            f"{out} was started with other settings, so this run would not resume it but mix "
            f"two settings in one file. Changed since ({path}): {'; '.join(changes)}. Rerun "
            "with the settings it was started with to resume it, write to another --out, or "
            f"delete {out} and {path} to label it again with these settings."
        )


def _not_writable(out, error):
    """The message for an `OSError` on writing beside the labelled file `out`.

    Example:

    >>> import errno
    >>> print(_not_writable("ro/x.jsonl", OSError(errno.EROFS, "Read-only file system")))
    ... # doctest: +NORMALIZE_WHITESPACE
    Cannot write the labelled file 'ro/x.jsonl': Read-only file system. Expected a file path
    in a folder that exists or can be made, where files can be written. Received:
    out='ro/x.jsonl' (`--out`). Pass another --out, or make its folder writable.
    """
    reason = error.strerror or str(error)
    above = next(
        (p for p in _folders_above(out) if os.path.exists(p) and not os.path.isdir(p)), None
    )
    if above is not None:
        reason = f"{above!r}, a folder above it, is a file"
    return (
        f"Cannot write the labelled file {str(out)!r}: {reason}. Expected a file path in a "
        "folder that exists or can be made, where files can be written. Received: "
        f"out={str(out)!r} (`--out`). Pass another --out, or make its folder writable."
    )


def _folders_above(out):
    """The folders above `out`, nearest first (`a/b/x.jsonl`: `a/b`, `a`)."""
    folder = os.path.dirname(str(out))
    while folder and folder != os.path.dirname(folder):
        yield folder
        folder = os.path.dirname(folder)
    if folder:
        yield folder


def describe_changes(recorded, settings):
    """What differs between two settings, one phrase each (`zero_shot threshold: 0.6 → 0.9`).

    Example:

    >>> describe_changes({"stages": ["keywords"], "thresholds": {"keywords": 0.6}},
    ...                  {"stages": ["keywords"], "thresholds": {"keywords": 0.9}})
    ['keywords threshold: 0.6 → 0.9']
    """
    changes = []
    old_stages, new_stages = recorded.get("stages"), settings.get("stages")
    if old_stages != new_stages:
        changes.append(f"stages: {_list(old_stages)} → {_list(new_stages)}")
    old_cuts, new_cuts = recorded.get("thresholds") or {}, settings.get("thresholds") or {}
    for stage in [s for s in new_stages or [] if s in (old_stages or [])]:
        if old_cuts.get(stage) != new_cuts.get(stage):
            changes.append(
                f"{stage} threshold: {_value(old_cuts.get(stage))} → {_value(new_cuts.get(stage))}"
            )
    if recorded.get("genres") != settings.get("genres"):
        changes.append(f"genres: {_list(recorded.get('genres'))} → {_list(settings.get('genres'))}")
    elif recorded.get("genres_digest") != settings.get("genres_digest"):
        changes.append(
            "the genres' descriptions or keywords (digest "
            f"{recorded.get('genres_digest')} → {settings.get('genres_digest')})"
        )
    old_run, new_run = recorded.get("classifier_digest"), settings.get("classifier_digest")
    same_path = recorded.get("classifier_run") == settings.get("classifier_run")
    if old_run and new_run and old_run != new_run and same_path:
        changes.append(
            f"the classifier run {settings.get('classifier_run')} was trained again since "
            f"(digest {old_run} → {new_run})"
        )
    words = {
        "multi_label": "multi-label",
        "zero_shot_temperature": "zero_shot temperature",
        "classifier_run": "classifier run",
        "classifier_labels": "classifier run's labels",
        "llm_model": "llm model",
        "llm_few_shot": "llm few-shot examples",
    }
    for key, word in words.items():
        old, new = recorded.get(key), settings.get(key)
        if old == new or old is None or new is None:
            continue  # a stage added or left out is named by `stages` above
        shown = (_list(old), _list(new)) if isinstance(old, list) else (_value(old), _value(new))
        changes.append(f"{word}: {shown[0]} → {shown[1]}")
    return changes


def _list(names):
    return "none" if not names else ", ".join(str(n) for n in names)


def _value(value):
    return "none" if value is None else str(value)


def _write(path, settings):
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(settings, f, indent=2, ensure_ascii=False)
        f.write("\n")
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def _read(path, out):
    try:
        with open(path, encoding="utf-8") as f:
            recorded = json.load(f)
        if not isinstance(recorded, dict):
            raise ValueError("not a JSON object")
    except (OSError, ValueError) as e:
        raise DataError(
            f"not the settings `genreclf label` records beside {out} ({str(e)[:80]}). "
            f"Delete it to resume {out} unchecked, or write to another --out.",
            path=path,
        ) from None
    return recorded
