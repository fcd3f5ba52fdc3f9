"""The configuration of a site: defaults the first time, every field checked with a clear
message (all problems at once, nothing saved), automatic approval only for those who may
approve, reset to defaults, and the schedule index kept in step."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django_tenants.utils import schema_context

from apps.automation.models import DEFAULT_BATCH_SIZES, AutomationConfig
from apps.automation.services import config_for, config_reset, config_save
from apps.schedule.models import SiteSchedule
from apps.workspace.models import Site
from tests.factories import make_site

pytestmark = pytest.mark.django_db

FORM = {
    "enabled": "on",
    "frequency": "weekly",
    "hour": "7",
    "weekday": "2",
    "day_of_month": "15",
    "batch_1": "300",
    "batch_2": "3",
    "batch_3": "10",
    "batch_4": "2",
    "batch_5": "2",
    "batch_6": "6",
    "delay_seconds": "5",
    "max_items": "40",
    "approval_mode": "auto",
    "min_score": "80",
    "stages_enabled": ["1", "2", "3", "4"],
}


@pytest.fixture
def site(alpha) -> Site:
    return make_site(alpha.account, "Config Site", sectors=1, grant=[alpha.editor])


def test_a_site_starts_with_the_defaults(alpha, site):
    with schema_context(alpha.schema):
        config = config_for(site)
        assert config_for(site).pk == config.pk  # made once
    assert (config.enabled, config.frequency, config.hour) == (False, "daily", 2)
    assert {int(k): v for k, v in config.batch_sizes.items()} == DEFAULT_BATCH_SIZES
    assert (config.delay_seconds, config.max_items) == (0, 100)
    assert (config.approval_mode, config.min_score) == ("review", 70)
    assert config.stages_enabled == [1, 2, 3, 4, 5, 6, 7]


def test_saving_the_form_keeps_every_value_and_books_the_schedule(alpha, site):
    with schema_context(alpha.schema):
        config_save(site=site, data=FORM, user=alpha.owner)
        config = AutomationConfig.objects.get(site=site)
    assert config.enabled and config.frequency == "weekly"
    assert (config.hour, config.weekday, config.day_of_month) == (7, 2, 15)
    assert config.batch_sizes == {"1": 300, "2": 3, "3": 10, "4": 2, "5": 2, "6": 6}
    assert (config.delay_seconds, config.max_items, config.min_score) == (5, 40, 80)
    assert config.approval_mode == "auto" and config.stages_enabled == [1, 2, 3, 4]
    assert config.updated_by_id == alpha.owner.pk
    row = SiteSchedule.objects.get(account=alpha.account, site_id=site.pk)
    assert row.next_run_at is not None and (row.frequency, row.hour) == ("weekly", 7)

    with schema_context(alpha.schema):
        config_save(site=site, data={"enabled": ""}, user=alpha.owner)  # switched off
        assert config_for(site).hour == 7  # the rest is kept
    assert not SiteSchedule.objects.filter(account=alpha.account, site_id=site.pk).exists()


def test_every_wrong_field_is_named_at_once_and_nothing_is_saved(alpha, site):
    wrong = {
        **FORM,
        "frequency": "hourly",
        "hour": "24",
        "weekday": "seven",
        "day_of_month": "31",
        "batch_1": "0",
        "batch_4": "51",
        "delay_seconds": "-1",
        "max_items": "",
        "approval_mode": "maybe",
        "min_score": "101",
        "stages_enabled": [],
    }
    with schema_context(alpha.schema), pytest.raises(ValidationError) as raised:
        config_save(site=site, data=wrong, user=alpha.owner)
    errors = {k: " ".join(v) for k, v in raised.value.message_dict.items()}
    assert set(errors) == {
        "frequency",
        "hour",
        "weekday",
        "day_of_month",
        "batch_1",
        "batch_4",
        "delay_seconds",
        "max_items",
        "approval_mode",
        "min_score",
        "stages_enabled",
    }
    assert errors["hour"] == "Choose an hour from 0 to 23 (the workspace's time)."
    assert errors["day_of_month"] == "Choose a day from 1 to 28 (every month has those)."
    assert errors["batch_1"] == "Choose from 1 to 2,000 keywords per batch."
    assert errors["batch_4"] == "Choose from 1 to 50 tasks per batch."
    assert errors["weekday"].startswith("Enter a whole number.")
    assert "at least one stage" in errors["stages_enabled"]
    with schema_context(alpha.schema):
        config = config_for(site)
    assert (config.frequency, config.hour, config.approval_mode) == ("daily", 2, "review")


def test_automatic_approval_is_for_those_who_may_approve(alpha, site):
    with schema_context(alpha.schema):
        with pytest.raises(ValidationError) as raised:
            config_save(site=site, data={"approval_mode": "auto"}, user=alpha.editor)
        assert "Only an owner or admin" in raised.value.message_dict["approval_mode"][0]
        assert config_for(site).approval_mode == "review"

        # The editor may change other settings once an owner chose automatic approval.
        config_save(site=site, data={"approval_mode": "auto"}, user=alpha.owner)
        config_save(site=site, data={"approval_mode": "auto", "hour": 5}, user=alpha.editor)
        assert config_for(site).hour == 5

        Site.objects.filter(pk=site.pk).update(editors_can_approve=True)
        site.refresh_from_db()
        config_save(site=site, data={"approval_mode": "review"}, user=alpha.editor)
        config_save(site=site, data={"approval_mode": "auto"}, user=alpha.editor)
        assert config_for(site).approval_mode == "auto"


def test_reset_brings_back_the_defaults_but_not_the_switch(alpha, site):
    with schema_context(alpha.schema):
        config_save(site=site, data=FORM, user=alpha.owner)
        config_reset(site=site, user=alpha.editor)
        config = config_for(site)
    assert config.enabled  # resetting numbers does not stop (or start) the schedule
    assert (config.frequency, config.hour, config.weekday, config.day_of_month) == (
        "daily",
        2,
        0,
        1,
    )
    assert {int(k): v for k, v in config.batch_sizes.items()} == DEFAULT_BATCH_SIZES
    assert (config.delay_seconds, config.max_items, config.min_score) == (0, 100, 70)
    assert config.approval_mode == "review" and config.stages_enabled == [1, 2, 3, 4, 5, 6, 7]
    assert config.updated_by_id == alpha.editor.pk
    row = SiteSchedule.objects.get(account=alpha.account, site_id=site.pk)
    assert (row.frequency, row.hour) == ("daily", 2)
