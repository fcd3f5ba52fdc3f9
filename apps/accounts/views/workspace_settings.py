"""The workspace's general settings (owners and admins): its timezone."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone

from apps.accounts import services
from apps.accounts.forms import WorkspaceSettingsForm
from apps.accounts.models import Account, Role
from igny8.http import redirect, render_page
from igny8.roles import require_role
from igny8.zones import zone_names, zone_valid

TEMPLATE = "accounts/workspace_settings.html"


def _local_now(name: str) -> datetime:
    return timezone.now().astimezone(ZoneInfo(name if zone_valid(name) else "UTC"))


@require_role(Role.ADMIN)
def workspace_settings(request: HttpRequest) -> HttpResponse:
    account: Account = Account.objects.get(pk=request.tenant.pk)
    form = WorkspaceSettingsForm(
        request.POST if request.method == "POST" else None,
        initial={"timezone": account.timezone},
    )
    if request.method == "POST" and form.is_valid():
        name = form.cleaned_data["timezone"]
        try:
            retimed = services.account_timezone_set(account=account, timezone_name=name)
        except ValidationError as exc:
            form.add_error("timezone", exc.message_dict.get("timezone", exc.messages))
        else:
            there = f"{_local_now(name):%H:%M}"
            said = f"Saved. This workspace’s timezone is {name} (it is {there} there now)."
            if retimed:
                said += (
                    f" {retimed} scheduled site{'s' if retimed != 1 else ''} now "
                    f"run{'s' if retimed == 1 else ''} on its clock."
                )
            messages.success(request, said)
            return redirect(request, reverse("workspace_settings"))
    now = _local_now(account.timezone)
    context = {
        "form": form,
        "account": account,
        "zone_names": zone_names(),
        # Formatted here: template filters would turn it back into the server's zone.
        "local_time": f"{now:%H:%M}",
        "local_day": f"{now:%A} {now.day} {now:%B}",
        "scheduled_sites": account.site_schedules.count(),
    }
    return render_page(request, TEMPLATE, context, status=400 if request.method == "POST" else 200)
