"""The publisher's forms. The rules of a schedule (weekdays, slot times, the cap, the zone)
live in the schedule service (`schedule_save`), which answers a ValidationError keyed by
field; the schedule form only draws the fields and carries what was typed back to the page,
as the automation settings form does. Reschedule and the connection forms check what is
theirs alone: a date and time in the site's clock, a WordPress address."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django import forms
from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.utils.dateparse import parse_datetime

from igny8.form_fields import WEEKDAYS, ServiceErrors, Typed
from igny8.form_fields import errors_onto as fields_errors_onto
from igny8.zones import zone_names

SLOT_SPLIT = re.compile(r"[,;\s]+")


def words_of(exc: Exception) -> str:
    """What a refusal says in plain words, whatever shape it came in."""
    words = getattr(exc, "words", "")
    if words:
        return str(words)
    if isinstance(exc, ValidationError):
        return " ".join(exc.messages)
    return str(exc)


def errors_onto(form: forms.Form, exc: Exception) -> None:
    """A service's refusal under the fields it names (the rest above the form)."""
    if isinstance(exc, ValidationError) and hasattr(exc, "error_dict"):
        fields_errors_onto(form, exc)
    else:
        form.add_error(None, words_of(exc))


class ScheduleForm(ServiceErrors, forms.Form):
    enabled = forms.BooleanField(label="Publish on this schedule", required=False)
    weekdays = forms.Field(
        label="Days",
        required=False,
        widget=forms.CheckboxSelectMultiple(choices=WEEKDAYS),
    )
    slots = Typed(
        label="Times",
        help_text="Times of day, separated by commas, e.g. 09:00, 14:30.",
        widget=forms.TextInput(attrs={"placeholder": "09:00, 14:30", "autocomplete": "off"}),
    )
    daily_cap = Typed(
        label="At most per day",
        help_text="Articles published on one day, whatever the number of times.",
        widget=forms.NumberInput(attrs={"min": 1, "max": 50, "step": 1, "inputmode": "numeric"}),
    )
    time_zone = Typed(label="Timezone", required=False)
    post_status = Typed(
        label="Articles arrive in WordPress as",
        widget=forms.RadioSelect(
            choices=[
                ("publish", "Published (live at the slot)"),
                ("draft", "Drafts (you publish them in WordPress)"),
            ]
        ),
    )

    def __init__(self, *args: Any, workspace_zone: str = "UTC", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["time_zone"].widget = forms.Select(
            choices=[("", f"The workspace’s ({workspace_zone})")] + [(z, z) for z in zone_names()]
        )

    @classmethod
    def for_schedule(cls, schedule: Any, *, workspace_zone: str) -> ScheduleForm:
        return cls(
            initial={
                "enabled": schedule.enabled,
                "weekdays": [str(d) for d in schedule.weekdays],
                "slots": ", ".join(schedule.slots),
                "daily_cap": schedule.daily_cap,
                "time_zone": schedule.time_zone,
                "post_status": schedule.post_status,
            },
            workspace_zone=workspace_zone,
        )

    @staticmethod
    def service_data(post: QueryDict) -> dict[str, Any]:
        """What the schedule service is given: every field, stated (an unticked box is absent
        from a post, so "off" and "no day" are said explicitly)."""
        return {
            "enabled": post.get("enabled", "") not in ("", "0", "false", "off"),
            "weekdays": post.getlist("weekdays"),
            "slots": [s for s in SLOT_SPLIT.split(post.get("slots", "")) if s],
            "daily_cap": post.get("daily_cap", ""),
            "time_zone": post.get("time_zone", ""),
            "post_status": post.get("post_status", ""),
        }


class RescheduleForm(forms.Form):
    """A new time for one article: one of the free slots offered, or a date and time typed in
    the site's clock. Either way the answer is an aware datetime in the future."""

    slot = forms.CharField(required=False, label="A free slot")
    date = forms.DateField(
        required=False, label="Or a date", widget=forms.DateInput(attrs={"type": "date"})
    )
    time = forms.TimeField(
        required=False, label="and time", widget=forms.TimeInput(attrs={"type": "time"})
    )

    def __init__(self, *args: Any, zone: str, now: datetime, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.zone = ZoneInfo(zone)
        self.now = now

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if self.errors:
            return data
        slot, day, at = data.get("slot"), data.get("date"), data.get("time")
        if day or at:
            if not (day and at):
                raise ValidationError("Give both a date and a time, or pick one of the free slots.")
            when = datetime.combine(day, at, tzinfo=self.zone)
        elif slot:
            when = parse_datetime(slot)
            if when is None or when.tzinfo is None:
                raise ValidationError("That slot could not be read. Pick one from the list again.")
        else:
            raise ValidationError("Pick one of the free slots, or give a date and a time.")
        if when <= self.now:
            raise ValidationError(
                "That time has passed. Pick a time ahead, or use Publish now to publish at once."
            )
        data["when"] = when
        return data


class ConnectForm(forms.Form):
    """The plugin adapter: where WordPress is. The key is made by us."""

    wp_url = forms.URLField(
        label="WordPress address",
        max_length=300,
        assume_scheme="https",
        help_text="The address of the WordPress site, e.g. https://blog.example.com.",
    )


class CoreConnectForm(forms.Form):
    """The adapter without our plugin: a WordPress user and one of its Application Passwords."""

    wp_url = forms.URLField(label="WordPress address", max_length=300, assume_scheme="https")
    wp_user = forms.CharField(label="WordPress username", max_length=100)
    app_password = forms.CharField(
        label="Application Password",
        max_length=200,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="Made in WordPress under Users → Profile → Application Passwords. "
        "Kept encrypted and sent only to the address above.",
    )
