"""The automation configuration of a site: read (with defaults), save (every field checked,
nothing saved on an error), reset to defaults. Saving tells the schedule when the site runs
next (`apps.schedule`)."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from apps.automation.models import (
    BATCHED_STAGES,
    DEFAULT_BATCH_SIZES,
    MAX_BATCH_SIZES,
    STAGE_NUMBERS,
    STAGE_UNITS,
    ApprovalMode,
    AutomationConfig,
    Frequency,
    default_batch_sizes,
    default_stages_enabled,
)
from apps.workspace.models import Site

log = logging.getLogger(__name__)

MAX_DELAY_SECONDS = 3600
MAX_ITEMS = 1000

FIELDS = (
    "enabled",
    "frequency",
    "hour",
    "weekday",
    "day_of_month",
    "batch_sizes",
    "delay_seconds",
    "max_items",
    "approval_mode",
    "min_score",
    "stages_enabled",
)


def config_for(site: Site) -> AutomationConfig:
    """The site's configuration, made with the defaults the first time it is asked for."""
    config = AutomationConfig.objects.filter(site=site).first()
    if config is not None:
        return config
    try:
        with transaction.atomic():
            return AutomationConfig.objects.create(site=site)
    except IntegrityError:  # made at the same moment by another request
        return AutomationConfig.objects.get(site=site)


def _whole(value: Any, *, low: int, high: int, problem: str) -> tuple[int | None, str]:
    """An integer in [low, high] from a form value, or (None, what is wrong)."""
    if isinstance(value, bool):
        return None, problem
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        return None, "Enter a whole number. " + problem
    if not low <= number <= high:
        return None, problem
    return number, ""


def _flag(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in {"1", "true", "on", "yes"}
    return bool(value)


def _plural(unit: str) -> str:
    return unit + "s"


def _stages(value: Any) -> tuple[list[int] | None, str]:
    try:
        chosen = sorted({int(s) for s in (value or [])})
    except (TypeError, ValueError):
        return None, "Choose stages from the list."
    if any(s not in STAGE_NUMBERS for s in chosen):
        return None, "Choose stages from the list."
    if not chosen:
        return None, "Switch on at least one stage, or switch automation off instead."
    return chosen, ""


def _batch_value(data: Mapping[str, Any], current: Mapping[str, Any], stage: int) -> Any:
    """A stage's batch size from the form (`batch_<n>`) or a `batch_sizes` mapping."""
    if f"batch_{stage}" in data:
        return data[f"batch_{stage}"]
    sizes = data.get("batch_sizes")
    if isinstance(sizes, Mapping):
        for key in (stage, str(stage)):
            if key in sizes:
                return sizes[key]
    return current.get(str(stage), DEFAULT_BATCH_SIZES[stage])


def _can_approve(user, site: Site) -> bool:  # noqa: ANN001
    """May this person have articles approved without a person looking (automatic mode)?
    Owners and admins may; editors when the site lets editors approve."""
    from apps.accounts.models import Membership, Role

    if user is None or getattr(user, "is_staff", False):
        return True
    membership = Membership.objects.filter(
        user_id=user.pk, account__schema_name=connection.schema_name
    ).first()
    if membership is None:
        return False
    return membership.is_manager or (site.editors_can_approve and membership.has_role(Role.EDITOR))


def config_clean(
    *, site: Site, data: Mapping[str, Any], current: AutomationConfig, user=None
) -> dict[str, Any]:  # noqa: ANN001
    """Every value of `data` (missing ones keep the current value) checked; ValidationError
    keyed by field (`batch_<n>` for a stage's batch size) listing every problem at once."""
    errors: dict[str, str] = {}
    values: dict[str, Any] = {f: getattr(current, f) for f in FIELDS}

    def pick(name: str) -> Any:
        return data[name] if name in data else getattr(current, name)

    if "enabled" in data:
        values["enabled"] = _flag(data["enabled"])
    frequency = pick("frequency")
    if frequency not in Frequency.values:
        errors["frequency"] = "Choose how often: daily, weekly or monthly."
    else:
        values["frequency"] = frequency
    for name, low, high, problem in (
        ("hour", 0, 23, "Choose an hour from 0 to 23 (the workspace's time)."),
        ("weekday", 0, 6, "Choose a day of the week."),
        ("day_of_month", 1, 28, "Choose a day from 1 to 28 (every month has those)."),
        (
            "delay_seconds",
            0,
            MAX_DELAY_SECONDS,
            f"Choose a delay from 0 to {MAX_DELAY_SECONDS:,} seconds.",
        ),
        ("max_items", 1, MAX_ITEMS, f"Choose from 1 to {MAX_ITEMS:,} items per run."),
        ("min_score", 0, 100, "Choose a minimum score from 0 to 100."),
    ):
        number, problem = _whole(pick(name), low=low, high=high, problem=problem)
        if problem:
            errors[name] = problem
        else:
            values[name] = number
    sizes: dict[str, int] = {}
    for stage in BATCHED_STAGES:
        high = MAX_BATCH_SIZES[stage]
        number, problem = _whole(
            _batch_value(data, current.batch_sizes or {}, stage),
            low=1,
            high=high,
            problem=f"Choose from 1 to {high:,} {_plural(STAGE_UNITS[stage])} per batch.",
        )
        if problem:
            errors[f"batch_{stage}"] = problem
        else:
            sizes[str(stage)] = number
    values["batch_sizes"] = sizes
    mode = pick("approval_mode")
    if mode not in ApprovalMode.values:
        errors["approval_mode"] = "Choose review or automatic approval."
    elif (
        mode == ApprovalMode.AUTO and current.approval_mode != mode and not _can_approve(user, site)
    ):
        errors["approval_mode"] = (
            "Only an owner or admin (or an editor, when the site lets editors approve) can "
            "turn on automatic approval. Ask one of them, or keep review."
        )
    else:
        values["approval_mode"] = mode
    if "stages_enabled" in data or any(f"stage_{n}" in data for n in STAGE_NUMBERS):
        raw = data.get("stages_enabled")
        if raw is None:
            raw = [n for n in STAGE_NUMBERS if _flag(data.get(f"stage_{n}"))]
        chosen, problem = _stages(raw)
        if problem:
            errors["stages_enabled"] = problem
        else:
            values["stages_enabled"] = chosen
    if errors:
        raise ValidationError(errors)
    return values


def config_save(*, site: Site, data: Mapping[str, Any], user=None) -> AutomationConfig:  # noqa: ANN001
    """Save the site's configuration from `data` (form values; what is missing is kept).
    Raises ValidationError by field, saving nothing, when any value is wrong."""
    with transaction.atomic():
        current = config_for(site)
        current = AutomationConfig.objects.select_for_update().get(pk=current.pk)
        values = config_clean(site=site, data=data, current=current, user=user)
        for name, value in values.items():
            setattr(current, name, value)
        current.updated_by_id = getattr(user, "pk", None)
        current.updated = timezone.now()
        current.save()
        schedule_book(site, current)
    return current


def config_reset(*, site: Site, user=None) -> AutomationConfig:  # noqa: ANN001
    """Every setting back to its default. Whether automation is switched on stays as it was:
    resetting numbers must not silently stop (or start) a site's schedule."""
    with transaction.atomic():
        current = config_for(site)
        current = AutomationConfig.objects.select_for_update().get(pk=current.pk)
        fresh = AutomationConfig(site=site)
        for name in FIELDS:
            if name != "enabled":
                setattr(current, name, getattr(fresh, name))
        current.batch_sizes = default_batch_sizes()
        current.stages_enabled = default_stages_enabled()
        current.updated_by_id = getattr(user, "pk", None)
        current.updated = timezone.now()
        current.save()
        schedule_book(site, current)
    return current


def config_snapshot(config: AutomationConfig) -> dict[str, Any]:
    """The settings a run keeps, so that it follows what it was started with."""
    return {f: getattr(config, f) for f in FIELDS}


def config_from_snapshot(site: Site, snapshot: Mapping[str, Any]) -> AutomationConfig:
    """An unsaved configuration holding a run's settings (the current ones where missing)."""
    config = config_for(site)
    for name in FIELDS:
        if name in snapshot:
            setattr(config, name, snapshot[name])
    return config


def schedule_book(site: Site, config: AutomationConfig) -> None:
    """Tell the schedule when the site runs next: the public index of (workspace, site, next
    run at) that the dispatcher reads is kept by `apps.schedule.services.schedule_update`."""
    from apps.accounts.models import Account
    from apps.schedule.services import schedule_update

    account = Account.objects.get(schema_name=connection.schema_name)
    schedule_update(account=account, site_id=site.pk, config=config)
