"""Who may use each publisher page, reading (GET) and changing (POST): every member who sees
the site reads; owners and admins hold the WordPress connection; owners, admins and editors
granted the site schedule and publish; viewers read only; an editor not granted the site
meets a 404 (as for anything of a site not shared with them); outsiders are stopped (403)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from apps.publisher.models import Connection, Publication, PublishSchedule
from apps.publisher.tests.pages import article, connect, garden_site, people, text, words
from apps.writer.models import Content, PublishingStatus

pytestmark = pytest.mark.django_db

MANAGERS = ["owner", "admin"]
PUBLISHERS = [*MANAGERS, "editor"]
ACTORS = [*PUBLISHERS, "stranger_editor", "viewer", "outsider"]
PAGES = {
    "integration": "/publisher/",
    "schedule": "/publisher/schedule/",
    "calendar": "/publisher/calendar/",
    "sync": "/publisher/sync/",
}


@pytest.mark.parametrize("actor", ACTORS)
def test_reading_every_page(alpha, outsider, client_for, actor):
    site = garden_site(alpha)
    connect(alpha, site)
    soon = timezone.now() + timedelta(days=1)
    article(alpha, site, "Pruning roses", publishing=PublishingStatus.SCHEDULED, publish_at=soon)
    who = getattr(people(alpha, site, outsider), actor)
    client = client_for(who, alpha.host)
    answers = {name: client.get(url) for name, url in PAGES.items()}
    codes = {name: r.status_code for name, r in answers.items()}

    if actor == "outsider":
        assert set(codes.values()) == {403}
        assert "Garden Blog" not in "".join(text(r) for r in answers.values())
        return
    assert codes == dict.fromkeys(PAGES, 200)
    if actor == "stranger_editor":
        # The pages are there, without the site.
        assert "Garden Blog" not in "".join(text(r) for r in answers.values())
        assert "Pruning roses" not in text(answers["calendar"])
        return
    assert all("Site: Garden Blog" in words(r) for r in answers.values())
    assert "Pruning roses" in words(answers["calendar"])
    connection_buttons = ("Test connection", "Rotate key", "Revoke key")
    page = text(answers["integration"])
    if actor in MANAGERS:
        assert all(f">{b}</button>" in page for b in connection_buttons)
    else:
        assert not any(f">{b}</button>" in page for b in connection_buttons)
        assert "Owners and admins test, rotate and revoke the connection." in words(
            answers["integration"]
        )
    schedule_page, calendar_page = text(answers["schedule"]), text(answers["calendar"])
    if actor in PUBLISHERS:
        assert ">Save schedule</button>" in schedule_page
        assert "Reschedule" in calendar_page and 'data-action="unschedule"' in calendar_page
    else:
        assert ">Save schedule</button>" not in schedule_page
        assert "You can read this schedule" in words(answers["schedule"])
        assert "Reschedule" not in calendar_page and 'data-action="unschedule"' not in calendar_page


def _state(alpha, site, content) -> tuple:
    with schema_context(alpha.schema):
        connection = Connection.objects.filter(site=site).first()
        schedule = PublishSchedule.objects.filter(site=site).first()
        publication = Publication.objects.filter(content=content).first()
        return (
            connection and (connection.key_hash, connection.status, connection.adapter),
            schedule and (schedule.enabled, schedule.slots),
            publication and publication.publish_at,
            Content.objects.get(pk=content.pk).publishing_status,
        )


def _post(client, site, content, action: str):
    later = timezone.localtime(timezone.now() + timedelta(days=3))
    return {
        "connect": lambda: client.post(
            f"/publisher/sites/{site.pk}/connect/", {"wp_url": "https://garden.example.com"}
        ),
        "rotate": lambda: client.post(f"/publisher/sites/{site.pk}/rotate/"),
        "revoke": lambda: client.post(f"/publisher/sites/{site.pk}/revoke/"),
        "core": lambda: client.post(
            f"/publisher/sites/{site.pk}/core/",
            {
                "wp_url": "https://garden.example.com",
                "wp_user": "ada",
                "app_password": "abcd efgh ijkl mnop qrst uvwx",
            },
        ),
        "schedule": lambda: client.post(
            f"/publisher/sites/{site.pk}/schedule/",
            {
                "enabled": "on",
                "weekdays": ["0", "2"],
                "slots": "08:15",
                "daily_cap": "1",
                "time_zone": "",
                "post_status": "publish",
            },
        ),
        "reschedule": lambda: client.post(
            f"/publisher/content/{content.pk}/reschedule/",
            {"date": later.date().isoformat(), "time": "07:45"},
        ),
        "unschedule": lambda: client.post(f"/publisher/content/{content.pk}/unschedule/"),
        "publish": lambda: client.post("/publisher/publish/", {"content": [str(content.pk)]}),
    }[action]()


CONNECTION_ACTIONS = ["connect", "rotate", "revoke", "core"]
PUBLISHING_ACTIONS = ["schedule", "reschedule", "unschedule", "publish"]


@pytest.mark.parametrize("action", CONNECTION_ACTIONS + PUBLISHING_ACTIONS)
@pytest.mark.parametrize("actor", ACTORS)
def test_changing(alpha, outsider, client_for, settings, actor, action):
    settings.JOBS_SYNC = False  # publish jobs wait for a worker: only what the view did is seen
    site = garden_site(alpha)
    connect(alpha, site)
    soon = timezone.now() + timedelta(days=1)
    content = article(
        alpha, site, "Pruning roses", publishing=PublishingStatus.SCHEDULED, publish_at=soon
    )
    who = getattr(people(alpha, site, outsider), actor)
    before = _state(alpha, site, content)

    response = _post(client_for(who, alpha.host), site, content, action)

    after = _state(alpha, site, content)
    allowed = MANAGERS if action in CONNECTION_ACTIONS else PUBLISHERS
    if actor in allowed:
        assert response.status_code in (200, 303), words(response)
        assert after != before
        return
    assert after == before
    if actor == "outsider":
        assert response.status_code == 403
    elif actor == "stranger_editor":
        assert response.status_code == 404
    else:
        assert response.status_code == 403
        expected = (
            "Only an owner or admin can connect WordPress"
            if action in CONNECTION_ACTIONS
            else "Viewers can follow publishing but not change it"
        )
        assert expected in words(response)
