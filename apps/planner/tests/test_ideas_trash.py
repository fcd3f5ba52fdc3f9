"""The ideas trash: trashed ideas can be seen, restored (unless their cluster was dissolved or
their title is taken again) and deleted forever, by editors and up; viewers only look."""

from __future__ import annotations

import pytest
from django_tenants.utils import schema_context

from apps.planner.models import Idea
from apps.planner.services.clusters import clusters_dissolve
from apps.planner.tests.helpers_clusters import (
    DRAINS,
    ROSES,
    add_cluster,
    assert_counts_right,
    body,
    client_on,
    fresh,
    page_text,
    site_fixture,  # noqa: F401  (fixture "site")
    viewer_fixture,  # noqa: F401  (fixture "viewer")
)
from tests.factories import make_member, make_site

pytestmark = pytest.mark.django_db

TRASH = "/planner/ideas/trash/"


@pytest.fixture
def trashed(alpha, site, client_for):
    """Two clusters, three ideas, two of them moved to the trash from the ideas page."""
    add_cluster(alpha, site, "Drains", DRAINS, ideas=["Drain guide", "Drain costs explained"])
    add_cluster(alpha, site, "Roses", ROSES, ideas=["Rose pruning calendar"])
    with schema_context(alpha.schema):
        ids = list(
            Idea.objects.filter(title__in=["Drain guide", "Rose pruning calendar"]).values_list(
                "pk", flat=True
            )
        )
    owner = client_on(client_for, alpha.owner, alpha, site)
    assert owner.post("/planner/ideas/bulk/", {"ids": ids, "action": "delete"}).status_code == 303
    with schema_context(alpha.schema):
        return {i.title: i for i in Idea.objects.filter(pk__in=ids)}


def test_trash_lists_trashed_ideas_only(alpha, site, client_for, trashed):
    page = client_on(client_for, alpha.owner, alpha, site).get(TRASH)
    text = page_text(page)
    assert page.status_code == 200
    assert "Drain guide" in text and "Rose pruning calendar" in text
    assert "Drain costs explained" not in text
    assert "2 ideas in the trash" in text


def test_restore_brings_ideas_back_and_counts_follow(alpha, site, client_for, trashed):
    owner = client_on(client_for, alpha.owner, alpha, site)
    idea = trashed["Drain guide"]
    response = owner.post(TRASH, {"ids": [idea.pk], "action": "restore"}, follow=True)
    assert "Restored 1 idea." in page_text(response)
    assert fresh(alpha, idea).deleted_at is None
    assert fresh(alpha, trashed["Rose pruning calendar"]).deleted_at is not None
    assert_counts_right(alpha, site)


def test_restore_refuses_a_taken_title_and_a_dissolved_cluster(alpha, site, client_for, trashed):
    guide, rose = trashed["Drain guide"], trashed["Rose pruning calendar"]
    with schema_context(alpha.schema):
        Idea.objects.create(
            site=site,
            sector=guide.sector,
            cluster=guide.cluster,
            title="DRAIN GUIDE",
            primary_keyword="drain",
        )
        clusters_dissolve(clusters=[rose.cluster])
    owner = client_on(client_for, alpha.owner, alpha, site)
    response = owner.post(TRASH, {"ids": [guide.pk, rose.pk], "action": "restore"}, follow=True)
    text = page_text(response)
    assert "an idea with this title is already in the list" in text
    assert "its cluster “Roses” was dissolved" in text
    assert fresh(alpha, guide).deleted_at is not None
    assert fresh(alpha, rose).deleted_at is not None


def test_delete_forever_asks_first_and_only_touches_the_trash(alpha, site, client_for, trashed):
    owner = client_on(client_for, alpha.owner, alpha, site)
    guide = trashed["Drain guide"]
    with schema_context(alpha.schema):
        live = Idea.objects.get(title="Drain costs explained")
    ask = owner.post(TRASH, {"ids": [guide.pk, live.pk], "action": "delete"})
    assert ask.status_code == 200 and "forever? This cannot be undone." in page_text(ask)
    with schema_context(alpha.schema):
        assert Idea.objects.filter(pk=guide.pk).exists()
    done = owner.post(
        TRASH, {"ids": [guide.pk, live.pk], "action": "delete", "confirm": "yes"}, follow=True
    )
    assert "Deleted 1 idea forever." in page_text(done)
    with schema_context(alpha.schema):
        assert not Idea.objects.filter(pk=guide.pk).exists()
        assert Idea.objects.filter(pk=live.pk, deleted_at__isnull=True).exists()


def test_nothing_ticked_says_so(alpha, site, client_for, trashed):
    owner = client_on(client_for, alpha.owner, alpha, site)
    response = owner.post(TRASH, {"action": "restore"}, follow=True)
    assert "Tick the ideas first" in page_text(response)


def test_viewer_sees_the_trash_but_cannot_change_it(alpha, site, viewer, client_for, trashed):
    client = client_on(client_for, viewer, alpha, site)
    page = client.get(TRASH)
    assert page.status_code == 200 and "Drain guide" in page_text(page)
    assert 'name="ids"' not in body(page) and "Restore selected" not in page_text(page)
    guide = trashed["Drain guide"]
    assert client.post(TRASH, {"ids": [guide.pk], "action": "restore"}).status_code == 403
    assert fresh(alpha, guide).deleted_at is not None


def test_editor_with_and_without_a_grant(alpha, site, client_for, trashed):
    granted = client_on(client_for, alpha.editor, alpha, site)
    guide = trashed["Drain guide"]
    assert granted.post(TRASH, {"ids": [guide.pk], "action": "restore"}).status_code == 303
    assert fresh(alpha, guide).deleted_at is None
    from apps.accounts.models import Role

    stranger = client_for(make_member(alpha.account, Role.EDITOR), alpha.host)
    page = stranger.get(TRASH)
    assert "No site has been shared with you yet" in page_text(page)
    rose = trashed["Rose pruning calendar"]
    stranger.post(TRASH, {"ids": [rose.pk], "action": "restore"})
    assert fresh(alpha, rose).deleted_at is not None


def test_outsider_is_refused_and_foreign_ids_do_nothing(
    alpha, beta, site, outsider, client_for, trashed
):
    stranger = client_for(outsider, alpha.host)
    assert stranger.get(TRASH).status_code == 403
    guide = trashed["Drain guide"]
    assert stranger.post(TRASH, {"ids": [guide.pk], "action": "restore"}).status_code == 403
    beta_site = make_site(beta.account, "Beta Trash Site", sectors=1)
    add_cluster(beta, beta_site, "Beta Roses", ROSES, ideas=["Beta rose idea"])
    with schema_context(beta.schema):
        theirs = Idea.objects.get(title="Beta rose idea")
        Idea.objects.filter(pk=theirs.pk).update(deleted_at=guide.deleted_at)
    owner = client_on(client_for, alpha.owner, alpha, site)
    owner.post(TRASH, {"ids": [theirs.pk], "action": "restore"})
    assert fresh(beta, theirs).deleted_at is not None
