"""Live regions a screen reader can follow: messages arriving with an HTMX answer swap the
contents of the page's message area (never the area itself), polled progress is announced at
milestones only, and no template replaces a live region wholesale."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django_tenants.utils import schema_context

from apps.workspace.milestones import progress_milestone
from apps.workspace.models import Job, JobStatus
from apps.workspace.notifications import notify
from apps.workspace.tests.pages import text

HX = {"HTTP_HX_REQUEST": "true"}


def test_running_work_is_announced_at_each_quarter_not_at_each_poll():
    said = []
    for percent in range(0, 101):
        words = progress_milestone(label="Import", status="running", percent=percent)
        if not said or said[-1] != words:
            said.append(words)
    assert said == [
        "Import: started.",
        "Import: 25% done.",
        "Import: 50% done.",
        "Import: 75% done.",
    ]


@pytest.mark.parametrize(
    ("status", "words"),
    [
        ("queued", "Import: waiting to start."),
        ("succeeded", "Import: done."),
        ("completed", "Import: done."),
        ("failed", "Import: failed."),
        ("cancelled", "Import: cancelled."),
        ("paused", "Import: paused."),
    ],
)
def test_how_work_ended_is_one_milestone(status, words):
    assert progress_milestone(label="Import", status=status, percent=40) == words


def polled(html: str) -> str:
    """The opening tag of the polled progress element."""
    match = re.search(r"<div id=\"job-\d+\"[^>]*>", html)
    assert match, html
    return match.group(0)


@pytest.mark.django_db
def test_the_polled_job_carries_its_milestone_and_is_no_live_region(alpha, client_for):
    with schema_context(alpha.schema):
        job = Job.objects.create(
            kind="import", label="Keywords pasted", status=JobStatus.RUNNING, progress=10
        )
    client = client_for(alpha.owner, alpha.host)
    seen = []
    for progress in (10, 20, 30, 60, 99):
        with schema_context(alpha.schema):
            Job.objects.filter(pk=job.pk).update(progress=progress)
        tag = polled(text(client.get(f"/jobs/{job.pk}/", **HX)))
        assert "aria-live" not in tag, "a polled element replaced every second is no live region"
        seen.append(re.search(r'data-milestone="([^"]*)"', tag).group(1))
    assert seen == [
        "Keywords pasted: started.",
        "Keywords pasted: started.",
        "Keywords pasted: 25% done.",
        "Keywords pasted: 50% done.",
        "Keywords pasted: 75% done.",
    ]


@pytest.mark.django_db
def test_every_page_has_one_progress_live_region(alpha, client_for):
    html = text(client_for(alpha.owner, alpha.host).get("/"))
    assert html.count('id="progress-announcer"') == 1
    tag = re.search(r'<div id="progress-announcer"[^>]*>', html).group(0)
    assert 'aria-live="polite"' in tag


@pytest.mark.django_db
def test_a_message_with_an_htmx_answer_fills_the_message_area_in_place(alpha, client_for):
    with schema_context(alpha.schema):
        notify(kind="run_finished", title="Run finished", users=[alpha.owner])
    response = client_for(alpha.owner, alpha.host).post("/notifications/read-all/", **HX)
    html = text(response)
    area = re.search(r'<div id="messages"[^>]*>', html).group(0)
    assert 'hx-swap-oob="innerHTML"' in area
    assert "Marked 1 notification read." in html


LIVE = re.compile(r"aria-live=\"(polite|assertive)\"|role=\"(status|alert)\"")
TAG = re.compile(r"<[a-z][^>]*>", re.S)


def test_no_template_replaces_a_live_region_wholesale():
    """A live region swapped out of band as a whole ("true", "outerHTML"), polled with
    hx-swap="outerHTML", or the outerHTML target of a form is a new element each time, which
    screen readers do not announce: the region stays and its contents change."""
    found = []
    for path in sorted(Path(settings.BASE_DIR, "templates").rglob("*.html")):
        tags = TAG.findall(path.read_text())
        live_ids = set()
        for tag in tags:
            if not LIVE.search(tag):
                continue
            named = re.search(r'\bid="([^"{]+)"', tag)
            if named:
                live_ids.add(named.group(1))
            oob = re.search(r'hx-swap-oob="([^"]*)"', tag)
            if oob and not oob.group(1).startswith(("innerHTML", "beforeend", "afterbegin")):
                found.append(f"{path.name}: {tag[:120]}")
            if 'hx-trigger="every' in tag and 'hx-swap="outerHTML"' in tag:
                found.append(f"{path.name}: {tag[:120]}")
        for tag in tags:
            target = re.search(r'hx-target="#([^"]+)"', tag)
            if target and target.group(1) in live_ids and 'hx-swap="outerHTML"' in tag:
                found.append(
                    f"{path.name}: {tag[:120]} replaces the live region #{target.group(1)}"
                )
    assert not found, "\n".join(found)
