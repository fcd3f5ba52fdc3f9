"""The publishing dispatcher and the publish job: due articles of every workspace found with one
query over the public index and published in their own schema; retries with a growing wait,
then a notification; one post however often an article is sent; a lapsed plan publishes
nothing.

Jobs run synchronously in tests (JOBS_SYNC): what a tick queued has run when `dispatch`
returns. WordPress is the stand-in of `schedule_helpers` (the CLIENT's service is tested on
the wire in its own suite).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tenants.utils import schema_context

from apps.billing.errors import AccountLapsed
from apps.billing.models import SubscriptionStatus
from apps.billing.plans import subscription_for
from apps.publisher.dispatch import LEASE, dispatch
from apps.publisher.jobs import publish_content
from apps.publisher.models import Publication
from apps.publisher.services.index import STALE_PUBLISHING, index_refresh
from apps.publisher.services.schedule import (
    content_schedule,
    publish_queue,
    schedule_save,
    slots_assign,
)
from apps.publisher.tests.schedule_helpers import (
    FakePublishError,
    approved,
    clock_fixture,  # noqa: F401
    connected_site,
    schedule,
    state,
    wp_fixture,  # noqa: F401
)
from apps.schedule.models import PublishIndex
from apps.workspace.models import Job, Notification, Site
from apps.writer.models import Content, PublishingStatus
from apps.writer.services.content import Actor, content_approve, content_submit
from apps.writer.tests.helpers_content import make_content
from igny8 import jobs

pytestmark = pytest.mark.django_db


def scheduled(ws, site, title="How to clean a drain", *, minutes_ago: int = 1) -> Content:  # noqa: ANN001
    """An approved article a person scheduled, whose time came `minutes_ago`."""
    article = approved(ws, site, title)
    with schema_context(ws.schema):
        content_schedule(content=article, when=timezone.now() + timedelta(hours=1))
        Publication.objects.filter(content=article).update(
            publish_at=timezone.now() - timedelta(minutes=minutes_ago)
        )
    PublishIndex.objects.filter(account=ws.account, site_id=site.pk).update(
        next_due_at=timezone.now() - timedelta(minutes=minutes_ago)
    )
    return article


def notifications(ws, kind: str) -> list[Notification]:  # noqa: ANN001
    with schema_context(ws.schema):
        return list(Notification.objects.filter(kind=kind).order_by("pk"))


def test_a_due_article_is_published_in_its_workspace_and_the_owner_told(alpha, wp):
    site = connected_site(alpha)
    article = scheduled(alpha, site)

    report = dispatch()

    assert (report.claimed, report.queued) == (1, 1)
    status, publication = state(alpha, article)
    assert status == PublishingStatus.PUBLISHED
    assert publication.remote_id == wp.posts[article.pk]["id"]
    assert publication.published_at is not None
    (told,) = notifications(alpha, "publish_done")
    assert told.recipient_id == alpha.owner.pk and article.title in told.title
    # Nothing left to do: the site's row is idle, and the next tick claims nothing.
    assert PublishIndex.objects.get(account=alpha.account, site_id=site.pk).next_due_at is None
    assert dispatch().claimed == 0
    assert wp.calls == [article.pk]


def test_one_query_finds_the_due_sites_of_every_workspace(alpha, beta, wp):
    """Both workspaces have a due site (with the same site id in their own schemas, made the
    same way): one read of the index finds both, each publishes in its own schema, and sites
    not due are left alone however many there are."""
    due = {ws.schema: scheduled(ws, connected_site(ws)) for ws in (alpha, beta)}
    later = connected_site(alpha, "Later")
    not_due = scheduled(alpha, later, "Not yet", minutes_ago=-60)

    with CaptureQueriesContext(connection) as captured:
        report = dispatch()

    assert report.claimed == 2
    index_reads = [
        q["sql"]
        for q in captured.captured_queries
        if "schedule_publishindex" in q["sql"] and q["sql"].lstrip().upper().startswith("SELECT")
    ]
    tick_reads = [sql for sql in index_reads if "SKIP LOCKED" in sql]
    assert len(tick_reads) == 1
    for ws in (alpha, beta):
        assert state(ws, due[ws.schema])[0] == PublishingStatus.PUBLISHED
    assert state(alpha, not_due)[0] == PublishingStatus.SCHEDULED
    assert sorted(wp.calls) == sorted(c.pk for c in due.values())


def test_a_tick_costs_the_same_queries_with_more_idle_sites(alpha, wp):
    from apps.publisher.dispatch import dispatch_batch

    site = connected_site(alpha)
    scheduled(alpha, site)

    def count() -> int:
        PublishIndex.objects.filter(account=alpha.account, site_id=site.pk).update(
            next_due_at=timezone.now() - timedelta(seconds=5)
        )
        with CaptureQueriesContext(connection) as captured:
            dispatch_batch(now=timezone.now(), target="apps.publisher.tests.sample_jobs.noop")
        return len(captured.captured_queries)

    few = count()
    PublishIndex.objects.bulk_create(
        PublishIndex(
            account=alpha.account,
            site_id=900_000 + n,
            next_due_at=timezone.now() + timedelta(days=1),
        )
        for n in range(300)
    )
    assert count() == few


def test_a_failure_is_retried_after_a_growing_wait_and_makes_one_post(alpha, wp, clock):
    """The first try fails; the second makes the post but its answer is lost: failed with
    the reason, retried 1 then 2 minutes later; the third publishes, and WordPress holds
    one post."""
    site = connected_site(alpha)
    article = scheduled(alpha, site)
    wp.fail = [FakePublishError("WordPress answered 500.")]
    wp.lose = [FakePublishError("WordPress did not answer within 30 seconds.")]

    dispatch()
    status, publication = state(alpha, article)
    assert status == PublishingStatus.FAILED
    assert publication.last_error == "WordPress answered 500."
    assert publication.next_attempt_at == clock.now + timedelta(minutes=1)
    clock.advance(seconds=50)
    assert dispatch().claimed == 0  # not before its time

    clock.advance(seconds=11)
    dispatch()
    status, publication = state(alpha, article)
    assert status == PublishingStatus.FAILED
    assert "did not answer" in publication.last_error
    assert publication.next_attempt_at == clock.now + timedelta(minutes=2)

    clock.advance(minutes=2, seconds=1)
    dispatch()
    status, publication = state(alpha, article)
    assert (status, publication.attempts, publication.last_error) == ("published", 3, "")
    assert len(wp.posts) == 1 and len(wp.calls) == 3
    assert notifications(alpha, "publish_failed") == []


def test_after_the_last_retry_it_stays_failed_and_people_are_told_once(alpha, wp, settings, clock):
    settings.PUBLISH_RETRIES = 2
    site = connected_site(alpha)
    article = scheduled(alpha, site)
    wp.fail = [FakePublishError("WordPress answered 503.") for _ in range(5)]

    for _ in range(5):
        dispatch()
        clock.advance(hours=1)

    status, publication = state(alpha, article)
    assert (status, publication.attempts) == (PublishingStatus.FAILED, 3)
    assert publication.next_attempt_at is None
    assert publication.last_error == "WordPress answered 503."
    assert len(wp.calls) == 3
    (told,) = notifications(alpha, "publish_failed")
    assert "after 3 tries" in told.body and "503" in told.body
    assert PublishIndex.objects.get(account=alpha.account, site_id=site.pk).next_due_at is None


def test_a_failure_waiting_will_not_mend_is_not_retried(alpha, wp):
    site = connected_site(alpha)
    article = scheduled(alpha, site)
    wp.fail = [FakePublishError("The IGNY8 Bridge plugin is missing.", retryable=False)]
    dispatch()
    status, publication = state(alpha, article)
    assert (status, publication.next_attempt_at) == (PublishingStatus.FAILED, None)
    assert len(notifications(alpha, "publish_failed")) == 1


def test_a_lapsed_plan_publishes_nothing(alpha, wp):
    site = connected_site(alpha)
    article = scheduled(alpha, site)
    other = approved(alpha, site, "Publish me now")
    subscription = subscription_for(alpha.account)
    subscription.status = SubscriptionStatus.PAST_DUE
    subscription.grace_period_end = timezone.now() - timedelta(days=1)
    subscription.save()

    dispatch()

    status, publication = state(alpha, article)
    assert status == PublishingStatus.FAILED
    assert "lapsed" in publication.last_error and publication.next_attempt_at is None
    assert wp.calls == []
    assert len(notifications(alpha, "publish_failed")) == 1
    with schema_context(alpha.schema), pytest.raises(AccountLapsed):
        publish_queue(contents=[other], user=alpha.owner)
    assert state(alpha, other)[0] == PublishingStatus.NOT_PUBLISHED


def test_a_paused_workspace_is_passed_over_and_looked_at_again_later(alpha, wp):
    site = connected_site(alpha)
    article = scheduled(alpha, site)
    alpha.account.is_active = False
    alpha.account.save(update_fields=["is_active"])
    now = timezone.now()
    report = dispatch(now=now)
    assert (report.claimed, report.queued, report.passed_over) == (1, 0, 1)
    assert state(alpha, article)[0] == PublishingStatus.SCHEDULED
    row = PublishIndex.objects.get(account=alpha.account, site_id=site.pk)
    assert row.next_due_at == now + LEASE


def test_publish_now_many_refuses_what_cannot_go_and_publishes_the_rest(alpha, wp):
    site = connected_site(alpha)
    ready = [approved(alpha, site, f"Ready {n}") for n in range(2)]
    draft = make_content(alpha, site, "Draft")
    with schema_context(alpha.schema):
        report = publish_queue(contents=[*ready, draft], user=alpha.editor)
    assert [c.pk for c, _ in report.queued] == [c.pk for c in ready]
    ((refused, why),) = report.refused
    assert refused.pk == draft.pk and "approved" in why
    assert "Publishing 2 articles" in report.message
    for content in ready:
        assert state(alpha, content)[0] == PublishingStatus.PUBLISHED
    assert len(wp.posts) == 2
    # Published again (an update): the same post, nothing new.
    with schema_context(alpha.schema):
        publish_queue(contents=[Content.objects.get(pk=ready[0].pk)], user=alpha.editor)
    assert len(wp.posts) == 2
    assert wp.calls.count(ready[0].pk) == 2


def test_a_publish_job_delivered_twice_publishes_once(alpha, wp):
    site = connected_site(alpha)
    article = approved(alpha, site)
    with schema_context(alpha.schema):
        (_, job), *_ = publish_queue(contents=[article], user=alpha.owner).queued
        # The queue delivers at least once: the same task a second time does nothing.
        jobs.run(alpha.schema, job.pk, "apps.publisher.jobs.publish_content", "", [article.pk], {})
        second = jobs.enqueue(publish_content, article.pk)
        assert Job.objects.get(pk=second.pk).result["message"].startswith("Nothing to do")
    assert wp.calls == [article.pk]


def test_an_article_whose_job_died_is_taken_over_without_a_second_post(alpha, wp):
    site = connected_site(alpha)
    article = scheduled(alpha, site)
    with schema_context(alpha.schema):
        Content.objects.filter(pk=article.pk).update(publishing_status="publishing")
        died = timezone.now() - STALE_PUBLISHING - timedelta(minutes=1)
        Publication.objects.filter(content=article).update(updated=died)
        wp.posts[article.pk] = {"id": 7, "title": article.title}  # it made the post
        from apps.publisher.services.index import index_refresh

        index_refresh(site=site)
    assert dispatch().claimed == 1
    status, publication = state(alpha, article)
    assert (status, publication.remote_id) == (PublishingStatus.PUBLISHED, 7)
    assert len(wp.posts) == 1


def test_an_article_unapproved_before_its_time_is_not_published(alpha, wp):
    site = connected_site(alpha)
    article = scheduled(alpha, site)
    with schema_context(alpha.schema):
        Content.objects.filter(pk=article.pk).update(status="review")
    dispatch()
    assert state(alpha, article)[0] == PublishingStatus.NOT_PUBLISHED
    assert wp.calls == []


def test_a_slotted_article_sent_back_to_review_is_slotted_again_once_reapproved(alpha, wp):
    site = connected_site(alpha)
    schedule(alpha, site, slots=["00:00"])
    article = approved(alpha, site)
    with schema_context(alpha.schema):
        slots_assign(site=site)
        Publication.objects.filter(content=article).update(
            publish_at=timezone.now() - timedelta(minutes=1)
        )
        Content.objects.filter(pk=article.pk).update(status="review")
        index_refresh(site=site)
    dispatch()
    status, publication = state(alpha, article)
    assert (status, publication.publish_at) == (PublishingStatus.NOT_PUBLISHED, None)
    assert "not approved" in publication.last_error
    with schema_context(alpha.schema):
        Content.objects.filter(pk=article.pk).update(status="approved")
        (placed,) = slots_assign(site=site)
    assert placed.content_id == article.pk and placed.publish_at > timezone.now()


def test_a_lapsed_workspace_with_a_stuck_article_is_not_handed_out_every_minute(alpha, wp):
    site = connected_site(alpha)
    article = scheduled(alpha, site)
    with schema_context(alpha.schema):
        Content.objects.filter(pk=article.pk).update(publishing_status="publishing")
        Publication.objects.filter(content=article).update(
            updated=timezone.now() - STALE_PUBLISHING - timedelta(minutes=1)
        )
    subscription = subscription_for(alpha.account)
    subscription.status = SubscriptionStatus.PAST_DUE
    subscription.grace_period_end = timezone.now() - timedelta(days=1)
    subscription.save()
    assert dispatch().claimed == 1
    assert state(alpha, article)[0] == PublishingStatus.FAILED
    assert PublishIndex.objects.get(account=alpha.account, site_id=site.pk).next_due_at is None


def test_the_schedule_publishes_an_article_a_person_approves_at_its_slot(alpha, wp):
    """End to end: a schedule whose slot just opened; a person approves an article: that
    brings the site due, and one tick places the article in the slot and publishes it."""
    site = connected_site(alpha)
    slot = (timezone.now() - timedelta(minutes=1)).strftime("%H:%M")
    with schema_context(alpha.schema):
        schedule_save(
            site=site,
            data={"enabled": True, "weekdays": list(range(7)), "slots": [slot], "daily_cap": 1},
            user=alpha.owner,
        )
    assert dispatch().claimed == 0  # nothing waits
    article = make_content(alpha, site)
    actor = Actor(user=alpha.owner, can_edit=True, can_approve=True)
    with schema_context(alpha.schema):
        content_submit(content=article, actor=actor)
        content_approve(content=article, actor=actor)
    assert dispatch().claimed == 1
    status, publication = state(alpha, article)
    assert status == PublishingStatus.PUBLISHED and publication.slotted
    assert publication.publish_at <= timezone.now()


def test_a_deleted_site_leaves_the_index(alpha):
    site = connected_site(alpha)
    scheduled(alpha, site, minutes_ago=-60)
    assert PublishIndex.objects.filter(account=alpha.account, site_id=site.pk).exists()
    with schema_context(alpha.schema):
        Site.objects.filter(pk=site.pk).delete()
    assert not PublishIndex.objects.filter(account=alpha.account, site_id=site.pk).exists()


def test_setup_creates_the_every_minute_publishing_schedule_once(workspaces, wp):
    from django_q.models import Schedule

    from apps.publisher.jobs import dispatch_due
    from apps.workspace.management.commands.igny8_setup import Command

    Command()._schedules()
    Command()._schedules()
    (row,) = Schedule.objects.filter(func="apps.publisher.jobs.dispatch_due")
    assert row.schedule_type == Schedule.MINUTES
    assert (row.minutes, row.repeats) == (1, -1)
    assert dispatch_due() == {"claimed": 0, "queued": 0, "passed_over": 0, "failed": 0}


def test_staff_read_the_publishing_index_in_the_platform_admin(alpha, client_for):
    from apps.accounts.models import User

    site = connected_site(alpha)
    scheduled(alpha, site, minutes_ago=-30)
    staff = User.objects.create_superuser("staff-index@example.com", "pw-for-staff-1")
    page = client_for(staff).get("/admin/schedule/publishindex/")
    assert page.status_code == 200
    assert alpha.account.name in page.content.decode()
