"""Input of the cluster and idea pages, with errors a person understands."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

from apps.planner.models import MAX_KEYWORD_LENGTH, Cluster
from apps.planner.services.ideas import (
    CONTENT_TYPE_LABELS,
    MAX_PER_CLUSTER,
    MAX_WORDS,
    MIN_WORDS,
    STRUCTURE_LABELS,
    TITLE_MAX,
    outline_from_text,
)
from igny8.ai.functions import CONTENT_TYPES, STRUCTURES

STRUCTURE_CHOICES = [(s, STRUCTURE_LABELS[s]) for s in STRUCTURES]
CONTENT_TYPE_CHOICES = [(c, CONTENT_TYPE_LABELS[c]) for c in CONTENT_TYPES]


class ClusterRenameForm(forms.Form):
    name = forms.CharField(
        max_length=Cluster._meta.get_field("name").max_length,
        error_messages={
            "required": "Give the cluster a name.",
            "max_length": "Keep the name under %(limit_value)d characters.",
        },
    )
    description = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )


class IdeasGenerateForm(forms.Form):
    per_cluster = forms.IntegerField(
        label="Ideas per cluster",
        min_value=1,
        max_value=MAX_PER_CLUSTER,
        initial=3,
        error_messages={
            "required": "Say how many ideas each cluster gets.",
            "invalid": "Enter a whole number of ideas.",
            "min_value": "Ask for at least 1 idea per cluster.",
            "max_value": f"Ask for at most {MAX_PER_CLUSTER} ideas per cluster.",
        },
    )
    structure = forms.ChoiceField(
        required=False,
        choices=[("", "Mixed: a different structure for each idea"), *STRUCTURE_CHOICES],
        error_messages={"invalid_choice": "Choose a structure from the list."},
    )

    def cleaned_structure(self) -> str | None:
        return self.cleaned_data.get("structure") or None


class MergeForm(forms.Form):
    into = forms.TypedChoiceField(
        label="Keep the name of",
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose the cluster whose name the merged cluster keeps.",
            "invalid_choice": "Choose one of the clusters being merged.",
        },
    )

    def __init__(self, *args, clusters: list[Cluster], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["into"].choices = [(c.pk, c.name) for c in clusters]
        if clusters and not self.is_bound:
            self.fields["into"].initial = clusters[0].pk


class MoveKeywordsForm(forms.Form):
    keywords = forms.TypedMultipleChoiceField(
        coerce=int,
        error_messages={
            "required": "Tick the keywords to move.",
            "invalid_choice": "Some of those keywords are not in this cluster any more.",
        },
    )
    to = forms.ChoiceField(
        label="Move to",
        error_messages={
            "required": "Choose where the keywords go.",
            "invalid_choice": "Choose a cluster of the same sector.",
        },
    )

    def __init__(self, *args, keyword_ids: list[int], targets: list[Cluster], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["keywords"].choices = [(pk, pk) for pk in keyword_ids]
        self.fields["to"].choices = [
            ("", "Choose a cluster…"),
            *[(str(c.pk), c.name) for c in targets],
            ("none", "No cluster (back to new keywords)"),
        ]
        self.targets = {c.pk: c for c in targets}

    def target(self) -> Cluster | None:
        value = self.cleaned_data["to"]
        return None if value == "none" else self.targets[int(value)]


class OutlineKeywordsForm(forms.Form):
    """The outline (one heading a line) and the secondary keywords (commas or lines) as an
    idea and a writer's task both take them: parsed, de-duplicated, each keyword in bounds."""

    def clean_outline(self) -> list[dict]:
        try:
            return outline_from_text(self.cleaned_data["outline"])
        except ValidationError as exc:
            raise forms.ValidationError(exc.messages) from None

    def clean_secondary_keywords(self) -> list[str]:
        raw = self.cleaned_data.get("secondary_keywords") or ""
        parts = [p.strip() for line in raw.splitlines() for p in line.split(",")]
        keywords = list(dict.fromkeys(p for p in parts if p))
        if any(len(k) > MAX_KEYWORD_LENGTH for k in keywords):
            raise forms.ValidationError(f"Keep each keyword under {MAX_KEYWORD_LENGTH} characters.")
        return keywords


class IdeaForm(OutlineKeywordsForm):
    title = forms.CharField(
        max_length=TITLE_MAX,
        error_messages={
            "required": "Give the idea a title.",
            "max_length": "Keep the title under %(limit_value)d characters.",
        },
    )
    structure = forms.ChoiceField(
        choices=STRUCTURE_CHOICES,
        error_messages={"invalid_choice": "Choose a structure from the list."},
    )
    content_type = forms.ChoiceField(
        choices=CONTENT_TYPE_CHOICES,
        error_messages={"invalid_choice": "Choose a content type from the list."},
    )
    outline = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 14, "spellcheck": "true"}),
        help_text="One heading per line: “## ” for a section, “### ” for a sub-section, "
        "“- ” for a note under the heading above it.",
        error_messages={"required": "An outline needs at least one “## ” heading."},
    )
    primary_keyword = forms.CharField(
        label="Primary keyword",
        max_length=255,
        error_messages={"required": "Name the keyword this idea targets first."},
    )
    secondary_keywords = forms.CharField(
        label="Secondary keywords",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="One per line (or separated by commas).",
    )
    estimated_words = forms.IntegerField(
        label="Estimated words",
        min_value=MIN_WORDS,
        max_value=MAX_WORDS,
        error_messages={
            "required": "Say roughly how long the article should be.",
            "invalid": "Enter a whole number of words.",
            "min_value": f"Choose at least {MIN_WORDS:,} words.",
            "max_value": f"Choose at most {MAX_WORDS:,} words.",
        },
    )
