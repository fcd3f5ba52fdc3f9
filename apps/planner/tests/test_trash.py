"""The keyword trash: what is in it, restoring (within the plan's keyword limit, back into a
cluster that still exists), deleting forever after a confirmation, and who may do what."""

from __future__ import annotations

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from apps.billing.models import Plan
from apps.billing.plans import plan_assign
from apps.planner.models import Cluster, Keyword, KeywordStatus, normalize_keyword
from apps.planner.tests.helpers_keywords import (
    BULK,
    HX,
    TRASH,
    add_cluster,
    add_keywords,
    body,
    client_on,
    count_line,
    flashes,
    live_ids,
    shown_ids,
    site_fixture,  # noqa: F401  (fixture "site")
    text_of,
    viewer_fixture,  # noqa: F401  (fixture "viewer")
)
from tests.factories import make_site

pytestmark = pytest.mark.django_db

HX_TRASH = {**HX, "HTTP_HX_TARGET": "trash"}


def trash(alpha, keywords: list[Keyword]) -> None:
    with schema_context(alpha.schema):
        Keyword.objects.filter(pk__in=[k.pk for k in keywords]).update(deleted_at=timezone.now())


def trashed_ids(alpha, site) -> set[int]:
    with schema_context(alpha.schema):
        return set(Keyword.objects.trashed().filter(site=site).values_list("pk", flat=True))


def all_ids(alpha) -> set[int]:
    with schema_context(alpha.schema):
        return set(Keyword.objects.values_list("pk", flat=True))


@pytest.fixture
def binned(alpha, site):
    """Three keywords in the trash, one still live."""
    made = add_keywords(
        alpha,
        site,
        [
            {"text": "old shoes", "volume": 10},
            {"text": "older shoes", "volume": 20},
            {"text": "oldest shoes", "volume": 30},
            {"text": "new shoes", "volume": 40},
        ],
    )
    trash(alpha, made[:3])
    return {k.text: k for k in made}


def owner(alpha, site, client_for):
    return client_on(client_for, alpha.owner, alpha, site)


def act(client, site, data: dict, *, htmx: bool = True):
    return client.post(TRASH, {"site": site.pk, **data}, **(HX_TRASH if htmx else {}))


# The list ------------------------------------------------------------------------------------


def test_the_trash_lists_the_sites_trashed_keywords(alpha, site, binned, client_for):
    other = make_site(alpha.account, "Other Site", sectors=1)
    trash(alpha, add_keywords(alpha, other, [{"text": "other site trash"}]))
    response = owner(alpha, site, client_for).get(TRASH)
    assert response.status_code == 200
    assert set(shown_ids(response)) == {
        binned[t].pk for t in ("old shoes", "older shoes", "oldest shoes")
    }
    assert "other site trash" not in body(response)
    assert count_line(response).startswith("1–3 of 3 keywords in the trash.")


def test_an_empty_trash_says_so(alpha, site, client_for):
    response = owner(alpha, site, client_for).get(TRASH)
    assert "The trash is empty" in body(response)


def test_trash_pages(alpha, site, client_for):
    made = add_keywords(alpha, site, ({"text": f"binned {i:03d}"} for i in range(60)))
    trash(alpha, made)
    client = owner(alpha, site, client_for)
    assert count_line(client.get(TRASH)).startswith("1–50 of 60")
    second = client.get(TRASH + "?page=2", **HX_TRASH)
    assert count_line(second).startswith("51–60 of 60")
    assert second["HX-Push-Url"] == "/planner/keywords/trash/?page=2"


# Restoring -----------------------------------------------------------------------------------


def test_restore_selected(alpha, site, binned, client_for):
    chosen = [binned["old shoes"].pk, binned["older shoes"].pk]
    response = act(owner(alpha, site, client_for), site, {"action": "restore", "ids": chosen})
    assert response.status_code == 200
    assert flashes(response) == ["Restored 2 keywords to the keyword list."]
    assert set(chosen) <= live_ids(alpha, site)
    assert trashed_ids(alpha, site) == {binned["oldest shoes"].pk}
    assert shown_ids(response) == [binned["oldest shoes"].pk]


def test_restore_all_without_javascript(alpha, site, binned, client_for):
    client = owner(alpha, site, client_for)
    response = act(client, site, {"action": "restore_all"}, htmx=False)
    assert response.status_code == 303
    assert response["Location"] == "/planner/keywords/trash/"
    assert flashes(client.get(response["Location"])) == ["Restored 3 keywords to the keyword list."]
    assert trashed_ids(alpha, site) == set()
    assert len(live_ids(alpha, site)) == 4


def test_a_restored_keyword_returns_to_its_cluster_and_its_counts(alpha, site, client_for):
    cluster = add_cluster(alpha, site, "shoes")
    (keyword,) = add_keywords(
        alpha,
        site,
        [{"text": "red shoes", "volume": 70, "cluster": cluster, "status": KeywordStatus.MAPPED}],
    )
    client = owner(alpha, site, client_for)
    client.post(
        BULK, {"site": site.pk, "action": "delete", "confirm": "1", "ids": [keyword.pk]}, **HX
    )
    with schema_context(alpha.schema):
        assert Cluster.objects.get(pk=cluster.pk).keyword_count == 0
    act(client, site, {"action": "restore", "ids": [keyword.pk]})
    with schema_context(alpha.schema):
        row = Cluster.objects.get(pk=cluster.pk)
        restored = Keyword.objects.get(pk=keyword.pk)
    assert (row.keyword_count, row.total_volume) == (1, 70)
    assert (restored.cluster_id, restored.status) == (cluster.pk, KeywordStatus.MAPPED)


def test_a_keyword_whose_cluster_is_gone_comes_back_new(alpha, site, client_for):
    cluster = add_cluster(alpha, site, "shoes")
    (keyword,) = add_keywords(
        alpha, site, [{"text": "red shoes", "cluster": cluster, "status": KeywordStatus.MAPPED}]
    )
    trash(alpha, [keyword])
    with schema_context(alpha.schema):
        Cluster.objects.filter(pk=cluster.pk).update(deleted_at=timezone.now())
    act(owner(alpha, site, client_for), site, {"action": "restore", "ids": [keyword.pk]})
    with schema_context(alpha.schema):
        restored = Keyword.objects.get(pk=keyword.pk)
    assert (restored.deleted_at, restored.cluster_id, restored.status) == (
        None,
        None,
        KeywordStatus.NEW,
    )


def test_restoring_respects_the_plans_keyword_limit(alpha, site, client_for):
    """Free allows 500 live keywords: with 499 live, two cannot come back; one can."""
    plan_assign(account=alpha.account, plan=Plan.objects.get(slug="free"))
    add_keywords(alpha, site, ({"text": f"live {i:03d}"} for i in range(499)))
    binned = add_keywords(alpha, site, [{"text": "back one"}, {"text": "back two"}])
    trash(alpha, binned)
    client = owner(alpha, site, client_for)

    refused = act(client, site, {"action": "restore_all"})
    assert refused.status_code == 403
    assert "The Free plan allows 500 keywords; this workspace has 499." in text_of(body(refused))
    assert trashed_ids(alpha, site) == {k.pk for k in binned}

    refused_page = act(client, site, {"action": "restore_all"}, htmx=False)
    assert refused_page.status_code == 403
    assert "Upgrade your plan" in body(refused_page)

    allowed = act(client, site, {"action": "restore", "ids": [binned[0].pk]})
    assert allowed.status_code == 200
    assert trashed_ids(alpha, site) == {binned[1].pk}


def test_restoring_never_collides_with_a_keyword_added_since(alpha, site, binned, client_for):
    """A trashed keyword keeps its place (unique per sector), so none can be added beside it."""
    from django.db import IntegrityError, transaction

    keyword = binned["old shoes"]
    with schema_context(alpha.schema), pytest.raises(IntegrityError), transaction.atomic():
        Keyword.objects.create(
            site=site,
            sector_id=keyword.sector_id,
            text="Old Shoes!",
            normalized=normalize_keyword("Old Shoes!"),
        )
    act(owner(alpha, site, client_for), site, {"action": "restore", "ids": [keyword.pk]})
    assert keyword.pk in live_ids(alpha, site)


# Deleting forever ---------------------------------------------------------------------------


def test_delete_selected_forever_after_a_confirmation(alpha, site, binned, client_for):
    client = owner(alpha, site, client_for)
    chosen = [binned["old shoes"].pk]
    asked = act(client, site, {"action": "delete", "ids": chosen})
    assert asked.status_code == 200
    assert "Delete 1 keyword forever? This cannot be undone." in text_of(body(asked))
    assert chosen[0] in all_ids(alpha)

    done = act(client, site, {"confirm": "delete", "ids": chosen})
    assert flashes(done) == ["Deleted 1 keyword forever."]
    assert chosen[0] not in all_ids(alpha)
    assert trashed_ids(alpha, site) == {binned["older shoes"].pk, binned["oldest shoes"].pk}


def test_empty_the_trash_without_javascript(alpha, site, binned, client_for):
    client = owner(alpha, site, client_for)
    asked = act(client, site, {"action": "delete_all"}, htmx=False)
    assert asked.status_code == 200
    assert "Delete 3 keywords forever?" in text_of(body(asked))
    assert 'name="confirm" value="delete_all"' in body(asked)
    done = act(client, site, {"confirm": "delete_all"}, htmx=False)
    assert done.status_code == 303
    assert trashed_ids(alpha, site) == set()
    assert live_ids(alpha, site) == {binned["new shoes"].pk}  # the live one is untouched


def test_live_keywords_cannot_be_deleted_through_the_trash(alpha, site, binned, client_for):
    live = binned["new shoes"].pk
    response = act(owner(alpha, site, client_for), site, {"confirm": "delete", "ids": [live]})
    assert flashes(response) == ["Deleted 0 keywords forever."]
    assert live in live_ids(alpha, site)


def test_another_sites_trash_is_out_of_reach(alpha, site, binned, client_for):
    other = make_site(alpha.account, "Other Site", sectors=1)
    (foreign,) = add_keywords(alpha, other, [{"text": "foreign"}])
    trash(alpha, [foreign])
    client = owner(alpha, site, client_for)
    act(client, site, {"confirm": "delete", "ids": [foreign.pk]})
    act(client, site, {"action": "restore", "ids": [foreign.pk]})
    assert foreign.pk in trashed_ids(alpha, other)


# Bad input -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data, error",
    [
        ({}, "Choose what to do with the trash."),
        ({"action": "shred"}, "That action does not exist."),
        ({"confirm": "restore"}, "That action does not exist."),
        ({"action": "restore"}, "Select at least one keyword (tick its box)."),
        ({"action": "delete", "ids": ["x"]}, "Select at least one keyword (tick its box)."),
    ],
)
def test_bad_input_is_refused_and_nothing_changes(data, error, alpha, site, binned, client_for):
    response = act(owner(alpha, site, client_for), site, data)
    assert response.status_code == 400
    assert any(error in f for f in flashes(response))
    assert len(trashed_ids(alpha, site)) == 3


# Who may do what -----------------------------------------------------------------------------


def test_viewer_sees_the_trash_without_buttons_and_cannot_act(
    alpha, site, binned, viewer, client_for
):
    client = client_on(client_for, viewer, alpha, site)
    response = client.get(TRASH)
    assert response.status_code == 200
    assert len(shown_ids(response)) == 3
    html = body(response)
    assert "Restore selected" not in html and "Empty the trash" not in html
    assert 'name="ids"' not in html
    for data in ({"action": "restore_all"}, {"confirm": "delete_all"}):
        assert act(client, site, data).status_code == 403
    assert len(trashed_ids(alpha, site)) == 3


def test_editor_with_a_grant_may_restore(alpha, site, binned, client_for):
    client = client_on(client_for, alpha.editor, alpha, site)
    assert act(client, site, {"action": "restore_all"}).status_code == 200
    assert trashed_ids(alpha, site) == set()


def test_outsider_is_refused(alpha, site, binned, outsider, client_for):
    client = client_for(outsider, alpha.host)
    assert client.get(TRASH).status_code == 403
    assert act(client, site, {"confirm": "delete_all"}).status_code == 403
    assert len(trashed_ids(alpha, site)) == 3
