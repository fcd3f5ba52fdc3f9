"""The workspace AI provider page: what is in force, saving (key encrypted, never shown again),
"test connection" (with a fake provider, and with the real client against a local server),
and the list of recent AI runs."""

from __future__ import annotations

import json
import logging
import re
import threading
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from apps.workspace.models import AIProviderSettings, AIUsage
from apps.workspace.tests.pages import field_errors, text
from igny8.ai import providers
from igny8.ai.config import AIConfig
from igny8.ai.crypto import decrypt, encrypt
from igny8.ai.errors import ProviderAuthError
from tests.factories import make_site

pytestmark = pytest.mark.django_db

KEY = "sk-test-9f8e7d6c5b4a3210abcd"
PAGE = "/settings/ai/"
TEST = "/settings/ai/test/"
OFFLINE_LABEL = "Offline writer — connect a provider for real prose"


@pytest.fixture(autouse=True)
def no_platform_default(settings):
    """The page must not depend on the developer's own AI_* environment."""
    settings.AI_BASE_URL = ""
    settings.AI_API_KEY = ""
    settings.AI_TEXT_MODEL = ""
    settings.AI_IMAGE_MODEL = ""
    settings.AI_EMBEDDING_MODEL = ""


@pytest.fixture
def all_logs(caplog) -> Iterator[pytest.LogCaptureFixture]:
    """Every log line at every level, including the loggers that do not propagate."""
    names = ["", "igny8", "apps", "django", "openai", "httpx", "httpcore"]
    loggers = [logging.getLogger(n) for n in names]
    levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.addHandler(caplog.handler)
        lg.setLevel(logging.DEBUG)
    caplog.handler.setLevel(logging.DEBUG)
    yield caplog
    for lg, level in zip(loggers, levels, strict=True):
        lg.removeHandler(caplog.handler)
        lg.setLevel(level)


def stored(alpha) -> AIProviderSettings | None:
    with schema_context(alpha.schema):
        return AIProviderSettings.objects.first()


def save_own(alpha, *, key: str = KEY, enabled: bool = True, **fields) -> AIProviderSettings:
    values = {
        "base_url": "https://api.openai.com/v1",
        "text_model": "gpt-4o-mini",
        "image_model": "gpt-image-1",
        "embedding_model": "",
        **fields,
    }
    with schema_context(alpha.schema):
        return AIProviderSettings.objects.create(
            enabled=enabled,
            api_key_encrypted=encrypt(key),
            api_key_hint=f"…{key[-4:]}" if key else "",
            **values,
        )


def form_data(**overrides) -> dict[str, str]:
    data = {
        "enabled": "on",
        "base_url": "https://api.openai.com/v1",
        "api_key": KEY,
        "text_model": "gpt-4o-mini",
        "image_model": "gpt-image-1",
        "embedding_model": "text-embedding-3-small",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def in_force(response) -> str:
    match = re.search(r'data-in-force="(\w+)"', text(response))
    return match.group(1) if match else ""


def key_input(response) -> str:
    return re.search(r'<input type="password"[^>]*>', text(response)).group(0)


class FakeProvider:
    """Stands in for a provider; records the configuration it was made from."""

    name = "openai"
    label = "fake"

    def __init__(self, config: AIConfig, error: Exception | None = None) -> None:
        self.config = config
        self.error = error

    def test_connection(self) -> str:
        if self.error:
            raise self.error
        return f"Connected to {self.config.base_url}: model {self.config.text_model} answered."


@pytest.fixture
def fake_provider(monkeypatch):
    """`fake_provider(error=None)` → the list of configurations tested."""
    tested: list[AIConfig] = []

    def install(error: Exception | None = None) -> list[AIConfig]:
        def provider_for(config: AIConfig) -> FakeProvider:
            tested.append(config)
            return FakeProvider(config, error)

        monkeypatch.setattr(providers, "provider_for", provider_for)
        return tested

    return install


# Who may see the page --------------------------------------------------------------------


def test_owner_sees_the_offline_writer_when_nothing_is_configured(alpha, client_for):
    response = client_for(alpha.owner, alpha.host).get(PAGE)
    assert response.status_code == 200
    assert in_force(response) == "offline"
    assert OFFLINE_LABEL in text(response)
    assert "title-card images" in text(response)
    assert "Use the platform default instead" not in text(response)


def test_admin_may_open_the_page(alpha, admin_member, client_for):
    response = client_for(admin_member, alpha.host).get(PAGE)
    assert response.status_code == 200
    assert "Your own provider" in text(response)


def test_owner_sees_settings_in_the_navigation_and_the_tabs(alpha, client_for):
    response = client_for(alpha.owner, alpha.host).get(PAGE)
    # "Settings" opens the general tab; on any settings page it is the current section.
    assert re.search(r'<a href="/settings/" aria-current="page">Settings</a>', text(response))
    assert re.search(r'href="/settings/ai/" aria-current="page">AI provider</a>', text(response))
    assert 'href="/settings/prompts/"' in text(response)


@pytest.mark.parametrize("role", ["editor", "viewer"])
def test_lesser_members_are_refused_and_nothing_is_saved(
    role, alpha, viewer, client_for, fake_provider
):
    member = alpha.editor if role == "editor" else viewer
    tested = fake_provider()
    client = client_for(member, alpha.host)
    assert client.get(PAGE).status_code == 403
    assert client.post(PAGE, form_data()).status_code == 403
    assert client.post(TEST, form_data()).status_code == 403
    assert stored(alpha) is None
    assert tested == []
    dashboard = text(client.get("/"))
    assert 'href="/settings/ai/"' not in dashboard


def test_lesser_members_cannot_remove_the_workspace_provider(alpha, client_for):
    save_own(alpha)
    response = client_for(alpha.editor, alpha.host).post(PAGE, {"action": "remove"})
    assert response.status_code == 403
    assert stored(alpha) is not None


def test_outsider_is_refused(alpha, outsider, client_for):
    save_own(alpha)
    client = client_for(outsider, alpha.host)
    response = client.get(PAGE)
    assert response.status_code == 403
    assert "api.openai.com" not in text(response)
    assert client.post(PAGE, form_data(base_url="https://evil.example/v1")).status_code == 403
    assert stored(alpha).base_url == "https://api.openai.com/v1"


def test_anonymous_is_sent_to_login(alpha, client_for):
    response = client_for(None, alpha.host).get(PAGE)
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=%2Fsettings%2Fai%2F"


# What is in force ------------------------------------------------------------------------


def test_platform_default_is_shown_without_its_key(alpha, client_for, settings):
    settings.AI_BASE_URL = "https://llm.platform.example/v1"
    settings.AI_API_KEY = "sk-platform-secret-7777"
    settings.AI_TEXT_MODEL = "platform-model-large"
    response = client_for(alpha.owner, alpha.host).get(PAGE)
    assert in_force(response) == "platform"
    assert "https://llm.platform.example/v1" in text(response)
    assert "platform-model-large" in text(response)
    assert "sk-platform-secret" not in text(response)
    assert "7777" not in text(response)
    assert OFFLINE_LABEL not in text(response)


def test_own_provider_is_shown_with_only_the_key_hint(alpha, client_for):
    save_own(alpha, base_url="https://openrouter.ai/api/v1", text_model="meta/llama-3.1")
    response = client_for(alpha.owner, alpha.host).get(PAGE)
    assert in_force(response) == "workspace"
    page = text(response)
    assert "https://openrouter.ai/api/v1" in page and "meta/llama-3.1" in page
    assert "ending …abcd" in page
    assert KEY not in page and KEY[:-4] not in page
    assert 'value="' not in key_input(response)  # the key field is never pre-filled
    # No platform default here: the way back is named for what it leads to.
    assert "Remove and use the offline writer" in page


def test_switched_off_own_provider_falls_back_to_the_platform(alpha, client_for, settings):
    settings.AI_BASE_URL = "https://llm.platform.example/v1"
    settings.AI_TEXT_MODEL = "platform-model-large"
    save_own(alpha, enabled=False)
    response = client_for(alpha.owner, alpha.host).get(PAGE)
    assert in_force(response) == "platform"
    assert "saved but switched off" in text(response)


def test_a_key_that_can_no_longer_be_read_is_reported(alpha, client_for):
    row = save_own(alpha)
    with schema_context(alpha.schema):
        AIProviderSettings.objects.filter(pk=row.pk).update(api_key_encrypted="gAAAAbroken")
    response = client_for(alpha.owner, alpha.host).get(PAGE)
    assert "The stored key can no longer be read" in text(response)


# Saving ----------------------------------------------------------------------------------


def test_owner_saves_a_provider_and_the_key_is_encrypted_and_never_shown(
    alpha, client_for, all_logs
):
    client = client_for(alpha.owner, alpha.host)
    response = client.post(PAGE, form_data())
    assert response.status_code == 303
    row = stored(alpha)
    assert (row.base_url, row.text_model, row.image_model, row.embedding_model) == (
        "https://api.openai.com/v1",
        "gpt-4o-mini",
        "gpt-image-1",
        "text-embedding-3-small",
    )
    assert row.enabled and row.updated_by_id == alpha.owner.pk
    assert KEY not in row.api_key_encrypted
    with schema_context(alpha.schema):
        assert decrypt(row.api_key_encrypted) == KEY
    assert row.api_key_hint == "…abcd"

    page = client.get(PAGE)
    assert "Saved. AI runs now use https://api.openai.com/v1." in text(page)
    assert "…abcd" in text(page)
    assert KEY not in text(page)
    assert 'value="' not in key_input(page)
    assert KEY not in all_logs.text


def test_an_empty_key_field_keeps_the_stored_key(alpha, client_for):
    save_own(alpha)
    response = client_for(alpha.owner, alpha.host).post(
        PAGE, form_data(api_key="", text_model="gpt-4.1")
    )
    assert response.status_code == 303
    row = stored(alpha)
    assert row.text_model == "gpt-4.1"
    assert decrypt(row.api_key_encrypted) == KEY and row.api_key_hint == "…abcd"


def test_the_remove_box_clears_the_stored_key(alpha, client_for):
    save_own(alpha)
    response = client_for(alpha.owner, alpha.host).post(PAGE, form_data(api_key="", clear_key="on"))
    assert response.status_code == 303
    row = stored(alpha)
    assert row.api_key_encrypted == "" and row.api_key_hint == ""
    page = text(client_for(alpha.owner, alpha.host).get(PAGE))
    assert "<span data-key-hint>none</span>" in page
    assert "Remove the stored key" not in page  # nothing left to remove


def test_a_new_key_replaces_the_stored_one(alpha, client_for):
    save_own(alpha)
    client_for(alpha.owner, alpha.host).post(PAGE, form_data(api_key="sk-another-key-0000wxyz"))
    row = stored(alpha)
    assert decrypt(row.api_key_encrypted) == "sk-another-key-0000wxyz"
    assert row.api_key_hint == "…wxyz"


def test_a_local_server_needs_no_key(alpha, client_for, private_egress):
    response = client_for(alpha.owner, alpha.host).post(
        PAGE,
        form_data(base_url="http://localhost:11434/v1", api_key="", text_model="llama3.1"),
    )
    assert response.status_code == 303
    row = stored(alpha)
    assert (row.base_url, row.text_model, row.api_key_encrypted) == (
        "http://localhost:11434/v1",
        "llama3.1",
        "",
    )


@pytest.mark.parametrize(
    ("typed", "saved"),
    [
        ("http://vllm:8000/v1/", "http://vllm:8000/v1"),
        ("http://10.0.0.5:8000/v1", "http://10.0.0.5:8000/v1"),
        ("http://[::1]:8080/v1", "http://[::1]:8080/v1"),
        ("http://gpu-box.local:8000/v1", "http://gpu-box.local:8000/v1"),
        (
            "https://res.openai.azure.com/openai/deployments/d?api-version=2024-10-21",
            "https://res.openai.azure.com/openai/deployments/d?api-version=2024-10-21",
        ),
    ],
)
def test_self_hosted_and_azure_addresses_are_accepted(
    typed, saved, alpha, client_for, private_egress
):
    response = client_for(alpha.owner, alpha.host).post(PAGE, form_data(base_url=typed, api_key=""))
    assert response.status_code == 303
    assert stored(alpha).base_url == saved


@pytest.mark.parametrize(
    ("base_url", "error"),
    [
        ("", "Enter the provider's API address"),
        ("api.openai.com", "starts with https://"),
        ("ftp://files.example.com/v1", "starts with https://"),
        ("https://", "starts with https://"),
        ("https://api.example.com:port/v1", "Enter the provider's API address"),
        ("http://api.example.com/v1", "Use https:// for api.example.com"),
        ("http://8.8.8.8/v1", "Use https:// for 8.8.8.8"),
        ("http://[2606:4700::1111]/v1", "Use https:// for 2606:4700::1111"),
        ("https://exa mple.com/v1", "cannot contain spaces"),
    ],
)
def test_a_bad_base_url_is_refused_and_nothing_changes(base_url, error, alpha, client_for):
    save_own(alpha)
    response = client_for(alpha.owner, alpha.host).post(
        PAGE, form_data(base_url=base_url, api_key="sk-would-be-new-key-zzzz")
    )
    assert response.status_code == 400
    assert error in field_errors(response)["base_url"]
    row = stored(alpha)
    assert row.base_url == "https://api.openai.com/v1"
    assert decrypt(row.api_key_encrypted) == KEY
    assert "sk-would-be-new-key" not in text(response)


def test_a_missing_text_model_is_refused_and_nothing_is_saved(alpha, client_for):
    response = client_for(alpha.owner, alpha.host).post(PAGE, form_data(text_model="  "))
    assert response.status_code == 400
    assert "Enter the text model" in field_errors(response)["text_model"]
    assert stored(alpha) is None
    assert KEY not in text(response)


def test_typing_a_key_and_ticking_remove_is_refused(alpha, client_for):
    save_own(alpha)
    response = client_for(alpha.owner, alpha.host).post(PAGE, form_data(clear_key="on"))
    assert response.status_code == 400
    assert "not both" in field_errors(response)["api_key"]
    assert decrypt(stored(alpha).api_key_encrypted) == KEY


def test_switching_off_keeps_the_settings_but_uses_the_platform_default(alpha, client_for):
    client = client_for(alpha.owner, alpha.host)
    response = client.post(PAGE, form_data(enabled=None))
    assert response.status_code == 303
    assert stored(alpha).enabled is False
    page = client.get(PAGE)
    assert "Saved and switched off: the offline writer is in force." in text(page)
    assert in_force(page) == "offline"


def test_use_the_platform_default_removes_the_own_provider(alpha, client_for, settings):
    settings.AI_BASE_URL = "https://llm.platform.example/v1"
    settings.AI_TEXT_MODEL = "platform-model-large"
    save_own(alpha)
    client = client_for(alpha.owner, alpha.host)
    response = client.post(PAGE, {"action": "remove"})
    assert response.status_code == 303
    assert stored(alpha) is None
    page = client.get(PAGE)
    assert in_force(page) == "platform"
    assert "the platform default is in force" in text(page)


def test_without_a_platform_default_removing_leads_to_the_offline_writer(alpha, client_for):
    save_own(alpha)
    client = client_for(alpha.owner, alpha.host)
    assert client.post(PAGE, {"action": "remove"}).status_code == 303
    page = client.get(PAGE)
    assert in_force(page) == "offline"
    assert "the offline writer is in force" in text(page)


# Test connection -------------------------------------------------------------------------


def test_test_connection_tries_the_typed_values_without_saving(
    alpha, client_for, fake_provider, private_egress
):
    tested = fake_provider()
    response = client_for(alpha.owner, alpha.host).post(
        TEST,
        form_data(base_url="http://localhost:11434/v1", api_key="", text_model="llama3.1"),
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert "<html" not in text(response)  # only the result box
    assert 'data-test-result="ok"' in text(response)
    assert "Connected to http://localhost:11434/v1: model llama3.1 answered." in text(response)
    assert [(c.base_url, c.text_model, c.api_key) for c in tested] == [
        ("http://localhost:11434/v1", "llama3.1", "")
    ]
    assert stored(alpha) is None


def test_a_typed_key_is_tested_and_an_empty_one_means_the_stored_key(
    alpha, client_for, fake_provider
):
    save_own(alpha)
    tested = fake_provider()
    client = client_for(alpha.owner, alpha.host)
    client.post(TEST, form_data(api_key="sk-typed-but-unsaved-1111"), HTTP_HX_REQUEST="true")
    client.post(TEST, form_data(api_key=""), HTTP_HX_REQUEST="true")
    client.post(TEST, form_data(api_key="", clear_key="on"), HTTP_HX_REQUEST="true")
    assert [c.api_key for c in tested] == ["sk-typed-but-unsaved-1111", KEY, ""]
    assert decrypt(stored(alpha).api_key_encrypted) == KEY


def test_without_form_values_the_saved_settings_are_tested(alpha, client_for, fake_provider):
    save_own(alpha, text_model="gpt-4.1-mini")
    tested = fake_provider()
    response = client_for(alpha.owner, alpha.host).post(TEST, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert 'data-test-result="ok"' in text(response)
    assert [(c.source, c.text_model, c.api_key) for c in tested] == [
        ("workspace", "gpt-4.1-mini", KEY)
    ]


def test_the_providers_error_is_shown_in_plain_words(alpha, client_for, fake_provider):
    message = "The provider refused the API key (401). Check the key on the AI settings page."
    fake_provider(ProviderAuthError(message))
    response = client_for(alpha.owner, alpha.host).post(TEST, form_data(), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert 'data-test-result="failed"' in text(response)
    assert message in text(response)
    assert KEY not in text(response)


def test_a_key_echoed_in_the_providers_error_is_hidden(alpha, client_for, fake_provider):
    fake_provider(ProviderAuthError(f"Incorrect API key provided: {KEY}."))
    response = client_for(alpha.owner, alpha.host).post(TEST, form_data(), HTTP_HX_REQUEST="true")
    assert "Incorrect API key provided: …abcd." in text(response)
    assert KEY not in text(response)


def test_without_javascript_the_page_comes_back_with_the_result(alpha, client_for, fake_provider):
    fake_provider(ProviderAuthError("The provider refused the API key (401)."))
    response = client_for(alpha.owner, alpha.host).post(
        TEST, form_data(base_url="https://openrouter.ai/api/v1", text_model="meta/llama-3.1")
    )
    assert response.status_code == 200
    page = text(response)
    assert "<html" in page and "Recent AI runs" in page
    assert 'data-test-result="failed"' in page
    assert "The provider refused the API key (401)." in page
    assert 'value="https://openrouter.ai/api/v1"' in page  # what was typed stays
    assert KEY not in page
    assert stored(alpha) is None


def test_testing_bad_values_shows_the_problems_and_calls_no_provider(
    alpha, client_for, fake_provider
):
    tested = fake_provider()
    client = client_for(alpha.owner, alpha.host)
    page = client.post(TEST, form_data(base_url="ftp://x.example", text_model=""))
    assert page.status_code == 400
    assert "starts with https://" in field_errors(page)["base_url"]
    assert "Enter the text model" in field_errors(page)["text_model"]
    box = client.post(TEST, form_data(base_url="ftp://x.example"), HTTP_HX_REQUEST="true")
    assert "Fix these before testing" in text(box)
    assert "Base URL: Use an address that starts with https://" in text(box)
    assert tested == []


def test_the_offline_writer_can_be_tested_too(alpha, client_for, fake_provider):
    tested = fake_provider()
    response = client_for(alpha.owner, alpha.host).post(TEST, HTTP_HX_REQUEST="true")
    assert 'data-test-result="ok"' in text(response)
    assert [c.source for c in tested] == ["offline"]


# Test connection with the real client against a local server ------------------------------


class FakeOpenAI:
    """A local HTTP server that answers /v1/chat/completions like the API (or refuses the key)."""

    def __init__(self, status: int) -> None:
        self.status = status
        self.requests: list[dict] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 — the http.server API
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                fake.requests.append(
                    {
                        "path": self.path,
                        "authorization": self.headers.get("Authorization", ""),
                        "json": json.loads(body or b"{}"),
                    }
                )
                if fake.status == 401:
                    key = self.headers.get("Authorization", "").removeprefix("Bearer ")
                    answer = {
                        "error": {
                            "message": f"Incorrect API key provided: {key}.",
                            "type": "invalid_request_error",
                            "code": "invalid_api_key",
                        }
                    }
                else:
                    answer = {
                        "id": "chatcmpl-1",
                        "object": "chat.completion",
                        "created": 1700000000,
                        "model": "tiny-model",
                        "choices": [
                            {
                                "index": 0,
                                "message": {"role": "assistant", "content": "ok"},
                                "finish_reason": "stop",
                            }
                        ],
                        "usage": {"prompt_tokens": 5, "completion_tokens": 1, "total_tokens": 6},
                    }
                data = json.dumps(answer).encode()
                self.send_response(fake.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base_url = f"http://127.0.0.1:{self.server.server_port}/v1"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def fake_openai(settings, private_egress) -> Iterator:
    settings.AI_MAX_RETRIES = 0
    settings.AI_TIMEOUT_SECONDS = 5
    servers: list[FakeOpenAI] = []

    def start(status: int) -> FakeOpenAI:
        servers.append(FakeOpenAI(status))
        return servers[-1]

    yield start
    for server in servers:
        server.close()


def test_real_client_reports_a_refused_key_in_plain_words(alpha, client_for, fake_openai, all_logs):
    server = fake_openai(401)
    response = client_for(alpha.owner, alpha.host).post(
        TEST, form_data(base_url=server.base_url, text_model="tiny-model"), HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert 'data-test-result="failed"' in text(response)
    assert "The provider refused the API key (401)" in text(response)
    assert [(r["path"], r["authorization"]) for r in server.requests] == [
        ("/v1/chat/completions", f"Bearer {KEY}")
    ]
    assert server.requests[0]["json"]["model"] == "tiny-model"
    assert KEY not in text(response)
    assert KEY not in all_logs.text
    assert stored(alpha) is None


def test_real_client_reports_success(alpha, client_for, fake_openai, all_logs):
    server = fake_openai(200)
    save_own(alpha, base_url=server.base_url, text_model="tiny-model")
    response = client_for(alpha.owner, alpha.host).post(
        TEST, form_data(base_url=server.base_url, api_key="", text_model="tiny-model")
    )
    assert response.status_code == 200
    assert 'data-test-result="ok"' in text(response)
    assert "model tiny-model answered" in text(response)
    assert [r["authorization"] for r in server.requests] == [f"Bearer {KEY}"]
    assert KEY not in text(response)
    assert KEY not in all_logs.text


# Recent AI runs --------------------------------------------------------------------------


def test_recent_runs_are_listed_in_plain_words(alpha, client_for):
    site = make_site(alpha.account, "Garden Blog")
    now = timezone.now()
    with schema_context(alpha.schema):
        AIUsage.objects.create(
            function="write_content",
            provider="openai",
            model="gpt-4o-mini",
            site=site,
            tokens_in=1234,
            tokens_out=2345,
            credits=12,
            duration_ms=4300,
            status="succeeded",
            created=now - timedelta(minutes=5),
        )
        AIUsage.objects.create(
            function="generate_image",
            provider="offline",
            model="",
            tokens_in=0,
            tokens_out=0,
            credits=0,
            duration_ms=250,
            status="failed",
            error="The provider does not know the model “dall-e-9” (404). Check the model name.",
            created=now,
        )
    response = client_for(alpha.owner, alpha.host).get(PAGE)
    page = text(response)
    rows = re.findall(r'<tr data-run="\d+">(.*?)</tr>', page, re.S)
    assert len(rows) == 2
    plain = [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", r)).strip() for r in rows]
    assert "Generate an image" in plain[0] and "Offline writer" in plain[0]
    assert "Failed" in plain[0] and "dall-e-9" in plain[0] and "250 ms" in plain[0]
    assert "Write an article" in plain[1] and "Garden Blog" in plain[1]
    assert "OpenAI-compatible" in plain[1] and "gpt-4o-mini" in plain[1]
    for figure in ("1,234", "2,345", "12", "4.3 s", "Succeeded"):
        assert figure in plain[1]


def test_only_the_last_50_runs_are_listed(alpha, client_for):
    now = timezone.now()
    with schema_context(alpha.schema):
        AIUsage.objects.bulk_create(
            AIUsage(
                function="name_clusters",
                provider="offline",
                status="succeeded",
                model=f"run-{i}",
                created=now - timedelta(minutes=i),
            )
            for i in range(51)
        )
    page = text(client_for(alpha.owner, alpha.host).get(PAGE))
    assert len(re.findall(r'<tr data-run="\d+">', page)) == 50
    assert "run-0<" in page and "run-49<" in page and "run-50<" not in page


def test_no_runs_yet_says_how_runs_appear(alpha, client_for):
    page = text(client_for(alpha.owner, alpha.host).get(PAGE))
    assert 'data-empty="runs"' in page
    assert "No AI runs yet" in page
