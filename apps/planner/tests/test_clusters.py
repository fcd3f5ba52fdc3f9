"""Clusters: grouping new keywords (a job with progress, no duplicates on re-runs, free names
from the offline writer), the clusters pages, and the hand edits —
rename, merge, move keywords, dissolve — with counts that always add up."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tenants.utils import schema_context

from apps.billing import credits
from apps.planner import clustering
from apps.planner.models import Cluster, Idea, Keyword
from apps.planner.services.clusters import (
    NothingToCluster,
    cluster_keywords_enqueue,
    clusters_recount,
    keywords_cluster,
)
from apps.planner.tests.helpers_clusters import (
    CLUSTERS,
    DRAINS,
    ROSES,
    TOMATOES,
    add_cluster,
    add_keywords,
    assert_counts_right,
    body,
    client_on,
    cluster_rows,
    exists,
    field_errors,
    fresh,
    live_clusters,
    page_text,
    sectors_of,
    set_credits,
    site_fixture,  # noqa: F401  (fixture "site")
    viewer_fixture,  # noqa: F401  (fixture "viewer")
)
from apps.workspace.models import AIUsage, Job
from tests.factories import make_site

pytestmark = pytest.mark.django_db


def cluster_of(ws, text: str) -> Cluster | None:
    with schema_context(ws.schema):
        keyword = Keyword.objects.select_related("cluster").get(text=text)
        return keyword.cluster


# --- the clustering job ----------------------------------------------------------------------


def test_clustering_groups_new_keywords_by_sector_and_leaves_the_rest(alpha, site):
    first, second = sectors_of(alpha, site)
    add_keywords(alpha, site, DRAINS + ROSES + [("zebra crossing rules", 10)])
    add_keywords(alpha, site, TOMATOES, sector=second)
    add_keywords(alpha, site, [("drain cleaning service cost", 90)], disabled=True)
    add_keywords(alpha, site, [("drain cleaning company", 80)], deleted_at=timezone.now())
    kept = add_cluster(alpha, site, "Hand Made", [("plumber near me", 70)])

    with schema_context(alpha.schema):
        job = cluster_keywords_enqueue(site=site, keyword_ids=None, user=alpha.owner)
    assert job.status == "succeeded", job.error
    assert job.kind == "clustering"

    drains = {cluster_of(alpha, text) for text, _ in DRAINS}
    roses = {cluster_of(alpha, text) for text, _ in ROSES}
    tomatoes = {cluster_of(alpha, text) for text, _ in TOMATOES}
    assert len(drains) == len(roses) == len(tomatoes) == 1
    assert None not in drains | roses | tomatoes
    assert drains.pop().sector_id == roses.pop().sector_id == first.pk
    assert tomatoes.pop().sector_id == second.pk
    # A keyword with no close match is not a cluster of its own: it stays new.
    assert cluster_of(alpha, "zebra crossing rules") is None
    # Disabled, trashed and already-mapped keywords are left where they were.
    assert cluster_of(alpha, "drain cleaning service cost") is None
    assert cluster_of(alpha, "drain cleaning company") is None
    assert cluster_of(alpha, "plumber near me").pk == kept.pk
    assert_counts_right(alpha, site)
    assert "Grouped 9 keywords into 3 new clusters" in job.message
    assert "1 keyword had no close match and stays new." in job.message


def test_clustering_only_the_selected_keywords(alpha, site):
    made = add_keywords(alpha, site, DRAINS + ROSES)
    rose_ids = [k.pk for k in made if "rose" in k.text]
    with schema_context(alpha.schema):
        job = cluster_keywords_enqueue(site=site, keyword_ids=rose_ids, user=alpha.owner)
    assert job.status == "succeeded", job.error
    assert all(cluster_of(alpha, text) for text, _ in ROSES)
    assert not any(cluster_of(alpha, text) for text, _ in DRAINS)


def test_keywords_of_another_site_are_never_clustered_through_this_one(alpha, site):
    other = make_site(alpha.account, "Other Site", sectors=1)
    theirs = add_keywords(alpha, other, DRAINS)
    with schema_context(alpha.schema), pytest.raises(NothingToCluster):
        cluster_keywords_enqueue(site=site, keyword_ids=[k.pk for k in theirs], user=None)
    assert not any(cluster_of(alpha, text) for text, _ in DRAINS)


def test_running_again_adds_nothing_and_never_duplicates_a_name(alpha, site, monkeypatch):
    add_keywords(alpha, site, DRAINS + ROSES)
    existing = add_cluster(alpha, site, "garden and drains", [("old keyword", 5)])
    # Every group of this run is named like the existing cluster (in another case).
    monkeypatch.setattr(clustering, "name_for", lambda items: "Garden and Drains")
    with schema_context(alpha.schema):
        set_credits(alpha.account, 0)  # keep the given names: no AI renaming in this test
        first = keywords_cluster(site=site)
        again = keywords_cluster(site=site)
    assert first.created == [] and first.extended == [existing.pk]
    assert again.keywords == 0, "a second run finds nothing new to cluster"
    clusters = live_clusters(alpha, site)
    assert [c.name for c in clusters] == ["garden and drains"]
    assert clusters[0].keyword_count == 1 + len(DRAINS) + len(ROSES)
    assert_counts_right(alpha, site)


def test_the_new_clusters_are_named_by_the_offline_writer_for_free(alpha, site):
    add_keywords(alpha, site, DRAINS + ROSES)
    with schema_context(alpha.schema):
        before = credits.balance_for(alpha.account).total
        outcome = keywords_cluster(site=site)
        after = credits.balance_for(alpha.account).total
        usage = list(AIUsage.objects.filter(function="name_clusters"))
    assert len(outcome.created) == 2
    assert outcome.named == 2
    assert before == after and outcome.credits == 0
    assert "Named them for free with the offline writer." in outcome.message()
    assert outcome.to_name == [], "nothing to offer: no provider is connected"
    for c in live_clusters(alpha, site):
        assert len(c.description) >= 10, "the offline writer describes each cluster"
    assert [(u.provider, u.credits, u.status) for u in usage] == [("offline", 0, "succeeded")]
    assert credits.reconcile(alpha.account).ok


def test_without_credits_clustering_and_its_names_are_still_free(alpha, site):
    add_keywords(alpha, site, DRAINS + ROSES)
    with schema_context(alpha.schema):
        set_credits(alpha.account, 0)
        job = cluster_keywords_enqueue(site=site, keyword_ids=None, user=alpha.owner)
    assert job.status == "succeeded"
    assert "credits" not in job.message.replace("costs no credits", "")
    assert "Named them for free with the offline writer." in job.message
    assert all(len(c.description) >= 10 for c in live_clusters(alpha, site))
    assert credits.balance_for(alpha.account).total == 0


def test_progress_counts_keywords_up_to_the_total(alpha, site):
    add_keywords(alpha, site, DRAINS + ROSES)
    seen: list[tuple[int, int, str]] = []
    with schema_context(alpha.schema):
        keywords_cluster(site=site, progress=lambda d, t, m: seen.append((d, t, m)))
    grouping = [(d, t, m) for d, t, m in seen if m.startswith("Grouping")]
    assert grouping[0][:2] == (0, 7)
    assert grouping[-1] == (7, 7, "Grouping 7 of 7 keywords…")
    assert all(d <= t for d, t, _ in seen)
    assert [d for d, _, _ in grouping] == sorted(d for d, _, _ in grouping)


def test_nothing_to_cluster_is_said_plainly(alpha, site, client_for):
    add_keywords(alpha, site, DRAINS, disabled=True)
    response = client_on(client_for, alpha.owner, alpha, site).post(f"{CLUSTERS}run/")
    assert response.status_code == 400
    assert "nothing to cluster" in page_text(response)
    assert live_clusters(alpha, site) == []


def test_recount_is_one_query_for_any_number_of_clusters(alpha, site):
    clusters = [add_cluster(alpha, site, f"C{i}", [(f"kw {i}", i)]) for i in range(6)]
    with schema_context(alpha.schema), CaptureQueriesContext(connection) as queries:
        clusters_recount(cluster_ids=[c.pk for c in clusters])
    statements = [q["sql"] for q in queries if "search_path" not in q["sql"]]
    assert len(statements) == 1, statements
    assert statements[0].startswith("UPDATE")


# --- the clusters page -----------------------------------------------------------------------


def test_the_list_shows_each_cluster_with_its_numbers(alpha, site, client_for):
    _, second = sectors_of(alpha, site)
    add_cluster(alpha, site, "Drain Cleaning", DRAINS, ideas=["Ten drain tips for everyone"])
    add_cluster(alpha, site, "Tomato Blight", TOMATOES, sector=second)
    add_keywords(alpha, site, ROSES)
    response = client_on(client_for, alpha.owner, alpha, site).get(CLUSTERS)
    assert response.status_code == 200
    rows = cluster_rows(response)
    assert rows["Drain Cleaning"] == [
        sectors_of(alpha, site)[0].name,
        "Ideas generated",
        "4",
        "1,500",
        "1",
    ]
    assert rows["Tomato Blight"] == [second.name, "New", "2", "650", "0"]
    assert "Cluster 3 new keywords" in page_text(response)
    assert list(rows) == ["Drain Cleaning", "Tomato Blight"], "highest volume first"


def test_filters_and_sorting_as_htmx_partials_with_the_address_kept(alpha, site, client_for):
    _, second = sectors_of(alpha, site)
    add_cluster(alpha, site, "Drain Cleaning", DRAINS, ideas=["Ten drain tips for everyone"])
    add_cluster(alpha, site, "Rose Pruning", ROSES)
    add_cluster(alpha, site, "Tomato Blight", TOMATOES, sector=second)
    client = client_on(client_for, alpha.owner, alpha, site)
    hx = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "cluster-rows"}

    by_sector = client.get(CLUSTERS, {"sector": second.pk}, **hx)
    assert list(cluster_rows(by_sector)) == ["Tomato Blight"]
    assert "<html" not in body(by_sector)
    assert by_sector["HX-Push-Url"] == f"{CLUSTERS}?sector={second.pk}"
    assert list(cluster_rows(client.get(CLUSTERS, {"status": "mapped"}, **hx))) == [
        "Drain Cleaning"
    ]
    assert list(cluster_rows(client.get(CLUSTERS, {"ideas": "without"}, **hx))) == [
        "Rose Pruning",
        "Tomato Blight",
    ]
    assert list(cluster_rows(client.get(CLUSTERS, {"q": "rose"}, **hx))) == ["Rose Pruning"]
    assert list(cluster_rows(client.get(CLUSTERS, {"sort": "name"}, **hx))) == [
        "Drain Cleaning",
        "Rose Pruning",
        "Tomato Blight",
    ]
    # A bookmarked filtered address gives the whole page, filtered.
    page = client.get(CLUSTERS, {"sector": second.pk})
    assert "<html" in body(page) and list(cluster_rows(page)) == ["Tomato Blight"]
    bad = client.get(CLUSTERS, {"sector": "99999999", "status": "odd"})
    assert "Not applied" in page_text(bad) and len(cluster_rows(bad)) == 3


def test_run_button_clusters_everything_new_and_shows_the_outcome(alpha, site, client_for):
    add_keywords(alpha, site, DRAINS + ROSES)
    client = client_on(client_for, alpha.editor, alpha, site)
    response = client.post(f"{CLUSTERS}run/")
    assert response.status_code == 303
    assert response["Location"].startswith(f"{CLUSTERS}?job=")
    page = client.get(response["Location"])
    assert "Grouped 7 keywords into 2 new clusters" in page_text(page)
    assert len(cluster_rows(page)) == 2
    assert f'action="{CLUSTERS}run/"' not in body(page), "no new keywords are left"


def test_job_progress_reloads_the_page_once_finished(alpha, site, client_for):
    add_keywords(alpha, site, DRAINS)
    client = client_on(client_for, alpha.owner, alpha, site)
    job_id = client.post(f"{CLUSTERS}run/")["Location"].split("job=")[1]
    polled = client.get(f"{CLUSTERS}jobs/{job_id}/", HTTP_HX_REQUEST="true")
    assert polled.status_code == 200
    assert polled["HX-Refresh"] == "true"
    with schema_context(alpha.schema):
        Job.objects.filter(pk=job_id).update(status="running", message="Grouping 2 of 4 keywords…")
    running = client.get(f"{CLUSTERS}jobs/{job_id}/", HTTP_HX_REQUEST="true")
    assert "HX-Refresh" not in running
    assert 'hx-trigger="every 1s"' in body(running)
    assert "Grouping 2 of 4 keywords…" in page_text(running)


def test_empty_states(alpha, site, client_for, no_site_editor):
    page = client_on(client_for, alpha.owner, alpha, site).get(CLUSTERS)
    assert "No clusters yet" in page_text(page)
    assert "Go to keywords" in page_text(page)
    nothing = client_for(no_site_editor, alpha.host).get(CLUSTERS)
    assert nothing.status_code == 200
    assert "No site has been shared with you yet" in page_text(nothing)


@pytest.fixture
def no_site_editor(alpha):
    from apps.accounts.models import Role
    from tests.factories import make_member

    return make_member(alpha.account, Role.EDITOR)


# --- the cluster page ------------------------------------------------------------------------


def test_cluster_page_lists_its_keywords_and_ideas(alpha, site, client_for):
    cluster = add_cluster(alpha, site, "Drain Cleaning", DRAINS, ideas=["Ten drain tips for all"])
    response = client_on(client_for, alpha.owner, alpha, site).get(f"{CLUSTERS}{cluster.pk}/")
    assert response.status_code == 200
    text = page_text(response)
    for keyword, _ in DRAINS:
        assert keyword in text
    assert "Ten drain tips for all" in text
    assert "4 keywords" in text and "1,500 searches a month" in text and "1 idea" in text
    assert "Rename or describe" in text and "Dissolve" in text


def test_rename_is_unique_per_sector_ignoring_case(alpha, site, client_for):
    _, second = sectors_of(alpha, site)
    cluster = add_cluster(alpha, site, "Drain Cleaning", DRAINS)
    add_cluster(alpha, site, "Rose Pruning", ROSES)
    add_cluster(alpha, site, "Tomato Blight", TOMATOES, sector=second)
    client = client_on(client_for, alpha.editor, alpha, site)
    url = f"{CLUSTERS}{cluster.pk}/rename/"

    clash = client.post(url, {"name": "rose PRUNING", "description": "x"})
    assert clash.status_code == 400
    assert "already called “Rose Pruning”" in field_errors(clash)["name"]
    assert fresh(alpha, cluster).name == "Drain Cleaning"
    empty = client.post(url, {"name": "  "})
    assert empty.status_code == 400 and field_errors(empty)["name"] == "Give the cluster a name."
    assert fresh(alpha, cluster).name == "Drain Cleaning"

    # The same name in another sector is fine.
    ok = client.post(url, {"name": "Tomato Blight", "description": "Drains, really."})
    assert ok.status_code == 303
    saved = fresh(alpha, cluster)
    assert (saved.name, saved.description) == ("Tomato Blight", "Drains, really.")


def test_merge_moves_keywords_and_ideas_and_deletes_the_others(alpha, site, client_for):
    a = add_cluster(alpha, site, "Drain Cleaning", DRAINS, ideas=["Drain idea number one"])
    b = add_cluster(alpha, site, "Rose Pruning", ROSES, ideas=["Rose idea number one"])
    c = add_cluster(alpha, site, "Blocked Drains", [("blocked drain", 50)])
    client = client_on(client_for, alpha.editor, alpha, site)
    ids = [a.pk, b.pk, c.pk]

    confirm = client.get(f"{CLUSTERS}merge/", {"ids": ids})
    assert confirm.status_code == 200
    assert "Merge 3 clusters" in page_text(confirm)
    merged = client.post(f"{CLUSTERS}merge/", {"ids": ids, "into": b.pk})
    assert merged.status_code == 303 and merged["Location"] == f"{CLUSTERS}{b.pk}/"
    assert [x.name for x in live_clusters(alpha, site)] == ["Rose Pruning"]
    kept = fresh(alpha, b)
    assert kept.keyword_count == len(DRAINS) + len(ROSES) + 1
    assert kept.total_volume == sum(v for _, v in DRAINS + ROSES) + 50
    assert kept.ideas_count == 2 and kept.status == "mapped"
    assert not exists(alpha, Cluster, pk=a.pk) and not exists(alpha, Cluster, pk=c.pk)
    assert_counts_right(alpha, site)


def test_merge_refuses_mixed_sectors_a_single_cluster_and_a_bad_choice(alpha, site, client_for):
    _, second = sectors_of(alpha, site)
    a = add_cluster(alpha, site, "Drain Cleaning", DRAINS)
    b = add_cluster(alpha, site, "Rose Pruning", ROSES)
    t = add_cluster(alpha, site, "Tomato Blight", TOMATOES, sector=second)
    client = client_on(client_for, alpha.editor, alpha, site)

    mixed = client.post(f"{CLUSTERS}merge/", {"ids": [a.pk, t.pk], "into": a.pk})
    assert mixed.status_code == 400
    assert "Only clusters of the same sector can be merged" in page_text(mixed)
    single = client.post(f"{CLUSTERS}merge/", {"ids": [a.pk], "into": a.pk})
    assert single.status_code == 400 and "two or more" in page_text(single)
    outside = client.post(f"{CLUSTERS}merge/", {"ids": [a.pk, b.pk], "into": t.pk})
    assert outside.status_code == 400
    assert "Choose one of the clusters being merged" in page_text(outside)
    assert len(live_clusters(alpha, site)) == 3
    assert fresh(alpha, a).keyword_count == len(DRAINS)


def test_moving_keywords_between_clusters_of_a_sector(alpha, site, client_for):
    _, second = sectors_of(alpha, site)
    a = add_cluster(alpha, site, "Drain Cleaning", DRAINS)
    b = add_cluster(alpha, site, "Blocked Drains", [("blocked drain", 50)])
    t = add_cluster(alpha, site, "Tomato Blight", TOMATOES, sector=second)
    client = client_on(client_for, alpha.editor, alpha, site)
    with schema_context(alpha.schema):
        ids = dict(Keyword.objects.filter(cluster=a).values_list("text", "pk"))
    url = f"{CLUSTERS}{a.pk}/move/"

    page = client.get(f"{CLUSTERS}{a.pk}/")
    assert "Blocked Drains" in page_text(page) and "Tomato Blight" not in page_text(page)
    moved = client.post(url, {"keywords": [ids["drain cleaning services"]], "to": b.pk})
    assert moved.status_code == 303
    assert cluster_of(alpha, "drain cleaning services").pk == b.pk
    assert (fresh(alpha, a).keyword_count, fresh(alpha, b).keyword_count) == (3, 2)
    assert fresh(alpha, b).total_volume == 350

    out = client.post(url, {"keywords": [ids["best drain cleaning service"]], "to": "none"})
    assert out.status_code == 303
    assert cluster_of(alpha, "best drain cleaning service") is None
    assert_counts_right(alpha, site)

    other_sector = client.post(url, {"keywords": [ids["drain cleaning service"]], "to": t.pk})
    assert other_sector.status_code == 400
    assert "Choose a cluster of the same sector" in page_text(other_sector)
    not_here = client.post(url, {"keywords": [ids["drain cleaning services"]], "to": "none"})
    assert not_here.status_code == 400
    nothing = client.post(url, {"to": b.pk})
    assert nothing.status_code == 400 and "Tick the keywords to move" in page_text(nothing)
    assert cluster_of(alpha, "drain cleaning service").pk == a.pk
    assert_counts_right(alpha, site)


def test_dissolve_frees_the_keywords_and_trashes_cluster_and_ideas(alpha, site, client_for):
    a = add_cluster(alpha, site, "Drain Cleaning", DRAINS, ideas=["Drain idea number one"])
    b = add_cluster(alpha, site, "Rose Pruning", ROSES)
    client = client_on(client_for, alpha.editor, alpha, site)
    confirm = client.get(f"{CLUSTERS}dissolve/", {"ids": [a.pk]})
    assert confirm.status_code == 200
    assert "4 keywords go back to new (unclustered) and 1 idea goes to the trash" in page_text(
        confirm
    )
    assert fresh(alpha, a).deleted_at is None, "the confirm step changes nothing"

    done = client.post(f"{CLUSTERS}dissolve/", {"ids": [a.pk]})
    assert done.status_code == 303
    assert [c.name for c in live_clusters(alpha, site)] == ["Rose Pruning"]
    assert fresh(alpha, a).deleted_at is not None, "in the trash, not gone"
    with schema_context(alpha.schema):
        assert not Idea.objects.alive().filter(cluster=a).exists()
        freed = Keyword.objects.filter(text__in=[t for t, _ in DRAINS])
        assert {(k.status, k.cluster_id) for k in freed} == {("new", None)}
    assert fresh(alpha, b).keyword_count == len(ROSES)
    assert_counts_right(alpha, site)
    # The freed keywords can be clustered again.
    with schema_context(alpha.schema):
        job = cluster_keywords_enqueue(site=site, keyword_ids=None, user=alpha.owner)
    assert job.status == "succeeded" and cluster_of(alpha, "drain cleaning service")


def test_dissolve_with_nothing_ticked_is_a_clear_error(alpha, site, client_for):
    response = client_on(client_for, alpha.editor, alpha, site).post(f"{CLUSTERS}dissolve/")
    assert response.status_code == 400
    assert "Tick the clusters to dissolve" in page_text(response)


# --- who may do what -------------------------------------------------------------------------


def test_viewer_reads_but_changes_nothing(alpha, site, viewer, client_for):
    cluster = add_cluster(alpha, site, "Drain Cleaning", DRAINS)
    other = add_cluster(alpha, site, "Rose Pruning", ROSES)
    add_keywords(alpha, site, TOMATOES)
    client = client_on(client_for, viewer, alpha, site)
    listing = client.get(CLUSTERS)
    assert listing.status_code == 200 and "Drain Cleaning" in cluster_rows(listing)
    assert 'name="ids"' not in body(listing)
    assert "Cluster 2 new keywords" not in page_text(listing)
    assert "Generate ideas" not in page_text(listing)
    detail = client.get(f"{CLUSTERS}{cluster.pk}/")
    assert detail.status_code == 200
    assert "Rename or describe" not in page_text(detail) and "Dissolve" not in page_text(detail)
    assert 'name="keywords"' not in body(detail)

    ids = {"ids": [cluster.pk, other.pk]}
    refused = [
        client.post(f"{CLUSTERS}run/"),
        client.post(f"{CLUSTERS}{cluster.pk}/rename/", {"name": "Mine"}),
        client.post(f"{CLUSTERS}{cluster.pk}/move/", {"to": "none"}),
        client.get(f"{CLUSTERS}merge/", ids),
        client.post(f"{CLUSTERS}merge/", {**ids, "into": cluster.pk}),
        client.get(f"{CLUSTERS}dissolve/", ids),
        client.post(f"{CLUSTERS}dissolve/", ids),
        client.get(f"{CLUSTERS}ideas/", ids),
    ]
    assert [r.status_code for r in refused] == [403] * len(refused)
    assert len(live_clusters(alpha, site)) == 2
    assert fresh(alpha, cluster).name == "Drain Cleaning"


def test_editor_without_the_site_grant_gets_404_on_its_clusters(
    alpha, site, no_site_editor, client_for
):
    cluster = add_cluster(alpha, site, "Drain Cleaning", DRAINS)
    client = client_for(no_site_editor, alpha.host)
    assert client.get(f"{CLUSTERS}{cluster.pk}/").status_code == 404
    assert client.post(f"{CLUSTERS}{cluster.pk}/rename/", {"name": "Mine"}).status_code == 404
    assert client.post(f"{CLUSTERS}dissolve/", {"ids": [cluster.pk]}).status_code == 404
    assert fresh(alpha, cluster).name == "Drain Cleaning"
    assert fresh(alpha, cluster).deleted_at is None


def test_outsider_is_refused_and_foreign_ids_are_404(alpha, beta, site, outsider, client_for):
    cluster = add_cluster(alpha, site, "Drain Cleaning", DRAINS)
    stranger = client_for(outsider, alpha.host)
    assert stranger.get(CLUSTERS).status_code == 403
    assert stranger.get(f"{CLUSTERS}{cluster.pk}/").status_code == 403
    assert stranger.post(f"{CLUSTERS}dissolve/", {"ids": [cluster.pk]}).status_code == 403

    beta_site = make_site(beta.account, "Beta Site", sectors=1)
    theirs = add_cluster(beta, beta_site, "Beta Cluster", [("beta keyword", 5)])
    with schema_context(alpha.schema):
        Cluster.objects.filter(pk=theirs.pk).delete()  # no alpha cluster shares the number
    owner = client_on(client_for, alpha.owner, alpha, site)
    assert owner.get(f"{CLUSTERS}{theirs.pk}/").status_code == 404
    assert owner.post(f"{CLUSTERS}dissolve/", {"ids": [theirs.pk]}).status_code == 404
    assert owner.post(f"{CLUSTERS}{theirs.pk}/rename/", {"name": "x"}).status_code == 404
    assert fresh(beta, theirs).deleted_at is None and fresh(beta, theirs).name == "Beta Cluster"
