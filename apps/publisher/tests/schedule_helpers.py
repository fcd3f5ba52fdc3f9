"""Shared pieces of the scheduling tests: a connected site with approved articles, a schedule,
and a stand-in for the publishing service (`publishing.publish_now`) that behaves like a
WordPress keyed by our content id: a re-publish updates the post it made, never a second one.

Test modules import the fixtures by name: `from …schedule_helpers import wp_fixture, clock_fixture`.
"""

from __future__ import annotations

import importlib
import sys
import types
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from apps.publisher.models import Connection, Publication, PublishSchedule
from apps.workspace.models import Site
from apps.writer.models import Content, EditorialStatus
from apps.writer.tests.helpers_content import make_content
from tests.factories import make_site
from tests.fixtures import Workspace


class FakePublishError(Exception):
    """What the CLIENT's PublishError looks like from here: words and whether to retry."""

    def __init__(self, words: str, *, retryable: bool = True) -> None:
        super().__init__(words)
        self.words = words
        self.retryable = retryable


@dataclass
class FakeWordPress:
    """Posts by our content id. `fail`: errors the next calls raise before WordPress makes
    anything; `lose`: errors raised after the post was made (the answer was lost)."""

    posts: dict[int, dict] = field(default_factory=dict)
    calls: list[int] = field(default_factory=list)
    fail: list[Exception] = field(default_factory=list)
    lose: list[Exception] = field(default_factory=list)
    next_id: int = 100

    def publish_now(self, *, content: Content, user: Any = None, post_status: Any = None) -> Any:
        self.calls.append(content.pk)
        publication = Publication.objects.get(content=content)
        if self.fail:
            raise self.fail.pop(0)
        post = self.posts.get(content.pk)
        if post is None:
            self.next_id += 1
            post = {"id": self.next_id, "title": content.title}
            self.posts[content.pk] = post
        post.update(title=content.title, status=post_status or "publish")
        publication.remote_id = post["id"]
        publication.remote_url = f"https://wp.example/?p={post['id']}"
        publication.remote_status = post["status"]
        publication.published_at = publication.published_at or timezone.now()
        publication.save(update_fields=["remote_id", "remote_url", "remote_status", "published_at"])
        if self.lose:
            raise self.lose.pop(0)
        return publication


@pytest.fixture(name="wp")
def wp_fixture(monkeypatch) -> FakeWordPress:
    """Stand in for `apps.publisher.services.publishing.publish_now` (the CLIENT's; a module
    of our own when it has not landed in this branch)."""
    fake = FakeWordPress()
    try:
        module = importlib.import_module("apps.publisher.services.publishing")
    except ModuleNotFoundError:
        import apps.publisher.services as package

        module = types.ModuleType("apps.publisher.services.publishing")
        monkeypatch.setitem(sys.modules, module.__name__, module)
        monkeypatch.setattr(package, "publishing", module, raising=False)
    monkeypatch.setattr(module, "publish_now", fake.publish_now, raising=False)
    return fake


@dataclass
class Clock:
    now: datetime

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


@pytest.fixture(name="clock")
def clock_fixture(monkeypatch) -> Clock:
    """`timezone.now()` under the test's control (jobs read the time themselves)."""
    clock = Clock(timezone.now())
    monkeypatch.setattr(timezone, "now", lambda: clock.now)
    return clock


def connected_site(ws: Workspace, name: str = "Drain Site") -> Site:
    site = make_site(ws.account, name, sectors=1)
    with schema_context(ws.schema):
        Connection.objects.create(site=site, wp_url="https://wp.example", status="connected")
    return site


def schedule(ws: Workspace, site: Site, **fields: Any) -> PublishSchedule:
    values = {
        "enabled": True,
        "weekdays": [0, 1, 2, 3, 4, 5, 6],
        "slots": ["09:00"],
        "daily_cap": 1,
        "time_zone": "UTC",
    }
    values.update(fields)
    with schema_context(ws.schema):
        return PublishSchedule.objects.create(site=site, **values)


def approved(ws: Workspace, site: Site, title: str = "How to clean a drain", **kw) -> Content:
    content = make_content(ws, site, title, **kw)
    with schema_context(ws.schema):
        Content.objects.filter(pk=content.pk).update(
            status=EditorialStatus.APPROVED, approved_at=timezone.now()
        )
        content.refresh_from_db()
    return content


def state(ws: Workspace, content: Content) -> tuple[str, Publication | None]:
    with schema_context(ws.schema):
        content.refresh_from_db()
        return content.publishing_status, Publication.objects.filter(content=content).first()
