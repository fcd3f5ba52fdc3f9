"""`manage.py secrets_rotate`: after a new master key is put first, every workspace's stored
secret (the AI provider key, each site's WordPress connection key and Application Password) is
re-encrypted under it, so the old master key can be removed; running it again changes
nothing."""

from __future__ import annotations

import base64
import hashlib
from io import StringIO

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django_tenants.utils import schema_context

from apps.publisher.models import Adapter, Connection
from apps.workspace.models import AIProviderSettings
from igny8.ai.crypto import decrypt, encrypt
from tests.factories import make_site

pytestmark = pytest.mark.django_db

ALPHA_KEY = "sk-alpha-1111222233334444"
BETA_KEY = "sk-beta-5555666677778888"


def store(schema: str, token: str) -> None:
    with schema_context(schema):
        AIProviderSettings.objects.create(
            base_url="https://api.openai.com/v1",
            text_model="gpt-4o-mini",
            api_key_encrypted=token,
            api_key_hint="…wxyz",
        )


def stored_token(schema: str) -> str:
    with schema_context(schema):
        return AIProviderSettings.objects.get().api_key_encrypted


def old_shared_key_token(master: str, secret: str) -> str:
    """A token as stored before per-workspace keys: one key for all, from SHA-256."""
    key = base64.urlsafe_b64encode(hashlib.sha256(f"igny8-secrets:{master}".encode()).digest())
    return Fernet(key).encrypt(secret.encode()).decode()


def rotate() -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("secrets_rotate", stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_rotation_moves_every_workspace_to_the_newest_key(settings, alpha, beta):
    settings.IGNY8_ENCRYPTION_KEY = "old-master-key"
    with schema_context(alpha.schema):
        store(alpha.schema, encrypt(ALPHA_KEY))
    # Beta's key was saved before keys were per workspace.
    store(beta.schema, old_shared_key_token("old-master-key", BETA_KEY))
    settings.IGNY8_ENCRYPTION_KEY = "new-master-key,old-master-key"

    out, err = rotate()

    assert "2 re-encrypted under the newest key, 0 already current, 0 unreadable" in out
    assert err == ""
    # The old master key and the old shared key can go: both keys still read.
    settings.IGNY8_ENCRYPTION_KEY = "new-master-key"
    settings.IGNY8_ENCRYPTION_LEGACY = False
    assert decrypt(stored_token(alpha.schema), schema=alpha.schema) == ALPHA_KEY
    assert decrypt(stored_token(beta.schema), schema=beta.schema) == BETA_KEY
    # Still one key per workspace: alpha's token does not read in beta.
    assert decrypt(stored_token(alpha.schema), schema=beta.schema) == ""


def test_a_second_run_changes_nothing(settings, alpha, beta):
    settings.IGNY8_ENCRYPTION_KEY = "new-master-key,old-master-key"
    store(alpha.schema, encrypt(ALPHA_KEY, schema=alpha.schema))
    rotate()
    before = stored_token(alpha.schema)

    out, _ = rotate()

    assert "0 re-encrypted under the newest key, 1 already current, 0 unreadable" in out
    assert stored_token(alpha.schema) == before


def test_a_secret_no_key_reads_is_reported_and_left_alone(settings, alpha, beta):
    settings.IGNY8_ENCRYPTION_KEY = "a-key-nobody-kept"
    lost = encrypt(ALPHA_KEY, schema=alpha.schema)
    store(alpha.schema, lost)
    settings.IGNY8_ENCRYPTION_KEY = "new-master-key"

    out, err = rotate()

    assert "0 re-encrypted under the newest key, 0 already current, 1 unreadable" in out
    assert "alpha (Alpha Inc.): 1 secret no configured key can read" in err
    assert stored_token(alpha.schema) == lost


def test_the_ai_settings_page_reads_a_rotated_key(settings, alpha, client_for):
    settings.IGNY8_ENCRYPTION_KEY = "old-master-key"
    store(alpha.schema, encrypt(ALPHA_KEY, schema=alpha.schema))
    settings.IGNY8_ENCRYPTION_KEY = "new-master-key,old-master-key"
    rotate()
    settings.IGNY8_ENCRYPTION_KEY = "new-master-key"

    page = client_for(alpha.owner, alpha.host).get("/settings/ai/")

    assert page.status_code == 200
    assert "…wxyz" in page.content.decode()
    assert "can no longer be read" not in page.content.decode()


PLUGIN_KEY = "igny8_live_plugin-key-0000111122223333"
APP_PASSWORD = "abcd efgh ijkl mnop qrst uvwx"


def store_connections(ws, key_token: str, password_token: str) -> None:
    plugin_site = make_site(ws.account, "Plugin Blog", sectors=1)
    core_site = make_site(ws.account, "Core Blog", sectors=1)
    with schema_context(ws.schema):
        Connection.objects.create(
            site=plugin_site,
            adapter=Adapter.PLUGIN,
            wp_url="https://plugin.example.com",
            key_id="k1",
            key_hash="0" * 64,
            key_secret=key_token,
        )
        Connection.objects.create(
            site=core_site,
            adapter=Adapter.CORE,
            wp_url="https://core.example.com",
            wp_user="editor",
            app_password=password_token,
        )


def wordpress_secrets(ws) -> dict[str, str]:
    with schema_context(ws.schema):
        rows = Connection.objects.order_by("pk")
        return {
            "key": decrypt(rows[0].key_secret),
            "password": decrypt(rows[1].app_password),
            "updated": [str(row.updated) for row in rows],
        }


def test_wordpress_secrets_are_rotated_too(settings, alpha, beta):
    """A site's WordPress connection key and Application Password live under the same keys:
    once rotation has run and the old keys are gone, publishing can still read them."""
    settings.IGNY8_ENCRYPTION_KEY = "old-master-key"
    # The plugin key under the old master key; the password from before per-workspace keys.
    store_connections(
        alpha,
        encrypt(PLUGIN_KEY, schema=alpha.schema),
        old_shared_key_token("old-master-key", APP_PASSWORD),
    )
    before = wordpress_secrets(alpha)["updated"]
    settings.IGNY8_ENCRYPTION_KEY = "new-master-key,old-master-key"

    out, err = rotate()

    assert "2 re-encrypted under the newest key, 0 already current, 0 unreadable" in out
    assert err == ""
    settings.IGNY8_ENCRYPTION_KEY = "new-master-key"
    settings.IGNY8_ENCRYPTION_LEGACY = False
    after = wordpress_secrets(alpha)
    assert (after["key"], after["password"]) == (PLUGIN_KEY, APP_PASSWORD)
    assert after["updated"] == before
    out, _ = rotate()
    assert "0 re-encrypted under the newest key, 2 already current, 0 unreadable" in out


def test_an_unreadable_wordpress_secret_is_named_with_where_to_enter_it_again(
    settings, alpha, beta
):
    settings.IGNY8_ENCRYPTION_KEY = "a-key-nobody-kept"
    lost = encrypt(APP_PASSWORD, schema=alpha.schema)
    store_connections(alpha, encrypt(PLUGIN_KEY, schema=alpha.schema), lost)
    settings.IGNY8_ENCRYPTION_KEY = "new-master-key"

    out, err = rotate()

    assert "0 re-encrypted under the newest key, 0 already current, 2 unreadable" in out
    assert "alpha (Alpha Inc.): 2 WordPress secrets no configured key can read" in err
    assert "Publisher → WordPress" in err
    with schema_context(alpha.schema):
        assert Connection.objects.order_by("pk")[1].app_password == lost
