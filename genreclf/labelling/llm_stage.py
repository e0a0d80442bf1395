"""`LLMStage`: the cascade's last stage — ask a chat model, few-shot, through augment's client.

Only rows no earlier stage claimed reach it. Each row is one chat-completions
request (JSON answer `{"labels": [...], "confidence": 0..1}`) sent through
`genreclf.augment`'s shared machinery, not a copy of it: `ChatCaller`
(bounded concurrency, retries with backoff on 429/5xx/timeouts, any
OpenAI-compatible `base_url`), `Budget` (hard dollar/token caps) and
`ResponseCache` (append-only, fsynced per response). A rerun after a crash or
`kill -9` finds every finished response in the cache and pays again only for
requests that were in flight. The few-shot examples are rows the earlier
stages labelled most confidently, chosen deterministically (best confidence,
then id), so a rerun builds the same prompts and hits the cache.
"""

import dataclasses
import hashlib
import json

from genreclf.labelling.decision import Decision

SYSTEM_PROMPT = (
    "You label film synopses with genres for a training set. Use only the genres "
    "listed. Answer with JSON only."
)
MARKER = "Label this synopsis."
MAX_EXAMPLE_CHARS = 400
MAX_TEXT_CHARS = 4000


@dataclasses.dataclass
class LLMRequest:
    """One labelling request (the shape `augment.client.ChatCaller.call` sends)."""

    row_id: str
    messages: list
    params: dict

    @property
    def prompt_hash(self):
        """SHA-256 (hex, 16 chars) of the messages."""
        from genreclf.augment.prompts import messages_hash

        return messages_hash(self.messages)

    def key(self, model):
        """The cache key: SHA-256 of (model, messages, params)."""
        blob = json.dumps(
            {"model": model, "messages": self.messages, "params": self.params},
            sort_keys=True,
            ensure_ascii=False,
        )
        return hashlib.sha256(blob.encode("utf-8")).hexdigest()


class LLMStage:
    """Builds labelling prompts and reads the answers.

    Args:
        genres: the `Genre`s.
        model: the chat model name.
        threshold: the self-reported confidence an answer needs (default 0:
            the last stage takes any valid answer).
        multi_label: let the model pick several genres.
        max_tokens: completion cap per request.
        response_format: `"json_schema"` (structured output), `"json_object"`
            (JSON mode) or `None` (plain text; the prompt asks for JSON).

    Example:

    >>> from genreclf.labelling.genre_spec import Genre
    >>> stage = LLMStage([Genre("horror", "Scary."), Genre("comedy", "Funny.")], "m")
    >>> request = stage.request("r1", "A ghost haunts a house.", examples=[])
    >>> stage.parse('{"labels": ["horror"], "confidence": 0.9}').labels
    ['horror']
    """

    name = "llm"
    available = True

    def __init__(
        self,
        genres,
        model,
        threshold=0.0,
        multi_label=False,
        max_tokens=60,
        response_format="json_schema",
    ):
        self.genres = list(genres)
        self.names = [g.name for g in self.genres]
        self.model = model
        self.threshold = float(threshold)
        self.multi_label = bool(multi_label)
        self.max_tokens = int(max_tokens)
        self.response_format = response_format

    def _format(self):
        if self.response_format == "json_object":
            return {"type": "json_object"}
        if self.response_format is None:
            return None
        labels = {"type": "array", "items": {"type": "string", "enum": self.names}}
        return {
            "type": "json_schema",
            "json_schema": {
                "name": "genres",
                "strict": True,
                "schema": {
                    "type": "object",
                    "properties": {"labels": labels, "confidence": {"type": "number"}},
                    "required": ["labels", "confidence"],
                    "additionalProperties": False,
                },
            },
        }

    def request(self, row_id, text, examples):
        """The request for one row; `examples` are `(text, labels)` pairs."""
        how = "one or more genres" if self.multi_label else "exactly one genre"
        lines = [f"Genres (choose {how}):"]
        lines += [f"- {g.name}: {g.prototype_text()}" for g in self.genres]
        if examples:
            lines += ["", "Examples labelled before:"]
            for example_text, labels in examples:
                lines.append(f"Synopsis: {_clip(example_text, MAX_EXAMPLE_CHARS)}")
                lines.append("Answer: " + json.dumps({"labels": list(labels), "confidence": 1.0}))
        lines += [
            "",
            MARKER,
            f"Synopsis: {_clip(text, MAX_TEXT_CHARS)}",
            'Answer as JSON: {"labels": [...], "confidence": a number from 0 to 1}.',
        ]
        messages = [
            {"role": "system", "content": SYSTEM_PROMPT},
            {"role": "user", "content": "\n".join(lines)},
        ]
        params = {"temperature": 0.0, "max_tokens": self.max_tokens, "seed": 0}
        if self._format() is not None:
            params["response_format"] = self._format()
        return LLMRequest(str(row_id), messages, params)

    def parse(self, content):
        """A `Decision` from an answer's content, or None if it names no known genre."""
        try:
            obj = json.loads(content)
        except (TypeError, ValueError):
            return None
        if not isinstance(obj, dict) or not isinstance(obj.get("labels"), list):
            return None
        labels = [l for l in dict.fromkeys(obj["labels"]) if l in self.names]
        if not labels:
            return None
        if not self.multi_label:
            labels = labels[:1]
        try:
            confidence = min(1.0, max(0.0, float(obj.get("confidence", 0.5))))
        except (TypeError, ValueError):
            confidence = 0.5
        return Decision(labels, confidence, claimed=confidence >= self.threshold)

    def unusable_reason(self, response):
        """Why a paid answer cannot be used (`"empty"`, `"bad_answer"`), or None.

        A refusal is an answer (the row is written unlabelled, `llm_refused`), also
        one in the content's plain text: "I'm sorry, but I can't help with that."
        """
        from genreclf.augment.filters import answer_is_refusal

        if answer_is_refusal(response, lambda content: self.parse(content) is not None):
            return None
        if not response.get("content"):
            return "empty"
        return None if self.parse(response["content"]) is not None else "bad_answer"


def _clip(text, limit):
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[:limit].rsplit(" ", 1)[0] + " ..."
