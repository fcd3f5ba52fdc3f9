"""A workspace's tables in its own admin (`igny8.admin.workspace_admin`, on its host only)."""

from django.contrib import admin

from apps.workspace.models import Job, Notification, Sector, Site, SiteAccess
from igny8.admin import workspace_admin


class SectorInline(admin.TabularInline):
    model = Sector
    extra = 0
    fields = ["name", "industry_sector", "is_active"]
    raw_id_fields = ["industry_sector"]


@admin.register(Site, site=workspace_admin)
class SiteAdmin(admin.ModelAdmin):
    list_display = ["name", "url", "language", "is_active", "created"]
    search_fields = ["name", "url"]
    raw_id_fields = ["industry"]
    inlines = [SectorInline]

    def save_model(self, request, obj, form, change) -> None:  # noqa: ANN001
        super().save_model(request, obj, form, change)
        if change and "is_active" in form.changed_data:
            # Switched off here: no scheduled automation; switched back on: it returns.
            from apps.schedule.services import site_schedule_refresh

            site_schedule_refresh(site=obj)


@admin.register(SiteAccess, site=workspace_admin)
class SiteAccessAdmin(admin.ModelAdmin):
    list_display = ["site", "user_id", "created"]
    raw_id_fields = ["user"]


@admin.register(Job, site=workspace_admin)
class JobAdmin(admin.ModelAdmin):
    list_display = ["id", "kind", "label", "status", "progress", "created", "finished"]
    list_filter = ["status", "kind"]
    readonly_fields = [f.name for f in Job._meta.fields]


@admin.register(Notification, site=workspace_admin)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["id", "kind", "title", "recipient_id", "created", "read_at", "emailed_at"]
    list_filter = ["kind"]
    search_fields = ["title"]
    readonly_fields = [f.name for f in Notification._meta.fields]
