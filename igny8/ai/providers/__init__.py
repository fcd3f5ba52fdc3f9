"""AI providers: the built-in offline writer and any OpenAI-compatible endpoint."""

from __future__ import annotations

from igny8.ai.config import AIConfig
from igny8.ai.providers.base import Provider


def provider_for(config: AIConfig) -> Provider:
    """The provider a configuration points at (offline when nothing is configured)."""
    if config.is_offline:
        from igny8.ai.providers.offline import OfflineProvider

        return OfflineProvider()
    from igny8.ai.providers.openai_compat import OpenAICompatibleProvider

    return OpenAICompatibleProvider(config)
