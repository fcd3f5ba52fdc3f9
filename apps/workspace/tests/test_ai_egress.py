"""The AI settings page cannot be turned against us: "Test connection" and "Save" refuse
private and local addresses (closed, as in production), never follow a redirect, never show a
peer's page, and the stored key goes only to the address it was saved with."""

from __future__ import annotations

import html

import pytest
from django_tenants.utils import schema_context

from apps.accounts.models import Role
from apps.workspace.models import AIProviderSettings
from apps.workspace.tests.pages import field_errors, text
from igny8.ai.crypto import decrypt, encrypt
from igny8.tests.listener import Listener
from tests.factories import make_member

pytestmark = pytest.mark.django_db

OWNER_KEY = "sk-owner-secret-7c1e9a2b4d6f8a0b"
SAVED_URL = "https://api.openai.com/v1"
PAGE = "/settings/ai/"
TEST = "/settings/ai/test/"
CHAT_OK = (
    b'{"id":"c","object":"chat.completion","created":1,"model":"m","choices":[{"index":0,'
    b'"message":{"role":"assistant","content":"ok"},"finish_reason":"stop"}]}'
)


@pytest.fixture(autouse=True)
def no_platform_default(settings):
    settings.AI_BASE_URL = ""
    settings.AI_TEXT_MODEL = ""
    settings.AI_MAX_RETRIES = 0
    settings.AI_TIMEOUT_SECONDS = 3


@pytest.fixture
def listener():
    with Listener(body=CHAT_OK) as server:
        yield server


@pytest.fixture
def admin(alpha):
    return make_member(alpha.account, Role.ADMIN)


def save_owner_key(alpha, base_url: str = SAVED_URL) -> None:
    with schema_context(alpha.schema):
        AIProviderSettings.objects.create(
            base_url=base_url,
            api_key_encrypted=encrypt(OWNER_KEY),
            api_key_hint="…0a0b",
            text_model="gpt-4o-mini",
        )


def stored(alpha) -> AIProviderSettings:
    with schema_context(alpha.schema):
        return AIProviderSettings.objects.get()


def typed(base_url: str, api_key: str = "", **extra: str) -> dict[str, str]:
    return {"enabled": "on", "base_url": base_url, "api_key": api_key, "text_model": "m", **extra}


def shown(response) -> str:
    return html.unescape(text(response))


@pytest.mark.parametrize(
    "host",
    [
        "127.0.0.1:{port}",
        "2130706433:{port}",
        "[::ffff:127.0.0.1]:{port}",
        "localhost:{port}",
        "169.254.169.254",
        "metadata.google.internal",
        "10.0.0.1:8080",
    ],
)
def test_test_connection_refuses_private_addresses_and_sends_nothing(
    host, alpha, admin, client_for, listener
):
    """The reported repro: an admin aims "Test connection" at a loopback listener with the key
    field empty. Nothing reaches the listener; the page says why, without the key."""
    save_owner_key(alpha)
    url = f"http://{host.format(port=listener.port)}/v1"
    response = client_for(admin, alpha.host).post(TEST, typed(url), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    page = shown(response)
    assert "private or local address" in page or "local name" in page
    assert OWNER_KEY not in page
    assert listener.connections == 0


def test_saving_a_private_address_is_refused_and_nothing_changes(alpha, client_for):
    save_owner_key(alpha)
    response = client_for(alpha.owner, alpha.host).post(
        PAGE, typed("http://169.254.169.254/v1", api_key="sk-new-0000")
    )
    assert response.status_code == 400
    assert "private or local address" in field_errors(response)["base_url"]
    assert 'value="http://169.254.169.254/v1"' in text(response)  # what was typed stays
    assert stored(alpha).base_url == SAVED_URL
    assert decrypt(stored(alpha).api_key_encrypted) == OWNER_KEY


def test_the_stored_key_is_not_sent_to_another_address(
    alpha, admin, client_for, listener, private_egress
):
    """Even with private addresses open (development, or an operator's choice), an empty key
    field does not carry the stored key to an address other than the one it was saved for."""
    save_owner_key(alpha)
    client = client_for(admin, alpha.host)
    response = client.post(TEST, typed(listener.origin + "/v1"), HTTP_HX_REQUEST="true")
    page = shown(response)
    assert "only sent to the address it was saved with (https://api.openai.com/v1)" in page
    assert OWNER_KEY not in page
    assert listener.connections == 0
    # Without HTMX: the whole page, the error under the key field, the typed address kept.
    response = client.post(TEST, typed(listener.origin + "/v1"))
    assert response.status_code == 400
    assert "Type the key again" in field_errors(response)["api_key"]
    assert f'value="{listener.origin}/v1"' in text(response)
    assert listener.connections == 0


def test_the_stored_key_still_goes_to_the_address_it_was_saved_with(
    alpha, admin, client_for, listener, private_egress
):
    save_owner_key(alpha, base_url=listener.origin + "/v1")
    response = client_for(admin, alpha.host).post(
        TEST, typed(listener.origin + "/v1"), HTTP_HX_REQUEST="true"
    )
    assert 'data-test-result="ok"' in text(response)
    assert [h.headers["authorization"] for h in listener.heard] == [f"Bearer {OWNER_KEY}"]


def test_a_typed_key_or_no_key_may_go_to_a_new_address(
    alpha, admin, client_for, listener, private_egress
):
    save_owner_key(alpha)
    client = client_for(admin, alpha.host)
    client.post(TEST, typed(listener.origin + "/v1", api_key="sk-admins-own-1111"))
    client.post(TEST, typed(listener.origin + "/v1", clear_key="on"))
    sent = [h.headers.get("authorization") for h in listener.heard]
    assert sent[0] == "Bearer sk-admins-own-1111"
    assert OWNER_KEY not in (sent[1] or "")


def test_moving_the_address_asks_for_the_key_again_and_keeps_everything(
    alpha, admin, client_for, private_egress
):
    save_owner_key(alpha)
    client = client_for(admin, alpha.host)
    response = client.post(PAGE, typed("https://attacker.example/v1"))
    assert response.status_code == 400
    assert "Type the key again" in field_errors(response)["api_key"]
    assert 'value="https://attacker.example/v1"' in text(response)
    assert stored(alpha).base_url == SAVED_URL  # nothing saved
    # With the key typed again (or removed) the move is saved.
    assert client.post(PAGE, typed("https://other.example/v1", "sk-new-2222")).status_code == 303
    assert (stored(alpha).base_url, decrypt(stored(alpha).api_key_encrypted)) == (
        "https://other.example/v1",
        "sk-new-2222",
    )


def test_a_redirecting_address_is_not_followed(alpha, client_for, listener, private_egress):
    bouncer = Listener(status=302, headers={"Location": listener.origin + "/v1/chat/completions"})
    with bouncer:
        response = client_for(alpha.owner, alpha.host).post(
            TEST, typed(bouncer.origin + "/v1", api_key="sk-typed-3333"), HTTP_HX_REQUEST="true"
        )
    assert "does not follow redirects" in shown(response)
    assert listener.heard == []


def test_a_peers_page_is_not_shown(alpha, client_for, private_egress):
    page = b"<html><title>Router admin</title><p>wifi password: hunter2</p></html>"
    with Listener(status=400, body=page, headers={"Content-Type": "text/html"}) as peer:
        response = client_for(alpha.owner, alpha.host).post(
            TEST, typed(peer.origin + "/v1", api_key="sk-typed-4444"), HTTP_HX_REQUEST="true"
        )
    assert 'data-test-result="failed"' in text(response)
    assert "hunter2" not in text(response)
    assert "Router admin" not in text(response)


@pytest.mark.parametrize("who", ["editor", "outsider"])
def test_only_owners_and_admins_may_test(who, alpha, outsider, client_for, listener):
    user = alpha.editor if who == "editor" else outsider
    response = client_for(user, alpha.host).post(TEST, typed(listener.origin + "/v1"))
    assert response.status_code == 403
    assert listener.connections == 0
