from django.contrib import admin
from django.db import connection
from django_tenants.utils import get_public_schema_name

from apps.workspace.models import Job, Sector, Site, SiteAccess


class WorkspaceOnlyAdmin(admin.ModelAdmin):
    """Workspace tables exist only in workspace schemas: shown in a workspace's own admin.

    On the public host every permission is refused, not only viewing: the admin opens a
    change list for anyone who may change, and the table is not there to query.
    """

    @staticmethod
    def _in_workspace() -> bool:
        return connection.schema_name != get_public_schema_name()

    def has_module_permission(self, request) -> bool:
        return self._in_workspace() and super().has_module_permission(request)

    def has_view_permission(self, request, obj=None) -> bool:
        return self._in_workspace() and super().has_view_permission(request, obj)

    def has_add_permission(self, request) -> bool:
        return self._in_workspace() and super().has_add_permission(request)

    def has_change_permission(self, request, obj=None) -> bool:
        return self._in_workspace() and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return self._in_workspace() and super().has_delete_permission(request, obj)


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
