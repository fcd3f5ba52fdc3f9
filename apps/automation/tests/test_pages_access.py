"""Who may use each automation page, reading (GET) and changing (POST): owners, admins and
editors granted the site may change; viewers read; an editor not granted the site meets a
404 (as for anything of a site not shared with them); outsiders are stopped (403)."""

from __future__ import annotations

import pytest
from django_tenants.utils import schema_context

from apps.automation.models import AutomationConfig, AutomationRun, Request, RunStatus
from apps.automation.tests.pages import people, site_with_run, text, words

pytestmark = pytest.mark.django_db

CHANGERS = ["owner", "admin", "editor"]
ACTORS = [*CHANGERS, "stranger_editor", "viewer", "outsider"]


def _urls(site, run) -> dict[str, str]:
    return {
        "page": "/automation/",
        "panel": f"/automation/sites/{site.pk}/panel/",
        "history": "/automation/runs/",
        "run": f"/automation/runs/{run.pk}/",
        "log": f"/automation/runs/{run.pk}/log/",
    }


@pytest.mark.parametrize("actor", ACTORS)
def test_reading_every_page(alpha, outsider, client_for, actor, log_dir):
    site, run = site_with_run(alpha)
    who = getattr(people(alpha, site, outsider), actor)
    client = client_for(who, alpha.host)
    urls = _urls(site, run)
    answers = {name: client.get(url) for name, url in urls.items()}
    codes = {name: r.status_code for name, r in answers.items()}

    if actor == "outsider":
        assert set(codes.values()) == {403}
        assert "Garden Blog" not in "".join(text(r) for r in answers.values())
        return
    if actor == "stranger_editor":
        # The pages are there, without the site; the site's own addresses do not exist.
        assert codes == {"page": 200, "panel": 404, "history": 200, "run": 404, "log": 404}
        assert "Garden Blog" not in text(answers["page"]) + text(answers["history"])
        assert "No site to automate yet" in words(answers["page"])
        return
    assert codes == dict.fromkeys(urls, 200)
    page = words(answers["page"])
    assert "Site: Garden Blog" in page
    assert "Stage 4 of 7" in page and "3 of 10" in page
    assert f"Run #{run.pk}" in words(answers["history"])
    assert "req-abc123" in words(answers["run"])
    assert answers["log"]["Content-Type"].startswith("text/plain")
    assert "Tasks → articles" in b"".join(answers["log"].streaming_content).decode()
    buttons = ("Run now", "Pause", "Cancel run", "Save settings", "Yes, reset to defaults")
    if actor == "viewer":
        assert not any(f">{b}</button>" in text(answers["page"]) for b in buttons)
        assert "Viewers can follow runs here" in page
    else:
        assert all(f">{b}</button>" in text(answers["page"]) for b in buttons)


def _post(client, site, run, action: str):
    return {
        "settings": lambda: client.post(
            f"/automation/sites/{site.pk}/settings/",
            {
                "frequency": "weekly",
                "hour": "7",
                "weekday": "2",
                "day_of_month": "1",
                **{f"batch_{n}": "3" for n in range(1, 7)},
                "delay_seconds": "0",
                "max_items": "10",
                "approval_mode": "review",
                "min_score": "70",
                "stages_enabled": ["1", "2", "3"],
            },
        ),
        "reset": lambda: client.post(f"/automation/sites/{site.pk}/reset/"),
        "run_now": lambda: client.post(f"/automation/sites/{site.pk}/run/"),
        "pause": lambda: client.post(f"/automation/runs/{run.pk}/pause/"),
        "resume": lambda: client.post(f"/automation/runs/{run.pk}/resume/"),
        "cancel": lambda: client.post(f"/automation/runs/{run.pk}/cancel/"),
    }[action]()


ACTIONS = ["settings", "reset", "run_now", "pause", "resume", "cancel"]


def _state(alpha, site, run) -> tuple:
    with schema_context(alpha.schema):
        config = AutomationConfig.objects.filter(site=site).first()
        run = AutomationRun.objects.get(pk=run.pk)
        return (
            config and (config.frequency, config.hour, config.stages_enabled, config.updated),
            run.status,
            run.requested,
            AutomationRun.objects.filter(site=site).count(),
        )


@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("actor", ACTORS)
def test_changing(alpha, outsider, client_for, settings, actor, action, log_dir):
    settings.JOBS_SYNC = False  # jobs wait for a worker: only what the view did is seen
    status = RunStatus.PAUSED if action == "resume" else RunStatus.RUNNING
    site, run = site_with_run(alpha, status=status)
    if action == "run_now":  # the site's run is over: a new one may start
        with schema_context(alpha.schema):
            AutomationRun.objects.filter(pk=run.pk).update(status=RunStatus.COMPLETED)
            from apps.automation.tests.helpers import add_keywords

        add_keywords(alpha, site, ["drain cleaning", "drain cleaning cost"])
    who = getattr(people(alpha, site, outsider), actor)
    before = _state(alpha, site, run)

    response = _post(client_for(who, alpha.host), site, run, action)

    after = _state(alpha, site, run)
    if actor in CHANGERS:
        assert response.status_code == 303, words(response)
        assert after != before
        expected = {
            "settings": lambda: after[0][:3] == ("weekly", 7, [1, 2, 3]),
            "reset": lambda: after[0][:3] == ("daily", 2, [1, 2, 3, 4, 5, 6, 7]),
            "run_now": lambda: after[3] == before[3] + 1,
            "pause": lambda: after[2] == Request.PAUSE,
            "resume": lambda: after[1] == RunStatus.RUNNING,
            "cancel": lambda: after[2] == Request.CANCEL,
        }[action]
        assert expected(), (before, after)
        return
    assert after == before
    if actor == "outsider":
        assert response.status_code == 403
    elif actor == "stranger_editor":
        assert response.status_code == 404
    else:
        assert response.status_code == 403
        assert "Viewers can follow automation but not change it" in words(response)
