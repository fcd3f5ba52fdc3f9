"""Forms for signup, creating a workspace, inviting and the profile."""

from __future__ import annotations

from allauth.account.forms import SignupForm as AllauthSignupForm
from allauth.core import context as allauth_context
from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest

from apps.accounts import hooks, provisioning
from apps.accounts.models import Role, User
from apps.accounts.selectors import invitation_open_by_token

SLUG_EXAMPLE = "acme-marketing"


def _slug_help(typed: str = "") -> str:
    """The hint under the address field: the address being typed (an example until then).
    app.js keeps it in step while typing; this covers the form shown again after an error."""
    # Plain text: allauth renders help texts unescaped, so the typed part is reduced to the
    # characters an address may hold (no angle brackets reach the page).
    part = "".join(c for c in typed.strip().lower() if c.isascii() and (c.isalnum() or c == "-"))
    return (
        f"Your workspace will live at {part or SLUG_EXAMPLE}.{settings.IGNY8_BASE_DOMAIN} (you "
        "choose the first part): 3–30 lowercase letters, digits and hyphens, starting with a "
        "letter."
    )


class WorkspaceFields(forms.Form):
    workspace_name = forms.CharField(
        label="Workspace name",
        max_length=100,
        widget=forms.TextInput(attrs={"placeholder": "Acme Marketing", "autocomplete": "off"}),
    )
    workspace_slug = forms.CharField(
        label="Workspace address",
        max_length=30,
        widget=forms.TextInput(attrs={"placeholder": "acme-marketing", "autocomplete": "off"}),
    )

    # Filled in by app.js from the browser (Intl); changeable later in the workspace settings.
    timezone = forms.CharField(
        required=False,
        max_length=64,
        widget=forms.HiddenInput(attrs={"data-browser-timezone": ""}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        typed = self.data.get(self.add_prefix("workspace_slug"), "") if self.is_bound else ""
        self.fields["workspace_slug"].help_text = _slug_help(str(typed)[:60])

    def clean_workspace_slug(self) -> str:
        return provisioning.slug_validate(self.cleaned_data.get("workspace_slug", ""))

    def clean_timezone(self) -> str:
        return _browser_zone(self.cleaned_data.get("timezone", ""))


def _browser_zone(sent: str) -> str:
    """What the browser says, when it names a zone we know; UTC otherwise (nobody typed it,
    so there is nobody to show an error to)."""
    from igny8.zones import zone_match

    return zone_match(sent or "") or "UTC"


class SignupForm(AllauthSignupForm):
    """allauth's email + password signup, plus the name and address of the new workspace."""

    name = forms.CharField(label="Your name", max_length=150, required=False)
    workspace_name = WorkspaceFields.base_fields["workspace_name"]
    workspace_slug = WorkspaceFields.base_fields["workspace_slug"]
    timezone = WorkspaceFields.base_fields["timezone"]

    field_order = ["name", "email", "password1", "workspace_name", "workspace_slug"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # allauth's signup view does not hand the request to its form; its context does.
        request = allauth_context.request
        token = request.session.get("invitation_token") if request is not None else None
        # Someone accepting an open invitation joins that workspace instead of starting one.
        self.invitation = invitation_open_by_token(token=token)
        if self.invitation is not None:
            for field in ("workspace_name", "workspace_slug"):
                self.fields[field].required = False
                self.fields[field].widget = forms.HiddenInput()
        typed = self.data.get(self.add_prefix("workspace_slug"), "") if self.is_bound else ""
        self.fields["workspace_slug"].help_text = _slug_help(str(typed)[:60])

    def clean_workspace_slug(self) -> str:
        value = self.cleaned_data.get("workspace_slug", "")
        if not self.fields["workspace_slug"].required and not value:
            return ""
        return provisioning.slug_validate(value)

    def clean_timezone(self) -> str:
        return _browser_zone(self.cleaned_data.get("timezone", ""))

    def try_save(self, request: HttpRequest):
        # The user, their email address and their new workspace are saved together or not at
        # all: a workspace that fails to provision must not leave a user without one behind.
        with transaction.atomic():
            return super().try_save(request)


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


class NotificationEmailsForm(forms.Form):
    """Which notifications a person also wants by email (in every workspace of theirs)."""

    kinds = forms.MultipleChoiceField(
        label="Email me when",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": "Tick only the kinds listed."},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Kinds are the workspace's (apps.accounts.hooks).
        self.fields["kinds"].choices = hooks.notification_kinds()


class WorkspaceSettingsForm(forms.Form):
    timezone = forms.CharField(
        label="Workspace timezone",
        max_length=64,
        help_text="Automation runs at the hour you set in this timezone, and follows its "
        "clock changes. Start typing a city, e.g. “Paris” or “New York”.",
        widget=forms.TextInput(
            attrs={
                "list": "timezone-names",
                "autocomplete": "off",
                "spellcheck": "false",
                "placeholder": "Europe/Paris",
            }
        ),
    )

    def clean_timezone(self) -> str:
        from apps.accounts.models import timezone_validate
        from igny8.zones import zone_match

        typed = self.cleaned_data["timezone"].strip()
        name = zone_match(typed)
        if name is None:
            timezone_validate(typed)  # raises, in words
        return name
