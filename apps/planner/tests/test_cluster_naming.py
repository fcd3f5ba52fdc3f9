"""Cluster naming and what it costs: clustering is free whatever provider is in force (the
offline writer names the groups); with a real provider the page then offers names from it at
the exact price, and only a person's yes runs them. A naming run that changes no name costs
nothing; a price that changed since the page was shown starts nothing."""

from __future__ import annotations

import json
import re

import pytest
from django_tenants.utils import schema_context

from apps.billing import credits
from apps.planner import clustering
from apps.planner.clustering import Item, name_for
from apps.planner.tests.helpers_clusters import (
    CLUSTERS,
    DRAINS,
    ROSES,
    add_keywords,
    client_on,
    live_clusters,
    page_text,
    site_fixture,  # noqa: F401  (fixture "site")
    viewer_fixture,  # noqa: F401  (fixture "viewer")
)
from apps.workspace.models import AIUsage, Job
from igny8.ai.offline.ideas import name_clusters
from igny8.ai.tests.fake_openai import FakeOpenAI, connect_fake_ai, ok

pytestmark = pytest.mark.django_db

NAME = f"{CLUSTERS}name/"


def balance(ws) -> int:
    return credits.balance_for(ws.account).total


@pytest.fixture
def fake(alpha, settings, private_egress):
    """Alpha's AI settings point at a local server that answers like the OpenAI API."""
    settings.AI_TIMEOUT_SECONDS = 2
    settings.AI_MAX_RETRIES = 0
    with FakeOpenAI() as server:
        with schema_context(alpha.schema):
            connect_fake_ai(server.base_url)
        yield server


def names_answer(clusters, suffix: str = "") -> str:
    return json.dumps(
        {
            "clusters": [
                {
                    "id": c.pk,
                    "name": f"Named {c.pk}{suffix}",
                    "description": f"What people ask about topic {c.pk}, in one sentence.",
                }
                for c in clusters
            ]
        }
    )


def cluster_now(client) -> str:
    response = client.post(f"{CLUSTERS}run/")
    assert response.status_code == 303
    return response["Location"]


def test_offline_clustering_is_free_names_the_groups_and_offers_nothing(alpha, site, client_for):
    add_keywords(alpha, site, DRAINS + ROSES)
    client = client_on(client_for, alpha.editor, alpha, site)
    page = page_text(client.get(CLUSTERS))
    assert "Cluster 7 new keywords · free with the offline writer" in page
    assert "Names from your AI provider" not in page
    before = balance(alpha)
    done = page_text(client.get(cluster_now(client)))
    assert "Named them for free with the offline writer." in done
    assert "Name 2 clusters with AI" not in done
    assert balance(alpha) == before
    with schema_context(alpha.schema):
        assert {(u.provider, u.credits) for u in AIUsage.objects.all()} == {("offline", 0)}


def test_with_a_provider_clustering_stays_free_and_then_asks_with_the_exact_cost(
    alpha, site, client_for, fake
):
    add_keywords(alpha, site, DRAINS + ROSES)
    client = client_on(client_for, alpha.editor, alpha, site)
    empty = page_text(client.get(CLUSTERS))
    assert "it costs no credits" in empty
    assert "Names from your AI provider are offered afterwards, with their cost" in empty
    before = balance(alpha)
    page = client.get(cluster_now(client))
    assert balance(alpha) == before, "grouping and the offline names are free"
    assert fake.calls("chat") == [], "nothing paid ran without asking"
    text = page_text(page)
    assert "Names from your AI provider cost credits" in text
    per_cluster = credits.estimate("cluster_naming", 1)
    shown = 2 * per_cluster
    assert f"Name 2 clusters with AI · {shown} credits" in text
    assert re.search(
        rf'<strong data-cost="{shown}">{shown} credits</strong>', page.content.decode()
    )

    clusters = live_clusters(alpha, site)
    fake.script("chat", [ok(names_answer(clusters))])
    ids = [c.pk for c in clusters]
    response = client.post(NAME, {"ids": ids, "shown": shown})
    assert response.status_code == 303 and "?job=" in response["Location"]
    assert before - balance(alpha) == shown
    assert {c.name for c in live_clusters(alpha, site)} == {f"Named {pk}" for pk in ids}
    done = page_text(client.get(response["Location"]))
    assert f"Named 2 of 2 clusters with your AI provider ({shown} credits)." in done
    assert credits.reconcile(alpha.account).ok

    # The same names again change nothing: nothing is charged, and the page says so.
    fake.script("chat", [ok(names_answer(clusters))])
    again = client.post(NAME, {"ids": ids, "shown": shown})
    assert balance(alpha) == before - shown
    assert "nothing changed (nothing charged)" in page_text(client.get(again["Location"]))


def test_ticked_clusters_can_be_named_after_seeing_the_cost(alpha, site, client_for, fake):
    add_keywords(alpha, site, DRAINS + ROSES)
    client = client_on(client_for, alpha.editor, alpha, site)
    cluster_now(client)
    clusters = live_clusters(alpha, site)
    confirm = client.get(NAME, {"ids": [clusters[0].pk]})
    assert confirm.status_code == 200
    cost = credits.estimate("cluster_naming", 1)
    assert f"Name 1 cluster — {cost} credit" in page_text(confirm)
    assert balance(alpha) == credits.balance_for(alpha.account).total
    with schema_context(alpha.schema):
        assert not Job.objects.filter(kind="naming").exists()


def test_a_cost_that_changed_since_it_was_shown_starts_nothing(alpha, site, client_for, fake):
    add_keywords(alpha, site, DRAINS + ROSES)
    client = client_on(client_for, alpha.editor, alpha, site)
    cluster_now(client)
    ids = [c.pk for c in live_clusters(alpha, site)]
    before = balance(alpha)
    response = client.post(NAME, {"ids": ids, "shown": "0"})  # the page said "free"
    assert response.status_code == 409
    assert "The cost changed since the page was shown" in page_text(response)
    assert balance(alpha) == before and fake.calls("chat") == []
    with schema_context(alpha.schema):
        assert not Job.objects.filter(kind="naming").exists()


def test_offline_naming_on_request_is_free_and_says_so(alpha, site, client_for):
    add_keywords(alpha, site, DRAINS + ROSES)
    client = client_on(client_for, alpha.editor, alpha, site)
    cluster_now(client)
    ids = [c.pk for c in live_clusters(alpha, site)]
    confirm = page_text(client.get(NAME, {"ids": ids}))
    assert "Name 2 clusters — free with the offline writer." in confirm
    before = balance(alpha)
    response = client.post(NAME, {"ids": ids, "shown": "0"})
    assert response.status_code == 303
    assert balance(alpha) == before
    # The offline writer already named them at clustering: the same names, nothing changed.
    done = page_text(client.get(response["Location"]))
    assert "nothing changed (free with the offline writer)" in done


def test_a_viewer_and_an_outsider_cannot_name(alpha, site, viewer, outsider, client_for, fake):
    add_keywords(alpha, site, DRAINS + ROSES)
    cluster_now(client_on(client_for, alpha.editor, alpha, site))
    ids = [c.pk for c in live_clusters(alpha, site)]
    before = balance(alpha)
    for user in (viewer, outsider):
        client = client_on(client_for, user, alpha, site if user is viewer else None)
        assert client.get(NAME, {"ids": ids}).status_code == 403
        assert client.post(NAME, {"ids": ids, "shown": "2"}).status_code == 403
    assert balance(alpha) == before and fake.calls("chat") == []


# --- names that say the search intent -------------------------------------------------------

SIBLINGS = [
    [("best espresso machine", 9000), ("best espresso machines for home", 900)],
    [("descale espresso machine", 2000), ("how to descale an espresso machine", 800)],
    [("best puppy food", 5000), ("best food for puppies", 700)],
    [("how often should puppies eat", 3000), ("puppy feeding schedule", 1200)],
    [("kanban board software", 3000), ("kanban board tool", 400)],
    [("scrum vs kanban", 2000), ("kanban vs scrum", 500)],
    [("solar panel cost", 8000), ("cost of solar panels", 2000)],
    [("solar tax credit", 9000), ("federal solar tax credit", 2500)],
]
SIBLING_NAMES = [
    "Best Espresso Machines (Buying Guide)",
    "How to Descale Espresso Machine",
    "Best Puppy Food (Buying Guide)",
    "How Often Should Puppies Eat?",
    "Kanban Board Software",
    "Scrum vs Kanban (Comparison)",
    "Solar Panel Cost (Price Guide)",
    "Solar Tax Credit",
]


def test_the_provisional_name_says_the_intent_and_is_the_offline_writers_name():
    groups = [[Item(n, t, v) for n, (t, v) in enumerate(g)] for g in SIBLINGS]
    assert [name_for(g) for g in groups] == SIBLING_NAMES
    data = {"clusters": [{"id": n, "keywords": [{"text": t, "volume": v} for t, v in g]}
                         for n, g in enumerate(SIBLINGS)]}  # fmt: skip
    offline = [c["name"] for c in name_clusters(data, {})["clusters"]]
    assert offline == SIBLING_NAMES  # the writer's rename keeps the planner's name
    # Odd keywords still get a name the cluster table can hold.
    for text in ["", "123", "a", "日本語 キーワード", "best " + "espresso " * 40, "x" * 200]:
        assert len(name_for([Item(1, text, 0), Item(2, text, 0)])) <= 120


def test_clustering_saves_sibling_groups_apart_with_names_and_descriptions_of_their_intent(
    alpha, site, client_for, monkeypatch
):
    """Two groups of one subject that answer different searches: the planner's names keep
    them apart (same-named groups would be saved as one cluster), and the table says which
    page each one is."""
    add_keywords(alpha, site, [pair for group in SIBLINGS for pair in group])
    group_of = {text: n for n, group in enumerate(SIBLINGS) for text, _ in group}

    def by_subject(items, **_):
        # The engine's grouping is not under test here: the groups are given.
        groups: dict[int, list[int]] = {}
        for item in items:
            groups.setdefault(group_of[item.text], []).append(item.id)
        return list(groups.values())

    monkeypatch.setattr(clustering, "cluster", by_subject)
    client = client_on(client_for, alpha.editor, alpha, site)
    cluster_now(client)
    clusters = {c.name: c for c in live_clusters(alpha, site)}
    assert sorted(clusters) == sorted(SIBLING_NAMES)
    assert all(c.keyword_count == 2 for c in clusters.values())
    said = {
        "Best Espresso Machines (Buying Guide)": "Buying-guide searches",
        "How to Descale Espresso Machine": "How-to searches",
        "How Often Should Puppies Eat?": "Questions",
        "Scrum vs Kanban (Comparison)": "Comparison searches",
        "Solar Panel Cost (Price Guide)": "Price searches",
    }
    for name, start in said.items():
        assert clusters[name].description.startswith(start), clusters[name].description
    table = page_text(client.get(CLUSTERS))
    for name in SIBLING_NAMES:
        assert name in table
