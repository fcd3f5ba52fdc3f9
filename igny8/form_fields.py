"""Form pieces more than one app's forms use (automation's and the publisher's schedules)."""

from __future__ import annotations

from typing import Any

from django import forms

WEEKDAYS = [
    ("0", "Monday"),
    ("1", "Tuesday"),
    ("2", "Wednesday"),
    ("3", "Thursday"),
    ("4", "Friday"),
    ("5", "Saturday"),
    ("6", "Sunday"),
]


class Typed(forms.CharField):
    """A field that keeps whatever was typed: the configuration service judges it (an empty
    value included), so each problem is said once, in the service's words."""

    def validate(self, value: Any) -> None:
        return None
