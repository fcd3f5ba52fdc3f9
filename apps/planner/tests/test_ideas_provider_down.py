"""Ideas for many clusters against a provider that fails: the job stops after a few failures in
a row instead of going on cluster after cluster, leaves the rest untouched and charges nothing
for them, and says how many failed and why."""

from __future__ import annotations

import json

import pytest
from django_tenants.utils import schema_context

from apps.billing import credits
from apps.planner.models import Idea
from apps.planner.tests.helpers_clusters import (
    DRAINS,
    ROSES,
    add_cluster,
    client_on,
    page_text,
    site_fixture,  # noqa: F401  (fixture "site")
    viewer_fixture,  # noqa: F401  (fixture "viewer")
)
from apps.workspace.models import Job
from igny8.ai.tests.fake_openai import FakeOpenAI, connect_fake_ai, ok, server_error, unauthorized

pytestmark = pytest.mark.django_db


@pytest.fixture
def fake(alpha, private_egress, settings):
    settings.AI_TIMEOUT_SECONDS, settings.AI_MAX_RETRIES = 1, 0
    with FakeOpenAI() as server, schema_context(alpha.schema):
        connect_fake_ai(server.base_url, text_model="small-1")
        yield server


def clusters(ws, site, n: int) -> list:
    return [
        add_cluster(ws, site, f"Cluster {i}", [(f"{kw} {i}", v) for kw, v in (DRAINS + ROSES)])
        for i in range(n)
    ]


def generate(ws, site, made, client_for):
    client = client_on(client_for, ws.owner, ws, site)
    response = client.post(
        "/planner/clusters/ideas/",
        {"ids": [c.pk for c in made], "per_cluster": 2, "confirmed": "1"},
    )
    assert response.status_code == 303
    with schema_context(ws.schema):
        return Job.objects.filter(kind="ideas").latest("pk")


def test_a_provider_that_keeps_failing_stops_the_job_after_three(alpha, site, fake, client_for):
    made = clusters(alpha, site, 6)
    fake.always("chat", server_error())
    before = credits.balance_for(alpha.account).total

    job = generate(alpha, site, made, client_for)

    assert len(fake.calls("chat")) == 3, "clusters 4 to 6 were never sent"
    assert job.status == "failed"
    host = fake.origin.removeprefix("http://")
    assert job.error == (
        "3 of 6 clusters failed because the AI provider had a server error. Stopped because the "
        "AI provider had a server error 3 times in a row. Check the provider on the AI settings "
        "page, then start it again for the rest. 3 clusters were not tried; nothing was charged "
        f"for them. The first one: {host} had a server error (500). Try again later."
    )
    assert credits.balance_for(alpha.account).total == before
    with schema_context(alpha.schema):
        assert not Idea.objects.exists()
    page = page_text(client_on(client_for, alpha.owner, alpha, site).get(f"/jobs/{job.pk}/"))
    assert "3 of 6 clusters failed" in page and "igny8." not in page


def test_a_refused_key_stops_at_once(alpha, site, fake, client_for):
    made = clusters(alpha, site, 4)
    fake.always("chat", unauthorized())
    job = generate(alpha, site, made, client_for)
    assert len(fake.calls("chat")) == 1
    assert job.error.startswith(
        "The provider refused the API key (401). Check the key on the AI settings page."
    )


def test_failures_between_successes_do_not_stop_it_and_the_outcome_counts_them(
    alpha, site, fake, client_for
):
    made = clusters(alpha, site, 5)
    fake.script(
        "chat",
        [server_error(), server_error(), ideas_reply(1), server_error(), ideas_reply(2)],
    )
    job = generate(alpha, site, made, client_for)
    assert len(fake.calls("chat")) == 5
    assert job.status == "succeeded"
    assert "3 of 5 clusters failed because the AI provider had a server error." in job.message
    assert "Stopped" not in job.message
    assert len(job.result["failures"]) == 3


def ideas_reply(n: int):
    idea = {
        "title": f"How to clear a blocked drain, way {n}",
        "content_type": "post",
        "structure": "how_to",
        "outline": [{"heading": "What you need", "level": 2, "points": []}],
        "primary_keyword": "drain cleaning",
        "secondary_keywords": [],
        "estimated_words": 900,
    }
    return ok(json.dumps({"ideas": [idea]}))
