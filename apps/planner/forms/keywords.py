"""What a bulk action on the keywords page or in the trash asks for."""

from __future__ import annotations

from django import forms
from django.http import QueryDict

from apps.catalog.models import Intent
from apps.planner.selectors.keywords import NONE

MAX_IDS = 1000  # a page holds at most 100; "all matching" does not send ids at all


def posted_ids(data: QueryDict) -> list[int]:
    """The ticked rows. Anything that is not an id is dropped: it matches no keyword anyway."""
    ids: list[int] = []
    for raw in data.getlist("ids")[:MAX_IDS]:
        try:
            value = int(raw)
        except ValueError:
            continue
        if value > 0:
            ids.append(value)
    return ids


class KeywordBulkForm(forms.Form):
    ACTIONS = [
        ("delete", "Move to trash"),
        ("disable", "Disable"),
        ("enable", "Enable"),
        ("intent", "Set intent"),
        ("move", "Move to cluster"),
        ("cluster", "Cluster selected"),
    ]

    action = forms.ChoiceField(
        choices=ACTIONS, error_messages={"required": "Choose an action to apply."}
    )
    all_matching = forms.BooleanField(required=False)
    # Not "intent" / "cluster": those names carry the list's filters in the same form.
    new_intent = forms.ChoiceField(
        choices=[("", "Choose…"), *Intent.choices, (NONE, "No intent (clear)")], required=False
    )
    to_cluster = forms.CharField(required=False, max_length=20)
    confirm = forms.BooleanField(required=False)

    def __init__(self, data: QueryDict, *args, **kwargs) -> None:
        super().__init__(data, *args, **kwargs)
        self.ids = posted_ids(data)
        self.fields["action"].error_messages["invalid_choice"] = (
            "That action does not exist. Choose one from the list."
        )
        self.fields["new_intent"].error_messages["invalid_choice"] = (
            "That is not a search intent. Choose one from the list."
        )

    def clean(self) -> dict:
        data = super().clean()
        if not data.get("all_matching") and not self.ids:
            raise forms.ValidationError(
                "Select at least one keyword (tick its box), or every matching keyword."
            )
        action = data.get("action")
        if action == "intent" and not data.get("new_intent"):
            self.add_error("new_intent", "Choose the intent to set.")
        if action == "move":
            cluster = (data.get("to_cluster") or "").strip()
            if cluster != NONE and not cluster.isdigit():
                self.add_error("to_cluster", "Choose the cluster to move the keywords to.")
        return data

    @property
    def intent_value(self) -> str:
        """The intent to store: "" clears it."""
        value = self.cleaned_data.get("new_intent", "")
        return "" if value == NONE else value

    @property
    def cluster_id(self) -> int | None:
        """The target cluster's id, or None for "no cluster"."""
        value = (self.cleaned_data.get("to_cluster") or "").strip()
        return None if value == NONE else int(value)

    def error_text(self) -> str:
        return " ".join(str(e) for errors in self.errors.values() for e in errors)


class TrashForm(forms.Form):
    ACTIONS = [
        ("restore", "Restore selected"),
        ("restore_all", "Restore all"),
        ("delete", "Delete selected forever"),
        ("delete_all", "Empty the trash"),
    ]
    DELETES = ("delete", "delete_all")

    action = forms.ChoiceField(choices=ACTIONS, required=False)
    # The confirmation button names the deletion it confirms.
    confirm = forms.ChoiceField(choices=[(a, a) for a in DELETES], required=False)

    def __init__(self, data: QueryDict, *args, **kwargs) -> None:
        super().__init__(data, *args, **kwargs)
        self.ids = posted_ids(data)
        for name in ("action", "confirm"):
            self.fields[name].error_messages["invalid_choice"] = (
                "That action does not exist. Choose one of the buttons."
            )

    def clean(self) -> dict:
        data = super().clean()
        if self.errors:
            return data
        data["confirmed"] = bool(data.get("confirm"))
        data["action"] = data.get("confirm") or data.get("action")
        if not data["action"]:
            raise forms.ValidationError("Choose what to do with the trash.")
        if data["action"] in ("restore", "delete") and not self.ids:
            raise forms.ValidationError("Select at least one keyword (tick its box).")
        return data

    @property
    def everything(self) -> bool:
        return self.cleaned_data["action"].endswith("_all")

    def error_text(self) -> str:
        return " ".join(str(e) for errors in self.errors.values() for e in errors)
