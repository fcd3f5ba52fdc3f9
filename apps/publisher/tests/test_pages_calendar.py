"""The calendar: a month of what is planned (an article's planned-for day: a reminder), booked
(its publishes-at time, in the site's clock) and published (with the live post), each shown
its own way with a legend; reschedule by picking a free slot or a day and time; unschedule."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from apps.publisher.models import Publication, PublishSchedule
from apps.publisher.tests.pages import article, connect, garden_site, text, words
from apps.writer.models import Content, PublishingStatus

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")


def day_cell(html: str, day: str) -> str:
    """The markup of one day of the grid (data-date="YYYY-MM-DD")."""
    found = re.search(
        rf'<li class="cal-day[^"]*" data-date="{day}".*?(?=<li class="cal-day|</ol>)', html, re.S
    )
    assert found, f"no cell for {day}"
    return found.group(0)


def entries(cell: str) -> list[tuple[str, str]]:
    """(kind, title) of each entry of a day cell, in order."""
    return [
        (kind, re.sub(r"\s+", " ", title).strip())
        for kind, title in re.findall(
            r'data-entry="(\w+)".*?class="cal-title"[^>]*>(.*?)</a>', cell, re.S
        )
    ]


def _paris_schedule(alpha, site, **fields) -> PublishSchedule:
    with schema_context(alpha.schema):
        return PublishSchedule.objects.create(
            site=site,
            time_zone="Europe/Paris",
            **{"enabled": False, "weekdays": [0, 1, 2, 3, 4], "slots": ["09:00"], **fields},
        )


@pytest.fixture
def owner(alpha, client_for):
    def make(site):
        client = client_for(alpha.owner, alpha.host)
        client.post("/sites/switch/", {"site": site.pk})
        return client

    return make


def test_planned_for_and_publishes_at_are_different_days_shown_differently(alpha, owner):
    site = garden_site(alpha)
    connect(alpha, site)
    _paris_schedule(alpha, site)
    # Planned for the 10th, booked for the 14th at 23:30 Paris time (22:30 UTC).
    article(
        alpha,
        site,
        "Pruning roses",
        publishing=PublishingStatus.SCHEDULED,
        planned_for=date(2031, 3, 10),
        publish_at=datetime(2031, 3, 14, 22, 30, tzinfo=UTC),
    )
    # 23:30 UTC on the 15th is 00:30 on the 16th in Paris: the site's clock decides the day.
    article(
        alpha,
        site,
        "Mulching beds",
        publishing=PublishingStatus.SCHEDULED,
        publish_at=datetime(2031, 3, 15, 23, 30, tzinfo=UTC),
    )
    article(
        alpha,
        site,
        "Sowing peas",
        publishing=PublishingStatus.PUBLISHED,
        planned_for=date(2031, 3, 1),
        publish_at=datetime(2031, 3, 3, 8, 0, tzinfo=UTC),
        published_at=datetime(2031, 3, 3, 8, 0, 40, tzinfo=UTC),
        remote_url="https://garden.example.com/sowing-peas/",
    )
    article(
        alpha,
        site,
        "Lawn care",
        publishing=PublishingStatus.FAILED,
        publish_at=datetime(2031, 3, 20, 8, 0, tzinfo=UTC),
        last_error="WordPress answered 500 (a server error).",
    )
    article(alpha, site, "Draft idea", status="draft", planned_for=date(2031, 3, 21))
    other = garden_site(alpha, "Other Blog")
    article(alpha, other, "Not ours", planned_for=date(2031, 3, 10))

    page = owner(site).get("/publisher/calendar/?month=2031-03")

    html = text(page)
    assert page.status_code == 200 and "March 2031" in words(page)
    assert "Times in Europe/Paris" in words(page)
    assert entries(day_cell(html, "2031-03-10")) == [("planned", "Pruning roses")]
    assert "Planned for" in day_cell(html, "2031-03-10")
    assert entries(day_cell(html, "2031-03-14")) == [("scheduled", "Pruning roses")]
    assert ">23:30</time>" in day_cell(html, "2031-03-14")
    assert entries(day_cell(html, "2031-03-15")) == []
    assert entries(day_cell(html, "2031-03-16")) == [("scheduled", "Mulching beds")]
    assert ">00:30</time>" in day_cell(html, "2031-03-16")
    published = day_cell(html, "2031-03-03")
    assert entries(published) == [("published", "Sowing peas")]
    assert "Published <time" in published and ">09:00</time>" in published
    assert 'href="https://garden.example.com/sowing-peas/"' in published
    # Its planned-for day stays a plain reminder: the live post hangs on the published entry.
    assert entries(day_cell(html, "2031-03-01")) == [("planned", "Sowing peas")]
    assert "data-live-post" not in day_cell(html, "2031-03-01")
    failed = day_cell(html, "2031-03-20")
    assert entries(failed) == [("failed", "Lawn care")] and "answered 500" in failed
    assert entries(day_cell(html, "2031-03-21")) == [("planned", "Draft idea")]
    assert "Not ours" not in html
    # Each kind says what it is in words, not only in colour; the legend explains them.
    legend = words(page)
    assert "a day set on the article: a reminder, nothing is booked" in legend
    assert "publishes at a booked time" in legend
    # Links to the article (and no booking controls on a draft).
    with schema_context(alpha.schema):
        rose = Content.objects.get(title="Pruning roses")
    assert f'href="/writer/content/{rose.pk}/"' in day_cell(html, "2031-03-14")
    assert "Book a time" not in day_cell(html, "2031-03-21")
    # The grid starts on the Monday before the 1st and the days around the month are marked.
    assert 'data-date="2031-02-24"' in html and 'class="cal-day is-out"' in html


def test_month_navigation(alpha, owner):
    site = garden_site(alpha)
    client = owner(site)
    page = client.get("/publisher/calendar/?month=2031-01")
    assert 'href="?month=2030-12"' in text(page) and 'href="?month=2031-02"' in text(page)
    assert "Nothing planned, booked or published in January 2031" in words(page)
    this_month = timezone.localdate().strftime("%B %Y")
    for odd in ("garbage", "9999-12", "0001-01", "2031-13", "2031"):
        assert this_month in words(client.get(f"/publisher/calendar/?month={odd}")), odd


def test_reschedule_by_picking_a_free_slot(alpha, owner):
    site = garden_site(alpha)
    connect(alpha, site)
    _paris_schedule(alpha, site, enabled=True, slots=["09:00", "15:00"], daily_cap=2)
    soon = timezone.now() + timedelta(hours=2)
    content = article(
        alpha, site, "Pruning roses", publishing=PublishingStatus.SCHEDULED, publish_at=soon
    )
    client = owner(site)
    page = client.get("/publisher/calendar/")
    offered = re.findall(r'<option value="([^"]+)">', text(page).split('name="slot"', 1)[1])
    assert len(offered) >= 3
    pick = datetime.fromisoformat(offered[2])
    assert pick.astimezone(PARIS).strftime("%H:%M") in ("09:00", "15:00")

    moved = client.post(
        f"/publisher/content/{content.pk}/reschedule/",
        {"slot": offered[2], "next": "/publisher/calendar/"},
        follow=True,
    )

    with schema_context(alpha.schema):
        publication = Publication.objects.get(content=content)
    assert publication.publish_at == pick and not publication.slotted
    local = pick.astimezone(PARIS)
    assert f"“Pruning roses” publishes on {local:%a %-d %b %Y at %H:%M} (Europe/Paris)" in words(
        moved
    )


def test_reschedule_to_a_day_and_time_in_the_sites_clock(alpha, owner):
    site = garden_site(alpha)
    connect(alpha, site)
    _paris_schedule(alpha, site)
    content = article(alpha, site, "Pruning roses", planned_for=date(2031, 3, 10))
    client = owner(site)
    assert "Book a time" in day_cell(
        text(client.get("/publisher/calendar/?month=2031-03")), "2031-03-10"
    )

    client.post(
        f"/publisher/content/{content.pk}/reschedule/", {"date": "2031-03-12", "time": "07:45"}
    )

    with schema_context(alpha.schema):
        publication = Publication.objects.get(content=content)
        assert Content.objects.get(pk=content.pk).publishing_status == "scheduled"
    assert publication.publish_at == datetime(2031, 3, 12, 7, 45, tzinfo=PARIS)
    html = text(client.get("/publisher/calendar/?month=2031-03"))
    assert entries(day_cell(html, "2031-03-12")) == [("scheduled", "Pruning roses")]
    # The planned-for day stays a reminder, without its own booking controls now.
    assert entries(day_cell(html, "2031-03-10")) == [("planned", "Pruning roses")]
    assert "Book a time" not in day_cell(html, "2031-03-10")


@pytest.mark.parametrize(
    ("form", "says"),
    [
        ({"date": "2020-01-01", "time": "09:00"}, "That time has passed"),
        ({"date": "2031-03-12"}, "Give both a date and a time"),
        ({}, "Pick one of the free slots, or give a date and a time"),
        ({"slot": "soon"}, "That slot could not be read"),
    ],
)
def test_a_wrong_time_is_refused_in_words_and_nothing_moves(alpha, owner, form, says):
    site = garden_site(alpha)
    connect(alpha, site)
    when = timezone.now() + timedelta(days=2)
    content = article(
        alpha, site, "Pruning roses", publishing=PublishingStatus.SCHEDULED, publish_at=when
    )
    refused = owner(site).post(f"/publisher/content/{content.pk}/reschedule/", form)
    assert refused.status_code == 400
    assert says in words(refused)
    assert re.search(r'<details class="cal-actions" open>', text(refused))
    with schema_context(alpha.schema):
        assert Publication.objects.get(content=content).publish_at == when


def test_unschedule_takes_it_off_the_calendar(alpha, owner):
    site = garden_site(alpha)
    connect(alpha, site)
    when = timezone.now() + timedelta(days=2)
    content = article(
        alpha, site, "Pruning roses", publishing=PublishingStatus.SCHEDULED, publish_at=when
    )
    client = owner(site)
    done = client.post(f"/publisher/content/{content.pk}/unschedule/", follow=True)
    assert "“Pruning roses” is off the schedule" in words(done)
    with schema_context(alpha.schema):
        assert Content.objects.get(pk=content.pk).publishing_status == "not_published"
        assert Publication.objects.get(content=content).publish_at is None
    assert 'data-entry="scheduled"' not in text(client.get("/publisher/calendar/"))


def test_a_site_not_connected_says_so(alpha, owner):
    site = garden_site(alpha)
    page = owner(site).get("/publisher/calendar/")
    assert "is not connected to WordPress: booked articles wait until it is" in words(page)


def test_an_article_on_its_way_now_shows_today(alpha, owner):
    site = garden_site(alpha)
    connect(alpha, site)
    content = article(alpha, site, "Pruning roses", publishing=PublishingStatus.PUBLISHING)
    with schema_context(alpha.schema):
        Publication.objects.create(content=content, site=site)  # Publish now: no slot
    page = owner(site).get("/publisher/calendar/")
    zone = ZoneInfo(alpha.account.timezone or "UTC")  # no schedule: the workspace's clock
    today = timezone.now().astimezone(zone).date().isoformat()
    cell = day_cell(text(page), today)
    assert entries(cell) == [("scheduled", "Pruning roses")] and "· publishing" in cell
    assert "Reschedule" not in cell  # not while it is on its way


def test_the_month_costs_the_same_queries_however_full_it_is(alpha, owner):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    site = garden_site(alpha)
    connect(alpha, site)
    client = owner(site)

    def queries() -> int:
        client.get("/publisher/calendar/?month=2031-03")  # warm the session and caches
        with CaptureQueriesContext(connection) as seen:
            assert client.get("/publisher/calendar/?month=2031-03").status_code == 200
        return len(seen)

    article(alpha, site, "First", planned_for=date(2031, 3, 2))
    few = queries()
    for n in range(12):
        when = datetime(2031, 3, 3 + n, 8, 0, tzinfo=UTC)
        article(alpha, site, f"Booked {n}", publishing=PublishingStatus.SCHEDULED, publish_at=when)
        article(alpha, site, f"Planned {n}", planned_for=date(2031, 3, 3 + n))
    assert queries() == few
