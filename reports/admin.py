from django.contrib import admin

from .models import TeamCost, TelephonyPrice


@admin.register(TeamCost)
class TeamCostAdmin(admin.ModelAdmin):
    list_display = ("team", "hourly_cost")


@admin.register(TelephonyPrice)
class TelephonyPriceAdmin(admin.ModelAdmin):
    list_display = ("direction", "per_minute")
