"""Any endpoint that speaks the OpenAI API: OpenAI, Azure OpenAI, Ollama, vLLM, llama.cpp server,
OpenRouter, LM Studio, ...

`base_url` is the API root the paths `/chat/completions`, `/images/generations` and
`/embeddings` hang from, usually ending in `/v1`:

- OpenAI: `https://api.openai.com/v1`; OpenRouter: `https://openrouter.ai/api/v1`
- Ollama: `http://localhost:11434/v1`; vLLM / llama.cpp server: `http://host:8000/v1`
- Azure OpenAI, v1 API: `https://<resource>.openai.azure.com/openai/v1`
- Azure OpenAI, per-deployment API: the deployment path with its version as a query string,
  `https://<resource>.openai.azure.com/openai/deployments/<deployment>?api-version=2024-10-21`
  (the query string is sent with every call, and for `*.azure.com` hosts the key also goes in
  the `api-key` header Azure reads).

Time: every call has a total deadline, `AI_CALL_DEADLINE_SECONDS` (or less, when the job it
runs in has less left), that covers every try, every wait between tries and every byte read.
Inside it, each try waits at most `AI_TIMEOUT_SECONDS`, and 429, 5xx, timeouts and dropped
connections are retried at most `AI_MAX_RETRIES` times, with exponential backoff (0.5 s
doubling, at most 8 s) or the delay the server asks for in `retry-after(-ms)`. The retries are
ours, not the `openai` client's (its `max_retries` is 0): its per-request timeout and retry
count alone add up to (retries + 1) × timeout plus backoff, 243 s at 60 s and 3 retries, with
nothing to stop a server that trickles bytes. A try is not started when the deadline leaves
less than a second (or the per-try timeout, if shorter), and the egress guard cuts every socket
read at the deadline. Worst case against a server that never answers:
min(deadline, (retries + 1) × timeout + backoff), 120 s with the defaults (`bench/ai_deadline.py`).

Every failure reaches the caller as an AIError in plain words that say what happened (how long
was waited, how many retries there were); the API key never appears in a message or log line.
"""

from __future__ import annotations

import base64
import binascii
import io
import logging
import re
import time
from collections.abc import Callable
from typing import Any, NoReturn, TypeVar
from urllib.parse import parse_qsl, urlsplit, urlunsplit

import httpx
import openai
from django.conf import settings
from PIL import Image, UnidentifiedImageError

from igny8 import deadlines
from igny8.ai.config import AIConfig
from igny8.ai.errors import (
    AIError,
    InvalidOutput,
    ProviderAuthError,
    ProviderModelNotFound,
    ProviderUnavailable,
)
from igny8.ai.providers.retries import NO_CREDIT, Tries, secs
from igny8.ai.types import ImageRequest, ProviderResult, TextRequest
from igny8.egress import (
    OPERATOR,
    EgressError,
    EgressPolicy,
    GuardedTransport,
    peer_words,
    tenant_policy,
    url_check,
)
from igny8.egress import client as egress_client

logger = logging.getLogger("igny8.ai")
# "Test connection": a person is waiting on the page, so a short deadline and no retries.
TEST_TIMEOUT_SECONDS = 15.0

DEFAULT_BASE_URL = "https://api.openai.com/v1"
MAX_IMAGE_BYTES = 20 * 1024 * 1024
# A chat or embeddings answer larger than this is not an answer we asked for.
MAX_RESPONSE_BYTES = 32 * 1024 * 1024
MAX_PROVIDER_MESSAGE = 300
_REFUSING = re.compile(
    r"unsupported|not supported|does not support|unknown|unrecognized|not allowed|"
    r"invalid (?:value|parameter|type)|extra (?:inputs|fields)|must contain"
)
_FORMATS = {"PNG": "png", "WEBP": "webp", "JPEG": "jpeg", "GIF": "gif"}

T = TypeVar("T")


class _Refused(openai.OpenAIError):
    """The egress guard's refusal, as an error the openai client passes on at once (it retries
    anything else it does not know)."""

    def __init__(self, error: EgressError) -> None:
        super().__init__(error.message)
        self.error = error


class _GuardedOpenAITransport(httpx.BaseTransport):
    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner = inner

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        try:
            response = self.inner.handle_request(request)
        except EgressError as exc:
            raise _Refused(exc) from None
        return httpx.Response(
            status_code=response.status_code,
            headers=response.headers,
            stream=_RefusingStream(response.stream),
            extensions=response.extensions,
        )

    def close(self) -> None:
        self.inner.close()


class _RefusingStream(httpx.SyncByteStream):
    def __init__(self, stream) -> None:
        self.stream = stream

    def __iter__(self):
        try:
            yield from self.stream
        except EgressError as exc:
            raise _Refused(exc) from None

    def close(self) -> None:
        self.stream.close()


def policy_for(config: AIConfig) -> EgressPolicy:
    """The operator's own provider (from the environment) goes anywhere; a workspace's goes
    through the egress guard."""
    return OPERATOR if config.source == "platform" else tenant_policy()


class OpenAICompatibleProvider:
    name = "openai"

    def __init__(self, config: AIConfig) -> None:
        self.config = config
        base_url, query = _split_query(config.base_url.strip() or DEFAULT_BASE_URL)
        self.base_url = base_url
        self.host = urlsplit(base_url).netloc or base_url
        self.timeout = float(settings.AI_TIMEOUT_SECONDS)
        self.max_retries = int(settings.AI_MAX_RETRIES)
        self.deadline = float(settings.AI_CALL_DEADLINE_SECONDS)
        self.policy = policy_for(config)
        # The http client the openai library uses: no redirects, every connection checked
        # by the egress guard, answers bounded.
        bounded = self.policy.bounded(MAX_RESPONSE_BYTES)
        self.http = egress_client(
            bounded,
            timeout=self.timeout,
            transport=_GuardedOpenAITransport(GuardedTransport(bounded)),
        )
        headers = {}
        if config.api_key and (urlsplit(base_url).hostname or "").endswith(".azure.com"):
            headers["api-key"] = config.api_key
        self.client = openai.OpenAI(
            base_url=base_url,
            api_key=config.api_key or "not-needed",
            timeout=self.timeout,
            max_retries=0,  # retried by `_call`, inside the call's deadline
            default_headers=headers or None,
            default_query=query or None,
            http_client=self.http,
        )
        self.label = f"OpenAI-compatible: {self.host} ({config.text_model or 'no text model'})"

    # --- the Provider protocol ----------------------------------------------------------------

    def complete_json(self, request: TextRequest) -> ProviderResult:
        return self._complete(request, json_mode=True)

    def complete_text(self, request: TextRequest) -> ProviderResult:
        """A plain-text answer (an article with a small header): no JSON mode, which many local
        servers implement as constrained sampling, several times slower."""
        return self._complete(request, json_mode=False)

    def _complete(self, request: TextRequest, *, json_mode: bool) -> ProviderResult:
        model = request.model or self.config.text_model
        if not model:
            raise AIError(
                "No text model is configured for this provider; set one on the AI settings page."
            )
        params: dict[str, Any] = {"temperature": request.temperature}
        if json_mode:
            params["response_format"] = {"type": "json_object"}
        if request.max_tokens:
            params["max_tokens"] = request.max_tokens
        messages = [{"role": m.role, "content": m.content} for m in request.messages]
        started = time.monotonic()
        response = self._call(
            model,
            lambda p: self.client.chat.completions.create(model=model, messages=messages, **p),
            params,
        )
        return self._chat_result(response, model, request.function, started)

    def generate_image(self, request: ImageRequest) -> ProviderResult:
        model = request.model or self.config.image_model
        if not model:
            raise AIError(
                "No image model is configured for this provider; set one on the AI settings page."
            )
        wanted = request.format if request.format in ("png", "webp") else "png"
        params: dict[str, Any] = {}
        # gpt-image-* always answer base64 and refuse the parameter; others default to a URL.
        if not model.startswith("gpt-image"):
            params["response_format"] = "b64_json"
        started = time.monotonic()
        # One deadline for the request and the download of the picture it points at.
        with deadlines.within(self.deadline):
            response = self._call(
                model,
                lambda p: self.client.images.generate(
                    model=model, prompt=request.prompt, size=request.size, n=1, **p
                ),
                params,
            )
            data = getattr(response, "data", None)
            if not data:
                raise InvalidOutput(f"{self.host} answered without an image. Try again.")
            b64, url = getattr(data[0], "b64_json", None), getattr(data[0], "url", None)
            raw = b""
            if b64:
                raw = _b64decode(b64, self.host)
            elif url:
                raw = self._download(url)
        if not raw:
            raise InvalidOutput(f"{self.host} answered without an image. Try again.")
        image, image_format = _as_format(raw, wanted, self.host)
        usage = getattr(response, "usage", None)
        logger.info(
            "ai image via %s model=%s size=%s format=%s in %.2fs",
            self.host,
            model,
            request.size,
            image_format,
            time.monotonic() - started,
        )
        return ProviderResult(
            provider=self.name,
            model=model,
            image=image,
            image_format=image_format,
            tokens_in=_int(getattr(usage, "input_tokens", 0)),
            tokens_out=_int(getattr(usage, "output_tokens", 0)),
        )

    def embed(self, texts: list[str]) -> ProviderResult:
        model = self.config.embedding_model
        if not model:
            raise AIError(
                "No embedding model is configured for this provider; "
                "set one on the AI settings page."
            )
        if not texts:
            return ProviderResult(provider=self.name, model=model)
        # "float" explicitly: the client would ask for base64, which many servers do not know.
        response = self._call(
            model,
            lambda p: self.client.embeddings.create(
                model=model, input=texts, encoding_format="float", **p
            ),
            {},
        )
        data = getattr(response, "data", None) or []
        try:
            vectors = [
                [float(x) for x in item.embedding]
                for item in sorted(data, key=lambda d: getattr(d, "index", 0))
            ]
        except (AttributeError, TypeError, ValueError):
            raise InvalidOutput(f"{self.host} sent embeddings we could not read.") from None
        if len(vectors) != len(texts):
            raise InvalidOutput(
                f"{self.host} returned {len(vectors)} embeddings for {len(texts)} texts."
            )
        usage = getattr(response, "usage", None)
        return ProviderResult(
            provider=self.name,
            model=getattr(response, "model", None) or model,
            embeddings=vectors,
            tokens_in=_int(getattr(usage, "prompt_tokens", 0)),
        )

    def test_connection(self) -> str:
        model = self.config.text_model
        if not model:
            raise AIError(
                "No text model is configured for this provider; set one on the AI settings page."
            )
        messages = [{"role": "user", "content": "Reply with the word ok."}]
        started = time.monotonic()
        self._call(
            model,
            lambda p: self.client.chat.completions.create(model=model, messages=messages, **p),
            {"max_tokens": 5, "temperature": 0},
            timeout=min(TEST_TIMEOUT_SECONDS, self.timeout),
            retries=0,
        )
        elapsed = time.monotonic() - started
        return f"Connected to {self.host}: model {model} answered in {elapsed:.2f} s."

    # --- calling ------------------------------------------------------------------------------

    def _call(
        self,
        model: str,
        send: Callable[[dict[str, Any]], T],
        params: dict[str, Any],
        *,
        timeout: float | None = None,
        retries: int | None = None,
    ) -> T:
        """`send(params)` within the call's deadline: each try waits at most `timeout`
        (default AI_TIMEOUT_SECONDS), passing failures are retried at most `retries` times
        (default AI_MAX_RETRIES) while the deadline leaves time, optional parameters the server
        refuses are dropped or renamed (at most once each), and every openai error becomes an
        AIError in plain words that say what happened."""
        params = dict(params)
        adjusted: set[str] = set()
        tries = Tries(
            timeout=self.timeout if timeout is None else timeout,
            retries=self.max_retries if retries is None else retries,
        )
        try:
            url_check(self.base_url, self.policy)
        except EgressError as exc:
            raise AIError(exc.message) from None
        # Test connection waits for one try; a run for the whole call deadline (or what the job
        # it runs in has left, if that is less).
        tries.budget = self.deadline if timeout is None else tries.timeout
        outer = deadlines.remaining()
        tries.limited_by_job = outer is not None and outer < tries.budget
        with deadlines.within(tries.budget) as until:
            tries.deadline = until
            while True:
                left = until - time.monotonic()
                if left <= 0:
                    raise ProviderUnavailable(
                        f"There was no time left to ask {self.host}: the job reached its time "
                        "limit. Start it again for the items it did not reach.",
                        reason="the job ran out of time",
                        detail=f"deadline passed before try {tries.count + 1}",
                    )
                # (A budget equal to one try is not "cut short" by the instant spent getting here.)
                tries.cut_short = left + 0.05 < tries.timeout
                tries.last_timeout = min(tries.timeout, left) if tries.cut_short else tries.timeout
                tries.count += 1
                try:
                    return send({**params, "timeout": tries.last_timeout})
                except openai.BadRequestError as err:
                    refused = _refused_param(err, params, adjusted)
                    if refused is None:
                        self._fail(err, model, tries)
                    adjusted.add(refused)
                    value = params.pop(refused)
                    if refused == "max_tokens":  # newer OpenAI models want the new name
                        params["max_completion_tokens"] = value
                    logger.info(
                        "ai %s refused %s for model %s; retrying without it",
                        self.host,
                        refused,
                        model,
                    )
                except openai.OpenAIError as err:
                    # The egress guard's refusal is final; other failures may pass.
                    wait = None if _refusal(err) is not None else tries.wait_before_retry(err)
                    if wait is None:
                        self._fail(err, model, tries)
                    logger.info(
                        "ai %s: %s from model %s; retry %d of %d in %.2f s",
                        self.host,
                        type(err).__name__,
                        model,
                        tries.retried + 1,
                        tries.retries,
                        wait,
                    )
                    time.sleep(wait)
                    tries.retried += 1

    def _fail(self, err: openai.OpenAIError, model: str, tries: Tries) -> NoReturn:
        host = self.host
        status = getattr(err, "status_code", None)
        detail = self._scrub(_provider_message(err))
        logger.warning(
            "ai call to %s failed: model=%s status=%s error=%s retries=%d: %s",
            host,
            model,
            status,
            type(err).__name__,
            tries.retried,
            detail,
        )
        technical = f"{type(err).__name__}" + (f" {status}" if status else "")
        technical += f", {tries.retried} retries, {tries.elapsed():.1f} s" + (
            f": {detail}" if detail else ""
        )
        retried = tries.words()
        refused = _refusal(err)
        if refused is not None:
            raise AIError(refused.message, detail=technical) from None
        if isinstance(err, openai.APIStatusError) and 300 <= (status or 0) < 400:
            raise AIError(
                f"{host} answered with a redirect ({status}) instead of an answer. IGNY8 does "
                "not follow redirects: use the final address as the base URL "
                "(often https:// instead of http://, or with /v1 at the end).",
                detail=technical,
            ) from None
        if isinstance(err, openai.AuthenticationError | openai.PermissionDeniedError):
            raise ProviderAuthError(
                f"The provider refused the API key ({status}). "
                "Check the key on the AI settings page.",
                detail=technical,
            ) from None
        if isinstance(err, openai.NotFoundError):
            if "model" in detail.lower():
                raise ProviderModelNotFound(
                    f"The provider does not know the model “{model}” (404). Check the model name.",
                    detail=technical,
                ) from None
            raise AIError(
                f"{host} has no such API endpoint (404). Check the base URL "
                f"(“{self.base_url}”); it usually ends in /v1.",
                reason="the AI provider's address is wrong",
                detail=technical,
            ) from None
        if isinstance(err, openai.RateLimitError) and getattr(err, "code", "") in NO_CREDIT:
            raise ProviderUnavailable(
                "The provider account has run out of credit or quota (429). Add credit with the "
                "provider, or use another key on the AI settings page.",
                reason="the AI provider account is out of credit",
                detail=technical,
            ) from None
        if isinstance(err, openai.RateLimitError):
            raise ProviderUnavailable(
                f"{host} is rate limiting requests (429){retried}. Try again later."
                + (f" The provider said: {detail}" if detail else ""),
                reason="the AI provider was limiting requests",
                detail=technical,
            ) from None
        if isinstance(err, openai.APITimeoutError):
            # The deadline ended it: it left the last try less than a full timeout, or cut
            # that try off (a server that trickles bytes never lets one read time out).
            if tries.cut_short or (
                tries.budget > tries.timeout + 0.05 and time.monotonic() >= tries.deadline - 0.05
            ):
                limit = (
                    "all the time the job had left"
                    if tries.limited_by_job
                    else f"the most one AI call may take ({secs(tries.budget)} s)"
                )
                said = (
                    f"{host} did not answer in time: {tries.count} "
                    f"{'try' if tries.count == 1 else 'tries'} over {secs(tries.elapsed())} s, "
                    f"{limit}."
                )
            else:
                said = f"{host} did not answer within {secs(tries.last_timeout)} s{retried}."
            raise ProviderUnavailable(
                f"{said} Try again later, or choose a faster model on the AI settings page.",
                reason="the AI provider did not answer in time",
                detail=technical,
            ) from None
        if isinstance(err, openai.APIConnectionError):
            cause = self._scrub(str(err.__cause__ or err))[:MAX_PROVIDER_MESSAGE]
            raise ProviderUnavailable(
                f"Could not reach {host}{retried}: {cause}. "
                "Check the base URL and that the server is running.",
                detail=technical,
            ) from None
        if isinstance(err, openai.InternalServerError):
            raise ProviderUnavailable(
                f"{host} had a server error ({status}){retried}. Try again later.",
                reason="the AI provider had a server error",
                detail=technical,
            ) from None
        if isinstance(err, openai.BadRequestError | openai.UnprocessableEntityError):
            raise AIError(
                f"{host} rejected the request ({status}): {detail or 'no reason given'}",
                reason="the AI provider rejected the request",
                detail=technical,
            ) from None
        if isinstance(err, openai.APIStatusError):
            raise AIError(
                f"{host} answered with an error ({status}): {detail or 'no reason given'}",
                detail=technical,
            ) from None
        raise AIError(
            f"{host} sent an answer we could not read: {detail or type(err).__name__}",
            reason="the AI provider sent an answer we could not read",
            detail=technical,
        ) from None

    def _scrub(self, text: str) -> str:
        key = self.config.api_key
        if key and len(key) >= 4:
            text = text.replace(key, "***")
        return text

    def _chat_result(
        self, response: Any, model: str, function: str, started: float
    ) -> ProviderResult:
        if not getattr(response, "choices", None):
            raise InvalidOutput(f"{self.host} answered without a message. Try again.")
        choice = response.choices[0]
        message = getattr(choice, "message", None)
        content = getattr(message, "content", None) or ""
        refusal = getattr(message, "refusal", None)
        if not content and refusal:
            raise InvalidOutput(f"The model declined to answer: {refusal[:MAX_PROVIDER_MESSAGE]}")
        answered_by = getattr(response, "model", None) or model
        usage = getattr(response, "usage", None)
        tokens_in = _int(getattr(usage, "prompt_tokens", 0))
        tokens_out = _int(getattr(usage, "completion_tokens", 0))
        if getattr(choice, "finish_reason", None) == "length":
            logger.warning(
                "ai %s via %s: answer cut off at max tokens (%d out)",
                function,
                self.host,
                tokens_out,
            )
        logger.info(
            "ai %s via %s model=%s tokens=%d+%d in %.2fs",
            function,
            self.host,
            answered_by,
            tokens_in,
            tokens_out,
            time.monotonic() - started,
        )
        return ProviderResult(
            provider=self.name,
            model=answered_by,
            text=content,
            tokens_in=tokens_in,
            tokens_out=tokens_out,
        )

    def _download(self, url: str) -> bytes:
        if url.startswith("data:"):
            _, _, data = url.partition(",")
            return _b64decode(data, self.host)
        where = urlsplit(url).hostname or self.host
        policy = self.policy.bounded(MAX_IMAGE_BYTES)
        try:
            url_check(url, policy)
            wait = max(deadlines.cap(self.timeout) or 0.0, 0.01)
            with (
                egress_client(policy, timeout=wait) as http,
                http.stream("GET", url) as response,
            ):
                if response.is_redirect:
                    raise ProviderUnavailable(
                        f"The generated image at {where} moved elsewhere ({response.status_code}); "
                        "IGNY8 does not follow redirects."
                    )
                response.raise_for_status()
                return response.read()
        except EgressError as exc:
            raise ProviderUnavailable(
                f"Could not download the generated image: {exc.message}"
            ) from None
        except httpx.TimeoutException:
            raise ProviderUnavailable(
                f"The generated image at {where} did not download within {secs(wait)} s."
            ) from None
        except httpx.HTTPStatusError as err:
            raise ProviderUnavailable(
                f"Could not download the generated image from {where} ({err.response.status_code})."
            ) from None
        except httpx.HTTPError as err:
            raise ProviderUnavailable(
                f"Could not download the generated image from {where}: {self._scrub(str(err))}"
            ) from None


# --- helpers ----------------------------------------------------------------------------------


def _split_query(url: str) -> tuple[str, dict[str, str]]:
    """`https://h/p?api-version=x` → (`https://h/p`, {"api-version": "x"})."""
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    return urlunsplit(parts._replace(query="", fragment="")).rstrip("/"), query


def _provider_message(err: openai.OpenAIError) -> str:
    """The provider's own words, trimmed, from a structured (JSON) error only: whatever else a
    peer sent (an HTML page, a text body) is never shown, since the address may be anyone's."""
    body = getattr(err, "body", None)
    text: object = ""
    if isinstance(body, dict):
        text = body.get("message") or body.get("error") or body.get("detail") or ""
        if isinstance(text, dict):
            text = text.get("message") or ""
        if not isinstance(text, str):
            text = ""
    return peer_words(text, MAX_PROVIDER_MESSAGE)


def _refusal(err: BaseException) -> EgressError | None:
    """The egress guard's refusal behind an openai error, if that is what it is."""
    seen: BaseException | None = err
    for _ in range(5):
        if seen is None:
            return None
        if isinstance(seen, _Refused):
            return seen.error
        if isinstance(seen, EgressError):
            return seen
        seen = seen.__cause__ or seen.__context__
    return None


def _refused_param(
    err: openai.BadRequestError, params: dict[str, Any], adjusted: set[str]
) -> str | None:
    """The optional parameter a 400 complains about, if we sent it and have not dropped it yet."""
    named = (getattr(err, "param", None) or "").lower()
    text = _provider_message(err).lower()
    refusing = _REFUSING.search(text) is not None
    for name in ("response_format", "max_tokens", "temperature"):
        if (
            name in params
            and name not in adjusted
            and (named == name or (refusing and name in text))
        ):
            return name
    return None


def _b64decode(data: str, host: str) -> bytes:
    try:
        return base64.b64decode(data, validate=False)
    except (binascii.Error, ValueError):
        raise InvalidOutput(f"{host} sent an image we could not decode. Try again.") from None


def _as_format(raw: bytes, wanted: str, host: str) -> tuple[bytes, str]:
    """The image in the wanted format (png or webp), converted with Pillow when needed."""
    try:
        image = Image.open(io.BytesIO(raw))
        found = _FORMATS.get(image.format or "", "")
        if found == wanted:
            image.verify()
            return raw, wanted
        image.load()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise InvalidOutput(f"{host} sent an image we could not read. Try again.") from None
    if image.mode not in ("RGB", "RGBA"):
        image = image.convert(
            "RGBA" if "A" in image.getbands() or "transparency" in image.info else "RGB"
        )
    out = io.BytesIO()
    if wanted == "webp":
        image.save(out, format="WEBP", quality=85, method=4)
    else:
        image.save(out, format="PNG", optimize=True)
    return out.getvalue(), wanted


def _int(value: Any) -> int:
    try:
        return int(value or 0)
    except (TypeError, ValueError):
        return 0
