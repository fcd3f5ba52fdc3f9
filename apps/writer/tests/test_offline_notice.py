"""The article page says plainly when the built-in offline writer wrote the current text, and
how to connect a provider: with the link for those who can, in words for those who cannot;
never for text a real provider wrote. Seen by an owner, an editor, a viewer and an outsider."""

from __future__ import annotations

import pytest
from django_tenants.utils import schema_context

from apps.writer.models import Content
from apps.writer.tests.helpers_content import (
    CONTENTS,
    body,
    client_on,
    make_content,
    page_text,
    site_fixture,  # noqa: F401  (fixture "site")
    viewer_fixture,  # noqa: F401  (fixture "viewer")
)

pytestmark = pytest.mark.django_db

NOTICE = "Written by the offline writer: template-made English text, fine for trying things out."


def page(client_for, user, ws, site, content):
    return client_on(client_for, user, ws, site).get(f"{CONTENTS}{content.pk}/")


def test_the_owner_is_told_and_given_the_way_to_a_provider(alpha, site, client_for):
    content = make_content(alpha, site)  # written by the offline provider
    response = page(client_for, alpha.owner, alpha, site, content)
    assert response.status_code == 200
    assert NOTICE in page_text(response)
    assert "Connect an AI provider under Settings → AI provider for real prose." in page_text(
        response
    )
    assert 'href="/settings/ai/"' in body(response).split("data-offline-writer", 1)[1][:600]


@pytest.mark.parametrize("who", ["editor", "viewer"])
def test_members_who_cannot_connect_one_are_told_who_can(who, alpha, site, viewer, client_for):
    content = make_content(alpha, site)
    user = alpha.editor if who == "editor" else viewer
    response = page(client_for, user, alpha, site, content)
    assert response.status_code == 200
    text = page_text(response)
    assert NOTICE in text
    assert "an owner or admin connects an AI provider under Settings → AI provider" in text
    assert 'href="/settings/ai/"' not in body(response)  # a settings page they cannot open


def test_text_from_a_real_provider_carries_no_notice(alpha, site, client_for):
    content = make_content(alpha, site)
    with schema_context(alpha.schema):
        Content.objects.filter(pk=content.pk).update(provider="openai", model="gpt-4o-mini")
    response = page(client_for, alpha.owner, alpha, site, content)
    assert response.status_code == 200
    assert "offline writer" not in page_text(response)
    assert "data-offline-writer" not in body(response)


def test_an_outsider_sees_no_article_and_no_notice(alpha, site, outsider, client_for):
    content = make_content(alpha, site)
    response = client_for(outsider, alpha.host).get(f"{CONTENTS}{content.pk}/")
    assert response.status_code in (403, 404)
    assert "offline writer" not in response.content.decode()
