"""`Genre` and `genres.yaml`: the genres a cascade may assign, with descriptions and keywords.

The file names each genre with a one-sentence description (what the zero-shot
stage compares texts with) and optional keywords (what the keyword stage
counts; also added to the zero-shot prototype):

    genres:
      horror:
        description: A film meant to frighten, with ghosts, monsters or killers.
        keywords: [ghost, haunted, demon, possessed]
      comedy:
        description: A light, funny film.

A list of `{name, description, keywords}` mappings is read too.
`genreclf label keywords` writes such a file from labelled data.
"""

import dataclasses
import os
import unicodedata

from genreclf.errors import ConfigError
from genreclf.errors import DataError


@dataclasses.dataclass
class Genre:
    """One genre of a cascade.

    Attributes:
        name: the label written to output rows.
        description: a sentence describing the genre (default: built from the name).
        keywords: words or phrases whose presence suggests the genre.

    Example:

    >>> Genre("sci-fi").prototype_text()
    'A sci-fi film.'
    """

    name: str
    description: str = ""
    keywords: list = dataclasses.field(default_factory=list)

    def __post_init__(self):
        self.name = str(self.name)
        self.description = str(self.description or "").strip()
        self.keywords = [normalize(k) for k in (self.keywords or []) if normalize(k)]

    def prototype_text(self):
        """The description, or `"A <name> film."` when there is none."""
        if self.description:
            return self.description
        article = "An" if self.name[:1].casefold() in "aeiou" else "A"
        return f"{article} {self.name} film."


def normalize(text):
    """NFKC, case-folded, whitespace-collapsed text (how texts and keywords are compared).

    Example:

    >>> normalize("  Ｇhost\\nStory ")
    'ghost story'
    """
    return " ".join(unicodedata.normalize("NFKC", str(text)).casefold().split())


def load_genres(source):
    """Reads genres from a YAML file, a dict, or a list of names / `Genre`s.

    Args:
        source: a path to `genres.yaml`, a `{"genres": {...}}` / `{name: {...}}`
            mapping, or a list of names, `Genre`s or `{name, description,
            keywords}` mappings.

    Returns:
        A list of `Genre`, in the file's order.

    Raises:
        ConfigError: the file is missing, not YAML, or a genre is malformed.

    Example:

    >>> [g.name for g in load_genres({"genres": {"horror": {"keywords": ["ghost"]}}})]
    ['horror']
    """
    path = None
    if isinstance(source, (str, bytes)) or hasattr(source, "__fspath__"):
        path = str(source)
        source = _read_yaml(path)
    if isinstance(source, dict):
        source = source.get("genres", source)
    items = []
    if isinstance(source, dict):
        for name, body in source.items():
            body = body if body is not None else {}
            if isinstance(body, str):
                body = {"description": body}
            items.append({"name": name, **_mapping(body, name, path)})
    elif isinstance(source, (list, tuple)):
        for entry in source:
            if isinstance(entry, Genre):
                items.append(dataclasses.asdict(entry))
            elif isinstance(entry, str):
                items.append({"name": entry})
            else:
                items.append(_mapping(entry, None, path))
    else:
        raise ConfigError(
            "Expected genres as a mapping `genres: {name: {description, keywords}}` or a "
            f"list. Received: {type(source).__name__}" + (f" in {path}" if path else "") + "."
        )
    genres = []
    for item in items:
        unknown = sorted(set(item) - {"name", "description", "keywords"})
        if unknown or not item.get("name"):
            raise ConfigError(
                "Each genre takes a name, a description and optional keywords. Received: "
                f"{item!r}" + (f" in {path}" if path else "") + ". Fix or remove that entry."
            )
        keywords = item.get("keywords") or []
        if isinstance(keywords, str):
            keywords = [k.strip() for k in keywords.split(",")]
        words = (str, int, float)  # YAML reads `1999` as a number: a word all the same
        if not isinstance(keywords, list) or not all(isinstance(k, words) for k in keywords):
            raise ConfigError(
                f"Expected the keywords of genre {item['name']!r} as a list of words (or one "
                f"comma-separated string). Received: keywords={keywords!r}"
                + (f" in {path}" if path else "")
                + ". Write them as `keywords: [ghost, haunted]`."
            )
        keywords = [str(k) for k in keywords]
        genres.append(Genre(item["name"], item.get("description", ""), keywords))
    names = [g.name for g in genres]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates or not genres:
        raise ConfigError(
            "Expected at least one genre, each named once. Received: "
            f"genres={names}" + (f" in {path}" if path else "") + "."
        )
    return genres


def _mapping(body, name, path):
    if not isinstance(body, dict):
        raise ConfigError(
            f"Expected genre {name!r} to be a mapping with description and keywords. "
            f"Received: {body!r}" + (f" in {path}" if path else "") + "."
        )
    return dict(body)


def _read_yaml(path):
    try:
        import yaml
    except ImportError:
        raise ConfigError(
            "Reading genres.yaml needs PyYAML. Install it: pip install 'genreclf[label]'."
        ) from None

    try:
        with open(path, encoding="utf-8") as f:
            return yaml.safe_load(f)
    except OSError as e:
        raise ConfigError(
            f"Cannot read the genres file ({e.strerror}). Received: genres={path!r}. "
            "Pass a YAML file like `genres: {horror: {description: ..., keywords: [...]}}`."
        ) from None
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        raise DataError(
            f"not valid YAML ({getattr(e, 'problem', e)}).",
            path=path,
            line=None if mark is None else mark.line + 1,
        ) from None


def save_genres(genres, path, *, overwrite=False):
    """Writes genres as `genres.yaml` (readable by `load_genres`).

    Args:
        genres: the `Genre`s to write.
        path: the file to write; an existing one is refused unless `overwrite`
            (its descriptions and keywords may hold edits).
        overwrite: replace an existing file.

    Raises:
        ConfigError: `path` exists and `overwrite` is False.

    Example:

    >>> import tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "genres.yaml")
    >>> save_genres([Genre("horror", "Scary.", ["ghost"])], path)
    >>> load_genres(path)[0].keywords
    ['ghost']
    >>> save_genres([Genre("horror", "Frightening.")], path, overwrite=True)
    >>> load_genres(path)[0].description
    'Frightening.'
    """
    import yaml

    body = {
        "genres": {
            g.name: {"description": g.prototype_text(), "keywords": list(g.keywords)}
            for g in genres
        }
    }
    text = yaml.safe_dump(body, sort_keys=False, allow_unicode=True, width=100)
    # Written beside and then put in place, whole or not at all: a kill mid-write left a
    # cut genres.yaml, which the next `label keywords` refused as one that may hold edits.
    target = os.path.realpath(path) if overwrite else os.fspath(path)  # through a symlink
    partial = f"{target}.{os.getpid()}.partial"  # this writer's own
    with open(partial, "x", encoding="utf-8") as f:
        f.write(text)
    try:
        if overwrite:
            os.replace(partial, target)
        else:
            _link_new(partial, target, text)
    except FileExistsError:
        raise ConfigError(
            f"Expected a new path for the genres file. Received: path={str(path)!r}, which "
            "exists (its descriptions and keywords may hold your edits). Pass overwrite=True "
            "to replace it, or another path."
        ) from None
    finally:
        if os.path.exists(partial):
            os.unlink(partial)


def _link_new(partial, path, text):
    """Puts `partial` at `path`, which must not exist (`FileExistsError`): a hard link,
    refused for a file there or written meanwhile; where a file system has no hard links
    (FAT, some network mounts), `text` written to `path` opened exclusively."""
    try:
        os.link(partial, path)
    except FileExistsError:
        raise
    except OSError:
        with open(path, "x", encoding="utf-8") as f:
            f.write(text)
