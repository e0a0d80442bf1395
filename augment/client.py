"""`ChatCaller`: bounded-concurrency chat-completions calls with retries and a budget."""

import asyncio
import logging
import os
import random

from genreclf.augment.budget import Budget  # noqa: F401 (re-exported)
from genreclf.augment.budget import CallStats
from genreclf.augment.giving_up import retries_used_up
from genreclf.augment.replies import response_dict
from genreclf.augment.replies import usage_counts
from genreclf.augment.server_url import check_base_url
from genreclf.augment.transport import ReplyTooLarge
from genreclf.augment.transport import cause_text
from genreclf.augment.transport import causes
from genreclf.augment.transport import http_client
from genreclf.augment.transport import may_be_billed
from genreclf.augment.transport import retry_after_seconds  # noqa: F401 (re-exported)
from genreclf.augment.transport import server_said
from genreclf.errors import ConfigError

logger = logging.getLogger("genreclf.augment")
LONG_WAIT = 10.0  # a Retry-After this long (seconds) is said, once, rather than waited silently

DUMMY_KEY = "sk-no-key-needed"


def resolve_api_key(api_key=None, base_url=None):
    """The key to use: `api_key`, else `$OPENAI_API_KEY`, else a dummy for `base_url`.

    Example:

    >>> resolve_api_key("sk-x")
    'sk-x'
    """
    key = api_key or os.environ.get("OPENAI_API_KEY")
    if key:
        return key
    if base_url:
        return DUMMY_KEY
    raise ConfigError(
        "Expected an OpenAI API key in the environment variable OPENAI_API_KEY "
        "(or --base-url for a local OpenAI-compatible server). Received: no key."
    )


class ChatCaller:
    """Sends chat-completions requests through the official `openai` client.

    The client's own retries are off (`max_retries=0`); this class retries 429
    (honouring `Retry-After`), 5xx, timeouts and connection errors itself, with
    exponential backoff and full jitter, so each retry is counted. At most
    `concurrency` requests are in flight. A server that has never answered
    and refuses every attempt of one request stops the run (`fatal`): a wrong
    `base_url` fails in one request's retries, not in every row's; so does
    one whose every attempt of a request failed (5xx, 429, timeouts) before
    any request succeeded. The API key is handed to the client
    only: it is never logged, cached or written.

    Args:
        model: the model name.
        base_url: an OpenAI-compatible server (vLLM, Ollama, llama.cpp, Azure
            OpenAI's v1 endpoint); `None` for api.openai.com.
        api_key: the key (default `$OPENAI_API_KEY`; a dummy with `base_url`).
        concurrency: requests in flight at most.
        timeout: seconds per request attempt, the whole reply (a reply still
            coming in after it is a timeout).
        max_attempts: attempts per request (first try included).
        backoff_base, backoff_max: backoff is `min(max, base * 2**attempt)`
            scaled by a random factor in [0.5, 1].
        max_retry_after: longest `Retry-After` honoured, in seconds.
        max_unusable_retries: retries of a paid reply that `call`'s `check`
            refuses (empty `choices`, unparseable content); one cut off at
            `max_tokens` (`finish_reason` "length") is not retried: `truncated`.
        budget: a `Budget` (default: no caps).
        client: an `openai.AsyncOpenAI` to use instead of building one.

    Example:

    >>> caller = ChatCaller("gpt-4o-mini", base_url="http://127.0.0.1:9/v1")
    >>> caller.concurrency
    16
    """

    def __init__(
        self,
        model,
        *,
        base_url=None,
        api_key=None,
        concurrency=16,
        timeout=60.0,
        max_attempts=6,
        backoff_base=1.0,
        backoff_max=60.0,
        max_retry_after=120.0,
        budget=None,
        client=None,
        seed=None,
        max_unusable_retries=2,
    ):
        if int(concurrency) < 1:
            raise ConfigError(f"Expected concurrency >= 1. Received: concurrency={concurrency}.")
        from genreclf.setting import number

        number(above=0).check("timeout", timeout, fix="Pass e.g. --timeout 60 (seconds).")
        check_base_url(base_url)
        self.model = model
        self.base_url = base_url
        self.concurrency = int(concurrency)
        self.timeout = float(timeout)
        self.max_attempts = max(1, int(max_attempts))
        self.backoff_base = float(backoff_base)
        self.backoff_max = float(backoff_max)
        self.max_retry_after = float(max_retry_after)
        self.max_unusable_retries = int(max_unusable_retries)
        self.budget = budget or Budget()
        self.stats = CallStats()
        self.fatal = None
        self.answered = False  # any HTTP reply yet, from this server
        self._client = client
        self._api_key = api_key
        self._rng = random.Random(seed)
        self._sem = None

    def _get_client(self):
        if self._client is None:
            import openai

            self._client = openai.AsyncOpenAI(
                api_key=resolve_api_key(self._api_key, self.base_url),
                base_url=self.base_url,
                timeout=self.timeout,
                max_retries=0,
                http_client=http_client(),  # a reply too large to hold is not read
            )
        return self._client

    def _backoff(self, attempt):
        return min(self.backoff_max, self.backoff_base * 2**attempt) * (
            0.5 + 0.5 * self._rng.random()
        )

    @property
    def stopped(self):
        """`"budget"`, `"fatal"` or `None`."""
        if self.fatal is not None:
            return "fatal"
        return "budget" if self.budget.exhausted else None

    async def call(self, request, estimate_input_tokens, check=None, keep=None, lost=None):
        """Sends `request` (a `prompts.Request`); returns a response dict or None.

        The dict has `id`, `request_id`, `content`, `refusal`, `finish_reason`,
        `usage` (`[prompt_tokens, completion_tokens]`). `None` means no
        response: the budget or a fatal error stopped the run, or every
        attempt failed (counted in `stats.failed`).

        Args:
            request: the `prompts.Request`.
            estimate_input_tokens: its prompt size estimate (for the budget).
            check: `check(response_dict) -> reason or None`; a reply with a
                reason (paid, but empty or unparseable) is retried, at most
                `max_unusable_retries` times, and never returned.
            keep: `async keep(response_dict)`, awaited before the request
                gives up its concurrency slot (a cache write). A slot is held
                from send until the paid response is kept, so a `kill -9`
                loses at most `concurrency` paid responses.
            lost: `lost(usage)`, called with what an attempt is charged when
                it leaves no response to keep (a timeout, a cancelled call, a
                reply that is not a completion or that `check` refuses): a
                record of it (`ResponseCache.put_charge`) lets a rerun count
                it against the job's budget.
        """
        if self._sem is None:
            self._sem = asyncio.Semaphore(self.concurrency)
        async with self._sem:
            held = (int(estimate_input_tokens), int(request.params.get("max_tokens", 0)))
            if self.fatal is not None or not self.budget.reserve(*held):
                self.stats.skipped_budget += self.fatal is None
                return None
            attempt = _Attempt(self, request, held, check, lost)
            try:
                response = await attempt.run()
            finally:
                attempt.release()
            if response is not None and keep is not None:
                await keep(response)
            return response

    async def aclose(self):
        if self._client is not None:
            await self._client.close()


class _Attempt:
    """One request's attempts: retries, and what each attempt is charged.

    Holds one budget reservation at a time. A timed-out or cancelled attempt,
    or a reply that is not a completion, may still be billed: it is charged
    its worst case. A paid reply that `check` refuses is charged its usage.
    Either way a retry must first reserve its own worst case.
    """

    def __init__(self, caller, request, held, check, lost=None):
        self.caller = caller
        self.request = request
        self.held = held
        self.check = check
        self.lost = lost
        self.reserved = True
        self.said = None  # (kind, text): what this request's last HTTP error reply said

    def charge(self, usage):
        """Settles the current reservation with `usage` (None: nothing spent)."""
        if self.reserved:
            self.caller.budget.settle(self.held, usage)
            self.reserved = False

    def charge_unkept(self, usage):
        """`charge`s an attempt that leaves no response to keep, and reports it (`lost`)."""
        if self.reserved:
            self.charge(usage)
            if self.lost is not None:
                self.lost(usage)

    def release(self):
        self.charge(None)

    def not_a_completion(self, what, kind="bad_response"):
        """Counts a reply that is not a completion, or one too large to read (`kind`
        "too_large"): not retried; returns None."""
        caller = self.caller
        logger.warning("request %s failed: %s", self.request.prompt_hash, what)
        caller.stats.failed[kind] += 1
        caller.stats.charged_unanswered += 1
        self.charge_unkept(self.held)  # it may have been billed: the worst case
        return None

    def heard(self, error):
        """Records what an HTTP error reply said, by kind (`stats.said`); returns its kind."""
        kind = f"http_{error.status_code}"
        self.said = (kind, server_said(error))
        self.caller.stats.said[kind] = self.said[1]
        return kind

    def stop(self, error, fix):
        """Stops the run on an HTTP error no retry mends (`fatal`), naming it; returns None."""
        kind = self.heard(error)
        self.caller.fatal = (
            f"HTTP {error.status_code} from the API ({type(error).__name__}: {self.said[1]}); {fix}"
        )
        self.caller.stats.failed[kind] += 1
        return None

    def _reserve_retry(self):
        caller = self.caller
        if caller.fatal is None and caller.budget.reserve(*self.held):
            self.reserved = True
            return True
        caller.stats.skipped_budget += caller.fatal is None
        return False

    async def run(self):
        import openai

        caller, request = self.caller, self.request
        client = caller._get_client()
        unusable = 0
        connection_error = None
        for attempt in range(caller.max_attempts):
            if attempt and not self.reserved and not self._reserve_retry():
                return None
            if caller.fatal is not None:
                return None
            if attempt:
                logger.debug("retry %d for %s", attempt, request.prompt_hash)
            caller.stats.sent += 1
            delay = None
            try:
                # The client's timeout bounds each read, not the reply: a server that
                # trickles bytes slower than it never timed out (`--timeout` hung).
                resp = await asyncio.wait_for(
                    client.chat.completions.create(
                        model=caller.model, messages=request.messages, **request.params
                    ),
                    caller.timeout,
                )
            except asyncio.CancelledError:
                # Cancelled in flight (the run was interrupted): it may be billed.
                caller.stats.charged_unanswered += 1
                self.charge_unkept(self.held)
                raise
            except (openai.APITimeoutError, asyncio.TimeoutError):
                cause = "timeout"
                # The server may finish and bill it anyway: charge the worst case.
                caller.stats.charged_unanswered += 1
                self.charge_unkept(self.held)
            except ReplyTooLarge as e:
                return self.not_a_completion(str(e), kind="too_large")
            except openai.APIConnectionError as e:
                too_large = [c for c in causes(e) if isinstance(c, ReplyTooLarge)]
                if too_large:  # (as older `openai` clients wrap it)
                    return self.not_a_completion(str(too_large[0]), kind="too_large")
                cause = "connection"
                connection_error = e
                if may_be_billed(e):
                    # The server had the request (it closed the connection unanswered or
                    # mid-reply): it may bill it, as a timeout.
                    cause = "dropped"
                    caller.stats.charged_unanswered += 1
                    self.charge_unkept(self.held)
                    if not caller.stats.retries["dropped"]:
                        logger.warning(
                            "%s closed the connection before its reply was complete (%s); retrying",
                            caller.base_url or "the OpenAI API",
                            cause_text(e),
                        )
                elif not caller.answered and not caller.stats.retries["connection"]:
                    logger.warning(
                        "cannot connect to %s (%s); retrying",
                        caller.base_url or "the OpenAI API",
                        cause_text(e),
                    )
            except openai.RateLimitError as e:
                caller.answered = True
                if getattr(e, "code", None) == "insufficient_quota":  # no wait mends it
                    fix = "the account's quota is used up: check its plan and billing, then rerun"
                    return self.stop(e, fix)
                cause = "429"
                self.heard(e)
                delay = retry_after_seconds(e.response.headers)
                if delay is not None:
                    if delay >= LONG_WAIT and not caller.stats.retries["429"]:
                        logger.warning(
                            "%s asked to wait %g s before retrying (Retry-After): waiting %g s",
                            caller.base_url or "the OpenAI API",
                            delay,
                            min(delay, caller.max_retry_after),
                        )
                    delay = min(delay, caller.max_retry_after)
            except openai.APIStatusError as e:
                caller.answered = True
                kind = self.heard(e)  # named in the error, as it said it
                if e.status_code >= 500 or e.status_code in (408, 409):
                    cause = "5xx" if e.status_code >= 500 else str(e.status_code)
                elif e.status_code in (401, 403, 404):
                    return self.stop(e, "check the key, --base-url and --model.")
                else:
                    caller.stats.failed[kind] += 1
                    return None
            except (openai.APIError, ValueError) as e:
                # A body that is not JSON (the client raises a bare JSONDecodeError).
                return self.not_a_completion(type(e).__name__)
            else:
                caller.answered = True
                # No reported usage (some local servers): charge the worst case.
                usage = usage_counts(resp) or self.held
                try:
                    result = response_dict(resp, usage)
                except (AttributeError, IndexError, TypeError):
                    # JSON, but no completion (a list, `choices` a string): the
                    # client hands such a body over without checking its shape.
                    return self.not_a_completion(f"no completion in the {type(resp).__name__}")
                reason = self.check(result) if self.check else None
                if reason is None:
                    self.charge(usage)  # the caller keeps it, usage and all
                    caller.stats.succeeded += 1
                    return result
                self.charge_unkept(usage)
                if result["finish_reason"] == "length":  # cut off at max_tokens: so again
                    caller.stats.failed["truncated"] += 1
                    return None
                # Paid, but nothing usable: never cached; ask again (bounded).
                unusable += 1
                cause = reason
                if unusable > caller.max_unusable_retries or attempt + 1 >= caller.max_attempts:
                    caller.stats.failed[reason] += 1
                    return None
            if attempt + 1 < caller.max_attempts:
                caller.stats.retries[cause] += 1
                await asyncio.sleep(delay if delay is not None else caller._backoff(attempt))
        caller.stats.failed["retries_exhausted"] += 1
        if caller.fatal is None:
            caller.fatal = retries_used_up(caller, cause, connection_error, self.said)
        return None
