"""Prompts: few-shot requests for original synopses, answered as JSON."""

import dataclasses
import hashlib
import json
import random
import string

from genreclf.augment.corpus import real_rows
from genreclf.augment.replies import without_lone_surrogates
from genreclf.augment.text_files import read_text
from genreclf.errors import ConfigError

SYSTEM_PROMPT = (
    "You write short, original film synopses used to train a genre classifier. "
    "Each synopsis is new: never copy, paraphrase or continue the examples, and "
    "vary the setting, era, characters, tone and plot from one synopsis to the next."
)

DEFAULT_TEMPLATE = """\
Here are real synopses of films whose genres are: {genre}.

{examples}

Write {n} new, original synopses of different films with exactly these genres: {genre}.
Each synopsis is about {length} words, in English, in the plain style of a film database
entry. Do not reuse names, titles or plots from the examples, and make the {n} synopses
differ from each other. Answer as JSON: {{"synopses": ["...", "..."]}}."""

TEMPLATE_FIELDS = ("genre", "examples", "n", "length")
MAX_EXAMPLE_CHARS = 600

RESPONSE_FORMAT = {
    "type": "json_schema",
    "json_schema": {
        "name": "synopses",
        "strict": True,
        "schema": {
            "type": "object",
            "properties": {
                "synopses": {"type": "array", "items": {"type": "string"}},
            },
            "required": ["synopses"],
            "additionalProperties": False,
        },
    },
}


@dataclasses.dataclass
class Request:
    """One chat-completions request for synopses of one genre combination.

    Attributes:
        genre: the rare genre this request is for.
        labels: every label the generated rows will carry (the rare genre plus,
            for multi-label data, the genres it co-occurs with in a real row).
        index: the sample index of this request within its genre.
        messages: the chat messages.
        n: synopses asked for.
        params: the other request parameters (JSON-serialisable).
    """

    genre: str
    labels: list
    index: int
    messages: list
    n: int
    params: dict

    @property
    def prompt_hash(self):
        """SHA-256 (hex, 16 chars) of the messages."""
        return messages_hash(self.messages)

    def key(self, model):
        """The cache key: SHA-256 of (model, messages, params, sample index)."""
        blob = json.dumps(
            {"model": model, "messages": self.messages, "params": self.params, "index": self.index},
            sort_keys=True,
            ensure_ascii=False,
        )
        return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def messages_hash(messages):
    """SHA-256 (hex, 16 chars) of chat `messages`: a prompt's name in provenance.

    Example:

    >>> len(messages_hash([{"role": "user", "content": "hi"}]))
    16
    """
    blob = json.dumps(messages, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:16]


def estimate_input_tokens(request):
    """A prompt-size estimate in tokens of a request with `messages` and `params`: what a
    budget holds for its prompt.

    ASCII text counts about 3 characters a token. Any other character counts
    its UTF-8 bytes, an upper bound (a byte-level BPE token holds at least one
    byte): Chinese, Hindi or emoji take a token or more per character, so 3
    characters a token would hold a third of what a synopsis in those scripts
    costs and let the spend pass the cap.

    Example:

    >>> class Ask:
    ...     messages, params = [{"role": "user", "content": "x" * 30}], {}
    >>> estimate_input_tokens(Ask())
    30
    >>> Ask.messages = [{"role": "user", "content": "侦探" * 15}]  # 30 characters, 90 bytes
    >>> estimate_input_tokens(Ask())
    110
    """
    text = "".join(m["content"] for m in request.messages)
    text += json.dumps(request.params.get("response_format") or {})
    return int(text_tokens(text)) + 10 * len(request.messages) + 10


def text_tokens(text, ascii_chars_per_token=3.0):
    """Tokens `text` is counted as: its ASCII characters at `ascii_chars_per_token`,
    any other character at its UTF-8 bytes (see `estimate_input_tokens`).

    Example:

    >>> text_tokens("x" * 30), text_tokens("侦探")
    (10.0, 6.0)
    """
    ascii_chars = len(text.encode("ascii", "ignore"))
    other_bytes = len(text.encode("utf-8", "surrogatepass")) - ascii_chars
    return ascii_chars / ascii_chars_per_token + other_bytes


def load_template(template):
    """Returns a prompt template, checked for its fields.

    Args:
        template: `None` (the default template), the template text, or a path
            to a text file. Fields: `{genre}`, `{examples}`, `{n}`, `{length}`;
            `{genre}` and `{n}` are required; write `{{` and `}}` for braces.

    Example:

    >>> load_template("Write {n} synopses of {genre} films.")[:7]
    'Write {'
    """
    if template is None:
        return DEFAULT_TEMPLATE
    text = str(template)
    if "{" not in text and text.strip() and "\n" not in text:
        try:
            text = read_text(text, "a prompt template file")
        except OSError as e:
            raise ConfigError(
                f"Expected a template text or a readable template file. "
                f"Received: template={template!r} ({e})."
            ) from None
    try:
        fields = {f for _, f, _, _ in string.Formatter().parse(text) if f is not None}
    except ValueError as e:
        raise ConfigError(
            f"The template is not a valid format string ({e}); write literal "
            "braces as `{{` and `}}`."
        ) from None
    unknown = sorted(fields - set(TEMPLATE_FIELDS))
    missing = [f for f in ("genre", "n") if f not in fields]
    if unknown or missing:
        raise ConfigError(
            f"Expected template fields among {list(TEMPLATE_FIELDS)} including "
            f"{{genre}} and {{n}}. Received: unknown={unknown}, missing={missing}. "
            "Write literal braces as `{{` and `}}`."
        )
    return text


class PromptBuilder:
    """Builds the requests for each genre from real training examples.

    Few-shot examples are drawn at random (seeded by `seed`, genre and sample
    index, so a rerun builds identical requests and hits the cache).

    Args:
        dataset: the real training `TextDataset`.
        template: see `load_template`.
        few_shot: real examples per request.
        per_request: synopses asked for per request.
        length_words: target synopsis length in words.
        temperature: sampling temperature sent with each request.
        max_tokens: completion token cap per request.
        seed: the base seed.
        response_format: `"json_schema"` (structured output, the default),
            `"json_object"` (JSON mode, for servers without JSON-schema
            support) or `None` (plain text; the prompt still asks for JSON).

    Example:

    >>> from genreclf.data.dataset import TextDataset
    >>> ds = TextDataset(["A ghost haunts a house.", "A war ends."],
    ...                  [["horror"], ["war"]])
    >>> req = PromptBuilder(ds, few_shot=1).requests("war", 1)[0]
    >>> req.labels, "A war ends." in req.messages[1]["content"]
    (['war'], True)
    """

    def __init__(
        self,
        dataset,
        *,
        template=None,
        few_shot=3,
        per_request=5,
        length_words=80,
        temperature=1.0,
        max_tokens=600,
        seed=0,
        response_format="json_schema",
    ):
        self.dataset = dataset
        self.template = load_template(template)
        self.few_shot = int(few_shot)
        self.per_request = int(per_request)
        self.length_words = int(length_words)
        self.temperature = float(temperature)
        self.max_tokens = int(max_tokens)
        self.seed = int(seed)
        formats = {
            "json_schema": RESPONSE_FORMAT,
            "json_object": {"type": "json_object"},
            None: None,
        }
        if response_format not in formats:
            raise ConfigError(
                "Expected response_format 'json_schema', 'json_object' or None. "
                f"Received: response_format={response_format!r}."
            )
        self.response_format = formats[response_format]
        self._by_label = {}
        for i in real_rows(dataset):
            for label in dataset.labels[i]:
                self._by_label.setdefault(label, []).append(i)

    def requests(self, genre, count):
        """The first `count` requests for `genre` (sample indices 0..count-1)."""
        rows = self._by_label.get(genre)
        if not rows:
            raise ConfigError(
                f"Expected at least one real example of genre {genre!r} to "
                "prompt with. Received: none in the training data."
            )
        return [self._request(genre, rows, i) for i in range(int(count))]

    def _request(self, genre, rows, index):
        rng = random.Random(f"{self.seed}:{genre}:{index}")
        shots = rng.sample(rows, min(self.few_shot, len(rows)))
        # Multi-label: ask for the genre combination of a real row of this genre.
        labels = [genre]
        if getattr(self.dataset, "multi_label", False):
            others = sorted(l for l in self.dataset.labels[shots[0]] if l != genre)
            labels += others
        examples = "\n".join(
            f"{k + 1}. {_clip(self.dataset.texts[i])}" for k, i in enumerate(shots)
        )
        user = self.template.format(
            genre=", ".join(labels),
            examples=examples,
            n=self.per_request,
            length=self.length_words,
        )
        messages = [{"role": "system", "content": SYSTEM_PROMPT}, {"role": "user", "content": user}]
        digest = hashlib.sha256(f"{self.seed}:{genre}:{index}".encode()).digest()
        params = {
            "temperature": self.temperature,
            "max_tokens": self.max_tokens,
            "seed": int.from_bytes(digest[:4], "big"),
        }
        if self.response_format is not None:
            params["response_format"] = self.response_format
        return Request(genre, labels, index, messages, self.per_request, params)


def parse_synopses(content):
    """Parses a structured reply into a list of synopsis strings.

    Returns:
        `(synopses, None)` or `(None, reason)` where reason is
        `"malformed_json"` or `"bad_schema"`.

    Example:

    >>> parse_synopses('{"synopses": ["A.", "B."]}')
    (['A.', 'B.'], None)
    >>> parse_synopses('{"synopses": ["A.", ')
    (None, 'malformed_json')
    """
    try:
        obj = json.loads(content)
    except (TypeError, ValueError):
        return None, "malformed_json"
    if not isinstance(obj, dict) or not isinstance(obj.get("synopses"), list):
        return None, "bad_schema"
    items = obj["synopses"]
    if not all(isinstance(s, str) for s in items):
        return None, "bad_schema"
    return [without_lone_surrogates(s.strip()) for s in items], None


def _clip(text):
    text = " ".join(str(text).split())
    if len(text) <= MAX_EXAMPLE_CHARS:
        return text
    return text[:MAX_EXAMPLE_CHARS].rsplit(" ", 1)[0] + " ..."


def clipped_examples(texts):
    """What a prompt shows of each text too long to show whole: its start.

    A model that copies such an example copies only that start, a prefix too
    short to be its whole row's near duplicate, so the duplicate filters
    compare generated rows with these excerpts too.

    Example:

    >>> excerpt, = clipped_examples(["short", "word " * 200])
    >>> excerpt.endswith("word"), len(excerpt) <= MAX_EXAMPLE_CHARS
    (True, True)
    """
    return [
        _clip(text).removesuffix(" ...")
        for text in texts
        if len(" ".join(str(text).split())) > MAX_EXAMPLE_CHARS
    ]
