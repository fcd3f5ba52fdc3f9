"""Forms of the prompt editor and the site content settings, with messages in plain words."""

from __future__ import annotations

from django import forms
from django.core.validators import RegexValidator

from igny8.ai.prompts import MAX_TEMPLATE_CHARS


class ColorInput(forms.TextInput):
    input_type = "color"


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
    default_word_count = forms.IntegerField(
        label="Article length (words)",
        min_value=300,
        max_value=5000,
        help_text="The usual target for new articles: 300 to 5,000 words.",
        widget=forms.NumberInput(attrs={"step": 50, "inputmode": "numeric"}),
        error_messages={
            "required": "Enter an article length between 300 and 5,000 words.",
            "invalid": "Enter a whole number of words between 300 and 5,000.",
            "min_value": "Articles need at least 300 words.",
            "max_value": "Articles can be at most 5,000 words.",
        },
    )
    extra_instructions = forms.CharField(
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Added to every prompt for this site, e.g. “Use US spelling. Never mention "
        "competitors.”",
        error_messages={"max_length": "Keep extra instructions under 2,000 characters."},
    )
    images_per_article = forms.IntegerField(
        label="Images per article",
        min_value=0,
        max_value=8,
        help_text="In-article images, 0 to 8, besides the featured image.",
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        error_messages={
            "required": "Enter how many in-article images to make, 0 to 8.",
            "invalid": "Enter a whole number of images, 0 to 8.",
            "min_value": "Enter 0 or more images.",
            "max_value": "At most 8 images per article.",
        },
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
    links_per_content = forms.IntegerField(
        label="Internal links per article",
        min_value=0,
        max_value=20,
        help_text="At most this many internal-link suggestions per article, 0 to 20.",
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        error_messages={
            "required": "Enter how many link suggestions an article may get, 0 to 20.",
            "invalid": "Enter a whole number of links, 0 to 20.",
            "min_value": "Enter 0 or more links.",
            "max_value": "At most 20 link suggestions per article.",
        },
    )
    duplicate_threshold = forms.IntegerField(
        label="Near-duplicate threshold (%)",
        min_value=50,
        max_value=100,
        help_text="A task at least this similar to an existing article is held before writing "
        "(50 to 100; 100 turns the guard off).",
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        error_messages={
            "required": "Enter a similarity threshold from 50 to 100 (%).",
            "invalid": "Enter a whole number from 50 to 100.",
            "min_value": "Use at least 50%%: lower would hold articles that merely share a topic.",
            "max_value": "Use at most 100%% (100 turns the guard off).",
        },
    )
