from __future__ import annotations

from django import forms
from django.core.validators import URLValidator
from django.db.models import Count
from django.db.models.functions import Lower

from apps.catalog.models import Industry, IndustrySector
from apps.workspace.models import LANGUAGES, MAX_SECTORS_PER_SITE


class WebsiteURLField(forms.URLField):
    # Sites are websites (WordPress publishes to them): ftp:// and the like make no sense.
    # Replacing the default validator (not adding one) keeps a single error message.
    default_validators = [URLValidator(schemes=["http", "https"])]


class SiteForm(forms.Form):
    name = forms.CharField(
        max_length=100,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
        error_messages={"required": "Give the site a name, for example its brand."},
    )
    url = WebsiteURLField(
        label="Website address",
        max_length=300,
        assume_scheme="https",
        widget=forms.URLInput(attrs={"placeholder": "https://example.com"}),
        error_messages={
            "required": "Enter the site's address, for example https://example.com.",
            "invalid": "Enter a full website address, for example https://example.com.",
        },
    )
    industry = forms.ModelChoiceField(
        queryset=Industry.objects.filter(is_active=True),
        empty_label="Choose an industry…",
        help_text="Sectors and the keyword library follow from it.",
        error_messages={
            "required": "Choose the site's industry.",
            "invalid_choice": "Choose an industry from the list.",
        },
    )
    language = forms.ChoiceField(
        choices=LANGUAGES,
        help_text="Articles for this site are written in this language.",
        error_messages={"invalid_choice": "Choose a language from the list."},
    )
    is_active = forms.BooleanField(label="Active", required=False, initial=True)


class SectorsForm(forms.Form):
    sectors = forms.ModelMultipleChoiceField(
        queryset=IndustrySector.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": "Choose at least one sector.",
            "invalid_choice": "Choose sectors from this site's industry.",
            "invalid_pk_value": "Choose sectors from this site's industry.",
        },
    )

    def __init__(self, *args, industry_id: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sectors"].queryset = (
            IndustrySector.objects.filter(industry_id=industry_id, is_active=True)
            .annotate(keyword_count=Count("keywords"))
            .order_by(Lower("name"), "id")
        )

    def clean_sectors(self):
        chosen = self.cleaned_data["sectors"]
        if len(chosen) > MAX_SECTORS_PER_SITE:
            raise forms.ValidationError(
                f"A site can have at most {MAX_SECTORS_PER_SITE} sectors; you chose "
                f"{len(chosen)}. Untick some and save again."
            )
        return chosen
