"""The schedule: saving it (with errors by field), placing approved articles in the next free
slots within the daily cap, a person's own time kept, taking an article off the calendar,
and automation's stage 7 handing its approved article over."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from django_tenants.utils import schema_context

from apps.automation.handover import content_handover
from apps.automation.models import ApprovalMode
from apps.automation.services import config_for
from apps.publisher.models import Connection, Publication
from apps.publisher.services.schedule import (
    content_schedule,
    content_unschedule,
    free_slots,
    schedule_save,
    slots_assign,
)
from apps.publisher.tests.schedule_helpers import approved, connected_site, schedule, state
from apps.schedule.models import PublishIndex
from apps.writer.models import Content, EditorialStatus, PublishingStatus
from apps.writer.services.content import Actor, content_approve, content_submit
from apps.writer.tests.helpers_content import make_content
from tests.factories import make_site

pytestmark = pytest.mark.django_db

# Friday 5 June 2026, 10:00 in Paris (08:00 UTC).
FRIDAY_10_PARIS = datetime(2026, 6, 5, 8, 0, tzinfo=UTC)
WEEKDAYS = {"enabled": True, "weekdays": [0, 1, 2, 3, 4], "daily_cap": 2}


def paris(day: int, hour: int) -> datetime:
    """A June 2026 wall-clock time in Paris (summer time, UTC+2), as UTC."""
    return datetime(2026, 6, day, hour - 2, 0, tzinfo=UTC)


@pytest.fixture
def at_friday(monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: FRIDAY_10_PARIS)
    return FRIDAY_10_PARIS


@pytest.fixture
def in_paris(alpha):
    alpha.account.timezone = "Europe/Paris"
    alpha.account.save(update_fields=["timezone"])
    return alpha


def test_saving_places_waiting_articles_in_free_slots_within_the_cap(in_paris, at_friday):
    """Slots 09:00, 14:00 and 18:00 on weekdays, at most two a day, in the workspace's zone
    (Paris): on Friday at 10:00 three articles go to Friday 14:00, Monday 09:00 and 14:00."""
    alpha = in_paris
    site = connected_site(alpha)
    articles = [approved(alpha, site, f"Article {n}") for n in range(3)]
    with schema_context(alpha.schema):
        schedule_save(
            site=site,
            data={**WEEKDAYS, "slots": "09:00, 14:00, 18:00", "time_zone": ""},
            user=alpha.owner,
        )
    got = [state(alpha, c) for c in articles]
    assert [s for s, _ in got] == [PublishingStatus.SCHEDULED] * 3
    assert [p.publish_at for _, p in got] == [paris(5, 14), paris(8, 9), paris(8, 14)]
    assert all(p.slotted for _, p in got)
    row = PublishIndex.objects.get(account=alpha.account, site_id=site.pk)
    assert row.next_due_at == paris(5, 14)


def test_the_schedules_own_timezone_wins_over_the_workspaces(in_paris, at_friday):
    alpha = in_paris
    site = connected_site(alpha)
    article = approved(alpha, site)
    with schema_context(alpha.schema):
        schedule_save(
            site=site,
            data={**WEEKDAYS, "slots": ["09:00"], "time_zone": "new york"},
            user=alpha.owner,
        )
    # 04:00 in New York on Friday: its 09:00 is 13:00 UTC the same day.
    assert state(alpha, article)[1].publish_at == datetime(2026, 6, 5, 13, 0, tzinfo=UTC)


def test_bad_values_are_refused_by_field_in_words(alpha):
    site = connected_site(alpha)
    with schema_context(alpha.schema), pytest.raises(ValidationError) as caught:
        schedule_save(
            site=site,
            data={
                "enabled": True,
                "weekdays": ["Funday"],
                "slots": "9h",
                "daily_cap": "0",
                "time_zone": "Mars/Olympus",
                "post_status": "future",
            },
            user=alpha.owner,
        )
    errors = caught.value.message_dict
    assert set(errors) == {"weekdays", "slots", "daily_cap", "time_zone", "post_status"}
    assert "HH:MM" in errors["slots"][0]
    assert "not a timezone we know" in errors["time_zone"][0]


def test_switched_on_without_days_or_times_says_what_is_missing(alpha):
    site = connected_site(alpha)
    with schema_context(alpha.schema), pytest.raises(ValidationError) as caught:
        schedule_save(site=site, data={"enabled": True, "daily_cap": 1}, user=alpha.owner)
    assert set(caught.value.message_dict) == {"weekdays", "slots"}


def test_a_person_picked_time_stays_when_the_schedule_changes(in_paris, at_friday):
    alpha = in_paris
    site = connected_site(alpha)
    slotted, picked = approved(alpha, site, "Slotted"), approved(alpha, site, "Picked")
    mine = paris(9, 16)
    with schema_context(alpha.schema):
        content_schedule(content=picked, when=mine, user=alpha.owner)
        schedule_save(site=site, data={**WEEKDAYS, "slots": ["09:00"]}, user=alpha.owner)
        assert state(alpha, slotted)[1].publish_at == paris(8, 9)
        # Later, other times: the schedule's own placement moves, the person's does not.
        schedule_save(site=site, data={**WEEKDAYS, "slots": ["11:00"]}, user=alpha.owner)
    assert state(alpha, slotted)[1].publish_at == paris(5, 11)
    status, publication = state(alpha, picked)
    assert (status, publication.publish_at, publication.slotted) == ("scheduled", mine, False)


def test_switching_the_schedule_off_takes_back_its_own_placements(alpha, at_friday):
    site = connected_site(alpha)
    article = approved(alpha, site)
    with schema_context(alpha.schema):
        schedule_save(site=site, data={**WEEKDAYS, "slots": ["09:00"]}, user=alpha.owner)
        assert state(alpha, article)[0] == PublishingStatus.SCHEDULED
        schedule_save(site=site, data={**WEEKDAYS, "enabled": False}, user=alpha.owner)
    status, publication = state(alpha, article)
    assert (status, publication.publish_at) == (PublishingStatus.NOT_PUBLISHED, None)


def test_a_full_slot_is_skipped_and_the_cap_counts_every_article_of_the_day(alpha, at_friday):
    site = connected_site(alpha)
    schedule(alpha, site, slots=["09:00", "12:00"], daily_cap=2, weekdays=[0, 1, 2, 3, 4])
    first, second = approved(alpha, site, "First"), approved(alpha, site, "Second")
    with schema_context(alpha.schema):
        # A person put one at Monday 12:00: Monday has room for one more, at 09:00.
        content_schedule(content=first, when=datetime(2026, 6, 8, 12, tzinfo=UTC))
        assert free_slots(site=site, since=at_friday, count=4) == [
            datetime(2026, 6, 5, 9, tzinfo=UTC),
            datetime(2026, 6, 5, 12, tzinfo=UTC),
            datetime(2026, 6, 8, 9, tzinfo=UTC),
            datetime(2026, 6, 9, 9, tzinfo=UTC),
        ]
        slots_assign(site=site, now=at_friday)
    assert state(alpha, second)[1].publish_at == datetime(2026, 6, 5, 9, tzinfo=UTC)


def test_nothing_is_placed_for_a_site_without_a_working_connection(alpha, at_friday):
    site = make_site(alpha.account, "Unconnected", sectors=1)
    schedule(alpha, site)
    article = approved(alpha, site)
    with schema_context(alpha.schema):
        assert slots_assign(site=site, now=at_friday) == []
        Connection.objects.create(site=site, wp_url="https://wp.example", status="revoked")
        assert slots_assign(site=site, now=at_friday) == []
    assert state(alpha, article) == (PublishingStatus.NOT_PUBLISHED, None)


def test_drafts_and_trashed_articles_wait_for_nobody(alpha, at_friday):
    site = connected_site(alpha)
    schedule(alpha, site)
    draft = make_content(alpha, site, "Still a draft")
    trashed = approved(alpha, site, "Trashed")
    with schema_context(alpha.schema):
        Content.objects.filter(pk=trashed.pk).update(deleted_at=at_friday)
        assert slots_assign(site=site, now=at_friday) == []
    assert state(alpha, draft)[0] == state(alpha, trashed)[0] == PublishingStatus.NOT_PUBLISHED


def test_taken_off_the_calendar_it_stays_off_until_a_person_says_otherwise(alpha, at_friday):
    site = connected_site(alpha)
    schedule(alpha, site)
    article = approved(alpha, site)
    with schema_context(alpha.schema):
        slots_assign(site=site, now=at_friday)
        assert state(alpha, article)[0] == PublishingStatus.SCHEDULED
        content_unschedule(content=article, user=alpha.owner)
        assert slots_assign(site=site, now=at_friday) == []
        assert state(alpha, article)[1].publish_at is None
        content_schedule(content=article, when=at_friday + timedelta(hours=2), user=alpha.owner)
    assert state(alpha, article)[0] == PublishingStatus.SCHEDULED


def test_a_person_cannot_schedule_in_the_past_a_draft_or_a_published_article(alpha):
    site = connected_site(alpha)
    article, draft = approved(alpha, site), make_content(alpha, site, "Draft")
    later = timezone.now() + timedelta(days=1)
    with schema_context(alpha.schema):
        with pytest.raises(ValidationError, match="in the future"):
            content_schedule(content=article, when=timezone.now() - timedelta(minutes=1))
        with pytest.raises(ValidationError, match="approved"):
            content_schedule(content=draft, when=later)
        Content.objects.filter(pk=article.pk).update(publishing_status="published")
        article.refresh_from_db()
        with pytest.raises(ValidationError, match="already published"):
            content_schedule(content=article, when=later)
        with pytest.raises(ValidationError, match="not scheduled"):
            content_unschedule(content=draft)


def test_a_person_approving_an_article_brings_the_dispatcher_now(alpha, at_friday):
    site = connected_site(alpha)
    with schema_context(alpha.schema):
        schedule_save(site=site, data={**WEEKDAYS, "slots": ["09:00"]}, user=alpha.owner)
    row = PublishIndex.objects.get(account=alpha.account, site_id=site.pk)
    assert row.next_due_at is None  # nothing waits
    article = make_content(alpha, site)
    actor = Actor(user=alpha.owner, can_edit=True, can_approve=True)
    with schema_context(alpha.schema):
        content_submit(content=article, actor=actor)
        content_approve(content=article, actor=actor)
    row.refresh_from_db()
    assert row.next_due_at == at_friday


def test_stage_seven_hands_an_approved_article_to_the_schedule(alpha, at_friday):
    site = connected_site(alpha)
    schedule(alpha, site, slots=["15:00"])
    article = make_content(alpha, site)
    with schema_context(alpha.schema):
        config = config_for(site)
        config.approval_mode, config.min_score = ApprovalMode.AUTO, 0
        Content.objects.filter(pk=article.pk).update(score=90)
        assert content_handover(content=article, config=config) == ""
        assert article.publishing_status == PublishingStatus.SCHEDULED
    status, publication = state(alpha, article)
    assert article.status == EditorialStatus.APPROVED
    assert (status, publication.publish_at) == ("scheduled", datetime(2026, 6, 5, 15, tzinfo=UTC))


def test_stage_seven_without_a_schedule_leaves_the_article_approved_and_waiting(alpha):
    site = connected_site(alpha)
    article = make_content(alpha, site)
    with schema_context(alpha.schema):
        config = config_for(site)
        config.approval_mode, config.min_score = ApprovalMode.AUTO, 0
        Content.objects.filter(pk=article.pk).update(score=90)
        assert content_handover(content=article, config=config) == ""
        assert not Publication.objects.filter(content=article).exists()
    assert state(alpha, article)[0] == PublishingStatus.NOT_PUBLISHED


def test_a_new_workspace_timezone_moves_the_schedules_placements(in_paris, at_friday):
    """The schedule follows the workspace's zone: Paris 14:00 becomes New York 14:00."""
    from apps.accounts.services import account_timezone_set

    alpha = in_paris
    site = connected_site(alpha)
    article = approved(alpha, site)
    with schema_context(alpha.schema):
        schedule_save(site=site, data={**WEEKDAYS, "slots": ["14:00"]}, user=alpha.owner)
    assert state(alpha, article)[1].publish_at == paris(5, 14)
    account_timezone_set(account=alpha.account, timezone_name="America/New_York")
    assert state(alpha, article)[1].publish_at == datetime(2026, 6, 5, 18, 0, tzinfo=UTC)


def test_a_switched_off_site_publishes_nothing_until_it_is_back(alpha, at_friday):
    from apps.workspace.services.workspace import site_update

    site = connected_site(alpha)
    schedule(alpha, site)
    with schema_context(alpha.schema):
        article = approved(alpha, site)
        content_schedule(content=article, when=at_friday + timedelta(hours=1))
    row = PublishIndex.objects.get(account=alpha.account, site_id=site.pk)
    assert row.next_due_at == at_friday + timedelta(hours=1)

    def switch(active: bool) -> None:
        with schema_context(alpha.schema):
            site.refresh_from_db()
            site_update(
                site=site,
                name=site.name,
                url=site.url,
                industry=site.industry,
                language=site.language,
                is_active=active,
            )
        row.refresh_from_db()

    switch(False)
    assert row.next_due_at is None
    switch(True)
    assert row.next_due_at == at_friday + timedelta(hours=1)


def test_an_article_taken_down_in_wordpress_is_not_put_back_by_the_schedule(alpha, at_friday):
    """Published once, then trashed (or made a draft) in WordPress: ours is "not published"
    again, but the schedule must not send it back on its own."""
    site = connected_site(alpha)
    schedule(alpha, site)
    article = approved(alpha, site)
    with schema_context(alpha.schema):
        Publication.objects.create(
            content=article, site=site, remote_id=41, remote_status="trash", slotted=True
        )
        assert slots_assign(site=site, now=at_friday) == []
    assert state(alpha, article)[0] == PublishingStatus.NOT_PUBLISHED
