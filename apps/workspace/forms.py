from __future__ import annotations

from django import forms
from django.db.models import Count

from apps.catalog.models import Industry, IndustrySector
from apps.workspace.models import LANGUAGES, MAX_SECTORS_PER_SITE


class SiteForm(forms.Form):
    name = forms.CharField(max_length=100, widget=forms.TextInput(attrs={"autocomplete": "off"}))
    url = forms.URLField(
        label="Website address",
        max_length=300,
        assume_scheme="https",
        widget=forms.URLInput(attrs={"placeholder": "https://example.com"}),
    )
    industry = forms.ModelChoiceField(
        queryset=Industry.objects.filter(is_active=True),
        empty_label="Choose an industry…",
        help_text="Sectors and the keyword library follow from it.",
    )
    language = forms.ChoiceField(
        choices=LANGUAGES, help_text="Articles for this site are written in this language."
    )
    is_active = forms.BooleanField(label="Active", required=False, initial=True)


class SectorsForm(forms.Form):
    sectors = forms.ModelMultipleChoiceField(
        queryset=IndustrySector.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text=f"Choose up to {MAX_SECTORS_PER_SITE}.",
        error_messages={"required": "Choose at least one sector."},
    )

    def __init__(self, *args, industry_id: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sectors"].queryset = IndustrySector.objects.filter(
            industry_id=industry_id, is_active=True
        ).annotate(keyword_count=Count("keywords"))

    def clean_sectors(self):
        chosen = self.cleaned_data["sectors"]
        if len(chosen) > MAX_SECTORS_PER_SITE:
            raise forms.ValidationError(
                f"A site can have at most {MAX_SECTORS_PER_SITE} sectors; you chose "
                f"{len(chosen)}. Untick some and save again."
            )
        return chosen
