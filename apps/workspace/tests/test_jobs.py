"""The job progress view: who may watch a job, and what the polling partial shows."""

from __future__ import annotations

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from apps.workspace.models import Job, JobStatus
from apps.workspace.tests.pages import text

pytestmark = pytest.mark.django_db


def make_job(account, *, by, **fields) -> Job:
    fields.setdefault("kind", "demo")
    fields.setdefault("label", "Importing keywords")
    with schema_context(account.schema_name):
        return Job.objects.create(created_by_id=by.pk if by else None, **fields)


def test_owner_watches_any_job(alpha, client_for):
    job = make_job(
        alpha.account,
        by=alpha.editor,
        status=JobStatus.RUNNING,
        done=312,
        total=1000,
        progress=31,
        message="Importing…",
    )
    response = client_for(alpha.owner, alpha.host).get(f"/jobs/{job.pk}/")
    assert response.status_code == 200
    html = text(response)
    assert "<h1>Importing keywords</h1>" in html
    assert "312 of 1000" in html
    assert 'aria-valuenow="31"' in html
    assert "Running" in html
    assert 'hx-trigger="every 1s"' in html


def test_editor_watches_their_own_job(alpha, client_for):
    job = make_job(alpha.account, by=alpha.editor)
    response = client_for(alpha.editor, alpha.host).get(f"/jobs/{job.pk}/")
    assert response.status_code == 200
    assert "Waiting for a worker…" in text(response)
    assert "Queued" in text(response)


@pytest.mark.parametrize("started_by", ["owner", "other editor", "nobody"])
def test_editor_cannot_see_a_job_started_by_someone_else(started_by, alpha, client_for):
    from apps.accounts.models import Role
    from tests.factories import make_member

    by = {
        "owner": alpha.owner,
        "other editor": make_member(alpha.account, Role.EDITOR),
        "nobody": None,
    }[started_by]
    job = make_job(alpha.account, by=by, label="Owner's import")
    response = client_for(alpha.editor, alpha.host).get(f"/jobs/{job.pk}/")
    assert response.status_code == 404
    assert "Owner's import" not in text(response)


def test_outsider_gets_403(alpha, outsider, client_for):
    job = make_job(alpha.account, by=alpha.owner)
    assert client_for(outsider, alpha.host).get(f"/jobs/{job.pk}/").status_code == 403


def test_missing_job_is_404(alpha, client_for):
    assert client_for(alpha.owner, alpha.host).get("/jobs/987654321/").status_code == 404


def test_htmx_poll_gets_only_the_progress_partial(alpha, client_for):
    job = make_job(alpha.account, by=alpha.owner, status=JobStatus.RUNNING, progress=40)
    response = client_for(alpha.owner, alpha.host).get(f"/jobs/{job.pk}/", HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    html = text(response).strip()
    assert html.startswith(f'<div id="job-{job.pk}"')
    assert "<html" not in html and "<h1>" not in html
    assert 'aria-valuenow="40"' in html


def test_finished_job_stops_polling_and_shows_its_outcome(alpha, client_for):
    job = make_job(
        alpha.account,
        by=alpha.owner,
        status=JobStatus.FAILED,
        error="The file has no keyword column.",
        message="Failed",
        finished=timezone.now(),
    )
    response = client_for(alpha.owner, alpha.host).get(f"/jobs/{job.pk}/", HTTP_HX_REQUEST="true")
    html = text(response)
    assert "hx-trigger" not in html
    assert "The file has no keyword column." in html
    assert 'role="alert"' in html
