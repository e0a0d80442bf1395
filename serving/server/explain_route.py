"""`POST /web/explain/{model}`: the served model's words, for the web page (in-process).

Request: `{"text": "a synopsis", "top_k": 3}` (hybrid models: `"features":
{name: value}`, one JSON number or string each, as the model's input takes) to
`/web/explain/NAME[/versions/N | /labels/L]`. Answer: the
`Explanation` as JSON (`genreclf.explaining`), the served version, and `agrees`:
whether the served SavedModel scores the text as the explained Keras model did.

An endpoint rather than an `explain` export signature: integrated gradients
need gradients through the encoder and the WordPiece-to-word mapping is Python,
so a signature would add ops TF Serving may not register, while this way the
SavedModel stays exactly the served one. The route loads the run folder named
by the model card's `source` (`assets.extra/model_card.json`) once per served
version; without it the answer is 404 with the reason, a bad request is 400.

An explanation costs a forward and a backward pass through the model per step
and label: up to minutes for a long review on a CPU. So the server explains
`MAX_EXPLAINING` text at a time, in threads of its own (`create_app`'s
`explain_executor`): predictions never wait behind an explanation, and one
asked for while another runs gets 429 (`BUSY`, with `Retry-After`) at once
rather than a place in a queue. An explanation whose client closes its
connection is stopped at the explainer's next pass through the model
(`should_stop`, set by `stop_on_disconnect`): its slot is free again within a
pass, not when the explanation would have ended (CANCELLED, counted as 499).
"""

import json
import os
import re
import threading

from genreclf.data.inputs import has_words
from genreclf.serving.server import json_bytes
from genreclf.serving.server.status import ServingStatusError
from genreclf.serving.server.status import invalid_argument
from genreclf.serving.server.status import not_found

MAX_TOP_K = 10
MAX_EXPLAINING = 1  # explanations running at once; one more is answered 429
BUSY = (
    "An explanation is already running on this server: it explains one text at a time, "
    "beside its predictions. Retry in a few seconds."
)
MAX_TEXT_CHARS = 20_000
STEPS = 16
_ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;]*m")  # Keras colours its error messages
# TensorFlow's op details around an op error's text: "{{function_node ...}} " and "[Op:Cast]".
_OP_DETAILS = re.compile(r"\{\{function_node [^}]*\}\}\s*|\s*\[Op:[^\]]*\].*")


def source_run(saved_model_path):
    """The run folder a SavedModel was exported from (its model card's `source`), or None."""
    card = os.path.join(saved_model_path, "assets.extra", "model_card.json")
    try:
        with open(card, encoding="utf-8") as f:
            source = json.load(f).get("source")
    except (OSError, ValueError):
        return None
    return source if isinstance(source, str) else None


def check_feature(name, value, dtype):
    """`value`, a hybrid model's feature from the request, once it fits the Keras input's
    `dtype`: a finite number within the dtype's range for a numeric input (not a string
    holding one, which TensorFlow would not cast), a string for a string input; else
    INVALID_ARGUMENT saying what to send.

    Example:

    >>> check_feature("year", 1994, "float32")
    1994
    >>> check_feature("year", "1994", "float32")
    Traceback (most recent call last):
    ...
    genreclf.serving.server.status.ServingStatusError: Expected a number for feature 'year'. Received: year='1994'. ...
    """
    import numpy as np

    shown = f"{name}={value!r}" if len(repr(value)) <= 60 else f"{name}={repr(value)[:60]}..."
    if dtype == "string":
        if isinstance(value, str):
            return value
        raise invalid_argument(
            f"Expected a string for feature {name!r}. Received: {shown}. Send it as a JSON "
            f'string: "features": {{"{name}": "a value"}}.'
        )
    kind = np.dtype(dtype).kind if dtype in np.sctypeDict else None
    if kind not in ("f", "i", "u"):
        return value  # no numeric input: the model says what it takes
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise invalid_argument(
            f"Expected a number for feature {name!r}. Received: {shown}. Send it as a JSON "
            f'number: "features": {{"{name}": 1994}}.'
        )
    largest = (float if kind == "f" else int)((np.finfo if kind == "f" else np.iinfo)(dtype).max)
    if not abs(value) <= largest:  # NaN and infinity too
        raise invalid_argument(
            f"Expected a finite number within the range of {dtype} for feature {name!r}. "
            f'Received: {shown}. Send e.g. "features": {{"{name}": 1994}}.'
        )
    return value


def plain_error(err):
    """The message of an error raised while explaining, without Keras' ANSI escapes, its
    "Exception encountered when calling" line and its dump of the call's arguments, or
    TensorFlow's op details: its first line of text."""
    message = err.message if hasattr(err, "message") and isinstance(err.message, str) else str(err)
    message = _ANSI_ESCAPE.sub("", message).split("Arguments received by")[0]
    lines = [
        _OP_DETAILS.sub("", line).strip()
        for line in message.splitlines()
        if line.strip() and not line.startswith("Exception encountered when calling")
    ]
    lines = [line for line in lines if line]
    return (lines[0] if lines else type(err).__name__).rstrip(".")


def _received_text(request):
    """What a request without words to explain holds, for the message (`str(text)` said
    text='5' for the number 5 and text='None' for no key at all)."""
    if "text" not in request:
        return f"no 'text' key (keys: {json_bytes.describe(sorted(request), 60)})"
    text = request["text"]
    if isinstance(text, str):  # escaped: a zero-width space shows as \u200b
        return f"text={json.dumps(text[:60])}, which has no words"
    return f"text={json_bytes.describe(text, 60)}, not a string"


class ExplainRoute:
    """Answers explain requests for the models of a `ModelStore`.

    Args:
        store: the server's `ModelStore`.
        limits: the server's `Limits`.

    Example:

    >>> route = ExplainRoute(store, Limits())  # doctest: +SKIP
    >>> call = ServingMetrics().start("rest", "explain")  # doctest: +SKIP
    >>> body = b'{"text": "A ghost ship."}'
    >>> route.answer(("explain", "genre", None, None), body, call)  # doctest: +SKIP
    '{"model": {"name": "genre", "version": 1}, ...}'
    """

    def __init__(self, store, limits):
        self.store = store
        self.limits = limits
        self._runs = {}  # SavedModel path -> Run
        self._lock = threading.Lock()

    def answer(self, routed, body, call, should_stop=None):
        """The JSON answer to a request routed to `("explain", name, version, label)`;
        `call` (a `metrics.Call`) is told the servable that answers. A bad request or a
        model without its run folder raises a `ServingStatusError`, and so (CANCELLED)
        does an explanation stopped because `should_stop()` (None: never) returned True."""
        return json.dumps(self._answer(routed[1:], body, call, should_stop), ensure_ascii=False)

    def _answer(self, model, body, call, should_stop):
        request = json_bytes.parse(body, utf8_only=True)  # text to explain and show
        text = request.get("text")
        if not has_words(text):  # also zero-width characters alone
            raise invalid_argument(
                f"Expected a non-empty string 'text'. Received: {_received_text(request)}. "
                'Send {"text": "a synopsis"}.'
            )
        if len(text) > MAX_TEXT_CHARS:
            raise invalid_argument(
                f"Expected a text of at most {MAX_TEXT_CHARS} characters. Received: "
                f"{len(text)}. Explain a shorter passage."
            )
        top_k = request.get("top_k", 3)
        if not isinstance(top_k, int) or isinstance(top_k, bool) or not 1 <= top_k <= MAX_TOP_K:
            raise invalid_argument(
                f"Expected top_k an integer from 1 to {MAX_TOP_K}. Received: top_k={top_k!r}."
            )
        features = request.get("features") or {}
        if not isinstance(features, dict):
            raise invalid_argument(
                f"Expected 'features' an object of name: value. Received: {features!r}."
            )
        servable = self.store.get(*model)
        call.served_by(servable)
        run = self._run(servable)
        missing = sorted(set(run.feature_names()) - set(features))
        if missing:
            raise invalid_argument(f"This model also reads {missing}: send them in 'features'.")
        dtypes = {t.name: str(t.dtype) for t in run.model.inputs if t.name != "text"}
        values = {k: [check_feature(k, features[k], dtypes[k])] for k in run.feature_names()}
        import tensorflow as tf

        from genreclf.explaining.explain_run import explainer_for
        from genreclf.explaining.stopping import ExplanationStopped

        try:
            (explanation,) = explainer_for(run, steps=STEPS).explain(
                [text], top_k=top_k, features=values or None, should_stop=should_stop
            )
        except ExplanationStopped:
            raise ServingStatusError(
                "CANCELLED", "The client closed the connection: the explanation was stopped."
            ) from None
        except (ValueError, TypeError, tf.errors.OpError) as err:  # a value the model refuses
            raise invalid_argument(
                f"Could not explain this request: {plain_error(err)}. Check the values in "
                "'features' against the model's inputs (GET /v1/models/NAME/metadata)."
            ) from None
        return {
            "model": {"name": servable.name, "version": servable.version},
            "explanation": explanation.to_dict(),
            "agrees": self._agrees(servable, text, values, explanation),
        }

    def _run(self, servable):
        from genreclf.errors import GenreclfError
        from genreclf.run import Run

        with self._lock:
            if servable.path not in self._runs:
                source = source_run(servable.path)
                if source is None or not os.path.isfile(os.path.join(source, "model.keras")):
                    raise not_found(
                        f"Explanations need the run folder {servable.name} version "
                        f"{servable.version} was exported from (model card source: {source!r}), "
                        "and it is not on this machine. Serve the export next to its run, or "
                        "use `genreclf explain RUN` where the run is."
                    )
                try:
                    self._runs[servable.path] = Run(source)
                except GenreclfError as err:
                    raise not_found(str(err)) from None
            return self._runs[servable.path]

    def _agrees(self, servable, text, values, explanation):
        """True when the SavedModel scores the text as the explained Keras model did."""
        import numpy as np

        inputs = {"text": np.asarray([text.encode("utf-8")], dtype=object)}
        for name, value in values.items():
            inputs[name] = np.asarray(value)
        try:
            _, outputs = servable.predict(inputs, output_filter=("scores",), limits=self.limits)
        except ServingStatusError:
            return None  # a signature without `scores`: nothing to compare
        classes = servable.classes or []
        served = dict(zip(classes, np.asarray(outputs["scores"])[0].tolist()))
        return all(
            abs(served.get(e["label"], float("nan")) - e["score"]) <= 1e-4
            for e in explanation.to_dict()["labels"]
        )
