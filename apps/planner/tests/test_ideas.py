"""Ideas: generated for ticked clusters after the cost is shown (a job through the AI engine,
charged per idea), unique titles in a site, the ideas page with filters and bulk actions, and
editing one idea (outline as text)."""

from __future__ import annotations

import re

import pytest
from django.core.exceptions import ValidationError
from django_tenants.utils import schema_context

from apps.billing import credits
from apps.planner.models import Idea
from apps.planner.services.clusters import clusters_recount
from apps.planner.services.ideas import (
    ideas_generate_enqueue,
    ideas_save,
    outline_from_text,
    outline_to_text,
)
from apps.planner.tests.helpers_clusters import (
    DRAINS,
    IDEAS,
    ROSES,
    TOMATOES,
    add_cluster,
    assert_counts_right,
    body,
    client_on,
    field_errors,
    fresh,
    idea_titles,
    page_text,
    sectors_of,
    set_credits,
    site_fixture,  # noqa: F401  (fixture "site")
    viewer_fixture,  # noqa: F401  (fixture "viewer")
)
from apps.workspace.models import Job
from tests.factories import make_site

pytestmark = pytest.mark.django_db

GENERATE = "/planner/clusters/ideas/"


def per_idea() -> int:
    return credits.estimate("idea_generation", 1)


def live_ideas(ws, site) -> list[Idea]:
    with schema_context(ws.schema):
        return list(Idea.objects.alive().filter(site=site).order_by("pk"))


def balance(account) -> int:
    return credits.balance_for(account).total


# --- generating ------------------------------------------------------------------------------


def test_with_the_offline_writer_ideas_are_free_and_say_so(alpha, site, client_for):
    a = add_cluster(alpha, site, "Drain Cleaning", DRAINS)
    client = client_on(client_for, alpha.editor, alpha, site)
    before = balance(alpha.account)
    confirm = client.get(GENERATE, {"ids": [a.pk]})
    assert "Generate 3 ideas for 1 cluster — free with the offline writer." in page_text(confirm)
    response = client.post(GENERATE, {"ids": [a.pk], "per_cluster": 3, "shown": "0"})
    assert response.status_code == 303
    assert len(live_ideas(alpha, site)) == 3
    assert balance(alpha.account) == before
    page = client.get(response["Location"])
    assert "(free with the offline writer)" in page_text(page)


def test_a_cost_that_changed_since_it_was_shown_starts_nothing(alpha, site, client_for, paid_ai):
    a = add_cluster(alpha, site, "Drain Cleaning", DRAINS)
    client = client_on(client_for, alpha.editor, alpha, site)
    # The page showed "free" (the offline writer), then a provider was connected.
    response = client.post(GENERATE, {"ids": [a.pk], "per_cluster": 3, "shown": "0"})
    assert response.status_code == 409
    assert (
        f"The cost changed since the page was shown: generating these ideas now costs "
        f"{3 * per_idea()} credits." in page_text(response)
    )
    assert live_ideas(alpha, site) == []


def test_the_cost_is_shown_before_anything_runs(alpha, site, client_for, paid_ai):
    a = add_cluster(alpha, site, "Drain Cleaning", DRAINS)
    b = add_cluster(alpha, site, "Rose Pruning", ROSES)
    client = client_on(client_for, alpha.editor, alpha, site)
    before = balance(alpha.account)
    confirm = client.get(GENERATE, {"ids": [a.pk, b.pk]})
    assert confirm.status_code == 200
    expected = credits.estimate("idea_generation", 3) * 2
    # Three for each of two clusters: the run makes six, and the page says six.
    assert f"Generate 6 ideas for 2 clusters — {expected} credits." in page_text(confirm)
    assert "That is 3 ideas for each cluster." in page_text(confirm)
    # Changing the number asks the server for the new figure (an HTMX partial).
    five = client.get(
        GENERATE,
        {"ids": [a.pk, b.pk], "per_cluster": 5, "structure": ""},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="estimate",
    )
    assert "<html" not in body(five)
    expected = credits.estimate("idea_generation", 5) * 2
    assert f"Generate 10 ideas for 2 clusters — {expected} credits." in page_text(five)
    too_many = client.get(
        GENERATE,
        {"ids": [a.pk], "per_cluster": 40},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="estimate",
    )
    assert "Ask for at most 10 ideas per cluster." in page_text(too_many)
    assert "credits." not in page_text(too_many)
    assert live_ideas(alpha, site) == [] and balance(alpha.account) == before
    with schema_context(alpha.schema):
        assert not Job.objects.filter(kind="ideas").exists()


def test_generating_saves_ideas_maps_the_clusters_and_charges_per_idea(
    alpha, site, client_for, paid_ai
):
    a = add_cluster(alpha, site, "Drain Cleaning", DRAINS)
    b = add_cluster(alpha, site, "Rose Pruning", ROSES)
    client = client_on(client_for, alpha.editor, alpha, site)
    before = balance(alpha.account)
    response = client.post(GENERATE, {"ids": [a.pk, b.pk], "per_cluster": 2, "structure": ""})
    assert response.status_code == 303
    assert response["Location"].startswith(f"{IDEAS}?job=")

    ideas = live_ideas(alpha, site)
    assert len(ideas) == 4
    assert {i.cluster_id for i in ideas} == {a.pk, b.pk}
    with schema_context(alpha.schema):  # the job says what it makes: 2 for each of 2
        assert Job.objects.get(kind="ideas").label == "Generate 4 ideas for 2 clusters"
    assert before - balance(alpha.account) == 4 * per_idea()
    for c in (a, b):
        saved = fresh(alpha, c)
        assert (saved.ideas_count, saved.status) == (2, "mapped")
    drain_ideas = [i for i in ideas if i.cluster_id == a.pk]
    assert all(i.primary_keyword in {t for t, _ in DRAINS} for i in drain_ideas)
    assert all(i.outline and i.outline[0]["level"] in (2, 3) for i in ideas)
    assert len({i.structure for i in drain_ideas}) == 2, "each idea of a cluster in its own shape"

    page = client.get(response["Location"])
    assert f"Generated 4 ideas for 2 of 2 clusters ({4 * per_idea()} credits)." in page_text(page)
    assert sorted(idea_titles(page)) == sorted(i.title for i in ideas)
    assert "Queue to writer" in page_text(page)
    assert_counts_right(alpha, site)


def test_a_chosen_structure_applies_to_every_idea(alpha, site, client_for):
    a = add_cluster(alpha, site, "Drain Cleaning", DRAINS)
    client = client_on(client_for, alpha.owner, alpha, site)
    client.post(GENERATE, {"ids": [a.pk], "per_cluster": 3, "structure": "how_to"})
    assert [i.structure for i in live_ideas(alpha, site)] == ["how_to"] * 3


def test_no_two_live_ideas_of_a_site_share_a_title(alpha, site, client_for):
    a = add_cluster(alpha, site, "Drain Cleaning", DRAINS)
    client = client_on(client_for, alpha.owner, alpha, site)
    for _ in range(2):  # the same cluster twice: the offline writer repeats its titles
        response = client.post(GENERATE, {"ids": [a.pk], "per_cluster": 3, "structure": ""})
        assert response.status_code == 303
    titles = [i.title.lower() for i in live_ideas(alpha, site)]
    assert len(titles) == 6 and len(set(titles)) == 6
    assert fresh(alpha, a).ideas_count == 6


def test_a_taken_title_gets_the_structure_then_a_number(alpha, site):
    a = add_cluster(alpha, site, "Drain Cleaning", DRAINS, ideas=["How To Clean A Drain"])
    answer = {
        "title": "how to clean a drain",
        "content_type": "post",
        "structure": "how_to",
        "outline": [{"heading": "Tools", "level": 2, "points": []}],
        "primary_keyword": "drain cleaning service",
        "secondary_keywords": [],
        "estimated_words": 1200,
    }
    with schema_context(alpha.schema):
        ideas_save(site=site, cluster=a, output={"ideas": [answer, answer]})
    titles = [i.title for i in live_ideas(alpha, site)]
    assert titles == [
        "How To Clean A Drain",
        "how to clean a drain (How-to)",
        "how to clean a drain (2)",
    ]


def test_not_enough_credits_is_refused_up_front(alpha, site, client_for, paid_ai):
    a = add_cluster(alpha, site, "Drain Cleaning", DRAINS)
    with schema_context(alpha.schema):
        set_credits(alpha.account, per_idea() * 3 - 1)
    client = client_on(client_for, alpha.owner, alpha, site)
    confirm = client.get(GENERATE, {"ids": [a.pk]})
    assert "That is not enough" in page_text(confirm)
    response = client.post(GENERATE, {"ids": [a.pk], "per_cluster": 3})
    assert response.status_code == 402
    assert "the workspace has" in page_text(response)
    assert live_ideas(alpha, site) == []
    assert balance(alpha.account) == per_idea() * 3 - 1


def test_running_out_midway_keeps_the_ideas_made(alpha, site, paid_ai):
    a = add_cluster(alpha, site, "Drain Cleaning", DRAINS)
    b = add_cluster(alpha, site, "Rose Pruning", ROSES)
    with schema_context(alpha.schema):
        set_credits(alpha.account, per_idea() * 3)
        from apps.planner.services.ideas import ideas_generate

        outcome = ideas_generate(site=site, cluster_ids=[a.pk, b.pk], per_cluster=3, structure=None)
    assert (outcome.done, outcome.ideas) == (1, 3)
    assert "Stopped:" in outcome.message()
    assert len(live_ideas(alpha, site)) == 3
    assert fresh(alpha, b).status == "new"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"per_cluster": 0}, "Ask for at least 1 idea per cluster."),
        ({"per_cluster": 11}, "Ask for at most 10 ideas per cluster."),
        ({"per_cluster": "lots"}, "Enter a whole number of ideas."),
        ({"per_cluster": 3, "structure": "novel"}, "Choose a structure from the list."),
    ],
)
def test_bad_requests_say_what_is_wrong_and_run_nothing(alpha, site, client_for, data, message):
    a = add_cluster(alpha, site, "Drain Cleaning", DRAINS)
    response = client_on(client_for, alpha.owner, alpha, site).post(
        GENERATE, {"ids": [a.pk], **data}
    )
    assert response.status_code == 400
    assert message in page_text(response)
    assert live_ideas(alpha, site) == []


def test_a_cluster_without_keywords_or_no_cluster_at_all_is_refused(alpha, site, client_for):
    empty = add_cluster(alpha, site, "Empty Cluster")
    full = add_cluster(alpha, site, "Drain Cleaning", DRAINS)
    client = client_on(client_for, alpha.owner, alpha, site)
    response = client.post(GENERATE, {"ids": [empty.pk, full.pk], "per_cluster": 3})
    assert response.status_code == 400
    assert "“Empty Cluster” has no keywords" in page_text(response)
    nothing = client.post(GENERATE, {"per_cluster": 3})
    assert nothing.status_code == 400 and "Tick the clusters" in page_text(nothing)
    assert live_ideas(alpha, site) == []
    with schema_context(alpha.schema), pytest.raises(ValidationError):
        ideas_generate_enqueue(site=site, cluster_ids=[], user=None)


def test_clusters_of_another_site_or_workspace_are_404(alpha, beta, site, client_for):
    other = make_site(alpha.account, "Other Site", sectors=1)
    theirs = add_cluster(alpha, other, "Other Cluster", DRAINS)
    beta_site = make_site(beta.account, "Beta Site", sectors=1)
    foreign = add_cluster(beta, beta_site, "Beta Cluster", ROSES)
    client = client_on(client_for, alpha.owner, alpha, site)
    # The current site has no clusters at all: whatever the numbers, none of them is its own.
    assert client.post(GENERATE, {"ids": [theirs.pk], "per_cluster": 1}).status_code == 404
    assert client.post(GENERATE, {"ids": [foreign.pk], "per_cluster": 1}).status_code == 404
    assert client.get(GENERATE, {"ids": [foreign.pk]}).status_code == 404
    assert live_ideas(alpha, other) == []


# --- the ideas page --------------------------------------------------------------------------


@pytest.fixture
def three_ideas(alpha, site):
    _, second = sectors_of(alpha, site)
    a = add_cluster(alpha, site, "Drain Cleaning", DRAINS, ideas=["Drain guide for beginners"])
    b = add_cluster(alpha, site, "Tomato Blight", TOMATOES, sector=second, ideas=["Blight FAQ"])
    with schema_context(alpha.schema):
        Idea.objects.filter(title="Blight FAQ").update(structure="faq", content_type="page")
        Idea.objects.create(
            site=site,
            sector=a.sector,
            cluster=a,
            title="Disabled drain listicle",
            structure="listicle",
            primary_keyword="drain cleaning service",
            disabled=True,
        )
        clusters_recount(cluster_ids=[a.pk])
    return a, b


def test_ideas_page_filters(alpha, site, client_for, three_ideas):
    a, b = three_ideas
    client = client_on(client_for, alpha.owner, alpha, site)
    hx = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "idea-rows"}
    every = client.get(IDEAS)
    assert every.status_code == 200 and len(idea_titles(every)) == 3

    def titles(**query) -> list[str]:
        return sorted(idea_titles(client.get(IDEAS, query, **hx)))

    assert titles(cluster=b.pk) == ["Blight FAQ"]
    assert titles(structure="faq") == ["Blight FAQ"]
    assert titles(content_type="page") == ["Blight FAQ"]
    assert titles(disabled="yes") == ["Disabled drain listicle"]
    assert titles(disabled="no") == ["Blight FAQ", "Drain guide for beginners"]
    assert titles(status="queued") == []
    assert titles(q="guide") == ["Drain guide for beginners"]
    partial = client.get(IDEAS, {"cluster": a.pk}, **hx)
    assert "<html" not in body(partial)
    assert partial["HX-Push-Url"] == f"{IDEAS}?cluster={a.pk}"
    bad = client.get(IDEAS, {"structure": "novel", "cluster": "99999999"})
    assert "Not applied" in page_text(bad) and len(idea_titles(bad)) == 3


def test_bulk_disable_enable_and_trash(alpha, site, client_for, three_ideas):
    a, b = three_ideas
    client = client_on(client_for, alpha.editor, alpha, site)
    ids = {i.title: i.pk for i in live_ideas(alpha, site)}
    guide, faq = ids["Drain guide for beginners"], ids["Blight FAQ"]

    assert client.post(f"{IDEAS}bulk/", {"ids": [guide], "action": "disable"}).status_code == 303
    with schema_context(alpha.schema):
        assert Idea.objects.get(pk=guide).disabled is True
    client.post(f"{IDEAS}bulk/", {"ids": [guide], "action": "enable"})
    with schema_context(alpha.schema):
        assert Idea.objects.get(pk=guide).disabled is False

    trashed = client.post(f"{IDEAS}bulk/", {"ids": [faq], "action": "delete", "query": "q=x"})
    assert trashed.status_code == 303 and trashed["Location"] == f"{IDEAS}?q=x"
    assert "Blight FAQ" not in [i.title for i in live_ideas(alpha, site)]
    with schema_context(alpha.schema):
        assert Idea.objects.get(pk=faq).deleted_at is not None, "in the trash, not gone"
    assert (fresh(alpha, b).ideas_count, fresh(alpha, b).status) == (0, "new")
    assert_counts_right(alpha, site)

    nothing = client.post(f"{IDEAS}bulk/", {"action": "delete"})
    assert nothing.status_code == 400 and "Tick the ideas first" in page_text(nothing)
    odd = client.post(f"{IDEAS}bulk/", {"ids": [guide], "action": "explode"})
    assert odd.status_code == 400
    assert client.post(f"{IDEAS}bulk/", {"ids": [faq], "action": "disable"}).status_code == 404


# --- editing an idea -------------------------------------------------------------------------

OUTLINE = "## Why drains clog\n- hair and grease\n### Kitchen sinks\n## Tools you need"


def edit_data(**changes) -> dict:
    data = {
        "title": "Drain cleaning, the complete guide",
        "structure": "guide",
        "content_type": "post",
        "outline": OUTLINE,
        "primary_keyword": "drain cleaning service",
        "secondary_keywords": "drain cleaning services, best drain cleaning service\nunclog",
        "estimated_words": 1800,
    }
    return {**data, **changes}


def test_editing_an_idea(alpha, site, client_for, three_ideas):
    idea = next(i for i in live_ideas(alpha, site) if i.title == "Drain guide for beginners")
    client = client_on(client_for, alpha.editor, alpha, site)
    form = client.get(f"{IDEAS}{idea.pk}/")
    assert form.status_code == 200
    assert "## Start here\n- a note" in body(form)
    assert "Queue to writer" not in page_text(form)

    saved = client.post(f"{IDEAS}{idea.pk}/", edit_data())
    assert saved.status_code == 303
    idea = fresh(alpha, idea)
    assert idea.title == "Drain cleaning, the complete guide"
    assert idea.outline == [
        {"heading": "Why drains clog", "level": 2, "points": ["hair and grease"]},
        {"heading": "Kitchen sinks", "level": 3, "points": []},
        {"heading": "Tools you need", "level": 2, "points": []},
    ]
    assert idea.secondary_keywords == [
        "drain cleaning services",
        "best drain cleaning service",
        "unclog",
    ]
    assert (idea.structure, idea.estimated_words) == ("guide", 1800)


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"outline": "## Fine\nJust a line"}, "outline", "Line 2: start a heading with “## ”"),
        ({"outline": "- a note first"}, "outline", "Line 1: a note needs a heading above it."),
        ({"outline": "   "}, "outline", "An outline needs at least one “## ” heading."),
        ({"title": "blight faq"}, "title", "Another idea of this site already has this title."),
        ({"title": ""}, "title", "Give the idea a title."),
        ({"estimated_words": 50}, "estimated_words", "Choose at least 300 words."),
        ({"structure": "poem"}, "structure", "Choose a structure from the list."),
        ({"primary_keyword": ""}, "primary_keyword", "Name the keyword this idea targets first."),
    ],
)
def test_bad_edits_are_explained_and_nothing_is_saved(
    alpha, site, client_for, three_ideas, changes, field, message
):
    idea = next(i for i in live_ideas(alpha, site) if i.title == "Drain guide for beginners")
    response = client_on(client_for, alpha.editor, alpha, site).post(
        f"{IDEAS}{idea.pk}/", edit_data(**changes)
    )
    assert response.status_code == 400
    assert message in field_errors(response)[field]
    again = fresh(alpha, idea)
    assert (again.title, again.outline) == (idea.title, idea.outline)


def test_outline_text_round_trips():
    outline = outline_from_text(OUTLINE)
    assert outline_from_text(outline_to_text(outline)) == outline
    with pytest.raises(ValidationError, match="Line 1"):
        outline_from_text("# Too big a heading")


# --- who may do what -------------------------------------------------------------------------


def test_viewer_reads_ideas_but_changes_nothing(alpha, site, viewer, client_for, three_ideas):
    a, _ = three_ideas
    idea = live_ideas(alpha, site)[0]
    client = client_on(client_for, viewer, alpha, site)
    listing = client.get(IDEAS)
    assert listing.status_code == 200 and len(idea_titles(listing)) == 3
    assert 'name="ids"' not in body(listing) and "Move to trash" not in page_text(listing)
    detail = client.get(f"{IDEAS}{idea.pk}/")
    assert detail.status_code == 200
    assert "Save idea" not in page_text(detail) and "<textarea" not in body(detail)
    assert "Start here" in page_text(detail)
    assert client.post(f"{IDEAS}{idea.pk}/", edit_data()).status_code == 403
    assert client.post(f"{IDEAS}bulk/", {"ids": [idea.pk], "action": "delete"}).status_code == 403
    assert client.post(GENERATE, {"ids": [a.pk], "per_cluster": 1}).status_code == 403
    assert fresh(alpha, idea).title == idea.title and len(live_ideas(alpha, site)) == 3


def test_outsider_and_foreign_ids(alpha, beta, site, outsider, client_for, three_ideas):
    idea = live_ideas(alpha, site)[0]
    stranger = client_for(outsider, alpha.host)
    assert stranger.get(IDEAS).status_code == 403
    assert stranger.get(f"{IDEAS}{idea.pk}/").status_code == 403
    assert stranger.post(f"{IDEAS}bulk/", {"ids": [idea.pk], "action": "delete"}).status_code == 403

    beta_site = make_site(beta.account, "Beta Site", sectors=1)
    theirs = add_cluster(beta, beta_site, "Beta Cluster", ROSES, ideas=["A beta idea title"])
    with schema_context(beta.schema):
        foreign = Idea.objects.get(cluster=theirs)
    with schema_context(alpha.schema):
        Idea.objects.filter(pk=foreign.pk).delete()  # no alpha idea shares the number
    owner = client_on(client_for, alpha.owner, alpha, site)
    assert owner.get(f"{IDEAS}{foreign.pk}/").status_code == 404
    assert owner.post(f"{IDEAS}{foreign.pk}/", edit_data()).status_code == 404
    assert owner.post(f"{IDEAS}bulk/", {"ids": [foreign.pk], "action": "delete"}).status_code == 404
    assert fresh(beta, foreign).deleted_at is None


def test_editor_without_a_grant_sees_no_ideas(alpha, site, client_for, three_ideas):
    from apps.accounts.models import Role
    from tests.factories import make_member

    editor = make_member(alpha.account, Role.EDITOR)
    idea = live_ideas(alpha, site)[0]
    client = client_for(editor, alpha.host)
    page = client.get(IDEAS)
    assert page.status_code == 200 and "No site has been shared with you yet" in page_text(page)
    assert client.get(f"{IDEAS}{idea.pk}/").status_code == 404
    assert re.search(r"data-idea=", body(page)) is None
