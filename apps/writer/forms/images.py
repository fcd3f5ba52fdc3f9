"""Input of the images page and panel: an upload that replaces an image, and alt text."""

from __future__ import annotations

from django import forms

from apps.writer.services.images_files import ALT_MAX, CAPTION_MAX

ACCEPT = "image/png,image/jpeg,image/webp"


class ImageUploadForm(forms.Form):
    file = forms.FileField(
        label="Replace with your own picture",
        help_text="PNG, JPEG or WebP, at most 10 MB.",
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT}),
        error_messages={
            "required": "Choose an image file to upload.",
            "empty": "That file is empty. Choose the picture again.",
            "invalid": "That upload did not arrive as a file. Choose the picture again.",
        },
    )


class ImageAltForm(forms.Form):
    alt = forms.CharField(
        label="Alt text",
        max_length=ALT_MAX,
        help_text="What the picture shows, for people who cannot see it and for search engines.",
        widget=forms.Textarea(attrs={"rows": 2, "maxlength": ALT_MAX}),
        error_messages={
            "required": "Write an alt text: a short description of the picture for people "
            "who cannot see it.",
            "max_length": "Keep the alt text under %(limit_value)d characters "
            "(it has %(show_value)d).",
        },
    )
    caption = forms.CharField(
        label="Caption",
        required=False,
        max_length=CAPTION_MAX,
        help_text="Shown under the picture in the article; may be empty.",
        widget=forms.Textarea(attrs={"rows": 2, "maxlength": CAPTION_MAX}),
        error_messages={
            "max_length": "Keep the caption under %(limit_value)d characters "
            "(it has %(show_value)d).",
        },
    )
