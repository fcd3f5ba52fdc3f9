"""`manage.py secrets_rotate`: after a new master key is put first, every workspace's stored
provider key is re-encrypted under it, so the old master key can be removed; running it again
changes nothing."""

from __future__ import annotations

import base64
import hashlib
from io import StringIO

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django_tenants.utils import schema_context

from apps.workspace.models import AIProviderSettings
from igny8.ai.crypto import decrypt, encrypt

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
