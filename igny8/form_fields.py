"""Form pieces more than one app's forms use (automation's and the publisher's schedules, a
service's refusal shown on a form)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError

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


def errors_onto(form: forms.Form, exc: ValidationError) -> None:
    """A service's refusal under the fields it names; the rest, and a refusal that names no
    field, above the form (the typed values stay in it)."""
    if hasattr(exc, "error_dict"):
        for name, messages in exc.message_dict.items():
            form.add_error(name if name in form.fields else None, messages)
    else:
        form.add_error(None, exc.messages)


class ServiceErrors:
    """A form whose fields are lenient and whose data a service checks: the service's
    sentences go under the fields."""

    def show_errors(self, exc: ValidationError) -> None:
        self.is_valid()  # the lenient fields always pass; errors need cleaned data to exist
        errors_onto(self, exc)
