"""Settings → Prompts: the list, the editor with its live preview, save and reset.
Owners and admins only."""

from __future__ import annotations

import html

import pytest
from django_tenants.utils import schema_context

from apps.workspace.models import PromptOverride, Site
from apps.workspace.tests.pages import field_errors, text
from igny8.ai import functions, prompts
from tests.factories import make_site

pytestmark = pytest.mark.django_db

GOOD = (
    "You write for {{ site.site_name }} in {{ site.language_name }}.\n---\n"
    "Voice: {{ site.brand_voice }}. Title: {{ input.title }}\n"
)


def overrides(account) -> dict[str, str]:
    with schema_context(account.schema_name):
        return dict(PromptOverride.objects.values_list("function", "template"))


def override(account, function: str, template: str = GOOD) -> None:
    with schema_context(account.schema_name):
        PromptOverride.objects.create(function=function, template=template)


def sources(response) -> dict[str, str]:
    """Prompt list rows: function → the source badge's word."""
    body = text(response).split('id="prompt-list"', 1)[1]
    rows = body.split('<tr data-function="')[1:]
    return {
        row.split('"', 1)[0]: row.split('data-source="', 1)[1].split(">", 1)[1].split("<", 1)[0]
        for row in rows
    }


# The list -------------------------------------------------------------------------------


def test_owner_sees_every_function_and_where_its_prompt_comes_from(alpha, client_for):
    override(alpha.account, "write_content")
    response = client_for(alpha.owner, alpha.host).get("/settings/prompts/")
    assert response.status_code == 200
    shown = sources(response)
    assert set(shown) == set(functions.FUNCTIONS)
    assert shown["write_content"] == "Customised"
    assert {shown[f] for f in functions.FUNCTIONS if f != "write_content"} == {"Default"}
    for fn in functions.FUNCTIONS.values():
        assert fn.label in text(response)
    assert 'href="/settings/ai/"' in text(response), "tab to the AI provider page"


def test_admin_may_use_the_prompt_pages(alpha, admin_member, client_for):
    client = client_for(admin_member, alpha.host)
    assert client.get("/settings/prompts/").status_code == 200
    assert client.get("/settings/prompts/write_content/").status_code == 200


@pytest.mark.parametrize("who", ["editor", "viewer", "outsider"])
@pytest.mark.parametrize(
    "method, path",
    [
        ("get", "/settings/prompts/"),
        ("get", "/settings/prompts/write_content/"),
        ("post", "/settings/prompts/write_content/"),
        ("post", "/settings/prompts/write_content/preview/"),
        ("post", "/settings/prompts/write_content/reset/"),
    ],
)
def test_lesser_members_and_outsiders_are_refused(
    who, method, path, alpha, viewer, outsider, client_for
):
    override(alpha.account, "write_content", "Kept\n---\nAs it was")
    user = {"editor": alpha.editor, "viewer": viewer, "outsider": outsider}[who]
    client = client_for(user, alpha.host)
    response = getattr(client, method)(path, {"template": GOOD})
    assert response.status_code == 403
    assert "As it was" not in text(response)
    assert overrides(alpha.account) == {"write_content": "Kept\n---\nAs it was"}


@pytest.mark.parametrize(
    "path",
    [
        "/settings/prompts/write_poem/",
        "/settings/prompts/write_poem/preview/",
        "/settings/prompts/write_poem/reset/",
    ],
)
def test_unknown_function_is_404(path, alpha, client_for):
    client = client_for(alpha.owner, alpha.host)
    assert client.post(path, {"template": GOOD}).status_code == 404
    assert overrides(alpha.account) == {}


# The editor -----------------------------------------------------------------------------


def test_editor_shows_the_built_in_template_and_its_preview(alpha, client_for):
    site = make_site(alpha.account, "Fern Blog", language="de")
    with schema_context(alpha.schema):
        Site.objects.filter(pk=site.pk).update(brand_voice="Dry wit, short sentences")
    client = client_for(alpha.owner, alpha.host)
    client.post("/sites/switch/", {"site": site.pk})
    response = client.get("/settings/prompts/write_content/")
    assert response.status_code == 200
    page = html.unescape(text(response))
    assert prompts.default_template("write_content").strip() in page
    assert 'data-source="default"' in text(response)
    assert "Reset to default" not in page, "nothing to reset"
    # The preview is this site's settings with sample input.
    assert "Preview" in page and "“Fern Blog”" in page
    assert "Brand voice: Dry wit, short sentences" in page
    assert "in German" in page


def test_saving_a_template_makes_it_the_workspace_prompt(alpha, client_for):
    client = client_for(alpha.owner, alpha.host)
    response = client.post(
        "/settings/prompts/write_content/", {"template": GOOD.replace("\n", "\r\n")}
    )
    assert response.status_code == 303
    assert response["Location"] == "/settings/prompts/write_content/"
    assert overrides(alpha.account) == {"write_content": GOOD}
    with schema_context(alpha.schema):
        assert PromptOverride.objects.get().updated_by_id == alpha.owner.pk
    page = client.get(response["Location"])
    assert "Prompt for “Write an article” saved." in html.unescape(text(page))
    assert 'data-source="workspace"' in text(page) and "Reset to default" in text(page)
    assert sources(client.get("/settings/prompts/"))["write_content"] == "Customised"


@pytest.mark.parametrize(
    "template, message",
    [
        ("S\n---\n{% if input.title %}unclosed", "Line 3: “{% if %}” is never closed"),
        ("S\n---\n{% load static %}", "“{% load %}” is not a tag prompts can use"),
        ("no separator line", "needs a line with only --- on it"),
        ("", "The template is empty"),
    ],
)
def test_a_broken_template_gives_a_form_error_and_saves_nothing(
    alpha, client_for, template, message
):
    override(alpha.account, "write_content", "Kept\n---\nAs it was")
    client = client_for(alpha.owner, alpha.host)
    response = client.post("/settings/prompts/write_content/", {"template": template})
    assert response.status_code == 400
    assert message in field_errors(response)["template"]
    assert overrides(alpha.account) == {"write_content": "Kept\n---\nAs it was"}
    if template:
        assert html.escape(template, quote=False) in text(response), "what was typed is kept"


def test_preview_button_shows_the_typed_text_without_saving(alpha, client_for):
    client = client_for(alpha.owner, alpha.host)
    response = client.post(
        "/settings/prompts/name_clusters/",
        {
            "template": "Sys {{ site.language_name }}\n---\nSector {{ input.sector }}",
            "action": "preview",
        },
    )
    assert response.status_code == 200
    assert "Sys English" in text(response)
    assert overrides(alpha.account) == {}


def test_live_preview_renders_the_text_being_edited(alpha, client_for):
    site = make_site(alpha.account, "Moss Blog", language="fr")
    with schema_context(alpha.schema):
        Site.objects.filter(pk=site.pk).update(audience="Weekend hikers")
    client = client_for(alpha.owner, alpha.host)
    client.post("/sites/switch/", {"site": site.pk})
    response = client.post(
        "/settings/prompts/write_content/preview/",
        {
            "template": "For {{ site.audience }}\n---\n"
            "In {{ site.language_name }}: {{ input.title }}"
        },
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    body = text(response)
    assert "<html" not in body and 'id="prompt-preview"' in body, "only the partial"
    assert "For Weekend hikers" in body and "In French:" in body
    assert overrides(alpha.account) == {}


def test_live_preview_shows_what_is_wrong_with_a_broken_template(alpha, client_for):
    client = client_for(alpha.owner, alpha.host)
    response = client.post(
        "/settings/prompts/write_content/preview/",
        {"template": "S\n---\n{{ input.title|nope }}"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert "data-preview-error" in text(response)
    assert "“|nope” is not a filter prompts can use" in html.unescape(text(response))


def test_saving_the_default_text_removes_the_override(alpha, client_for):
    override(alpha.account, "generate_ideas")
    client = client_for(alpha.owner, alpha.host)
    response = client.post(
        "/settings/prompts/generate_ideas/",
        {"template": prompts.default_template("generate_ideas")},
    )
    assert response.status_code == 303
    assert overrides(alpha.account) == {}


# Reset ----------------------------------------------------------------------------------


def test_reset_goes_back_to_the_built_in_prompt(alpha, client_for):
    override(alpha.account, "write_content")
    override(alpha.account, "generate_ideas")
    client = client_for(alpha.owner, alpha.host)
    response = client.post("/settings/prompts/write_content/reset/")
    assert response.status_code == 303
    assert overrides(alpha.account) == {"generate_ideas": GOOD}, "only that function is reset"
    page = client.get(response["Location"])
    assert "uses the built-in prompt again" in text(page)
    assert prompts.default_template("write_content").splitlines()[0] in html.unescape(text(page))


def test_reset_needs_a_post_and_asks_first(alpha, client_for):
    override(alpha.account, "write_content")
    client = client_for(alpha.owner, alpha.host)
    assert client.get("/settings/prompts/write_content/reset/").status_code == 405
    assert overrides(alpha.account) == {"write_content": GOOD}
    assert "hx-confirm=" in text(client.get("/settings/prompts/write_content/"))


def test_the_editor_shows_what_a_run_costs(alpha, client_for, paid_ai):
    page = client_for(alpha.owner, alpha.host).get("/settings/prompts/write_content/")
    assert page.status_code == 200
    assert "Each run costs 1 credit per 100 words (minimum 5)" in page.content.decode()


def test_with_the_offline_writer_the_editor_says_runs_are_free(alpha, client_for):
    page = client_for(alpha.owner, alpha.host).get("/settings/prompts/write_content/")
    assert page.status_code == 200
    assert "Runs are free with the offline writer" in page.content.decode()
    assert "each run costs 1 credit per 100 words (minimum 5)" in page.content.decode()
