"""The sync log: every exchange of the current site, newest first, 50 a page, filtered by
kind, outcome and direction, with the article it was about, the error and the request id."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from apps.publisher.models import SyncEvent
from apps.publisher.tests.pages import article, connect, garden_site, text, words

pytestmark = pytest.mark.django_db


def rows(html: str) -> list[str]:
    return re.findall(r'<tr data-event="(\d+)"', html)


@pytest.fixture
def logged(alpha, client_for):
    site = garden_site(alpha)
    connect(alpha, site)
    rose = article(alpha, site, "Pruning roses")
    now = timezone.now()
    with schema_context(alpha.schema):
        events = [
            SyncEvent.objects.create(
                site=site,
                direction="out" if n % 2 else "in",
                kind="publish" if n % 3 == 0 else "status",
                object_type="content",
                object_id=str(rose.pk),
                ok=n % 5 != 0,
                summary=f"exchange {n}",
                error="" if n % 5 else "WordPress did not answer within 20 s.",
                request_id=f"req-{n}",
                created=now - timedelta(minutes=n),
            )
            for n in range(60)
        ]
        other = garden_site(alpha, "Other Blog")
        SyncEvent.objects.create(site=other, direction="out", kind="publish", summary="not ours")
    client = client_for(alpha.owner, alpha.host)
    client.post("/sites/switch/", {"site": site.pk})
    return client, events, rose


def test_newest_first_fifty_a_page(logged):
    client, events, rose = logged
    first = client.get("/publisher/sync/")
    assert rows(text(first)) == [str(e.pk) for e in events[:50]]
    seen = words(first)
    assert "1–50 of 60 exchanges" in seen and "not ours" not in seen
    row = re.search(rf'<tr data-event="{events[0].pk}".*?</tr>', text(first), re.S).group(0)
    assert f'href="/writer/content/{rose.pk}/"' in row and "Pruning roses" in row
    assert "Failed" in row and "did not answer within 20 s." in row and "req-0" in row
    assert "From WordPress" in row
    second = client.get("/publisher/sync/?page=2")
    assert rows(text(second)) == [str(e.pk) for e in events[50:]]


def test_filters(logged):
    client, events, _ = logged
    failed = client.get("/publisher/sync/?status=failed")
    assert rows(text(failed)) == [str(e.pk) for e in events if not e.ok]
    assert "12 exchanges matching the filters" in words(failed)
    publishes_out = client.get("/publisher/sync/?kind=publish&direction=out")
    expected = [str(e.pk) for e in events if e.kind == "publish" and e.direction == "out"]
    assert rows(text(publishes_out)) == expected
    ok = client.get("/publisher/sync/?status=ok&kind=status", HTTP_HX_REQUEST="true")
    assert text(ok).lstrip().startswith('<div id="sync-log"')
    assert rows(text(ok)) == [str(e.pk) for e in events if e.ok and e.kind == "status"]
    unknown = client.get("/publisher/sync/?kind=<script>&status=maybe")
    assert len(rows(text(unknown))) == 50  # unknown filter values are ignored
    none = client.get("/publisher/sync/?kind=pull")
    assert "No exchange matches these filters" in words(none)


def test_an_empty_log_says_how_it_fills(alpha, client_for):
    garden_site(alpha)
    page = client_for(alpha.owner, alpha.host).get("/publisher/sync/")
    assert "Nothing exchanged yet" in words(page) and "Connect this site" in words(page)


def test_a_kind_the_log_holds_is_offered_even_when_new(alpha, logged):
    client, events, _ = logged
    with schema_context(alpha.schema):
        odd = SyncEvent.objects.create(
            site=events[0].site, direction="in", kind="disconnect", summary="plugin said bye"
        )
    page = client.get("/publisher/sync/?kind=disconnect")
    assert '<option value="disconnect" selected>Disconnect</option>' in text(page)
    assert rows(text(page)) == [str(odd.pk)]
