"""The settings form on the automation page: each field refused with a sentence under it and
what was typed kept (nothing saved); a good form saved, with the next run shown on the
workspace's clock; reset to defaults; the schedule's day fields."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from apps.accounts.models import Account
from apps.automation.models import AutomationConfig
from apps.automation.services import config_for
from apps.automation.tests.pages import input_value, text, words
from apps.schedule.timing import next_run_at
from apps.workspace.tests.pages import field_errors
from tests.factories import make_site

pytestmark = pytest.mark.django_db

GOOD = {
    "enabled": "on",
    "frequency": "weekly",
    "hour": "9",
    "weekday": "2",
    "day_of_month": "15",
    "batch_1": "150",
    "batch_2": "4",
    "batch_3": "12",
    "batch_4": "3",
    "batch_5": "2",
    "batch_6": "6",
    "delay_seconds": "30",
    "max_items": "40",
    "approval_mode": "review",
    "min_score": "75",
    "stages_enabled": ["1", "2", "3", "4"],
}

# field, what a person typed, a piece of the sentence shown under the field
BAD = [
    ("frequency", "hourly", "Choose how often: daily, weekly or monthly."),
    ("hour", "25", "Choose an hour from 0 to 23"),
    ("hour", "nine", "Enter a whole number. Choose an hour from 0 to 23"),
    ("hour", "", "Enter a whole number. Choose an hour from 0 to 23"),
    ("weekday", "9", "Choose a day of the week."),
    ("day_of_month", "31", "Choose a day from 1 to 28 (every month has those)."),
    ("day_of_month", "2.5", "Enter a whole number."),
    ("batch_1", "0", "Choose from 1 to 2,000 keywords per batch."),
    ("batch_2", "51", "Choose from 1 to 50 clusters per batch."),
    ("batch_3", "-3", "Choose from 1 to 200 ideas per batch."),
    ("batch_4", "lots", "Enter a whole number. Choose from 1 to 50 tasks per batch."),
    ("batch_5", "100", "Choose from 1 to 50 articles per batch."),
    ("batch_6", "0", "Choose from 1 to 50 images per batch."),
    ("delay_seconds", "-1", "Choose a delay from 0 to 3,600 seconds."),
    ("delay_seconds", "7200", "Choose a delay from 0 to 3,600 seconds."),
    ("max_items", "0", "Choose from 1 to 1,000 items per run."),
    ("max_items", "5000", "Choose from 1 to 1,000 items per run."),
    ("approval_mode", "sometimes", "Choose review or automatic approval."),
    ("min_score", "101", "Choose a minimum score from 0 to 100."),
    ("min_score", "high", "Enter a whole number. Choose a minimum score from 0 to 100."),
    ("stages_enabled", [], "Switch on at least one stage, or switch automation off instead."),
    ("stages_enabled", ["2", "9"], "Choose stages from the list."),
]


@pytest.fixture
def site(alpha):
    return make_site(alpha.account, "Garden Blog", sectors=1, grant=[alpha.editor])


def saved(alpha, site) -> AutomationConfig:
    with schema_context(alpha.schema):
        return config_for(site)


def _url(site) -> str:
    return f"/automation/sites/{site.pk}/settings/"


@pytest.mark.parametrize(("field", "typed", "sentence"), BAD, ids=[f"{f}={t}" for f, t, _ in BAD])
def test_a_wrong_value_is_refused_under_its_field_and_kept(
    alpha, site, client_for, field, typed, sentence
):
    before = saved(alpha, site)
    response = client_for(alpha.owner, alpha.host).post(_url(site), {**GOOD, field: typed})

    assert response.status_code == 400
    errors = field_errors(response)
    assert list(errors) == [field], errors
    assert sentence in errors[field]
    assert "Please fix the 1 problem below." in words(response)
    # What was typed is on the page again: the wrong value and every other one.
    if field not in ("frequency", "weekday", "approval_mode", "stages_enabled"):
        assert input_value(response, field) == typed
    typed_in_boxes = ("weekday", "frequency", "enabled", "approval_mode", "stages_enabled", field)
    for other, value in GOOD.items():
        if other not in typed_in_boxes:
            assert input_value(response, other) == value, other
    html = text(response)
    if field != "frequency":
        assert '<option value="weekly" selected>' in html
    if field != "weekday":
        assert '<option value="2" selected>Wednesday</option>' in html
    if field != "approval_mode":
        assert ticked(html, "approval_mode", "review")
    assert ticked(html, "enabled")
    if field != "stages_enabled":
        assert all(ticked(html, "stages_enabled", n) for n in GOOD["stages_enabled"])
    # Nothing was saved.
    after = saved(alpha, site)
    assert (after.frequency, after.hour, after.max_items, after.updated) == (
        before.frequency,
        before.hour,
        before.max_items,
        before.updated,
    )


def ticked(html: str, name: str, value: str | None = None) -> bool:
    """Whether the box (or radio) `name` (with `value`) is ticked in the page."""
    for tag in re.findall(rf'<input[^>]*\bname="{name}"[^>]*>', html):
        if value is None or f'value="{value}"' in tag:
            return re.search(r"\schecked\b", tag) is not None
    return False


def test_every_problem_at_once_each_under_its_field(alpha, site, client_for):
    typed = {
        **GOOD,
        "hour": "24",
        "day_of_month": "0",
        "batch_2": "0",
        "delay_seconds": "x",
        "max_items": "-4",
        "min_score": "200",
        "frequency": "yearly",
    }
    response = client_for(alpha.owner, alpha.host).post(_url(site), typed)
    assert response.status_code == 400
    errors = field_errors(response)
    assert set(errors) == {
        "hour",
        "day_of_month",
        "batch_2",
        "delay_seconds",
        "max_items",
        "min_score",
        "frequency",
    }
    assert "Please fix the 7 problems below." in words(response)
    for name in ("hour", "day_of_month", "batch_2", "delay_seconds", "max_items", "min_score"):
        assert input_value(response, name) == typed[name]


def test_htmx_gets_the_form_back_alone_with_its_errors(alpha, site, client_for):
    response = client_for(alpha.owner, alpha.host).post(
        _url(site), {**GOOD, "hour": "99"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200  # swapped in as any answer; the errors are in it
    html = text(response)
    assert html.lstrip().startswith('<section class="card" id="automation-settings"')
    assert "<html" not in html and "The pipeline" not in html
    assert "Choose an hour from 0 to 23" in field_errors(response)["hour"]
    assert input_value(response, "hour") == "99"


def test_a_good_form_is_saved_and_the_next_run_shown_on_the_workspace_clock(
    alpha, site, client_for
):
    Account.objects.filter(pk=alpha.account.pk).update(timezone="Europe/Paris")
    client = client_for(alpha.editor, alpha.host)  # an editor granted the site
    response = client.post(_url(site), GOOD)
    assert response.status_code == 303 and response["Location"] == "/automation/"

    config = saved(alpha, site)
    assert config.enabled is True
    assert (config.frequency, config.hour, config.weekday) == ("weekly", 9, 2)
    assert config.batch_sizes == {"1": 150, "2": 4, "3": 12, "4": 3, "5": 2, "6": 6}
    assert (config.delay_seconds, config.max_items, config.min_score) == (30, 40, 75)
    assert config.stages_enabled == [1, 2, 3, 4]
    assert config.updated_by_id == alpha.editor.pk

    page = client.get("/automation/")
    seen = words(page)
    assert "Automation settings of Garden Blog saved: it runs on a schedule." in seen
    expected = next_run_at(config, timezone.now(), "Europe/Paris").astimezone(
        ZoneInfo("Europe/Paris")
    )
    assert expected.strftime("%a %-d %b %Y, 09:00") in seen  # Wednesday 09:00, Paris time
    assert "(Europe/Paris)" in seen
    assert "Times are in the workspace’s timezone, Europe/Paris" in seen
    # The form shows what was saved.
    for name in ("hour", "batch_1", "delay_seconds", "max_items", "min_score"):
        assert input_value(page, name) == GOOD[name]
    assert all(ticked(text(page), "stages_enabled", n) for n in GOOD["stages_enabled"])
    assert not ticked(text(page), "stages_enabled", "5")


def test_the_schedule_switched_off_says_so(alpha, site, client_for):
    client = client_for(alpha.owner, alpha.host)
    data = {k: v for k, v in GOOD.items() if k != "enabled"}
    assert client.post(_url(site), data).status_code == 303
    assert saved(alpha, site).enabled is False
    seen = words(client.get("/automation/"))
    assert "it runs by hand only (the schedule is off)" in seen
    assert "Not scheduled: the schedule is off" in seen


def test_an_editor_may_not_turn_on_automatic_approval_without_the_right(alpha, site, client_for):
    response = client_for(alpha.editor, alpha.host).post(
        _url(site), {**GOOD, "approval_mode": "auto"}
    )
    assert response.status_code == 400
    assert "Only an owner or admin" in field_errors(response)["approval_mode"]
    assert ticked(text(response), "approval_mode", "auto")
    assert saved(alpha, site).approval_mode == "review"


def test_reset_to_defaults_keeps_the_schedule_switch(alpha, site, client_for):
    client = client_for(alpha.owner, alpha.host)
    client.post(_url(site), GOOD)
    page = words(client.get("/automation/"))
    assert "Reset to defaults…" in page and "Yes, reset to defaults" in page

    response = client.post(f"/automation/sites/{site.pk}/reset/", follow=True)

    config = saved(alpha, site)
    fresh = AutomationConfig(site=site)
    assert (config.frequency, config.hour, config.max_items, config.delay_seconds) == (
        fresh.frequency,
        fresh.hour,
        fresh.max_items,
        fresh.delay_seconds,
    )
    assert config.stages_enabled == [1, 2, 3, 4, 5, 6, 7]
    assert config.enabled is True  # the switch stays as it was
    assert "back to their defaults (the schedule is still on)" in words(response)
    assert input_value(response, "max_items") == str(fresh.max_items)


def test_day_fields_follow_the_frequency_in_the_page(alpha, site, client_for):
    html = text(client_for(alpha.owner, alpha.host).get("/automation/"))
    # Both day fields are in the page (without JavaScript both show); the script shows the one
    # the frequency uses.
    assert '<div data-when="weekly">' in html and 'name="weekday"' in html
    assert '<div data-when="monthly">' in html and 'name="day_of_month"' in html
    assert "js/automation.js" in html


def test_times_use_the_workspace_zone_even_after_midnight_utc(alpha, site, client_for):
    """The next run is named by the workspace clock (Tokyo), not the server's (UTC)."""
    Account.objects.filter(pk=alpha.account.pk).update(timezone="Asia/Tokyo")
    client = client_for(alpha.owner, alpha.host)
    client.post(_url(site), {**GOOD, "frequency": "daily", "hour": "8"})
    config = saved(alpha, site)
    when = next_run_at(config, timezone.now(), "Asia/Tokyo")
    shown = when.astimezone(ZoneInfo("Asia/Tokyo"))
    assert shown.hour == 8
    seen = words(client.get("/automation/"))
    assert shown.strftime("%a %-d %b %Y, 08:00") in seen and "(Asia/Tokyo)" in seen
    assert isinstance(when, datetime)
