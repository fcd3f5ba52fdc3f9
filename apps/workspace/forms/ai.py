"""The AI provider form: what a person types, checked in plain words."""

from __future__ import annotations

from django import forms
from django.utils.html import format_html, format_html_join

from apps.workspace.services.ai_settings import base_url_check

PRESETS = [
    ("OpenAI", "https://api.openai.com/v1"),
    ("Ollama", "http://localhost:11434/v1"),
    ("OpenRouter", "https://openrouter.ai/api/v1"),
    ("vLLM / llama.cpp server", "http://host:8000/v1"),
]


class AIProviderForm(forms.Form):
    enabled = forms.BooleanField(
        label="Use this provider for the workspace",
        required=False,
        initial=True,
        help_text="Untick to keep these settings but use the platform default for now.",
    )
    base_url = forms.CharField(
        label="Base URL",
        max_length=300,
        widget=forms.URLInput(
            attrs={"placeholder": "https://api.openai.com/v1", "autocomplete": "off"}
        ),
        help_text=format_html(
            "Any OpenAI-compatible API:<ul>{}</ul>",
            format_html_join("", "<li>{}: <code>{}</code></li>", PRESETS),
        ),
        error_messages={
            "required": "Enter the provider's API address, for example https://api.openai.com/v1."
        },
    )
    api_key = forms.CharField(
        label="API key",
        required=False,
        max_length=500,
        # Never pre-filled: a stored key is not sent back to the browser, not even masked.
        widget=forms.PasswordInput(
            render_value=False, attrs={"autocomplete": "new-password", "spellcheck": "false"}
        ),
        help_text="Servers on your own machine, such as Ollama, may need none.",
    )
    clear_key = forms.BooleanField(label="Remove the stored key", required=False)
    text_model = forms.CharField(
        label="Text model",
        max_length=100,
        widget=forms.TextInput(attrs={"placeholder": "gpt-4o-mini", "autocomplete": "off"}),
        help_text="Writes cluster names, ideas and articles, e.g. gpt-4o-mini or llama3.1.",
        error_messages={
            "required": "Enter the text model, for example gpt-4o-mini or llama3.1.",
        },
    )
    image_model = forms.CharField(
        label="Image model",
        max_length=100,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": "gpt-image-1", "autocomplete": "off"}),
        help_text="Leave empty to make title-card images with the offline writer.",
    )
    embedding_model = forms.CharField(
        label="Embedding model",
        max_length=100,
        required=False,
        widget=forms.TextInput(
            attrs={"placeholder": "text-embedding-3-small", "autocomplete": "off"}
        ),
        help_text="Turns texts into vectors to compare them by meaning; leave empty if the "
        "provider offers none.",
    )

    def __init__(self, *args, stored_hint: str | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # `stored_hint` is None when no key is stored ("" would be a stored short key).
        if stored_hint is None:
            del self.fields["clear_key"]
        else:
            ending = f" ending {stored_hint}" if stored_hint.strip("…") else ""
            self.fields[
                "api_key"
            ].help_text = f"A key{ending} is stored. Leave this empty to keep it."

    def clean_base_url(self) -> str:
        return base_url_check(self.cleaned_data["base_url"])

    def clean(self) -> dict:
        data = super().clean()
        if data.get("clear_key") and data.get("api_key"):
            self.add_error(
                "api_key",
                "Either type a new key or tick “Remove the stored key”, not both.",
            )
        return data

    @property
    def api_key_change(self) -> str | None:
        """None = keep the stored key, "" = remove it, anything else = the new key."""
        if self.cleaned_data.get("clear_key"):
            return ""
        return self.cleaned_data.get("api_key") or None
