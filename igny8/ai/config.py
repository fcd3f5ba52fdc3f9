"""Which provider a workspace uses: its own settings, else the platform's, else offline."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings


@dataclass(frozen=True)
class AIConfig:
    source: str  # "workspace" | "platform" | "offline"
    base_url: str = ""
    api_key: str = ""
    text_model: str = ""
    image_model: str = ""
    embedding_model: str = ""

    @property
    def is_offline(self) -> bool:
        return self.source == "offline"

    def __repr__(self) -> str:  # never print the key
        return f"AIConfig(source={self.source!r}, base_url={self.base_url!r}, key=***)"


OFFLINE = AIConfig(source="offline")


def platform_config() -> AIConfig:
    if not settings.AI_BASE_URL or not settings.AI_TEXT_MODEL:
        return OFFLINE
    return AIConfig(
        source="platform",
        base_url=settings.AI_BASE_URL,
        api_key=settings.AI_API_KEY,
        text_model=settings.AI_TEXT_MODEL,
        image_model=settings.AI_IMAGE_MODEL,
        embedding_model=settings.AI_EMBEDDING_MODEL,
    )


def workspace_config() -> AIConfig:
    """The configuration in force in the current workspace schema."""
    from apps.workspace.models import AIProviderSettings

    row = AIProviderSettings.objects.filter(enabled=True).first()
    if row is None:
        return platform_config()
    return own_config(row)


def own_config(row) -> AIConfig:  # noqa: ANN001 (an AIProviderSettings: no app import here)
    """A workspace's own provider settings as a configuration, its key decrypted ("" when it
    can no longer be read)."""
    from igny8.ai.crypto import decrypt

    return AIConfig(
        source="workspace",
        base_url=row.base_url,
        api_key=decrypt(row.api_key_encrypted),
        text_model=row.text_model,
        image_model=row.image_model,
        embedding_model=row.embedding_model,
    )
