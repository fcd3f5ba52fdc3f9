"""Forms for adding keywords: one typed in, many pasted, a CSV file. The sector is always one
of the current site's; the rows themselves are checked by the import service."""

from __future__ import annotations

from django import forms

from apps.catalog.models import Intent
from apps.planner.importing import MAX_FILE_BYTES, MAX_KEYWORD_LENGTH
from apps.workspace.models import Site

MAX_PASTE_LINES = 10_000


class _SectorForm(forms.Form):
    sector = forms.ModelChoiceField(
        queryset=None,
        empty_label=None,
        error_messages={
            "required": "Choose the sector the keywords belong to.",
            "invalid_choice": "Choose one of this site's sectors.",
        },
    )

    def __init__(self, *args, site: Site, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["sector"].queryset = site.sectors.filter(is_active=True).order_by("name")


class KeywordForm(_SectorForm):
    keyword = forms.CharField(
        max_length=MAX_KEYWORD_LENGTH,
        widget=forms.TextInput(attrs={"autocomplete": "off", "placeholder": "emergency plumber"}),
        error_messages={
            "required": "Type the keyword to add.",
            "max_length": f"Keep the keyword under {MAX_KEYWORD_LENGTH} characters.",
        },
    )
    volume = forms.IntegerField(
        required=False,
        min_value=0,
        max_value=2_147_483_647,
        label="Volume",
        help_text="Monthly searches.",
        error_messages={
            "invalid": "Enter the volume as a whole number, like 1200.",
            "min_value": "Volume can't be negative.",
        },
    )
    difficulty = forms.IntegerField(
        required=False,
        min_value=0,
        max_value=100,
        error_messages={
            "invalid": "Enter difficulty as a whole number from 0 to 100.",
            "min_value": "Difficulty is between 0 and 100.",
            "max_value": "Difficulty is between 0 and 100.",
        },
    )
    intent = forms.ChoiceField(
        required=False,
        choices=[("", "Not set"), *Intent.choices],
        error_messages={"invalid_choice": "Choose an intent from the list."},
    )
    cpc = forms.DecimalField(
        required=False,
        min_value=0,
        max_digits=8,
        decimal_places=2,
        label="Cost per click",
        error_messages={
            "invalid": "Enter the cost per click as a number, like 1.25.",
            "min_value": "Cost per click can't be negative.",
            "max_digits": "That cost per click is too large.",
            "max_decimal_places": "Use at most two decimals, like 1.25.",
            "max_whole_digits": "That cost per click is too large.",
        },
    )
    field_order = ["keyword", "sector", "volume", "difficulty", "intent", "cpc"]

    def rows(self) -> list[dict]:
        data = self.cleaned_data
        return [
            {
                "line": 1,
                "text": data["keyword"],
                "volume": data.get("volume"),
                "difficulty": data.get("difficulty"),
                "intent": data.get("intent") or "",
                "cpc": data.get("cpc"),
            }
        ]


class PasteForm(_SectorForm):
    lines = forms.CharField(
        label="Keywords, one per line",
        widget=forms.Textarea(
            attrs={
                "rows": 10,
                "spellcheck": "false",
                "placeholder": "emergency plumber near me\nwater heater repair, 12100\n"
                "tankless water heater, 14800, 58",
            }
        ),
        help_text="Optionally follow a keyword with its volume, difficulty, intent and cost per "
        "click, separated by commas or tabs (pasting from a spreadsheet works).",
        error_messages={"required": "Paste at least one keyword."},
    )
    field_order = ["lines", "sector"]

    def clean_lines(self) -> str:
        text = self.cleaned_data["lines"]
        count = text.count("\n") + 1
        if count > MAX_PASTE_LINES:
            raise forms.ValidationError(
                f"That is {count:,} lines; paste up to {MAX_PASTE_LINES:,} at a time, or import "
                "them as a CSV file."
            )
        return text


class CsvImportForm(_SectorForm):
    file = forms.FileField(
        label="CSV file",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.txt,text/csv"}),
        help_text=f"A header row and a keyword column; up to {MAX_FILE_BYTES // 1024 // 1024} MB.",
        error_messages={
            "required": "Choose a CSV file to import.",
            "empty": "The file is empty. Choose a CSV file with a header row and keywords.",
        },
    )
    field_order = ["file", "sector"]
