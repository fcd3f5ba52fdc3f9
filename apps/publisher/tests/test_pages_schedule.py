"""The publishing schedule page: days, times, a daily cap and the clock; a wrong value is
said under its field and kept as typed; the next free slots and what waits for them."""

from __future__ import annotations

import re
from zoneinfo import ZoneInfo

import pytest
from django_tenants.utils import schema_context

from apps.publisher.models import Publication, PublishSchedule
from apps.publisher.tests.pages import article, connect, garden_site, text, words
from apps.workspace.tests.pages import field_errors

pytestmark = pytest.mark.django_db

GOOD = {
    "enabled": "on",
    "weekdays": ["1", "3"],
    "slots": "14:30, 09:00",
    "daily_cap": "2",
    "time_zone": "America/New_York",
    "post_status": "draft",
}


@pytest.fixture
def site_and_owner(alpha, client_for):
    site = garden_site(alpha)
    connect(alpha, site)
    client = client_for(alpha.owner, alpha.host)
    client.post("/sites/switch/", {"site": site.pk})
    return site, client


def test_saving_a_schedule_books_what_waits_into_its_next_slots(alpha, site_and_owner):
    site, client = site_and_owner
    waiting = article(alpha, site, "Pruning roses")
    before = client.get("/publisher/schedule/")
    assert "The schedule is off" in words(before)
    assert "1 approved article waits for a slot" in words(before)

    saved = client.post(f"/publisher/sites/{site.pk}/schedule/", GOOD, follow=True)

    assert "Publishing schedule of Garden Blog saved: approved articles now fill" in words(saved)
    with schema_context(alpha.schema):
        schedule = PublishSchedule.objects.get(site=site)
        booked = Publication.objects.get(content=waiting)
    assert (schedule.weekdays, schedule.slots, schedule.daily_cap) == (
        [1, 3],
        ["09:00", "14:30"],
        2,
    )
    assert (schedule.time_zone, schedule.post_status) == ("America/New_York", "draft")
    local = booked.publish_at.astimezone(ZoneInfo("America/New_York"))
    assert local.weekday() in (1, 3) and local.strftime("%H:%M") in ("09:00", "14:30")
    page = words(saved)
    assert "No approved article is waiting for a slot" in page
    slots = re.findall(r"(?:Tue|Thu) \d+ \w+, (09:00|14:30)", page.split("Next free slots", 1)[1])
    assert len(slots) == 6  # the next six free slots, in the schedule's clock
    assert 'value="09:00, 14:30"' in text(saved)  # the saved times, as the form shows them
    assert re.search(r'<option value="America/New_York" selected>', text(saved))


def test_wrong_values_are_said_under_their_fields_and_kept(alpha, site_and_owner):
    site, client = site_and_owner
    bad = {**GOOD, "weekdays": [], "slots": "9h, 25:00", "daily_cap": "lots"}

    refused = client.post(f"/publisher/sites/{site.pk}/schedule/", bad)

    assert refused.status_code == 400
    errors = field_errors(refused)
    assert "“9h” is not a time" in errors["slots"] and "“25:00” is not a time" in errors["slots"]
    assert "whole number" in errors["daily_cap"]
    assert 'value="9h, 25:00"' in text(refused) and 'value="lots"' in text(refused)
    with schema_context(alpha.schema):
        assert not PublishSchedule.objects.filter(site=site).exists()

    no_day = client.post(f"/publisher/sites/{site.pk}/schedule/", {**GOOD, "weekdays": []})
    assert "Tick at least one day" in field_errors(no_day)["weekdays"]

    htmx = client.post(f"/publisher/sites/{site.pk}/schedule/", bad, HTTP_HX_REQUEST="true")
    assert htmx.status_code == 200
    assert text(htmx).lstrip().startswith('<section class="card" id="schedule-form"')


def test_switching_it_off(alpha, site_and_owner):
    site, client = site_and_owner
    client.post(f"/publisher/sites/{site.pk}/schedule/", GOOD)
    off = client.post(f"/publisher/sites/{site.pk}/schedule/", {**GOOD, "enabled": ""}, follow=True)
    assert "it is off: articles publish only when you say" in words(off)
    assert "The schedule is off" in words(off)


def test_a_site_without_a_connection_is_told_so(alpha, client_for):
    garden_site(alpha, "Lonely Blog")
    client = client_for(alpha.owner, alpha.host)
    page = client.get("/publisher/schedule/")
    assert "is not connected to WordPress" in words(page) and "Connect it" in words(page)
