"""The OpenAI-compatible provider, through the real `openai` client, against a local server that
answers like the API: structured chat, images (base64 and URL, converted to the asked format),
embeddings, retries that happen and stop, and every failure in plain words without the key."""

from __future__ import annotations

import io
import json
import logging
import re
import socket
import time

import pytest
from PIL import Image

from igny8.ai.config import AIConfig
from igny8.ai.errors import (
    AIError,
    InvalidOutput,
    ProviderAuthError,
    ProviderModelNotFound,
    ProviderUnavailable,
)
from igny8.ai.providers import openai_compat, provider_for
from igny8.ai.providers.openai_compat import OpenAICompatibleProvider
from igny8.ai.tests.fake_openai import (
    API_KEY,
    FakeOpenAI,
    Reply,
    bad_request,
    error,
    image_b64_reply,
    model_not_found,
    ok,
    png,
    rate_limited,
    rejects_response_format,
    server_error,
    slow,
    unauthorized,
)
from igny8.ai.types import ImageRequest, Message, TextRequest

IDEAS = json.dumps({"ideas": [{"title": "How to unclog a drain without a plumber"}]})


@pytest.fixture(autouse=True)
def fast_ai(settings):
    settings.AI_TIMEOUT_SECONDS = 2
    settings.AI_MAX_RETRIES = 2
    return settings


@pytest.fixture
def fake(private_egress):
    with FakeOpenAI() as server:
        yield server


@pytest.fixture
def make_provider(fake):
    def make(**overrides) -> OpenAICompatibleProvider:
        values = {
            "source": "workspace",
            "base_url": fake.base_url,
            "api_key": API_KEY,
            "text_model": "gpt-4o-mini",
            "image_model": "dall-e-3",
            "embedding_model": "text-embedding-3-small",
            **overrides,
        }
        return OpenAICompatibleProvider(AIConfig(**values))

    return make


@pytest.fixture
def logs(caplog):
    """Everything logged while the test runs: ours ("igny8" does not propagate to the root
    logger), the openai client's and httpx's, down to debug."""
    ours = logging.getLogger("igny8")
    ours.addHandler(caplog.handler)
    caplog.set_level(logging.DEBUG, logger="openai")
    caplog.set_level(logging.DEBUG, logger="httpx")
    caplog.set_level(logging.DEBUG, logger="igny8.ai")
    yield caplog
    ours.removeHandler(caplog.handler)


def ideas_request(**overrides) -> TextRequest:
    values = {
        "function": "generate_ideas",
        "messages": [
            Message("system", "You plan articles. Answer in JSON."),
            Message("user", "Two ideas for the cluster “Drain cleaning”."),
        ],
        "schema": {"type": "object"},
        "input": {},
        "context": {},
        "temperature": 0.4,
        "max_tokens": 900,
        **overrides,
    }
    return TextRequest(**values)


def image_of(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


# --- structured chat ---------------------------------------------------------------------------


def test_complete_json_sends_the_prompt_and_returns_the_answer_with_its_tokens(fake, make_provider):
    fake.script("chat", [ok(IDEAS)])

    result = make_provider().complete_json(ideas_request())

    assert result.text == IDEAS
    assert result.provider == "openai"
    assert result.model == "gpt-4o-mini"
    sent = fake.calls("chat")
    assert len(sent) == 1
    body = sent[0].body
    assert body["model"] == "gpt-4o-mini"
    assert body["messages"] == [
        {"role": "system", "content": "You plan articles. Answer in JSON."},
        {"role": "user", "content": "Two ideas for the cluster “Drain cleaning”."},
    ]
    assert body["response_format"] == {"type": "json_object"}
    assert body["temperature"] == 0.4
    assert body["max_tokens"] == 900
    assert sent[0].headers["authorization"] == f"Bearer {API_KEY}"
    # the fake counts words: 6 + 7 in the prompt, the answer's words out
    assert result.tokens_in == 13
    assert result.tokens_out == len(IDEAS.split())


def test_the_request_model_overrides_the_configured_one(fake, make_provider):
    result = make_provider().complete_json(ideas_request(model="llama3.1:8b"))

    assert fake.calls("chat")[0].body["model"] == "llama3.1:8b"
    assert result.model == "llama3.1:8b"


def test_an_answer_that_is_not_json_is_returned_as_it_came(fake, make_provider):
    """Repairing is the engine's job; the provider hands over the text untouched."""
    fake.script("chat", [ok("Sure! Here are two ideas: 1. Unclog a drain 2. Drain snakes")])

    result = make_provider().complete_json(ideas_request())

    assert result.text == "Sure! Here are two ideas: 1. Unclog a drain 2. Drain snakes"


def test_a_server_without_usage_counts_gives_zero_tokens(fake, make_provider):
    answer = {
        "id": "cmpl-1",
        "object": "chat.completion",
        "created": 1,
        "model": "local-model",
        "choices": [
            {"index": 0, "message": {"role": "assistant", "content": "{}"}, "finish_reason": "stop"}
        ],
    }
    fake.script("chat", [Reply(json=answer)])

    result = make_provider().complete_json(ideas_request())

    assert (result.text, result.model, result.tokens_in, result.tokens_out) == (
        "{}",
        "local-model",
        0,
        0,
    )


def test_a_server_that_rejects_response_format_is_asked_again_without_it(fake, make_provider):
    fake.script("chat", [rejects_response_format(), ok(IDEAS)])

    result = make_provider().complete_json(ideas_request())

    assert result.text == IDEAS
    first, second = fake.calls("chat")
    assert first.body["response_format"] == {"type": "json_object"}
    assert "response_format" not in second.body
    assert second.body["messages"] == first.body["messages"]


def test_a_model_that_wants_max_completion_tokens_is_asked_again_with_it(fake, make_provider):
    fake.script(
        "chat",
        [
            bad_request(
                "Unsupported parameter: 'max_tokens' is not supported with this model. "
                "Use 'max_completion_tokens' instead.",
                param="max_tokens",
            ),
            ok(IDEAS),
        ],
    )

    result = make_provider().complete_json(ideas_request())

    assert result.text == IDEAS
    second = fake.calls("chat")[1].body
    assert "max_tokens" not in second
    assert second["max_completion_tokens"] == 900


def test_a_refused_parameter_is_dropped_once_only(fake, make_provider):
    fake.always("chat", rejects_response_format())

    with pytest.raises(AIError, match="rejected the request"):
        make_provider().complete_json(ideas_request())

    assert len(fake.calls("chat")) == 2


def test_any_other_bad_request_fails_at_once_with_the_providers_words(fake, make_provider):
    fake.script(
        "chat",
        [
            bad_request(
                "This model's maximum context length is 8192 tokens. However, your messages "
                "resulted in 9100 tokens.",
                param="messages",
            )
        ],
    )

    with pytest.raises(AIError) as caught:
        make_provider().complete_json(ideas_request())

    assert type(caught.value) is AIError
    assert caught.value.message == (
        f"{fake.origin.removeprefix('http://')} rejected the request (400): This model's maximum "
        "context length is 8192 tokens. However, your messages resulted in 9100 tokens."
    )
    assert len(fake.calls("chat")) == 1


# --- retries -----------------------------------------------------------------------------------


def test_a_rate_limit_is_retried_and_then_succeeds(fake, make_provider):
    fake.script("chat", [rate_limited(), ok(IDEAS)])

    result = make_provider().complete_json(ideas_request())

    assert result.text == IDEAS
    assert len(fake.calls("chat")) == 2


def test_a_server_error_is_retried_and_then_succeeds(fake, make_provider):
    fake.script("chat", [server_error(), server_error(), ok(IDEAS)])

    assert make_provider().complete_json(ideas_request()).text == IDEAS
    assert len(fake.calls("chat")) == 3


def test_rate_limiting_that_goes_on_stops_after_the_configured_retries(
    fake, make_provider, fast_ai
):
    fake.always("chat", rate_limited())

    with pytest.raises(ProviderUnavailable) as caught:
        make_provider().complete_json(ideas_request())

    assert len(fake.calls("chat")) == 3  # the first try and AI_MAX_RETRIES = 2
    assert "is rate limiting requests (429) after 2 retries. Try again later." in str(caught.value)


def test_a_server_that_keeps_failing_stops_after_the_configured_retries(
    fake, make_provider, fast_ai
):
    fast_ai.AI_MAX_RETRIES = 1
    fake.always("chat", server_error())

    with pytest.raises(ProviderUnavailable) as caught:
        make_provider().complete_json(ideas_request())

    assert len(fake.calls("chat")) == 2
    host = fake.origin.removeprefix("http://")
    assert caught.value.message == (
        f"{host} had a server error (500) after 1 retry. Try again later."
    )


def test_an_exhausted_quota_says_so_rather_than_try_again_later(fake, make_provider, fast_ai):
    fast_ai.AI_MAX_RETRIES = 0
    fake.script(
        "chat",
        [
            error(
                429,
                "You exceeded your current quota, please check your plan and billing details.",
                type_="insufficient_quota",
                code="insufficient_quota",
            )
        ],
    )

    with pytest.raises(ProviderUnavailable) as caught:
        make_provider().complete_json(ideas_request())

    assert caught.value.message == (
        "The provider account has run out of credit or quota (429). Add credit with the "
        "provider, or use another key on the AI settings page."
    )


def test_a_server_too_slow_to_answer_times_out_after_bounded_retries(fake, make_provider, fast_ai):
    fast_ai.AI_TIMEOUT_SECONDS = 0.3
    fast_ai.AI_MAX_RETRIES = 1
    fake.always("chat", slow(5))

    started = time.monotonic()
    with pytest.raises(ProviderUnavailable) as caught:
        make_provider().complete_json(ideas_request())

    assert time.monotonic() - started < 3
    assert len(fake.calls("chat")) == 2
    assert "did not answer within 0.3 s after 1 retry" in caught.value.message


def test_a_slow_first_answer_is_retried_and_the_second_one_used(fake, make_provider, fast_ai):
    fast_ai.AI_TIMEOUT_SECONDS = 0.3
    fake.script("chat", [slow(5), ok(IDEAS)])

    assert make_provider().complete_json(ideas_request()).text == IDEAS
    assert len(fake.calls("chat")) == 2


def test_unreachable_server_fails_in_plain_words(make_provider, fast_ai):
    fast_ai.AI_MAX_RETRIES = 0
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]

    with pytest.raises(ProviderUnavailable) as caught:
        make_provider(base_url=f"http://127.0.0.1:{port}/v1").complete_json(ideas_request())

    assert caught.value.message.startswith(f"Could not reach 127.0.0.1:{port}: ")
    assert caught.value.message.endswith("Check the base URL and that the server is running.")


# --- refusals: key, model, URL ----------------------------------------------------------------


def test_a_wrong_key_is_refused_in_plain_words_without_retrying(fake, make_provider):
    with pytest.raises(ProviderAuthError) as caught:
        make_provider(api_key="sk-wrong-key-000000000000").complete_json(ideas_request())

    assert caught.value.message == (
        "The provider refused the API key (401). Check the key on the AI settings page."
    )
    assert len(fake.calls("chat")) == 1


def test_the_key_never_appears_in_errors_or_logs_even_when_the_server_echoes_it(
    fake, make_provider, logs
):
    """A careless proxy repeats the key in every error; none of it reaches people or logs."""
    echo = f"Incorrect API key provided: {API_KEY}"
    fake.script("chat", [unauthorized(echo)])
    fake.script("chat", [bad_request(f"Invalid request for key {API_KEY}: prompt too long")])
    fake.script("chat", [Reply(status=500, json={"error": echo}, headers={"retry-after-ms": "1"})])
    provider = make_provider()
    provider.max_retries = 0

    messages = []
    for _ in range(3):
        with pytest.raises(AIError) as caught:
            provider.complete_json(ideas_request())
        messages.append(caught.value.message)

    assert "prompt too long" in messages[1]  # the provider's words are kept...
    assert "***" in messages[1]  # ...with the key blanked
    assert len(fake.calls("chat")) == 3
    assert fake.calls("chat")[0].headers["authorization"] == f"Bearer {API_KEY}"  # it was sent
    assert logs.records, "the failures were logged"
    for text in [*messages, logs.text, *(r.getMessage() for r in logs.records)]:
        assert API_KEY not in text
        assert API_KEY[-12:] not in text


def test_an_unknown_model_names_the_model(fake, make_provider):
    fake.script("chat", [model_not_found("gpt-9-turbo")])

    with pytest.raises(ProviderModelNotFound) as caught:
        make_provider(text_model="gpt-9-turbo").complete_json(ideas_request())

    assert caught.value.message == (
        "The provider does not know the model “gpt-9-turbo” (404). Check the model name."
    )
    assert len(fake.calls("chat")) == 1


def test_a_base_url_without_the_api_path_says_to_check_the_url(fake, make_provider):
    fake.script(
        "chat",
        [Reply(status=404, raw=b"404 page not found", headers={"Content-Type": "text/plain"})],
    )

    with pytest.raises(AIError) as caught:
        make_provider(base_url=fake.origin).complete_json(ideas_request())

    assert not isinstance(caught.value, ProviderModelNotFound)
    assert "has no such API endpoint (404). Check the base URL" in caught.value.message
    assert "it usually ends in /v1" in caught.value.message


def test_a_local_server_without_a_key_gets_a_placeholder(fake, make_provider):
    fake.api_key = ""

    make_provider(api_key="").complete_json(ideas_request())

    assert fake.calls("chat")[0].headers["authorization"] == "Bearer not-needed"


def test_a_query_string_in_the_base_url_is_sent_with_every_call(fake, make_provider):
    """Azure's per-deployment endpoints carry the API version as a query parameter."""
    provider = make_provider(
        base_url=f"{fake.origin}/openai/deployments/gpt4o?api-version=2024-10-21"
    )

    provider.complete_json(ideas_request())
    provider.embed(["drain"])

    chat, embeddings = fake.calls("chat")[0], fake.calls("embeddings")[0]
    assert chat.path == "/openai/deployments/gpt4o/chat/completions"
    assert chat.query == {"api-version": "2024-10-21"}
    assert embeddings.query == {"api-version": "2024-10-21"}


def test_the_label_names_the_host_and_model(fake, make_provider):
    provider = provider_for(
        AIConfig(
            source="platform",
            base_url="https://api.example.com/v1",
            api_key="sk-x",
            text_model="gpt-4o-mini",
        )
    )

    assert isinstance(provider, OpenAICompatibleProvider)
    assert provider.name == "openai"
    assert provider.label == "OpenAI-compatible: api.example.com (gpt-4o-mini)"


# --- images ------------------------------------------------------------------------------------


def test_an_image_comes_back_from_base64_as_png(fake, make_provider):
    result = make_provider().generate_image(
        ImageRequest(prompt="A plumber's wrench on a white table", size="1024x1024")
    )

    assert result.image_format == "png"
    image = image_of(result.image)
    assert (image.format, image.size) == ("PNG", (1024, 1024))
    body = fake.calls("images")[0].body
    assert body == {
        "model": "dall-e-3",
        "prompt": "A plumber's wrench on a white table",
        "size": "1024x1024",
        "n": 1,
        "response_format": "b64_json",
    }
    assert result.model == "dall-e-3"


def test_an_image_given_as_a_url_is_downloaded(fake, make_provider):
    fake.script("images", [fake.image_url_reply(png(320, 200))])

    result = make_provider().generate_image(ImageRequest(prompt="A drain", size="320x200"))

    assert image_of(result.image).size == (320, 200)
    assert result.image_format == "png"
    downloads = [r for r in fake.requests if r.path.startswith("/files/")]
    assert len(downloads) == 1


def test_a_png_is_converted_when_webp_was_asked(fake, make_provider):
    fake.script("images", [image_b64_reply(png(300, 150))])

    result = make_provider().generate_image(
        ImageRequest(prompt="A drain", size="300x150", format="webp")
    )

    assert result.image_format == "webp"
    image = image_of(result.image)
    assert (image.format, image.size) == ("WEBP", (300, 150))
    assert image.getpixel((10, 10))[:3] == pytest.approx((37, 99, 235), abs=6)


def test_a_jpeg_is_converted_to_the_png_that_was_asked(fake, make_provider):
    fake.script("images", [image_b64_reply(png(80, 60, fmt="JPEG"))])

    result = make_provider().generate_image(ImageRequest(prompt="A drain", size="80x60"))

    assert image_of(result.image).format == "PNG"
    assert result.image_format == "png"


def test_gpt_image_models_are_not_sent_response_format(fake, make_provider):
    result = make_provider(image_model="gpt-image-1").generate_image(
        ImageRequest(prompt="A drain", size="64x64")
    )

    assert "response_format" not in fake.calls("images")[0].body
    assert image_of(result.image).format == "PNG"


def test_an_image_server_that_rejects_response_format_is_asked_again_without_it(
    fake, make_provider
):
    fake.script("images", [rejects_response_format(), fake.image_url_reply(png(64, 64))])

    result = make_provider().generate_image(ImageRequest(prompt="A drain", size="64x64"))

    assert image_of(result.image).size == (64, 64)
    assert "response_format" not in fake.calls("images")[1].body


def test_no_image_model_is_a_clear_error(fake, make_provider):
    with pytest.raises(AIError) as caught:
        make_provider(image_model="").generate_image(ImageRequest(prompt="A drain", size="64x64"))

    assert caught.value.message == (
        "No image model is configured for this provider; set one on the AI settings page."
    )
    assert fake.calls("images") == []


def test_an_image_that_is_not_an_image_is_invalid_output(fake, make_provider):
    fake.script("images", [image_b64_reply(b"<html>this is not a picture</html>")])

    with pytest.raises(InvalidOutput, match="sent an image we could not read"):
        make_provider().generate_image(ImageRequest(prompt="A drain", size="64x64"))


def test_an_oversized_download_is_refused(fake, make_provider, monkeypatch):
    monkeypatch.setattr(openai_compat, "MAX_IMAGE_BYTES", 1000)
    fake.script("images", [fake.image_url_reply(png(64, 64) + b"\0" * 5000)])

    with pytest.raises(ProviderUnavailable, match="sent more than 1,000 bytes"):
        make_provider().generate_image(ImageRequest(prompt="A drain", size="64x64"))


def test_image_generation_failures_map_like_chat(fake, make_provider):
    fake.script("images", [model_not_found("dall-e-9")])

    with pytest.raises(ProviderModelNotFound, match="“dall-e-9”"):
        make_provider(image_model="dall-e-9").generate_image(
            ImageRequest(prompt="A drain", size="64x64")
        )


# --- embeddings --------------------------------------------------------------------------------


def test_embeddings_come_back_one_vector_per_text_in_order(fake, make_provider):
    result = make_provider().embed(["drain snake", "unclog a drain", "drain snake"])

    assert len(result.embeddings) == 3
    assert all(len(v) == 8 for v in result.embeddings)
    assert result.embeddings[0] == result.embeddings[2] != result.embeddings[1]
    assert result.model == "text-embedding-3-small"
    assert result.tokens_in == 7
    body = fake.calls("embeddings")[0].body
    assert body["input"] == ["drain snake", "unclog a drain", "drain snake"]
    assert body["encoding_format"] == "float"


def test_embeddings_answered_out_of_order_are_put_back_in_order(fake, make_provider):
    fake.script(
        "embeddings",
        [
            Reply(
                json={
                    "object": "list",
                    "model": "nomic-embed-text",
                    "data": [
                        {"object": "embedding", "index": 1, "embedding": [0.0, 1.0]},
                        {"object": "embedding", "index": 0, "embedding": [1.0, 0.0]},
                    ],
                }
            )
        ],
    )

    result = make_provider().embed(["first", "second"])

    assert result.embeddings == [[1.0, 0.0], [0.0, 1.0]]
    assert result.tokens_in == 0


def test_no_embedding_model_is_a_clear_error(fake, make_provider):
    with pytest.raises(AIError, match="No embedding model is configured for this provider"):
        make_provider(embedding_model="").embed(["drain"])

    assert fake.calls("embeddings") == []


# --- test connection ---------------------------------------------------------------------------


def test_test_connection_reports_the_host_model_and_time(fake, make_provider):
    message = make_provider().test_connection()

    host = re.escape(fake.origin.removeprefix("http://"))
    assert re.fullmatch(
        rf"Connected to {host}: model gpt-4o-mini answered in \d+\.\d\d s\.", message
    )
    body = fake.calls("chat")[0].body
    assert body["model"] == "gpt-4o-mini"
    assert body["max_tokens"] == 5


def _closed_port_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{s.getsockname()[1]}/v1"


@pytest.mark.parametrize(
    ("scripted", "overrides", "error", "words"),
    [
        (None, {"api_key": "sk-wrong-key-000000000000"}, ProviderAuthError, "refused the API key"),
        (
            model_not_found("gpt-4o-mini"),
            {},
            ProviderModelNotFound,
            "does not know the model “gpt-4o-mini”",
        ),
        # One try and no retry, whatever AI_MAX_RETRIES says: the words say so.
        (server_error(), {}, ProviderUnavailable, "had a server error (500). Try again later."),
        (rate_limited(), {}, ProviderUnavailable, "is rate limiting requests (429)"),
        (slow(5), {}, ProviderUnavailable, "did not answer within 0.3 s. Try again later"),
        (None, {"base_url": "closed"}, ProviderUnavailable, "Could not reach 127.0.0.1:"),
        (None, {"text_model": ""}, AIError, "No text model is configured for this provider"),
    ],
    ids=["bad-key", "unknown-model", "server-error", "rate-limited", "timeout", "down", "no-model"],
)
def test_test_connection_failures_are_in_plain_words(
    fake, make_provider, fast_ai, logs, scripted, overrides, error, words
):
    fast_ai.AI_TIMEOUT_SECONDS = 0.3
    fast_ai.AI_MAX_RETRIES = 1
    if scripted is not None:
        fake.always("chat", scripted)
    if overrides.get("base_url") == "closed":
        overrides = {**overrides, "base_url": _closed_port_url()}

    with pytest.raises(error) as caught:
        make_provider(**overrides).test_connection()

    assert words in caught.value.message
    assert "Traceback" not in caught.value.message
    assert API_KEY not in caught.value.message
    assert API_KEY not in logs.text
