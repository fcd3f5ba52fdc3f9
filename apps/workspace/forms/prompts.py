"""Forms of the prompt editor and the site content settings, with messages in plain words."""

from __future__ import annotations

from django import forms
from django.core.validators import RegexValidator

from igny8.ai.prompts import MAX_TEMPLATE_CHARS


class ColorInput(forms.TextInput):
    input_type = "color"


def _whole_number(
    *,
    label: str,
    low: int,
    high: int,
    help_text: str,
    required: str,
    invalid: str,
    too_low: str,
    too_high: str,
    step: int | None = None,
) -> forms.IntegerField:
    """A whole number between `low` and `high`, with the numeric keypad on phones and each of
    the four ways to get it wrong said in words."""
    attrs: dict = {"step": step} if step is not None else {}
    return forms.IntegerField(
        label=label,
        min_value=low,
        max_value=high,
        help_text=help_text,
        widget=forms.NumberInput(attrs={**attrs, "inputmode": "numeric"}),
        error_messages={
            "required": required,
            "invalid": invalid,
            "min_value": too_low,
            "max_value": too_high,
        },
    )


class PromptForm(forms.Form):
    template = forms.CharField(
        label="Template",
        max_length=MAX_TEMPLATE_CHARS,
        strip=False,
        widget=forms.Textarea,  # drawn by the template, with the live preview wired in
        error_messages={
            "required": "The template is empty. Write one, or use “Reset to default”.",
            "max_length": "The template is %(show_value)s characters long; the limit is "
            "%(limit_value)s. Shorten it.",
        },
    )


class SiteContentForm(forms.Form):
    brand_voice = forms.CharField(
        max_length=300,
        help_text="How articles should sound, e.g. “warm, practical, no jargon”.",
        error_messages={
            "required": "Describe how articles should sound, e.g. “warm, practical, no jargon”."
        },
    )
    audience = forms.CharField(
        max_length=300,
        required=False,
        help_text="Who reads the site, e.g. “first-time homeowners”.",
    )
    default_word_count = _whole_number(
        label="Article length (words)",
        low=300,
        high=5000,
        help_text="The usual target for new articles: 300 to 5,000 words.",
        step=50,
        required="Enter an article length between 300 and 5,000 words.",
        invalid="Enter a whole number of words between 300 and 5,000.",
        too_low="Articles need at least 300 words.",
        too_high="Articles can be at most 5,000 words.",
    )
    extra_instructions = forms.CharField(
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Added to every prompt for this site, e.g. “Use US spelling. Never mention "
        "competitors.”",
        error_messages={"max_length": "Keep extra instructions under 2,000 characters."},
    )
    images_per_article = _whole_number(
        label="Images per article",
        low=0,
        high=8,
        help_text="In-article images, 0 to 8, besides the featured image.",
        required="Enter how many in-article images to make, 0 to 8.",
        invalid="Enter a whole number of images, 0 to 8.",
        too_low="Enter 0 or more images.",
        too_high="At most 8 images per article.",
    )
    image_style = forms.CharField(
        max_length=200,
        help_text="The look of generated images, e.g. “soft watercolour” or “product photo”.",
        error_messages={"required": "Describe the image style, e.g. “clean editorial photo”."},
    )
    brand_color = forms.CharField(
        label="Brand colour",
        max_length=7,
        # app.js keeps the written value beside the swatch in step with the picker (an inline
        # oninput here was blocked by the Content-Security-Policy).
        widget=ColorInput(attrs={"style": "width:64px;height:38px;padding:2px"}),
        validators=[RegexValidator(r"^#[0-9a-fA-F]{6}$", "Use a colour like #4f46e5.")],
        help_text="Used on generated title-card images.",
        error_messages={
            "required": "Choose a brand colour.",
            "max_length": "Use a colour like #4f46e5.",
        },
    )
    editors_can_approve = forms.BooleanField(
        label="Editors can approve articles",
        required=False,
        help_text="Owners and admins always can. Off: editors write and submit for review only.",
    )
    links_per_content = _whole_number(
        label="Internal links per article",
        low=0,
        high=20,
        help_text="At most this many internal-link suggestions per article, 0 to 20.",
        required="Enter how many link suggestions an article may get, 0 to 20.",
        invalid="Enter a whole number of links, 0 to 20.",
        too_low="Enter 0 or more links.",
        too_high="At most 20 link suggestions per article.",
    )
    duplicate_threshold = _whole_number(
        label="Near-duplicate threshold (%)",
        low=50,
        high=100,
        help_text="A task at least this similar to an existing article is held before writing "
        "(50 to 100; 100 turns the guard off).",
        required="Enter a similarity threshold from 50 to 100 (%).",
        invalid="Enter a whole number from 50 to 100.",
        too_low="Use at least 50%%: lower would hold articles that merely share a topic.",
        too_high="Use at most 100%% (100 turns the guard off).",
    )
