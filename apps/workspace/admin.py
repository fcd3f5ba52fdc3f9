from django.contrib import admin
from django.db import connection
from django_tenants.utils import get_public_schema_name

from apps.workspace.models import Job, Sector, Site, SiteAccess


class WorkspaceOnlyAdmin(admin.ModelAdmin):
    """Workspace tables exist only in workspace schemas: shown in a workspace's own admin."""

    def has_module_permission(self, request) -> bool:
        return connection.schema_name != get_public_schema_name() and super().has_module_permission(
            request
        )

    def has_view_permission(self, request, obj=None) -> bool:
        return connection.schema_name != get_public_schema_name() and super().has_view_permission(
            request, obj
        )


class SectorInline(admin.TabularInline):
    model = Sector
    extra = 0
    fields = ["name", "industry_sector", "is_active"]
    raw_id_fields = ["industry_sector"]


@admin.register(Site)
class SiteAdmin(WorkspaceOnlyAdmin):
    list_display = ["name", "url", "language", "is_active", "created"]
    search_fields = ["name", "url"]
    raw_id_fields = ["industry"]
    inlines = [SectorInline]


@admin.register(SiteAccess)
class SiteAccessAdmin(WorkspaceOnlyAdmin):
    list_display = ["site", "user_id", "created"]
    raw_id_fields = ["user"]


@admin.register(Job)
class JobAdmin(WorkspaceOnlyAdmin):
    list_display = ["id", "kind", "label", "status", "progress", "created", "finished"]
    list_filter = ["status", "kind"]
    readonly_fields = [f.name for f in Job._meta.fields]
