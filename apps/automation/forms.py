"""The automation settings form.

The rules (ranges, what automatic approval needs, at least one stage) live in one place, the
configuration service (`config_save`), which answers a ValidationError keyed by field. This
form only draws the fields and carries what was typed back to the page: its fields accept
anything, so a wrong value is shown again exactly as typed, under the service's own sentence.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.http import QueryDict

from apps.automation.models import (
    BATCHED_STAGES,
    MAX_BATCH_SIZES,
    STAGE_NAMES,
    STAGE_NUMBERS,
    STAGE_UNITS,
    ApprovalMode,
    AutomationConfig,
    Frequency,
)
from igny8.form_fields import WEEKDAYS, ServiceErrors, Typed

SCALARS = (
    "frequency",
    "hour",
    "weekday",
    "day_of_month",
    "delay_seconds",
    "max_items",
    "approval_mode",
    "min_score",
)


def _number(label: str, *, low: int, high: int, help_text: str = "") -> Typed:
    return Typed(
        label=label,
        help_text=help_text,
        widget=forms.NumberInput(
            attrs={"min": low, "max": high, "step": 1, "inputmode": "numeric"}
        ),
    )


class AutomationConfigForm(ServiceErrors, forms.Form):
    enabled = forms.BooleanField(label="Run on a schedule", required=False)
    frequency = Typed(label="How often", widget=forms.Select(choices=Frequency.choices))
    hour = _number("Hour", low=0, high=23, help_text="0–23, on the workspace’s clock.")
    weekday = Typed(label="Day of the week", widget=forms.Select(choices=WEEKDAYS))
    day_of_month = _number(
        "Day of the month", low=1, high=28, help_text="1–28, so that every month has it."
    )
    delay_seconds = _number(
        "Delay between items (seconds)",
        low=0,
        high=3600,
        help_text="A pause after each item, to spread the work out. 0 for none.",
    )
    max_items = _number(
        "Items per run, at most",
        low=1,
        high=1000,
        help_text="Per stage, for stages 2–7 (stage 1 groups every new keyword).",
    )
    approval_mode = Typed(
        label="When an article is written", widget=forms.RadioSelect(choices=ApprovalMode.choices)
    )
    min_score = _number(
        "Minimum on-page score for automatic approval",
        low=0,
        high=100,
        help_text="0–100. Articles below it stay in review, with the reason.",
    )
    stages_enabled = forms.Field(
        label="Stages switched on",
        required=False,
        widget=forms.CheckboxSelectMultiple(
            choices=[(str(n), f"{n}. {STAGE_NAMES[n]}") for n in STAGE_NUMBERS]
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for stage in BATCHED_STAGES:
            high = MAX_BATCH_SIZES[stage]
            self.fields[f"batch_{stage}"] = _number(
                f"{stage}. {STAGE_NAMES[stage]}",
                low=1,
                high=high,
                help_text=f"{STAGE_UNITS[stage]}s per batch, 1–{high:,}",
            )

    @classmethod
    def for_config(cls, config: AutomationConfig) -> AutomationConfigForm:
        """An unbound form showing the saved settings."""
        initial: dict[str, Any] = {name: getattr(config, name) for name in SCALARS}
        initial["weekday"] = str(config.weekday)
        initial["enabled"] = config.enabled
        initial["stages_enabled"] = [str(n) for n in STAGE_NUMBERS if config.stage_on(n)]
        for stage in BATCHED_STAGES:
            initial[f"batch_{stage}"] = config.batch_size(stage)
        return cls(initial=initial)

    def batch_fields(self) -> list[forms.BoundField]:
        return [self[f"batch_{stage}"] for stage in BATCHED_STAGES]

    @staticmethod
    def service_data(post: QueryDict) -> dict[str, Any]:
        """What the configuration service is given: every field, stated. A checkbox left
        unticked is absent from a form post, so "off" and "no stage" are said explicitly."""
        data: dict[str, Any] = {name: post.get(name, "") for name in SCALARS}
        for stage in BATCHED_STAGES:
            data[f"batch_{stage}"] = post.get(f"batch_{stage}", "")
        data["enabled"] = post.get("enabled", "") not in ("", "0", "false", "off")
        data["stages_enabled"] = post.getlist("stages_enabled")
        return data
