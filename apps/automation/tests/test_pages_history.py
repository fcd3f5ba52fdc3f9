"""Run history (paginated, newest first, what each run made and spent) and one run's page:
per-stage counts, credits, durations and skip reasons in words, its log in the page with the
run and request ids, and the log as a text download to members who may see the site."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from apps.automation.models import AutomationRun, RunStatus, RunTrigger, StageResult
from apps.automation.tests.helpers import pipeline_site
from apps.automation.tests.pages import site_with_run, text, words
from tests.factories import make_site

pytestmark = pytest.mark.django_db


def rows(html: str) -> list[str]:
    return re.findall(r'<tr data-run="(\d+)">', html)


def test_history_is_paginated_newest_first_with_what_each_run_did(alpha, client_for):
    site = make_site(alpha.account, "Garden Blog")
    now = timezone.now()
    with schema_context(alpha.schema):
        runs = []
        for i in range(25):
            run = AutomationRun.objects.create(
                site=site,
                status=RunStatus.COMPLETED,
                trigger=RunTrigger.SCHEDULED if i % 2 else RunTrigger.MANUAL,
                started_by_id=None if i % 2 else alpha.owner.pk,
                created=now - timedelta(hours=25 - i),
                started=now - timedelta(hours=25 - i),
                finished=now - timedelta(hours=25 - i) + timedelta(seconds=95),
            )
            StageResult.objects.create(run=run, stage=4, processed=i, credits=10 * i)
            StageResult.objects.create(run=run, stage=6, processed=2 * i, credits=i)
            runs.append(run)
        other = make_site(alpha.account, "Other Blog")
        AutomationRun.objects.create(site=other, status=RunStatus.FAILED, reason="Not ours")
    client = client_for(alpha.owner, alpha.host)
    client.post("/sites/switch/", {"site": site.pk})

    first = client.get("/automation/runs/")
    assert first.status_code == 200
    newest = [str(r.pk) for r in reversed(runs)]
    assert rows(text(first)) == newest[:20]
    seen = words(first)
    assert "1–20 of 25 runs" in seen and "Page 1 of 2" in seen and "Not ours" not in seen
    row = re.search(rf'<tr data-run="{runs[24].pk}">.*?</tr>', text(first), re.S).group(0)
    cells = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row))
    assert "Completed" in cells and "by Owner" in cells and "1 min 35 s" in cells
    assert " 24 " in cells and " 48 " in cells and " 264 " in cells  # articles, images, credits
    scheduled = re.search(rf'<tr data-run="{runs[23].pk}">.*?</tr>', text(first), re.S).group(0)
    assert "by the schedule" in scheduled
    assert 'href="/automation/runs/?page=2"' in text(first)

    second = client.get("/automation/runs/?page=2", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="x")
    assert rows(text(second)) == newest[20:]
    assert text(second).lstrip().startswith('<div id="run-history"')
    assert "21–25 of 25 runs" in words(second) and 'href="/automation/runs/"' in text(second)


def test_history_of_a_site_without_runs_says_how_to_start_one(alpha, client_for):
    make_site(alpha.account, "Garden Blog")
    page = client_for(alpha.owner, alpha.host).get("/automation/runs/")
    assert "No runs yet" in words(page) and "Run now" in words(page)


def test_a_run_page_shows_each_stage_the_reasons_and_the_log(alpha, client_for, log_dir):
    site = pipeline_site(alpha, 20, name="Garden Blog", max_items=3)
    client = client_for(alpha.owner, alpha.host)
    client.post("/sites/switch/", {"site": site.pk})
    response = client.post(f"/automation/sites/{site.pk}/run/", HTTP_X_REQUEST_ID="req-run-now-1")
    assert response.status_code == 303
    with schema_context(alpha.schema):
        run = AutomationRun.objects.get(site=site)
        results = {r.stage: r for r in StageResult.objects.filter(run=run)}
    assert run.status == RunStatus.COMPLETED, run.reason

    page = client.get(f"/automation/runs/{run.pk}/")
    html, seen = text(page), words(page)
    assert f"Automation run #{run.pk}" in seen and "Completed" in seen
    for n, result in results.items():
        row = re.search(rf'<tr data-stage="{n}".*?</tr>', html, re.S).group(0)
        assert f"data-processed>{result.processed}" in row
        assert f"data-skipped>{result.skipped}<" in row
        assert f"data-failed>{result.failed}<" in row
        assert f"data-credits>{result.credits}<" in row
        for why, count in result.skip_reasons.items():
            words_of = why[len("failed: ") :] if why.startswith("failed: ") else why
            assert f"{count} " in row and words_of in row.replace("&#x27;", "'")
    # The log, in the page, with the run and request ids on its lines.
    log = re.search(r"<pre class=\"auto-log\"[^>]*>(.*?)</pre>", html, re.S).group(1)
    assert f"[run {run.pk} request req-run-now-1]" in log
    assert "stage 4 done:" in log
    assert f"data-run-id>{run.pk}<" in html and "data-request-id>req-run-now-1<" in html
    assert "hx-trigger" not in html.split('<div id="run-live"', 1)[1].split(">", 1)[0]

    download = client.get(f"/automation/runs/{run.pk}/log/")
    assert download.status_code == 200
    assert download["Content-Type"] == "text/plain; charset=utf-8"
    assert download["Content-Disposition"] == (
        f'attachment; filename="automation-run-{run.pk}.log"'
    )
    body = b"".join(download.streaming_content).decode()
    assert body == (log_dir / run.log_name).read_text()
    assert f"[run {run.pk} request req-run-now-1]" in body


def test_an_active_run_page_polls_and_stops_when_it_ends(alpha, client_for):
    site, run = site_with_run(alpha)
    client = client_for(alpha.owner, alpha.host)
    page = text(client.get(f"/automation/runs/{run.pk}/"))
    live = page.split('<div id="run-live"', 1)[1].split(">", 1)[0]
    assert 'hx-trigger="every 2s"' in live and f'hx-get="/automation/runs/{run.pk}/"' in live
    assert "Stage 4 of 7 · Tasks → articles: 3 of 10 tasks" in page
    assert "1 skipped: too close to an article the site already has" in page

    with schema_context(alpha.schema):
        AutomationRun.objects.filter(pk=run.pk).update(
            status=RunStatus.STOPPED,
            reason="The workspace ran out of credits.",
            finished=timezone.now(),
        )
    poll = client.get(f"/automation/runs/{run.pk}/", HTTP_HX_REQUEST="true")
    assert text(poll).lstrip().startswith('<div id="run-live"')
    assert "hx-trigger" not in text(poll).split(">", 1)[0]
    assert "The workspace ran out of credits." in words(poll) and "Stopped" in words(poll)


def test_the_log_is_never_read_from_outside_the_logs_folder(alpha, client_for, log_dir):
    site, run = site_with_run(alpha)
    secret = log_dir.parent / "secret.txt"
    secret.write_text("not for you")
    client = client_for(alpha.owner, alpha.host)
    with schema_context(alpha.schema):
        AutomationRun.objects.filter(pk=run.pk).update(log_name="../secret.txt")
    assert client.get(f"/automation/runs/{run.pk}/log/").status_code == 404
    assert client.get(f"/automation/runs/{run.pk}/log/?path=../secret.txt").status_code == 404
    page = client.get(f"/automation/runs/{run.pk}/")
    assert page.status_code == 200 and "not for you" not in text(page)
    assert "Nothing logged yet." in words(page)

    # A run that has not written its log yet: nothing to download, and the page says so.
    with schema_context(alpha.schema):
        AutomationRun.objects.filter(pk=run.pk).update(log_name="automation/none/1.log")
    assert client.get(f"/automation/runs/{run.pk}/log/").status_code == 404


def test_another_workspaces_run_is_never_shown(alpha, beta, client_for):
    _, theirs = site_with_run(beta, name="Beta Blog")
    client = client_for(alpha.owner, alpha.host)
    # Run numbers repeat across workspaces: whatever answers here is never theirs.
    for url in (f"/automation/runs/{theirs.pk}/", "/automation/runs/", "/automation/"):
        assert "Beta Blog" not in text(client.get(url))
    log = client.get(f"/automation/runs/{theirs.pk}/log/")
    if log.status_code == 200:
        assert b"Beta Blog" not in b"".join(log.streaming_content)
