"""Input of the editor and the review flow, with errors a person understands."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from apps.planner.models import MAX_KEYWORD_LENGTH
from apps.writer.diff import html_for_editing
from apps.writer.models import META_DESCRIPTION_MAX, META_TITLE_MAX, Content
from apps.writer.services.content import REVIEW_NOTE_MAX

HTML_MAX = 500_000
MAX_SECONDARY = 20
EDITOR_FIELDS = (
    "title",
    "html",
    "meta_title",
    "meta_description",
    "slug",
    "excerpt",
    "primary_keyword",
    "secondary_keywords",
)


def _limit(what: str, limit: int) -> dict[str, str]:
    return {"max_length": f"Keep the {what} under {limit:,} characters (it has %(show_value)s)."}


class ContentForm(forms.Form):
    title = forms.CharField(
        max_length=200,
        error_messages={"required": "An article needs a title.", **_limit("title", 200)},
    )
    html = forms.CharField(
        label="Body (HTML)",
        required=False,
        strip=False,
        max_length=HTML_MAX,
        widget=forms.Textarea(attrs={"rows": 22, "spellcheck": "true"}),
        help_text="Headings, paragraphs, lists, links and images. Scripts and styles are removed "
        "on save.",
        error_messages=_limit("body", HTML_MAX),
    )
    meta_title = forms.CharField(
        required=False,
        max_length=200,
        help_text=f"Search results show about {META_TITLE_MAX} characters.",
        error_messages=_limit("meta title", 200),
    )
    meta_description = forms.CharField(
        required=False,
        max_length=400,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=f"Search results show about {META_DESCRIPTION_MAX} characters.",
        error_messages=_limit("meta description", 400),
    )
    slug = forms.CharField(
        required=False,
        max_length=200,
        help_text="The last part of the address. Left empty, it is made from the title.",
        error_messages=_limit("slug", 200),
    )
    excerpt = forms.CharField(
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="A short summary some themes show in lists of posts.",
        error_messages=_limit("excerpt", 2000),
    )
    primary_keyword = forms.CharField(
        required=False,
        max_length=MAX_KEYWORD_LENGTH,
        error_messages=_limit("primary keyword", MAX_KEYWORD_LENGTH),
    )
    secondary_keywords = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=f"One per line or separated by commas; up to {MAX_SECONDARY}.",
    )
    # The version the editor was loaded at (see services.content.content_update).
    base_version = forms.IntegerField(required=False, widget=forms.HiddenInput, min_value=0)

    def clean_secondary_keywords(self) -> list[str]:
        raw = self.cleaned_data.get("secondary_keywords") or ""
        keywords = [k.strip() for k in re.split(r"[\n,]", raw) if k.strip()]
        if len(keywords) > MAX_SECONDARY:
            raise ValidationError(
                f"That is {len(keywords)} secondary keywords; keep at most {MAX_SECONDARY}."
            )
        too_long = [k for k in keywords if len(k) > MAX_KEYWORD_LENGTH]
        if too_long:
            raise ValidationError(
                f"“{too_long[0][:40]}…” is too long for a keyword "
                f"(at most {MAX_KEYWORD_LENGTH} characters)."
            )
        return keywords

    def changes(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in EDITOR_FIELDS}

    def error_text(self) -> str:
        """All errors in one line, for the autosave indicator."""
        return " ".join(str(e) for errors in self.errors.values() for e in errors)

    @staticmethod
    def initial_for(content: Content, *, base_version: int | None) -> dict[str, Any]:
        initial: dict[str, Any] = {name: getattr(content, name) for name in EDITOR_FIELDS}
        initial["html"] = html_for_editing(content.html)
        initial["secondary_keywords"] = "\n".join(content.secondary_keywords or [])
        initial["base_version"] = base_version
        return initial


class RejectForm(forms.Form):
    note = forms.CharField(
        label="What should change?",
        max_length=REVIEW_NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="The writer sees this note on the article.",
        error_messages={
            "required": "Write a note saying what to change, so the writer knows why.",
            **_limit("note", REVIEW_NOTE_MAX),
        },
    )
