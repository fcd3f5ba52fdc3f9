"""The workspace's own AI provider: saving it (key encrypted at rest), removing it, and testing
a connection before or after saving. The key is never returned, shown or logged: only its
hint ("…abcd") leaves this module."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction

from apps.accounts.models import User
from apps.workspace.models import AIProviderSettings
from igny8.ai import providers
from igny8.ai.config import AIConfig, own_config, platform_config
from igny8.ai.crypto import decrypt, encrypt, hint, reencrypt
from igny8.ai.errors import AIError
from igny8.egress import EgressError, is_private_host, tenant_policy, url_check

URL_HELP = "Enter the provider's API address, for example https://api.openai.com/v1."


def base_url_check(url: str) -> str:
    """The provider's base URL, tidied; ValidationError (plain words) when it cannot work."""
    url = (url or "").strip()
    if not url:
        raise ValidationError(URL_HELP, code="required")
    if any(c.isspace() for c in url):
        raise ValidationError("The address cannot contain spaces. " + URL_HELP, code="invalid")
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        _ = parts.port  # raises ValueError on a port that is not a number
    except ValueError:
        raise ValidationError(URL_HELP, code="invalid") from None
    if parts.scheme not in ("http", "https") or not host:
        raise ValidationError(
            "Use an address that starts with https:// (or http:// for a server on your own "
            "machine or network). " + URL_HELP,
            code="invalid",
        )
    try:
        url_check(url, tenant_policy())
    except EgressError as exc:
        raise ValidationError(exc.message, code="private") from None
    if parts.scheme == "http" and not is_private_host(host):
        raise ValidationError(
            f"Use https:// for {host}: the API key would travel unencrypted over plain http. "
            "Plain http is only for servers on your own machine or network, such as "
            "http://localhost:11434/v1.",
            code="insecure",
        )
    if len(url) > 300:
        raise ValidationError("The address is too long (300 characters at most).", code="long")
    return url.rstrip("/")


def _key_bound_words(saved_url: str, new_url: str) -> str:
    return (
        f"The stored key is only sent to the address it was saved with ({saved_url}). "
        f"Type the key again to use it with {new_url}, or tick “Remove the stored key” if "
        "that server needs none."
    )


def ai_settings_get() -> AIProviderSettings | None:
    """The workspace's own provider settings (enabled or not), if any were saved."""
    return AIProviderSettings.objects.first()


@transaction.atomic
def ai_settings_save(
    *,
    base_url: str,
    api_key: str | None,
    text_model: str,
    image_model: str,
    embedding_model: str,
    enabled: bool,
    user: User | None,
) -> AIProviderSettings:
    """Save the workspace's own provider (one row, created or updated).

    `api_key`: None keeps the stored key; "" removes it (keys are optional for local servers);
    anything else replaces it, encrypted at rest, with only its last four characters kept as
    the hint. Raises ValidationError with field errors and saves nothing when input is bad.
    """
    errors: dict[str, list[str]] = {}
    try:
        base_url = base_url_check(base_url)
    except ValidationError as exc:
        errors["base_url"] = exc.messages
    text_model = (text_model or "").strip()
    if not text_model:
        errors["text_model"] = ["Enter the text model, for example gpt-4o-mini or llama3.1."]
    if errors:
        raise ValidationError(errors)

    row = AIProviderSettings.objects.select_for_update().first() or AIProviderSettings()
    if api_key is None and row.api_key_encrypted and row.base_url != base_url:
        raise ValidationError({"api_key": [_key_bound_words(row.base_url, base_url)]})
    row.base_url = base_url
    row.text_model = text_model
    row.image_model = (image_model or "").strip()
    row.embedding_model = (embedding_model or "").strip()
    row.enabled = enabled
    row.updated_by = user
    if api_key is not None:
        api_key = api_key.strip()
        row.api_key_encrypted = encrypt(api_key)
        row.api_key_hint = hint(api_key) if api_key else ""
    # base_url was checked above; Django's URLField refuses single-label hosts (http://vllm:8000)
    # that are normal for self-hosted servers.
    row.full_clean(exclude=["base_url", "updated_by"])
    row.save()
    return row


@transaction.atomic
def ai_settings_clear() -> None:
    """Remove the workspace's own provider: the platform default (or the offline writer) applies."""
    AIProviderSettings.objects.all().delete()


@dataclass(frozen=True)
class SecretsRotation:
    """What re-encrypting one workspace's stored secrets did."""

    rotated: int = 0  # read under an older key (or the old shared key), now under the newest
    current: int = 0  # already under the newest key: left as they were
    unreadable: int = 0  # no configured key reads them: left as they were, to be entered again


@transaction.atomic
def ai_secrets_rotate() -> SecretsRotation:
    """Re-encrypt the current workspace's stored provider key under the newest master key
    (igny8.ai.crypto). Idempotent: a second run finds every key current and changes nothing.
    The key, its hint and the row's "updated" time stay as they were."""
    rotated, current, unreadable = [], 0, 0
    rows = AIProviderSettings.objects.select_for_update().exclude(api_key_encrypted="")
    for row in rows:
        token = reencrypt(row.api_key_encrypted)
        if token is None:
            unreadable += 1
        elif token == row.api_key_encrypted:
            current += 1
        else:
            row.api_key_encrypted = token
            rotated.append(row)
    AIProviderSettings.objects.bulk_update(rotated, ["api_key_encrypted"])
    return SecretsRotation(rotated=len(rotated), current=current, unreadable=unreadable)


@dataclass(frozen=True)
class ProviderInForce:
    """What the settings page says about the provider in use; never carries a key."""

    source: str  # "workspace" | "platform" | "offline"
    base_url: str = ""
    text_model: str = ""
    image_model: str = ""
    embedding_model: str = ""
    key_hint: str = ""
    key_unreadable: bool = False  # a key is stored but can no longer be decrypted


def provider_in_force(own: AIProviderSettings | None) -> ProviderInForce:
    """The provider this workspace's AI runs use now, described without its key."""
    if own is not None and own.enabled:
        config = own_config(own)
        return _described(
            config,
            key_hint=own.api_key_hint,
            key_unreadable=bool(own.api_key_encrypted) and not config.api_key,
        )
    return _described(platform_config())


def _described(config: AIConfig, **key: object) -> ProviderInForce:
    return ProviderInForce(
        source=config.source,
        base_url=config.base_url,
        text_model=config.text_model,
        image_model=config.image_model,
        embedding_model=config.embedding_model,
        **key,
    )


def ai_config_for_test(
    *,
    base_url: str,
    api_key: str | None,
    text_model: str,
    image_model: str = "",
    embedding_model: str = "",
) -> AIConfig:
    """A configuration from typed values, to test before saving; `api_key` None = the stored
    key (so a person never has to type it again to test), which is only ever sent to the
    address it was saved with: for another address, ValidationError on `api_key`."""
    base_url = base_url_check(base_url)
    if api_key is None:
        own = ai_settings_get()
        api_key = ""
        if own is not None and own.api_key_encrypted:
            if own.base_url != base_url:
                raise ValidationError({"api_key": [_key_bound_words(own.base_url, base_url)]})
            api_key = decrypt(own.api_key_encrypted)
    return AIConfig(
        source="workspace",
        base_url=base_url,
        api_key=api_key.strip(),
        text_model=text_model.strip(),
        image_model=image_model.strip(),
        embedding_model=embedding_model.strip(),
    )


def ai_config_saved() -> AIConfig:
    """The configuration saved for the workspace (its own provider even when switched off,
    since that is what a person wants to test), else the platform default, else offline."""
    own = ai_settings_get()
    if own is None:
        return platform_config()
    return own_config(own)


@dataclass(frozen=True)
class ConnectionResult:
    ok: bool
    message: str
    source: str
    base_url: str
    text_model: str


def ai_connection_test(*, config: AIConfig) -> ConnectionResult:
    """Ask the provider a tiny question: success in its words, or its error in plain words.

    The key is scrubbed from whatever the provider said, in case its error echoes it.
    """
    try:
        ok, message = True, providers.provider_for(config).test_connection()
    except AIError as exc:
        ok, message = False, exc.message
    for secret in {config.api_key, settings.AI_API_KEY} - {""}:
        if len(secret) >= 4:
            message = message.replace(secret, hint(secret))
    return ConnectionResult(
        ok=ok,
        message=message,
        source=config.source,
        base_url=config.base_url,
        text_model=config.text_model,
    )
