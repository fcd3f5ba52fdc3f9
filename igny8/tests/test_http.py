"""igny8.http: the JSON envelope, errors in the shape the caller understands, redirects that
work with and without HTMX, and page-or-partial rendering."""

from __future__ import annotations

import pytest
from django_tenants.utils import schema_context

from apps.catalog.models import Industry
from apps.workspace.models import Job, JobStatus

pytestmark = pytest.mark.django_db

NO_ACCESS = "Only an owner or admin can do this."


# --- the JSON envelope --------------------------------------------------------------------


def test_success_envelope_carries_data_and_request_id(alpha, client_for, test_urls):
    response = client_for(alpha.owner, alpha.host).get(
        "/_test/log/", {"marker": "envelope"}, HTTP_X_REQUEST_ID="envelope-ok-1"
    )
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"success", "data", "request_id"}
    assert body["success"] is True
    assert body["request_id"] == "envelope-ok-1"
    with schema_context(alpha.schema):
        assert Job.objects.get(pk=body["data"]["job"]).label == "envelope"


def test_error_envelope_carries_code_message_and_fields(alpha, client_for, test_urls):
    response = client_for(alpha.owner, alpha.host).get("/_test/fields-error/")
    assert response.status_code == 400
    body = response.json()
    assert set(body) == {"success", "error", "request_id"}
    assert body["success"] is False
    assert body["error"] == {
        "code": "invalid",
        "message": "Check the highlighted fields.",
        "fields": {"name": ["Give it a name."]},
    }
    assert body["request_id"] == response["X-Request-ID"]


# --- render_error: JSON, HTMX partial or page ---------------------------------------------


def test_error_as_a_page_for_a_browser(alpha, client_for):
    response = client_for(alpha.editor, alpha.host).get("/sites/new/")
    assert response.status_code == 403
    body = response.content.decode()
    assert "<html" in body
    assert "You don’t have access to this" in body
    assert NO_ACCESS in body
    assert 'data-error-code="forbidden_role"' in body


def test_error_as_json_for_an_api_client(alpha, client_for):
    response = client_for(alpha.editor, alpha.host).get(
        "/sites/new/", HTTP_ACCEPT="application/json", HTTP_X_REQUEST_ID="editor-json-1"
    )
    assert response.status_code == 403
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["success"] is False
    assert body["error"]["code"] == "forbidden_role"
    assert body["error"]["message"].startswith(NO_ACCESS)
    assert body["request_id"] == "editor-json-1"


def test_browser_accept_header_still_gets_the_page(alpha, client_for):
    response = client_for(alpha.editor, alpha.host).get(
        "/sites/new/", HTTP_ACCEPT="text/html,application/xhtml+xml,application/json;q=0.9"
    )
    assert response.status_code == 403
    assert "<html" in response.content.decode()


def test_error_as_a_notice_for_htmx(alpha, client_for):
    response = client_for(alpha.editor, alpha.host).get("/sites/new/", HTTP_HX_REQUEST="true")
    assert response.status_code == 403
    body = response.content.decode()
    assert "<html" not in body
    assert 'role="alert"' in body and NO_ACCESS in body
    assert response["HX-Retarget"] == "#messages"
    assert response["HX-Reswap"] == "innerHTML"


# --- redirect -----------------------------------------------------------------------------


def _site_form(name: str) -> dict:
    industry = Industry.objects.filter(is_active=True).order_by("pk")[0]
    return {"name": name, "url": "example.com", "industry": industry.pk, "language": "en"}


def test_redirect_after_a_plain_post_is_303(alpha, client_for):
    response = client_for(alpha.owner, alpha.host).post("/sites/new/", _site_form("Plain Post"))
    assert response.status_code == 303
    assert response["Location"].startswith("/sites/") and response["Location"].endswith("/sectors/")
    assert "HX-Redirect" not in response


def test_redirect_after_an_htmx_post_is_hx_redirect(alpha, client_for):
    response = client_for(alpha.owner, alpha.host).post(
        "/sites/new/", _site_form("Htmx Post"), HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert response["HX-Redirect"].endswith("/sectors/")
    assert "Location" not in response


# --- render_page: the job progress page and its partial ----------------------------------


@pytest.fixture
def running_job(alpha):
    with schema_context(alpha.schema):
        return Job.objects.create(
            kind="keywords_import",
            label="Import keywords",
            status=JobStatus.RUNNING,
            progress=31,
            done=312,
            total=1000,
            message="Importing keywords",
            created_by_id=alpha.owner.pk,
        )


def test_htmx_poll_gets_only_the_progress_fragment(alpha, client_for, running_job):
    response = client_for(alpha.owner, alpha.host).get(
        f"/jobs/{running_job.pk}/", HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    body = response.content.decode().strip()
    assert body.startswith(f'<div id="job-{running_job.pk}"')
    assert "<html" not in body and "<h1>" not in body
    assert "312 of 1000" in body and "Importing keywords" in body
    assert 'aria-valuenow="31"' in body
    assert 'hx-trigger="every 1s"' in body


def test_plain_get_gets_the_whole_page_with_the_fragment(alpha, client_for, running_job):
    response = client_for(alpha.owner, alpha.host).get(f"/jobs/{running_job.pk}/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "<html" in body and "<h1>Import keywords</h1>" in body
    assert f'id="job-{running_job.pk}"' in body and "312 of 1000" in body


def test_finished_job_stops_polling_and_shows_the_outcome(alpha, client_for, running_job):
    with schema_context(alpha.schema):
        Job.objects.filter(pk=running_job.pk).update(
            status=JobStatus.FAILED, error="The file has no keyword column."
        )
    body = (
        client_for(alpha.owner, alpha.host)
        .get(f"/jobs/{running_job.pk}/", HTTP_HX_REQUEST="true")
        .content.decode()
    )
    assert "hx-trigger" not in body
    assert "Failed" in body and "The file has no keyword column." in body


def test_job_of_someone_else_is_hidden_from_an_editor(alpha, client_for, running_job):
    response = client_for(alpha.editor, alpha.host).get(f"/jobs/{running_job.pk}/")
    assert response.status_code == 404


def test_job_page_refuses_an_outsider(alpha, outsider, client_for, running_job):
    response = client_for(outsider, alpha.host).get(f"/jobs/{running_job.pk}/")
    assert response.status_code == 403


def test_unknown_job_is_404(alpha, client_for):
    assert client_for(alpha.owner, alpha.host).get("/jobs/999999999/").status_code == 404
