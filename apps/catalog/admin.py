from django.contrib import admin

from apps.catalog.models import Industry, IndustrySector, SeedKeyword


class SectorInline(admin.TabularInline):
    model = IndustrySector
    extra = 0
    fields = ["name", "slug", "is_active"]


@admin.register(Industry)
class IndustryAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "is_active", "sort_order"]
    list_editable = ["is_active", "sort_order"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [SectorInline]


@admin.register(IndustrySector)
class IndustrySectorAdmin(admin.ModelAdmin):
    list_display = ["name", "industry", "is_active"]
    list_filter = ["industry", "is_active"]
    search_fields = ["name", "industry__name"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(SeedKeyword)
class SeedKeywordAdmin(admin.ModelAdmin):
    list_display = ["keyword", "sector", "volume", "difficulty", "intent", "is_active"]
    list_filter = ["intent", "is_active", "sector__industry"]
    search_fields = ["keyword"]
    list_select_related = ["sector__industry"]
    autocomplete_fields = ["sector"]
