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
from apps.workspace.models import AIProviderSettings, AIUsage, Job
from igny8.ai import crypto
from igny8.ai.tests.fake_openai import API_KEY, FakeOpenAI, ok

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
            AIProviderSettings.objects.create(
                base_url=server.base_url,
                api_key_encrypted=crypto.encrypt(API_KEY),
                api_key_hint=crypto.hint(API_KEY),
                text_model="gpt-4o-mini",
            )
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
