"""Admin screens of estates, buildings, units and households, grid workers and service stations."""

from __future__ import annotations

from django.contrib import admin

from ..models import Building, Estate, GridWorker, Household, ServiceStation, Unit


@admin.register(Estate)
class EstateAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "region", "region_code")
    list_filter = ("kind",)
    search_fields = ("name", "region_code")
    autocomplete_fields = ["region"]


@admin.register(Building)
class BuildingAdmin(admin.ModelAdmin):
    list_display = ("__str__", "region_code", "floors")
    search_fields = ("number", "estate__name", "region_code")
    list_select_related = ("estate",)
    autocomplete_fields = ["estate", "region"]


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ("__str__", "region_code")
    search_fields = ("number", "building__estate__name")
    list_select_related = ("building__estate",)
    autocomplete_fields = ["building"]


@admin.register(Household)
class HouseholdAdmin(admin.ModelAdmin):
    list_display = ("address", "room", "region_code")
    search_fields = ("address", "region_code")
    autocomplete_fields = ["unit"]


@admin.register(GridWorker)
class GridWorkerAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "region", "public_phone", "start_date", "end_date")
    list_filter = ("kind",)
    search_fields = ("name", "region__code", "region__name")
    autocomplete_fields = ["region", "user"]


@admin.register(ServiceStation)
class ServiceStationAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "region", "hours")
    list_filter = ("kind",)
    search_fields = ("name",)
    autocomplete_fields = ["region"]
