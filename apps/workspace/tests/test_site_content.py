"""A site's content settings (voice, audience, length, instructions, images, colour): owners and
admins change them; every AI prompt for the site carries them."""

from __future__ import annotations

import html

import pytest
from django_tenants.utils import schema_context

from apps.workspace.models import Site
from apps.workspace.tests.pages import field_errors, text
from igny8.ai import prompts
from igny8.ai.context import site_context
from tests.factories import make_site

pytestmark = pytest.mark.django_db

FIELDS = (
    "brand_voice",
    "audience",
    "default_word_count",
    "extra_instructions",
    "images_per_article",
    "image_style",
    "brand_color",
    "links_per_content",
    "duplicate_threshold",
)
GOOD = {
    "brand_voice": "Warm, practical, no jargon",
    "audience": "First-time homeowners",
    "default_word_count": "1800",
    "extra_instructions": "Use US spelling.\nNever mention competitors.",
    "images_per_article": "4",
    "image_style": "Soft watercolour",
    "brand_color": "#0E7490",
    "links_per_content": "7",
    "duplicate_threshold": "90",
}


def settings_of(account, site: Site) -> dict:
    with schema_context(account.schema_name):
        return Site.objects.filter(pk=site.pk).values(*FIELDS).get()


def test_owner_sees_the_site_settings(alpha, client_for):
    site = make_site(alpha.account, "Fern Blog")
    response = client_for(alpha.owner, alpha.host).get(f"/sites/{site.pk}/content/")
    assert response.status_code == 200
    page = text(response)
    assert "Content settings" in page and "Fern Blog" in page
    assert 'value="Clear, friendly and knowledgeable"' in page
    assert 'type="color"' in page and 'value="#4f46e5"' in page
    assert 'value="1200"' in page and 'value="2"' in page


def test_owner_saves_settings_and_prompts_carry_them(alpha, client_for):
    site = make_site(alpha.account, "Fern Blog", language="es")
    client = client_for(alpha.owner, alpha.host)
    response = client.post(f"/sites/{site.pk}/content/", GOOD)
    assert response.status_code == 303
    assert response["Location"] == "/sites/"
    saved = settings_of(alpha.account, site)
    assert saved == {
        **GOOD,
        "default_word_count": 1800,
        "images_per_article": 4,
        "brand_color": "#0e7490",
        "links_per_content": 7,
        "duplicate_threshold": 90,
    }
    assert "Content settings for “Fern Blog” saved." in html.unescape(text(client.get("/sites/")))
    with schema_context(alpha.schema):
        context = site_context(Site.objects.get(pk=site.pk))
    rendered = prompts.render(
        "write_content",
        input=prompts.sample_input("write_content", context),
        context=context,
    )
    prompt = "\n".join(m.content for m in rendered.messages)
    for value in (
        "Warm, practical, no jargon",
        "First-time homeowners",
        "Never mention",
        "Spanish",
    ):
        assert value in prompt
    assert "1800 words" in prompt


def test_admin_may_change_content_settings(alpha, admin_member, client_for):
    site = make_site(alpha.account, "Fern Blog")
    response = client_for(admin_member, alpha.host).post(f"/sites/{site.pk}/content/", GOOD)
    assert response.status_code == 303
    assert settings_of(alpha.account, site)["image_style"] == "Soft watercolour"


@pytest.mark.parametrize("who", ["editor", "viewer"])
def test_lesser_members_are_refused_even_on_a_granted_site(who, alpha, viewer, client_for):
    user = alpha.editor if who == "editor" else viewer
    site = make_site(alpha.account, "Fern Blog", grant=[user])
    before = settings_of(alpha.account, site)
    client = client_for(user, alpha.host)
    assert client.get(f"/sites/{site.pk}/content/").status_code == 403
    assert client.post(f"/sites/{site.pk}/content/", GOOD).status_code == 403
    assert settings_of(alpha.account, site) == before


def test_outsider_is_refused(alpha, outsider, client_for):
    site = make_site(alpha.account, "Fern Blog")
    before = settings_of(alpha.account, site)
    client = client_for(outsider, alpha.host)
    response = client.post(f"/sites/{site.pk}/content/", GOOD)
    assert response.status_code == 403
    assert "Fern Blog" not in text(response)
    assert settings_of(alpha.account, site) == before


def test_unknown_site_is_404_and_nothing_is_saved(alpha, client_for):
    client = client_for(alpha.owner, alpha.host)
    assert client.get("/sites/999999/content/").status_code == 404
    assert client.post("/sites/999999/content/", GOOD).status_code == 404
    assert client.post("/sites/nope/content/", GOOD).status_code == 404


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("default_word_count", "100", "Articles need at least 300 words."),
        ("default_word_count", "5001", "Articles can be at most 5,000 words."),
        ("default_word_count", "lots", "Enter a whole number of words"),
        ("images_per_article", "9", "At most 8 images per article."),
        ("images_per_article", "-1", "Enter 0 or more images."),
        ("brand_color", "red", "Use a colour like #4f46e5."),
        ("brand_color", "#12345g", "Use a colour like #4f46e5."),
        ("brand_voice", "   ", "Describe how articles should sound"),
        ("image_style", "", "Describe the image style"),
        ("audience", "x" * 301, "at most 300 characters"),
    ],
)
def test_bad_input_is_explained_and_nothing_is_saved(alpha, client_for, field, value, message):
    site = make_site(alpha.account, "Fern Blog")
    before = settings_of(alpha.account, site)
    response = client_for(alpha.owner, alpha.host).post(
        f"/sites/{site.pk}/content/", {**GOOD, field: value}
    )
    assert response.status_code == 400
    assert message in field_errors(response)[field]
    assert "Please fix the 1 problem below." in text(response)
    assert settings_of(alpha.account, site) == before


def test_several_problems_are_shown_together(alpha, client_for):
    site = make_site(alpha.account, "Fern Blog")
    before = settings_of(alpha.account, site)
    response = client_for(alpha.owner, alpha.host).post(
        f"/sites/{site.pk}/content/",
        {**GOOD, "default_word_count": "10", "images_per_article": "12", "brand_color": "blue"},
    )
    assert response.status_code == 400
    assert set(field_errors(response)) == {
        "default_word_count",
        "images_per_article",
        "brand_color",
    }
    assert 'value="Warm, practical, no jargon"' in text(response), "what was typed is kept"
    assert settings_of(alpha.account, site) == before


def test_sites_list_links_to_content_settings_for_managers(alpha, client_for):
    site = make_site(alpha.account, "Fern Blog", grant=[alpha.editor])
    owner_page = text(client_for(alpha.owner, alpha.host).get("/sites/"))
    assert f'href="/sites/{site.pk}/content/"' in owner_page
    editor_page = text(client_for(alpha.editor, alpha.host).get("/sites/"))
    assert f'href="/sites/{site.pk}/content/"' not in editor_page
