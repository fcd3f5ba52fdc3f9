"""The schedule index in the platform admin: read it, hold or release a site's schedule.

Rows are written by the automation settings of each workspace; here staff can only switch a
row's `enabled` (hold a site's scheduled runs without entering its workspace)."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest
from django.utils import timezone

from apps.schedule.models import PublishIndex, SiteSchedule
from apps.schedule.services import next_of, zone_of


@admin.register(SiteSchedule)
class SiteScheduleAdmin(admin.ModelAdmin):
    list_display = ["account", "site_id", "frequency", "hour", "enabled", "next_run_at"]
    list_filter = ["enabled", "frequency"]
    list_select_related = ["account"]
    search_fields = ["account__name", "account__slug"]
    fields = [
        "account",
        "site_id",
        "enabled",
        "next_run_at",
        "frequency",
        "hour",
        "weekday",
        "day_of_month",
        "last_dispatched_at",
        "updated",
    ]
    readonly_fields = [f for f in fields if f != "enabled"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: SiteSchedule, form, change: bool) -> None:  # noqa: ANN001
        if obj.enabled and obj.next_run_at is None:
            obj.next_run_at = next_of(obj, timezone.now(), zone_of(obj.account))
        super().save_model(request, obj, form, change)


@admin.register(PublishIndex)
class PublishIndexAdmin(admin.ModelAdmin):
    """Read-only: the publisher's services keep these rows (when each site next has publishing
    due); staff look here to see why a site is, or is not, being published."""

    list_display = ["account", "site_id", "next_due_at", "last_dispatched_at", "updated"]
    list_select_related = ["account"]
    search_fields = ["account__name", "account__slug"]
    readonly_fields = ["account", "site_id", "next_due_at", "last_dispatched_at", "updated"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:  # noqa: ANN001
        return False
