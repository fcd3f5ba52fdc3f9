"""Automation's tables in the workspace admin (staff, on the workspace's host)."""

from django.contrib import admin

from apps.automation.models import AutomationConfig, AutomationRun, StageResult
from igny8.admin import workspace_admin


@admin.register(AutomationConfig, site=workspace_admin)
class AutomationConfigAdmin(admin.ModelAdmin):
    list_display = ["site", "enabled", "frequency", "hour", "approval_mode", "updated"]
    raw_id_fields = ["site", "updated_by"]


class StageResultInline(admin.TabularInline):
    model = StageResult
    extra = 0
    can_delete = False
    readonly_fields = [
        "stage",
        "status",
        "total",
        "processed",
        "skipped",
        "failed",
        "credits",
        "duration_ms",
        "skip_reasons",
        "started",
        "finished",
    ]
    exclude = ["cursor", "current"]


@admin.register(AutomationRun, site=workspace_admin)
class AutomationRunAdmin(admin.ModelAdmin):
    list_display = ["id", "site", "status", "trigger", "stage", "item", "created", "finished"]
    list_filter = ["status", "trigger"]
    readonly_fields = [f.name for f in AutomationRun._meta.fields]
    inlines = [StageResultInline]
