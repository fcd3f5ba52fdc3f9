"""Bulk actions on the keywords page: to the trash (after a confirmation), disable/enable,
set intent, move to a cluster (its counts kept current), cluster the selected keywords,
export the selection; on ticked rows or on every keyword matching the filters; with and
without HTMX; refused for viewers and outsiders; a few queries whatever the number of rows."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context

from apps.planner.models import Cluster, Keyword, KeywordStatus
from apps.planner.tests.helpers_keywords import (
    BULK,
    EXPORT,
    HX,
    LIST,
    add_cluster,
    add_keywords,
    add_many,
    body,
    client_on,
    count_line,
    fetch,
    flashes,
    live_ids,
    sectors_of,
    shown_texts,
    site_fixture,  # noqa: F401  (fixture "site")
    text_of,
    viewer_fixture,  # noqa: F401  (fixture "viewer")
)
from apps.workspace.models import Job, JobStatus
from tests.factories import make_site

pytestmark = pytest.mark.django_db


@pytest.fixture
def kw(alpha, site):
    """Four keywords of the first sector and one of the second; "shoe store" is disabled."""
    first, second = sectors_of(alpha, site)
    made = add_keywords(
        alpha,
        site,
        [
            {"text": "running shoes", "volume": 900, "intent": "commercial"},
            {"text": "trail shoes", "volume": 300},
            {"text": "lace shoes", "volume": 120, "intent": "informational"},
            {"text": "shoe store", "volume": 50, "disabled": True},
            {"text": "hiking boots", "volume": 700, "sector": second},
        ],
    )
    return {k.text: k for k in made}


def owner(alpha, site, client_for):
    return client_on(client_for, alpha.owner, alpha, site)


def post(client, data: dict, *, htmx: bool = True, site=None):
    payload = {"site": site.pk} if site is not None else {}
    payload.update(data)
    return client.post(BULK, payload, **(HX if htmx else {}))


def ids(*keywords: Keyword) -> list[int]:
    return [k.pk for k in keywords]


def cluster_row(alpha, cluster: Cluster) -> Cluster:
    with schema_context(alpha.schema):
        return Cluster.objects.get(pk=cluster.pk)


# To the trash --------------------------------------------------------------------------------


def test_delete_asks_first_then_moves_to_the_trash(alpha, site, kw, client_for):
    client = owner(alpha, site, client_for)
    chosen = ids(kw["running shoes"], kw["trail shoes"])
    asked = post(client, {"action": "delete", "ids": chosen}, site=site)
    assert asked.status_code == 200
    assert "Move 2 keywords to the trash?" in text_of(body(asked))
    assert live_ids(alpha, site) >= set(chosen)  # nothing moved yet
    # The rows stay ticked under the question.
    assert body(asked).count("checked>") == 2

    done = post(client, {"action": "delete", "ids": chosen, "confirm": "1"}, site=site)
    assert done.status_code == 200
    assert flashes(done) == ["Moved 2 keywords to the trash."]
    assert not set(chosen) & live_ids(alpha, site)
    assert "running shoes" not in shown_texts(done)
    assert count_line(done) == "1–3 of 3 keywords"
    with schema_context(alpha.schema):
        assert set(Keyword.objects.trashed().values_list("pk", flat=True)) == set(chosen)


def test_delete_without_javascript(alpha, site, kw, client_for):
    client = owner(alpha, site, client_for)
    chosen = ids(kw["lace shoes"])
    asked = post(
        client, {"action": "delete", "ids": chosen, "status": "new"}, htmx=False, site=site
    )
    assert asked.status_code == 200
    assert "<html" in body(asked)
    assert "Move 1 keyword to the trash?" in text_of(body(asked))
    assert '<option value="delete" selected>' in body(asked)

    done = post(
        client,
        {"action": "delete", "ids": chosen, "confirm": "1", "status": "new", "page": "1"},
        htmx=False,
        site=site,
    )
    assert done.status_code == 303
    assert done["Location"] == "/planner/keywords/?status=new"
    follow = client.get(done["Location"])
    assert flashes(follow) == ["Moved 1 keyword to the trash."]
    assert "lace shoes" not in shown_texts(follow)


def test_all_matching_applies_to_the_filters_not_the_ticked_rows(alpha, site, kw, client_for):
    client = owner(alpha, site, client_for)
    response = post(
        client,
        {
            "action": "delete",
            "confirm": "1",
            "all_matching": "1",
            "q": "shoes",
            "disabled": "no",
            "ids": ids(kw["hiking boots"]),  # ticked, but not what "all matching" means
        },
        site=site,
    )
    assert flashes(response) == ["Moved 3 keywords to the trash."]
    assert live_ids(alpha, site) == set(ids(kw["shoe store"], kw["hiking boots"]))


def test_the_confirmation_counts_every_matching_keyword(alpha, site, client_for):
    add_many(alpha, site, 120)
    response = post(
        owner(alpha, site, client_for), {"action": "delete", "all_matching": "1"}, site=site
    )
    assert "Move 120 keywords to the trash?" in text_of(body(response))
    assert len(live_ids(alpha, site)) == 120


def test_trash_keeps_cluster_counts_current(alpha, site, kw, client_for):
    cluster = add_cluster(alpha, site, "shoes")
    client = owner(alpha, site, client_for)
    chosen = ids(kw["running shoes"], kw["trail shoes"])
    post(client, {"action": "move", "to_cluster": cluster.pk, "ids": chosen}, site=site)
    assert cluster_row(alpha, cluster).keyword_count == 2
    post(client, {"action": "delete", "confirm": "1", "ids": chosen[:1]}, site=site)
    row = cluster_row(alpha, cluster)
    assert (row.keyword_count, row.total_volume) == (1, 300)


# Disable, enable, intent ---------------------------------------------------------------------


def test_disable_and_enable_say_what_changed(alpha, site, kw, client_for):
    client = owner(alpha, site, client_for)
    chosen = ids(kw["running shoes"], kw["shoe store"])
    response = post(client, {"action": "disable", "ids": chosen}, site=site)
    assert flashes(response) == ["Disabled 1 keyword. 1 was already disabled."]
    assert fetch(alpha, kw["running shoes"].pk).disabled
    assert "is-disabled" in body(response)

    response = post(client, {"action": "enable", "ids": chosen}, site=site)
    assert flashes(response) == ["Enabled 2 keywords."]
    assert not fetch(alpha, kw["shoe store"].pk).disabled


@pytest.mark.parametrize(
    "new_intent, stored, message",
    [
        ("transactional", "transactional", "Set the intent of 2 keywords to transactional."),
        ("none", "", "Cleared the intent of 2 keywords."),
    ],
)
def test_set_or_clear_the_intent(new_intent, stored, message, alpha, site, kw, client_for):
    chosen = ids(kw["running shoes"], kw["lace shoes"])
    response = post(
        owner(alpha, site, client_for),
        {"action": "intent", "new_intent": new_intent, "ids": chosen},
        site=site,
    )
    assert flashes(response) == [message]
    assert {fetch(alpha, pk).intent for pk in chosen} == {stored}
    assert fetch(alpha, kw["trail shoes"].pk).intent == ""


@pytest.mark.parametrize(
    "data, error",
    [
        ({"action": "intent"}, "Choose the intent to set."),
        ({"action": "intent", "new_intent": "curious"}, "That is not a search intent."),
        ({"action": "move"}, "Choose the cluster to move the keywords to."),
        ({"action": "move", "to_cluster": "abc"}, "Choose the cluster to move the keywords to."),
        ({"action": "explode"}, "That action does not exist."),
        ({}, "Choose an action to apply."),
    ],
)
def test_bad_input_is_refused_and_nothing_changes(data, error, alpha, site, kw, client_for):
    chosen = ids(kw["running shoes"])
    response = post(owner(alpha, site, client_for), {**data, "ids": chosen}, site=site)
    assert response.status_code == 400
    assert any(error in f for f in flashes(response))
    keyword = fetch(alpha, chosen[0])
    assert (keyword.intent, keyword.cluster_id, keyword.deleted_at) == ("commercial", None, None)
    assert f'value="{chosen[0]}" aria-label="Select running shoes" checked' in body(response)


def test_nothing_selected_is_refused(alpha, site, kw, client_for):
    for htmx in (True, False):
        response = post(owner(alpha, site, client_for), {"action": "disable"}, htmx=htmx, site=site)
        assert response.status_code == 400
        assert flashes(response) == [
            "Select at least one keyword (tick its box), or every matching keyword."
        ]
    with schema_context(alpha.schema):
        assert Keyword.objects.filter(disabled=True).count() == 1


def test_ids_of_another_site_and_junk_are_ignored(alpha, site, kw, client_for):
    other = make_site(alpha.account, "Other Site", sectors=1)
    (foreign,) = add_keywords(alpha, other, [{"text": "foreign keyword"}])
    response = post(
        owner(alpha, site, client_for),
        {"action": "disable", "ids": [foreign.pk, "abc", "-3", "9" * 30, kw["trail shoes"].pk]},
        site=site,
    )
    assert response.status_code == 200
    assert flashes(response) == ["Disabled 1 keyword."]
    assert not fetch(alpha, foreign.pk).disabled
    assert fetch(alpha, kw["trail shoes"].pk).disabled


def test_a_site_the_editor_may_not_see_is_404(alpha, site, kw, client_for):
    hidden = make_site(alpha.account, "Hidden Site", sectors=1)
    (secret,) = add_keywords(alpha, hidden, [{"text": "secret"}])
    client = client_on(client_for, alpha.editor, alpha, site)
    response = post(client, {"action": "disable", "ids": [secret.pk]}, site=hidden)
    assert response.status_code == 404
    assert not fetch(alpha, secret.pk).disabled


# Move to a cluster ---------------------------------------------------------------------------


def test_move_keeps_cluster_counts_and_statuses_current(alpha, site, kw, client_for):
    shoes = add_cluster(alpha, site, "shoes")
    laces = add_cluster(alpha, site, "laces")
    client = owner(alpha, site, client_for)
    three = ids(kw["running shoes"], kw["trail shoes"], kw["lace shoes"])

    response = post(client, {"action": "move", "to_cluster": shoes.pk, "ids": three}, site=site)
    assert flashes(response) == ["Moved 3 keywords to “shoes”."]
    row = cluster_row(alpha, shoes)
    assert (row.keyword_count, row.total_volume) == (3, 1320)
    assert {fetch(alpha, pk).status for pk in three} == {KeywordStatus.MAPPED}
    assert "shoes" in body(response) and "Mapped" in body(response)

    response = post(
        client, {"action": "move", "to_cluster": laces.pk, "ids": ids(kw["lace shoes"])}, site=site
    )
    assert flashes(response) == ["Moved 1 keyword to “laces”."]
    assert (cluster_row(alpha, shoes).keyword_count, cluster_row(alpha, shoes).total_volume) == (
        2,
        1200,
    )
    assert (cluster_row(alpha, laces).keyword_count, cluster_row(alpha, laces).total_volume) == (
        1,
        120,
    )

    response = post(
        client,
        {"action": "move", "to_cluster": "none", "ids": ids(kw["running shoes"], kw["shoe store"])},
        site=site,
    )
    assert flashes(response) == ["Took 1 keyword out of their clusters. 1 keyword had no cluster."]
    running = fetch(alpha, kw["running shoes"].pk)
    assert (running.cluster_id, running.status) == (None, KeywordStatus.NEW)
    assert (cluster_row(alpha, shoes).keyword_count, cluster_row(alpha, shoes).total_volume) == (
        1,
        300,
    )


def test_move_again_into_the_same_cluster_counts_once(alpha, site, kw, client_for):
    shoes = add_cluster(alpha, site, "shoes")
    client = owner(alpha, site, client_for)
    two = ids(kw["running shoes"], kw["trail shoes"])
    post(client, {"action": "move", "to_cluster": shoes.pk, "ids": two[:1]}, site=site)
    response = post(client, {"action": "move", "to_cluster": shoes.pk, "ids": two}, site=site)
    assert flashes(response) == ["Moved 1 keyword to “shoes”. 1 keyword was in it already."]
    assert cluster_row(alpha, shoes).keyword_count == 2


def test_move_skips_keywords_of_another_sector(alpha, site, kw, client_for):
    shoes = add_cluster(alpha, site, "shoes")
    response = post(
        owner(alpha, site, client_for),
        {
            "action": "move",
            "to_cluster": shoes.pk,
            "ids": ids(kw["trail shoes"], kw["hiking boots"]),
        },
        site=site,
    )
    assert flashes(response) == [
        "Moved 1 keyword to “shoes”. Skipped 1 keyword of other sectors: a cluster holds "
        "keywords of its own sector."
    ]
    assert fetch(alpha, kw["hiking boots"].pk).cluster_id is None


def test_the_picker_lists_the_sites_live_clusters_by_sector(alpha, site, kw, client_for):
    first, second = sectors_of(alpha, site)
    add_cluster(alpha, site, "shoes", first)
    add_cluster(alpha, site, "boots", second)
    gone = add_cluster(alpha, site, "old cluster", first)
    other = make_site(alpha.account, "Other Site", sectors=1)
    add_cluster(alpha, other, "elsewhere", sectors_of(alpha, other)[0])
    from django.utils import timezone

    with schema_context(alpha.schema):
        Cluster.objects.filter(pk=gone.pk).update(deleted_at=timezone.now())
    html = body(owner(alpha, site, client_for).get(LIST))
    picker = html.split('id="bulk-cluster"', 1)[1].split("</select>", 1)[0]
    assert f'<optgroup label="{first.name}">' in picker
    assert f'<optgroup label="{second.name}">' in picker
    assert ">shoes<" in picker and ">boots<" in picker
    assert "old cluster" not in picker and "elsewhere" not in picker


@pytest.mark.parametrize("where", ["other site", "trash"])
def test_move_to_a_cluster_not_in_this_site_is_404(where, alpha, site, kw, client_for):
    if where == "other site":
        other = make_site(alpha.account, "Other Site", sectors=1)
        target = add_cluster(alpha, other, "elsewhere", sectors_of(alpha, other)[0])
    else:
        from django.utils import timezone

        target = add_cluster(alpha, site, "trashed")
        with schema_context(alpha.schema):
            Cluster.objects.filter(pk=target.pk).update(deleted_at=timezone.now())
    response = post(
        owner(alpha, site, client_for),
        {"action": "move", "to_cluster": target.pk, "ids": ids(kw["trail shoes"])},
        site=site,
    )
    assert response.status_code == 404
    assert "That cluster is not in this site any more" in body(response)
    assert fetch(alpha, kw["trail shoes"].pk).cluster_id is None


# Cluster selected ----------------------------------------------------------------------------


@pytest.fixture
def clustering(monkeypatch):
    """The clustering area's enqueue, replaced: records what it was asked and makes a Job."""
    from apps.planner.services import clusters

    calls: list[dict] = []

    def enqueue(*, site, keyword_ids, user):
        calls.append({"site": site.pk, "keyword_ids": sorted(keyword_ids), "user": user.pk})
        return Job.objects.create(
            kind="clustering", label="Cluster keywords", status=JobStatus.RUNNING, total=10, done=4
        )

    monkeypatch.setattr(clusters, "cluster_keywords_enqueue", enqueue)
    return calls


def test_cluster_selected_takes_only_new_enabled_keywords(alpha, site, kw, client_for, clustering):
    shoes = add_cluster(alpha, site, "shoes")
    client = owner(alpha, site, client_for)
    post(
        client,
        {"action": "move", "to_cluster": shoes.pk, "ids": ids(kw["running shoes"])},
        site=site,
    )
    chosen = ids(kw["running shoes"], kw["trail shoes"], kw["lace shoes"], kw["shoe store"])
    response = post(client, {"action": "cluster", "ids": chosen}, site=site)
    assert response.status_code == 200
    assert clustering == [
        {
            "site": site.pk,
            "keyword_ids": sorted(ids(kw["trail shoes"], kw["lace shoes"])),
            "user": alpha.owner.pk,
        }
    ]
    assert flashes(response) == [
        "Clustering 2 keywords. Skipped 2 keywords already in a cluster or disabled."
    ]
    with schema_context(alpha.schema):
        job = Job.objects.get()
    # The job's progress partial, polling for news.
    assert f'id="job-{job.pk}"' in body(response)
    assert f'hx-get="/jobs/{job.pk}/"' in body(response)
    assert "4 of 10" in body(response)


def test_cluster_every_matching_keyword(alpha, site, kw, client_for, clustering):
    response = post(
        owner(alpha, site, client_for),
        {"action": "cluster", "all_matching": "1", "q": "shoes"},
        site=site,
    )
    assert clustering[0]["keyword_ids"] == sorted(
        ids(kw["running shoes"], kw["trail shoes"], kw["lace shoes"])
    )
    assert flashes(response) == ["Clustering 3 keywords."]


def test_nothing_to_cluster_starts_no_job(alpha, site, kw, client_for, clustering):
    response = post(
        owner(alpha, site, client_for),
        {"action": "cluster", "ids": ids(kw["shoe store"])},
        site=site,
    )
    assert clustering == []
    assert flashes(response) == [
        "Nothing to cluster: only new keywords that are not disabled are grouped. Skipped 1 "
        "keyword already in a cluster or disabled."
    ]
    with schema_context(alpha.schema):
        assert not Job.objects.exists()


# Export of the selection ---------------------------------------------------------------------


def exported(response) -> list[str]:
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode()
    return [row["keyword"] for row in csv.DictReader(io.StringIO(text))]


def test_export_the_ticked_rows(alpha, site, kw, client_for):
    client = owner(alpha, site, client_for)
    response = client.post(
        EXPORT, {"site": site.pk, "ids": ids(kw["lace shoes"], kw["hiking boots"])}
    )
    assert exported(response) == ["hiking boots", "lace shoes"]  # the list's order: volume


def test_export_with_nothing_ticked_takes_every_matching_keyword(alpha, site, kw, client_for):
    response = owner(alpha, site, client_for).post(
        EXPORT, {"site": site.pk, "q": "shoe", "sort": "text"}
    )
    assert exported(response) == ["lace shoes", "running shoes", "shoe store", "trail shoes"]


def test_export_values(alpha, site, client_for):
    shoes_sector = sectors_of(alpha, site)[0]
    cluster = add_cluster(alpha, site, "shoes", shoes_sector)
    (k,) = add_keywords(
        alpha,
        site,
        [
            {"text": "red shoes", "volume": 1234, "difficulty": 33, "intent": "commercial",
             "cpc": Decimal("2.50"), "cluster": cluster, "status": KeywordStatus.MAPPED}
        ],
    )  # fmt: skip
    response = owner(alpha, site, client_for).post(EXPORT, {"site": site.pk, "ids": [k.pk]})
    text = b"".join(response.streaming_content).decode().splitlines()
    assert text == [
        "keyword,volume,difficulty,intent,cpc,status,cluster,sector",
        f"red shoes,1234,33,commercial,2.50,mapped,shoes,{shoes_sector.name}",
    ]


# Who may act ----------------------------------------------------------------------------------


def test_viewer_posts_are_refused(alpha, site, kw, viewer, client_for):
    client = client_on(client_for, viewer, alpha, site)
    for data in (
        {"action": "disable", "ids": ids(kw["trail shoes"])},
        {"action": "delete", "confirm": "1", "all_matching": "1"},
    ):
        response = post(client, data, site=site)
        assert response.status_code == 403
    assert client.post(EXPORT, {"site": site.pk}).status_code == 403
    assert not fetch(alpha, kw["trail shoes"].pk).disabled
    assert len(live_ids(alpha, site)) == 5


def test_outsider_is_refused(alpha, site, kw, outsider, client_for):
    client = client_for(outsider, alpha.host)
    response = post(client, {"action": "delete", "confirm": "1", "all_matching": "1"}, site=site)
    assert response.status_code == 403
    assert len(live_ids(alpha, site)) == 5


def test_editor_with_a_grant_may_act(alpha, site, kw, client_for):
    client = client_on(client_for, alpha.editor, alpha, site)
    response = post(client, {"action": "disable", "ids": ids(kw["trail shoes"])}, site=site)
    assert response.status_code == 200
    assert fetch(alpha, kw["trail shoes"].pk).disabled


def test_get_is_not_allowed(alpha, site, client_for):
    assert owner(alpha, site, client_for).get(BULK).status_code == 405


# After an action ------------------------------------------------------------------------------


def test_the_table_comes_back_with_the_same_filters_sort_and_page(alpha, site, client_for):
    made = add_many(alpha, site, 60)
    response = post(
        owner(alpha, site, client_for),
        {"action": "disable", "ids": [made[0].pk], "sort": "text", "per_page": "25", "page": "2"},
        site=site,
    )
    assert count_line(response) == "26–50 of 60 keywords"
    assert shown_texts(response)[0] == "keyword 0025"
    assert response["HX-Push-Url"] == "false"


# Cost ----------------------------------------------------------------------------------------


def statements(client, data: dict, site) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = post(client, data, site=site)
    assert response.status_code == 200
    return sum(
        not q["sql"].lstrip().upper().startswith(("SET SEARCH_PATH", "SAVEPOINT", "RELEASE"))
        for q in captured.captured_queries
    )


@pytest.mark.parametrize(
    "action",
    [
        {"action": "disable"},
        {"action": "intent", "new_intent": "commercial"},
        {"action": "move", "to_cluster": "{cluster}"},
        {"action": "delete", "confirm": "1"},
    ],
    ids=["disable", "intent", "move", "delete"],
)
def test_an_action_costs_the_same_queries_for_3_or_60_keywords(action, alpha, site, client_for):
    cluster = add_cluster(alpha, site, "target")
    data = {k: v.format(cluster=cluster.pk) for k, v in action.items()}
    client = owner(alpha, site, client_for)
    few = add_many(alpha, site, 3, prefix="few")
    many = add_many(alpha, site, 60, prefix="many")
    add_many(alpha, site, 5, prefix="untouched")  # the table has rows after either action
    small = statements(client, {**data, "ids": ids(*few)}, site)
    large = statements(client, {**data, "ids": ids(*many)}, site)
    assert small == large
