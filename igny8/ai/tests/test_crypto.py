"""API keys at rest: encrypted, unreadable under another key (without crashing), hinted."""

from __future__ import annotations

from igny8.ai.crypto import decrypt, encrypt, hint

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
