"""Forms for signup, creating a workspace, inviting and the profile."""

from __future__ import annotations

from allauth.account.forms import SignupForm as AllauthSignupForm
from django import forms
from django.core.exceptions import ValidationError

from apps.accounts import provisioning
from apps.accounts.models import Role, User


class WorkspaceFields(forms.Form):
    workspace_name = forms.CharField(
        label="Workspace name",
        max_length=100,
        widget=forms.TextInput(attrs={"placeholder": "Acme Marketing", "autocomplete": "off"}),
    )
    workspace_slug = forms.CharField(
        label="Workspace address",
        max_length=30,
        help_text="Your workspace lives at <address>.igny8 — lowercase letters, digits, hyphens.",
        widget=forms.TextInput(attrs={"placeholder": "acme-marketing", "autocomplete": "off"}),
    )

    def clean_workspace_slug(self) -> str:
        return provisioning.slug_validate(self.cleaned_data.get("workspace_slug", ""))


class SignupForm(AllauthSignupForm):
    """allauth's email + password signup, plus the name and address of the new workspace."""

    name = forms.CharField(label="Your name", max_length=150, required=False)
    workspace_name = WorkspaceFields.base_fields["workspace_name"]
    workspace_slug = WorkspaceFields.base_fields["workspace_slug"]

    field_order = ["name", "email", "password1", "workspace_name", "workspace_slug"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = getattr(self, "request", None)
        if request is not None and request.session.get("invitation_token"):
            # Someone accepting an invitation joins an existing workspace.
            for field in ("workspace_name", "workspace_slug"):
                self.fields[field].required = False
                self.fields[field].widget = forms.HiddenInput()
        from django.conf import settings

        self.fields["workspace_slug"].help_text = (
            f"Your workspace will live at <address>.{settings.IGNY8_BASE_DOMAIN}. "
            "Lowercase letters, digits and hyphens."
        )

    def clean_workspace_slug(self) -> str:
        value = self.cleaned_data.get("workspace_slug", "")
        if not self.fields["workspace_slug"].required and not value:
            return ""
        return provisioning.slug_validate(value)


class WorkspaceCreateForm(WorkspaceFields):
    pass


class InvitationForm(forms.Form):
    email = forms.EmailField(label="Email address")
    role = forms.ChoiceField(
        choices=Role.choices,
        initial=Role.EDITOR,
        help_text="Owners and admins manage the team and every site; editors run the "
        "pipeline on their sites; viewers read.",
    )
    sites = forms.MultipleChoiceField(
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Editors and viewers see only these sites.",
    )

    def __init__(self, *args, site_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sites"].choices = [(str(pk), name) for pk, name in site_choices]

    def clean_email(self) -> str:
        return self.cleaned_data["email"].strip().lower()

    def clean_sites(self) -> list[int]:
        return [int(v) for v in self.cleaned_data.get("sites", [])]


class RoleForm(forms.Form):
    role = forms.ChoiceField(choices=Role.choices)


class ProfileForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["name", "email"]
        labels = {"name": "Your name", "email": "Email address"}

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip().lower()
        if User.objects.filter(email__iexact=email).exclude(pk=self.instance.pk).exists():
            raise ValidationError("Another account already uses this email address.")
        return email
