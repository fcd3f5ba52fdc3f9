"""API keys at rest: encrypted with a key per workspace, unreadable under another key or in
another workspace (without crashing), readable after a master key rotation, hinted."""

from __future__ import annotations

import pytest
from django_tenants.utils import schema_context

from igny8.ai.crypto import decrypt, encrypt, hint, reencrypt

KEY = "sk-proj-Abc123XyZ-7890wxyz"


def test_a_key_round_trips_and_is_not_stored_in_clear(settings):
    settings.IGNY8_ENCRYPTION_KEY = ""
    token = encrypt(KEY)
    assert token and KEY not in token and "7890wxyz" not in token
    assert decrypt(token) == KEY


def test_the_same_key_encrypts_differently_each_time():
    assert encrypt(KEY) != encrypt(KEY)


def test_nothing_to_encrypt_stays_empty():
    assert encrypt("") == ""
    assert decrypt("") == ""


def test_a_token_made_under_another_secret_key_reads_as_empty(settings):
    settings.IGNY8_ENCRYPTION_KEY = ""
    settings.SECRET_KEY = "first-secret-key-for-this-test"
    token = encrypt(KEY)
    settings.SECRET_KEY = "a-rotated-secret-key-for-this-test"
    assert decrypt(token) == ""


def test_a_token_made_under_another_encryption_key_reads_as_empty(settings):
    settings.IGNY8_ENCRYPTION_KEY = "dedicated-key-one"
    token = encrypt(KEY)
    settings.IGNY8_ENCRYPTION_KEY = "dedicated-key-two"
    assert decrypt(token) == ""


def test_a_dedicated_encryption_key_survives_a_secret_key_rotation(settings):
    settings.IGNY8_ENCRYPTION_KEY = "dedicated-key-one"
    settings.SECRET_KEY = "first-secret-key-for-this-test"
    token = encrypt(KEY)
    settings.SECRET_KEY = "a-rotated-secret-key-for-this-test"
    assert decrypt(token) == KEY


def test_garbage_reads_as_empty():
    assert decrypt("not-a-token") == ""
    assert decrypt("gAAAAABbroken==") == ""


def test_the_hint_shows_only_the_last_four_characters():
    assert hint(KEY) == "…wxyz"
    assert hint("sk-short") == "…hort"
    # Too short to show anything without giving most of it away.
    assert hint("abc1234") == "…"
    assert hint("") == "…"


# --- one key per workspace ---------------------------------------------------------------------


def test_the_same_secret_in_two_workspaces_cannot_be_read_in_the_other(settings):
    settings.IGNY8_ENCRYPTION_KEY = "dedicated-key-one"
    in_alpha = encrypt(KEY, schema="ws_alpha")
    in_beta = encrypt(KEY, schema="ws_beta")

    assert decrypt(in_alpha, schema="ws_alpha") == KEY
    assert decrypt(in_beta, schema="ws_beta") == KEY
    assert decrypt(in_alpha, schema="ws_beta") == ""
    assert decrypt(in_beta, schema="ws_alpha") == ""


@pytest.mark.django_db
def test_the_workspace_is_the_schema_the_connection_is_in(settings, alpha, beta):
    settings.IGNY8_ENCRYPTION_KEY = "dedicated-key-one"
    with schema_context(alpha.schema):
        token = encrypt(KEY)
        assert decrypt(token) == KEY
    with schema_context(beta.schema):
        assert decrypt(token) == ""
    assert decrypt(token, schema=alpha.schema) == KEY


def test_the_workspace_key_is_hkdf_sha256_of_the_master_key_and_the_schema(settings):
    # Made once from the documented derivation (salt b"igny8/secrets/v1", info
    # b"workspace-schema:" + schema): changing the derivation would lose every stored key.
    settings.IGNY8_ENCRYPTION_KEY = "pinned-master-key"
    settings.IGNY8_ENCRYPTION_LEGACY = False
    token = (
        "gAAAAABrFqucm97e8OOcir9idojAytAbs8m4SGYVzXZc7maWPuGpAkTXp_hmkRKzyoVr9fTb4ECgHuL_UvveRFID"
        "lMJ0QAmWpAwpdn8EeaNCC85j3KSHcFg="
    )
    assert decrypt(token, schema="ws_pinned") == KEY
    assert decrypt(token, schema="ws_other") == ""


# Made by the code before per-workspace keys (one Fernet key for all, from SHA-256).
LEGACY_UNDER_SECRET_KEY = (
    "gAAAAABrFquaul0g6Gm9c0dpdpPe-QfFh0QY9q9QhV9ZAEru_EBkVTVQMJUqY4S3_TwmAiYk9ywI95zVhbRBt1MAx_73"
    "dQvUohXsJMR2_K1qckLmfrLYWZk="
)
LEGACY_UNDER_DEDICATED_KEY = (
    "gAAAAABrFquafVRfMyt0NOoplr4E4murzPph_01_5ErmrxbrMQo-XWDbQN3jva8UccswliIdZXRKzXNUhenhbEidVJrx"
    "xoiFlGxUDK1xA9junSYI4wdgktA="
)


def test_a_secret_stored_before_per_workspace_keys_still_decrypts(settings):
    settings.IGNY8_ENCRYPTION_KEY = ""
    settings.SECRET_KEY = "legacy-secret-key-from-before-the-upgrade"
    assert decrypt(LEGACY_UNDER_SECRET_KEY, schema="ws_alpha") == KEY

    settings.IGNY8_ENCRYPTION_KEY = "dedicated-key-from-before-the-upgrade"
    assert decrypt(LEGACY_UNDER_DEDICATED_KEY, schema="ws_alpha") == KEY
    # Behind a newer master key too: the old one is still in the list.
    settings.IGNY8_ENCRYPTION_KEY = "a-newer-key, dedicated-key-from-before-the-upgrade"
    assert decrypt(LEGACY_UNDER_DEDICATED_KEY, schema="ws_alpha") == KEY


def test_the_legacy_fallback_can_be_switched_off(settings):
    settings.IGNY8_ENCRYPTION_KEY = "dedicated-key-from-before-the-upgrade"
    settings.IGNY8_ENCRYPTION_LEGACY = False
    assert decrypt(LEGACY_UNDER_DEDICATED_KEY, schema="ws_alpha") == ""


def test_a_new_master_key_first_reads_old_secrets_and_rotation_frees_the_old_key(settings):
    settings.IGNY8_ENCRYPTION_KEY = "old-master-key"
    old = encrypt(KEY, schema="ws_alpha")

    settings.IGNY8_ENCRYPTION_KEY = "new-master-key,old-master-key"
    assert decrypt(old, schema="ws_alpha") == KEY
    fresh = encrypt(KEY, schema="ws_alpha")
    rotated = reencrypt(old, schema="ws_alpha")
    assert rotated not in (None, old)
    assert reencrypt(rotated, schema="ws_alpha") == rotated  # already current: left alone
    assert reencrypt(fresh, schema="ws_alpha") == fresh

    settings.IGNY8_ENCRYPTION_KEY = "new-master-key"
    assert decrypt(rotated, schema="ws_alpha") == KEY
    assert decrypt(fresh, schema="ws_alpha") == KEY
    assert decrypt(old, schema="ws_alpha") == ""
    assert reencrypt(old, schema="ws_alpha") is None
