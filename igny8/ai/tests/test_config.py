"""Which provider is in force: the workspace's own settings, else the platform's, else offline."""

from __future__ import annotations

import pytest
from django_tenants.utils import schema_context

from apps.workspace.models import AIProviderSettings
from igny8.ai.config import AIConfig, platform_config, workspace_config
from igny8.ai.crypto import encrypt

OWN_KEY = "sk-own-workspace-key-1234"
PLATFORM_KEY = "sk-platform-key-5678"


@pytest.fixture
def platform(settings):
    settings.AI_BASE_URL = "https://llm.platform.example/v1"
    settings.AI_API_KEY = PLATFORM_KEY
    settings.AI_TEXT_MODEL = "platform-text"
    settings.AI_IMAGE_MODEL = "platform-image"
    settings.AI_EMBEDDING_MODEL = "platform-embed"


@pytest.fixture
def no_platform(settings):
    for name in ("BASE_URL", "API_KEY", "TEXT_MODEL", "IMAGE_MODEL", "EMBEDDING_MODEL"):
        setattr(settings, f"AI_{name}", "")


def own_settings(*, enabled: bool = True) -> AIProviderSettings:
    return AIProviderSettings.objects.create(
        enabled=enabled,
        base_url="http://localhost:11434/v1",
        api_key_encrypted=encrypt(OWN_KEY),
        api_key_hint="…1234",
        text_model="llama3.1",
        image_model="",
        embedding_model="nomic-embed-text",
    )


def test_nothing_configured_means_the_offline_writer(no_platform, alpha):
    with schema_context(alpha.schema):
        config = workspace_config()
    assert config.is_offline and config.source == "offline"
    assert config.api_key == "" and config.base_url == ""


def test_the_platform_default_comes_from_the_environment(platform, alpha):
    with schema_context(alpha.schema):
        config = workspace_config()
    assert config == AIConfig(
        source="platform",
        base_url="https://llm.platform.example/v1",
        api_key=PLATFORM_KEY,
        text_model="platform-text",
        image_model="platform-image",
        embedding_model="platform-embed",
    )
    assert not config.is_offline


@pytest.mark.parametrize("missing", ["AI_BASE_URL", "AI_TEXT_MODEL"])
def test_a_platform_default_without_address_or_model_is_not_used(missing, platform, settings):
    setattr(settings, missing, "")
    assert platform_config().is_offline


def test_the_workspace_settings_beat_the_platform_default(platform, alpha):
    with schema_context(alpha.schema):
        own_settings()
        config = workspace_config()
    assert (config.source, config.base_url, config.text_model, config.embedding_model) == (
        "workspace",
        "http://localhost:11434/v1",
        "llama3.1",
        "nomic-embed-text",
    )
    assert config.api_key == OWN_KEY


def test_switched_off_workspace_settings_fall_back_to_the_platform(platform, alpha):
    with schema_context(alpha.schema):
        own_settings(enabled=False)
        config = workspace_config()
    assert config.source == "platform" and config.api_key == PLATFORM_KEY


def test_switched_off_workspace_settings_and_no_platform_mean_offline(no_platform, alpha):
    with schema_context(alpha.schema):
        own_settings(enabled=False)
        config = workspace_config()
    assert config.is_offline


def test_one_workspace_settings_do_not_leak_into_another(platform, alpha, beta):
    with schema_context(alpha.schema):
        own_settings()
    with schema_context(beta.schema):
        config = workspace_config()
    assert config.source == "platform"


def test_the_key_never_appears_when_a_config_is_printed(platform, alpha):
    with schema_context(alpha.schema):
        own_settings()
        config = workspace_config()
    for shown in (repr(config), str(config), f"{config}", f"{config!r}", repr([config])):
        assert OWN_KEY not in shown and "1234" not in shown
        assert "http://localhost:11434/v1" in shown
    assert PLATFORM_KEY not in repr(platform_config())
