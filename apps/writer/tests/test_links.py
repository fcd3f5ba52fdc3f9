"""The linker: suggestions between a site's articles (anchor found in the source's text, target,
confidence), at most N open per article, never to itself, never the same target twice, dismiss
remembered; accept inserts exactly one link as a new version. And the panel for every actor."""

from __future__ import annotations

import json
import re

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django_tenants.utils import schema_context

from apps.workspace.models import Site
from apps.writer.models import Content, LinkStatus, LinkSuggestion, VersionSource
from apps.writer.services import links as services
from apps.writer.services.links import Eligible, linked_slugs
from apps.writer.tests.helpers_links import (
    APART,
    body,
    client_on,
    fresh,
    links_to,
    make_content,
    make_source,
    make_targets,
    page_text,
    site_fixture,  # noqa: F401  (fixture "site")
    stranger_editor_fixture,  # noqa: F401  (fixture "stranger_editor")
    suggestions,
    text_of,
    versions,
    viewer_fixture,  # noqa: F401  (fixture "viewer")
)

pytestmark = pytest.mark.django_db


def suggest(ws, source) -> list[LinkSuggestion]:
    with schema_context(ws.schema):
        return services.links_suggest(content=Content.objects.get(pk=source.pk))


def accept(ws, suggestion, user):
    with schema_context(ws.schema):
        return services.link_accept(
            suggestion=LinkSuggestion.objects.get(pk=suggestion.pk), user=user
        )


def dismiss(ws, suggestion, user):
    with schema_context(ws.schema):
        return services.link_dismiss(
            suggestion=LinkSuggestion.objects.get(pk=suggestion.pk), user=user
        )


def set_limit(ws, site, n: int) -> None:
    with schema_context(ws.schema):
        Site.objects.filter(pk=site.pk).update(links_per_content=n)


def eligible_text(html: str) -> str:
    """The source's text outside links and headings, as the linker may use it."""
    html = re.sub(r"<(a|h[1-6])\b.*?</\1>", " ", html, flags=re.S)
    return text_of(html)


# --- suggesting ------------------------------------------------------------------------------


def test_suggestions_name_targets_by_a_phrase_of_the_source_text(alpha, site):
    source = make_source(alpha, site)
    targets = make_targets(alpha, site)
    make_content(alpha, site, **dict(APART))
    made = suggest(alpha, source)
    by_target = {s.target_id: s for s in made}
    assert set(by_target) == {targets["road"].pk, targets["fit"].pk, targets["tyres"].pk}
    assert by_target[targets["road"].pk].anchor == "road bike"
    assert by_target[targets["fit"].pk].anchor == "bike fit"
    assert by_target[targets["tyres"].pk].anchor == "tyre pressure"
    text = eligible_text(source.html)
    for s in made:
        assert s.anchor in text, s.anchor
        assert 0 < s.confidence <= 1
        assert s.status == LinkStatus.SUGGESTED and s.site_id == site.pk
    # Nothing goes into the article until someone accepts.
    assert fresh(alpha, source).html == source.html
    assert len(versions(alpha, source)) == 1


def test_a_page_never_links_to_itself(alpha, site):
    # Its own keyword and title words are all over its text; nothing else is on the site.
    source = make_source(alpha, site, primary_keyword="road bike", title="Road Bike Basics")
    assert suggest(alpha, source) == []
    make_targets(alpha, site, names=("road",))
    made = suggest(alpha, source)
    assert [s.target_id for s in made] != [] and source.pk not in [s.target_id for s in made]
    with schema_context(alpha.schema), pytest.raises(IntegrityError), transaction.atomic():
        LinkSuggestion.objects.create(
            site=site, source_id=source.pk, target_id=source.pk, anchor="road bike", confidence=1
        )


def test_the_same_target_is_never_suggested_twice(alpha, site):
    source = make_source(alpha, site)
    make_targets(alpha, site)
    first = suggest(alpha, source)
    assert first
    assert suggest(alpha, source) == []
    targets = [s.target_id for s in suggestions(alpha, source)]
    assert len(targets) == len(set(targets)) == len(first)


def test_two_open_suggestions_never_share_an_anchor(alpha, site):
    source = make_source(alpha, site)
    make_targets(alpha, site, names=("road",))
    make_content(
        alpha,
        site,
        "Road Bike Maintenance",
        primary_keyword="road bike",
        html="<p>Clean and oil a road bike every month; a road bike lasts longer.</p>",
    )
    made = suggest(alpha, source)
    anchors = [s.anchor.casefold() for s in made]
    assert anchors.count("road bike") == 1
    assert len(anchors) == len(set(anchors))


def test_at_most_n_open_suggestions(alpha, site):
    set_limit(alpha, site, 2)
    source = make_source(alpha, site)
    make_targets(alpha, site)
    made = suggest(alpha, source)
    assert len(made) == 2
    with pytest.raises(ValidationError, match="already has 2 open suggestions"):
        suggest(alpha, source)
    # A decision makes room for one more, never for the dismissed pair again.
    dismiss(alpha, made[0], alpha.owner)
    more = suggest(alpha, source)
    assert len(more) == 1
    assert more[0].target_id not in {s.target_id for s in made}
    assert len(suggestions(alpha, source, status=LinkStatus.SUGGESTED)) == 2


def test_the_limit_zero_turns_suggestions_off(alpha, site):
    set_limit(alpha, site, 0)
    source = make_source(alpha, site)
    make_targets(alpha, site)
    with pytest.raises(ValidationError, match="turned off"):
        suggest(alpha, source)
    assert suggestions(alpha, source) == []


def test_a_dismissed_pair_is_never_suggested_again(alpha, site):
    source = make_source(alpha, site)
    targets = make_targets(alpha, site)
    made = suggest(alpha, source)
    road = next(s for s in made if s.target_id == targets["road"].pk)
    dismissed = dismiss(alpha, road, alpha.editor)
    assert dismissed.status == LinkStatus.DISMISSED
    assert dismissed.decided_by_id == alpha.editor.pk and dismissed.decided_at
    for other in made:
        if other.pk != road.pk:
            dismiss(alpha, other, alpha.editor)
    assert suggest(alpha, source) == []
    assert fresh(alpha, road).status == LinkStatus.DISMISSED
    with pytest.raises(ValidationError, match="already dismissed"):
        accept(alpha, road, alpha.editor)


def test_targets_already_linked_are_left_out(alpha, site):
    road_url = "https://www.example.com/road-bike-buying-guide/"  # the site's host, with www.
    html = SOURCE_WITH(f'<p>See <a href="{road_url}">our guide</a>.</p>')
    source = make_source(alpha, site, html=html)
    targets = make_targets(alpha, site)
    made_for = {s.target_id for s in suggest(alpha, source)}
    assert targets["lights"].pk not in made_for  # a relative link to /bike-lights/ exists
    assert targets["road"].pk not in made_for  # an absolute link to the site's host
    assert targets["fit"].pk in made_for


def SOURCE_WITH(extra: str) -> str:  # noqa: N802  (reads like the constant it extends)
    from apps.writer.tests.helpers_links import SOURCE_HTML

    return SOURCE_HTML + extra


def test_no_anchor_inside_links_or_headings_means_no_suggestion(alpha, site):
    html = (
        "<h2>Tyre pressure</h2><p>Read <a href='https://other.org/'>tyre pressure charts</a> "
        "and ride your bike often.</p><h3>More on tyre pressure</h3>"
    )
    source = make_source(alpha, site, html=html)
    make_targets(alpha, site, names=("tyres",))
    assert suggest(alpha, source) == []


def test_trashed_articles_are_not_targets(alpha, site):
    source = make_source(alpha, site)
    targets = make_targets(alpha, site, names=("road", "fit"))
    with schema_context(alpha.schema):
        Content.objects.filter(pk=targets["road"].pk).update(deleted_at=timezone.now())
    assert [s.target_id for s in suggest(alpha, source)] == [targets["fit"].pk]


def test_anchor_search_and_linked_slugs():
    eligible = Eligible(
        "<h2>Road bike</h2><p>My <strong>Road  Bike</strong> and <a href='/x/'>road bike</a>"
        " and road bikes &amp; more road bike.</p>"
    )
    found = eligible.find("road bike")
    assert found.text == "Road Bike"  # as written, the first place outside links/headings
    assert eligible.html[found.start : found.end] == "Road  Bike"
    assert found.before == "My" and found.after.startswith("and road bike and road bikes & more")
    assert eligible.find("bike and") is None  # across text nodes
    assert eligible.find("bikes & more").text == "bikes & more"
    assert eligible.find("cycling") is None
    html = (
        '<a href="/road-bike/">a</a><a href="https://EXAMPLE.com/fit/?x=1">b</a>'
        '<a href="https://other.org/tyres/">c</a><a href="#top">d</a>'
    )
    assert linked_slugs(html, "https://www.example.com") == {"road-bike", "fit"}


# --- accepting -------------------------------------------------------------------------------


def test_accept_inserts_exactly_one_link_as_a_new_version(alpha, site):
    source = make_source(alpha, site)
    targets = make_targets(alpha, site)
    road = next(s for s in suggest(alpha, source) if s.target_id == targets["road"].pk)
    before = fresh(alpha, source)
    version = accept(alpha, road, alpha.editor)
    after = fresh(alpha, source)
    assert links_to(after.html, "/road-bike-buying-guide/") == 1
    assert links_to(after.html, "/bike-lights/") == 1  # the old link is untouched
    assert after.html.count("<a ") == before.html.count("<a ") + 1
    # At the first place "road bike" stands outside a heading: the opening paragraph.
    assert re.search(
        r"<p>Your first <a [^>]*href=\"/road-bike-buying-guide/\"[^>]*>road bike</a> should",
        after.html,
    ), after.html
    assert "<h2>Choosing a road bike</h2>" in after.html
    assert text_of(after.html) == text_of(before.html)
    assert version.source == VersionSource.LINKED and version.changed == ["html"]
    assert version.author_id == alpha.editor.pk
    assert "road bike" in version.note and "Road Bike Buying Guide" in version.note
    assert [v.number for v in versions(alpha, source)] == [1, 2]
    road = fresh(alpha, road)
    assert road.status == LinkStatus.ACCEPTED
    assert road.decided_by_id == alpha.editor.pk and road.decided_at
    # The link counts as internal for the score.
    assert after.score >= before.score
    # Accepted once; the pair is done.
    with pytest.raises(ValidationError, match="already accepted"):
        accept(alpha, road, alpha.editor)
    assert targets["road"].pk not in {s.target_id for s in suggest(alpha, source)}


def test_accept_refuses_when_the_anchor_is_gone(alpha, site):
    from apps.writer.services.versions import content_save

    source = make_source(alpha, site)
    targets = make_targets(alpha, site, names=("fit",))
    (fit,) = suggest(alpha, source)
    assert fit.target_id == targets["fit"].pk
    with schema_context(alpha.schema):
        content_save(
            content=Content.objects.get(pk=source.pk),
            changes={"html": source.html.replace("bike fit", "saddle height")},
        )
    before = fresh(alpha, source)
    with pytest.raises(ValidationError, match="no longer in the article"):
        accept(alpha, fit, alpha.editor)
    assert fresh(alpha, source).html == before.html
    assert fresh(alpha, fit).status == LinkStatus.SUGGESTED


def test_accept_refuses_a_trashed_target(alpha, site):
    source = make_source(alpha, site)
    targets = make_targets(alpha, site, names=("fit",))
    (fit,) = suggest(alpha, source)
    with schema_context(alpha.schema):
        Content.objects.filter(pk=targets["fit"].pk).update(deleted_at=timezone.now())
    with pytest.raises(ValidationError, match="in the trash"):
        accept(alpha, fit, alpha.editor)
    assert len(versions(alpha, source)) == 1


# --- the panel, for every actor --------------------------------------------------------------


def panel_url(content) -> str:
    return f"/writer/content/{content.pk}/links/"


@pytest.fixture
def linked(alpha, site):
    """A source with open suggestions to three targets."""
    source = make_source(alpha, site)
    targets = make_targets(alpha, site)
    made = suggest(alpha, source)
    return source, targets, made


def test_owner_and_editor_see_the_panel_with_actions(alpha, site, client_for, linked):
    source, targets, made = linked
    for user in (alpha.owner, alpha.editor):
        client = client_on(client_for, user, alpha, site)
        page = client.get(panel_url(source))
        assert page.status_code == 200
        assert "<html" in body(page)  # the plain-link fallback is a full page
        part = client.get(panel_url(source), HTTP_HX_REQUEST="true")
        assert "<html" not in body(part)
        markup = body(part)
        assert "Find link suggestions" in markup
        assert markup.count('data-link="') == len(made)
        assert markup.count(">Accept</button>") == len(made)
        assert markup.count(">Dismiss</button>") == len(made)
        assert "Road Bike Buying Guide" in markup and "/road-bike-buying-guide/" in markup
        assert "<mark data-anchor>road bike</mark>" in markup
        assert re.search(r"(High|Medium|Low) confidence · \d+%", text_of(markup))
        assert "Your first" in page_text(part)  # the anchor in its sentence


def test_viewer_reads_the_panel_without_buttons_and_cannot_post(
    alpha, site, viewer, client_for, linked
):
    source, targets, made = linked
    client = client_on(client_for, viewer, alpha, site)
    part = client.get(panel_url(source), HTTP_HX_REQUEST="true")
    assert part.status_code == 200
    markup = body(part)
    assert markup.count('data-link="') == len(made)
    assert "Find link suggestions</button>" not in markup
    assert ">Accept</button>" not in markup and ">Dismiss</button>" not in markup
    assert client.post(panel_url(source)).status_code == 403
    for action in ("accept", "dismiss"):
        response = client.post(f"{panel_url(source)}{made[0].pk}/{action}/")
        assert response.status_code == 403
    assert fresh(alpha, made[0]).status == LinkStatus.SUGGESTED
    assert fresh(alpha, source).html == source.html


def test_editor_without_the_site_and_outsiders_are_refused(
    alpha, site, stranger_editor, outsider, client_for, linked
):
    source, targets, made = linked
    stranger = client_on(client_for, stranger_editor, alpha)
    assert stranger.get(panel_url(source)).status_code == 404
    assert stranger.post(panel_url(source)).status_code == 404
    assert stranger.post(f"{panel_url(source)}{made[0].pk}/accept/").status_code == 404
    other = client_on(client_for, outsider, alpha)
    assert other.get(panel_url(source)).status_code == 403
    assert other.post(f"{panel_url(source)}{made[0].pk}/accept/").status_code == 403
    assert other.post(f"{panel_url(source)}{made[0].pk}/dismiss/").status_code == 403
    assert fresh(alpha, made[0]).status == LinkStatus.SUGGESTED


def test_find_suggestions_from_the_panel(alpha, site, client_for):
    source = make_source(alpha, site)
    make_targets(alpha, site)
    client = client_on(client_for, alpha.editor, alpha, site)
    response = client.post(panel_url(source), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert "<html" not in body(response)
    assert "Found 3 new link suggestions" in page_text(response)
    assert body(response).count('data-link="') == 3
    again = client.post(panel_url(source), HTTP_HX_REQUEST="true")
    assert "No new suggestions" in page_text(again)
    assert len(suggestions(alpha, source)) == 3
    # Without JavaScript: back to the panel's page.
    plain = client.post(panel_url(source))
    assert plain.status_code == 303 and plain["Location"] == panel_url(source)


def test_a_full_panel_says_why_nothing_was_found(alpha, site, client_for, linked):
    source, targets, made = linked
    set_limit(alpha, site, len(made))
    client = client_on(client_for, alpha.owner, alpha, site)
    response = client.post(panel_url(source), HTTP_HX_REQUEST="true")
    assert response.status_code == 400
    assert f"already has {len(made)} open suggestions" in page_text(response)


def test_accept_and_dismiss_from_the_panel(alpha, site, client_for, linked):
    source, targets, made = linked
    client = client_on(client_for, alpha.editor, alpha, site)
    road = next(s for s in made if s.target_id == targets["road"].pk)
    response = client.post(f"{panel_url(source)}{road.pk}/accept/", HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    event = json.loads(response["HX-Trigger"])["writer:content-changed"]
    assert event == {"content": source.pk, "version": 2}
    assert "saved as version 2" in page_text(response)
    assert "Reload the editor" in page_text(response)
    assert body(response).count('data-link="') == len(made) - 1
    assert 'data-decided="accepted"' in body(response)
    assert links_to(fresh(alpha, source).html, "/road-bike-buying-guide/") == 1
    fit = next(s for s in made if s.target_id == targets["fit"].pk)
    response = client.post(f"{panel_url(source)}{fit.pk}/dismiss/")
    assert response.status_code == 303  # without JavaScript
    assert fresh(alpha, fit).status == LinkStatus.DISMISSED
    # A second accept of the same suggestion changes nothing and says why.
    again = client.post(f"{panel_url(source)}{road.pk}/accept/", HTTP_HX_REQUEST="true")
    assert again.status_code == 400
    assert "already accepted" in page_text(again)
    assert len(versions(alpha, source)) == 2


def test_a_suggestion_of_another_article_is_not_found(alpha, site, client_for, linked):
    source, targets, made = linked
    client = client_on(client_for, alpha.owner, alpha, site)
    other = targets["road"]
    assert client.post(f"{panel_url(other)}{made[0].pk}/accept/").status_code == 404
    assert client.get(f"{panel_url(source)}{made[0].pk}/accept/").status_code == 405
    assert client.post(f"{panel_url(source)}999999/dismiss/").status_code == 404
