from django.contrib import admin

from .models import ReportSchedule, TeamCost, TelephonyPrice


@admin.register(TeamCost)
class TeamCostAdmin(admin.ModelAdmin):
    list_display = ("team", "hourly_cost")


@admin.register(TelephonyPrice)
class TelephonyPriceAdmin(admin.ModelAdmin):
    list_display = ("direction", "per_minute")


@admin.register(ReportSchedule)
class ReportScheduleAdmin(admin.ModelAdmin):
    list_display = ("name", "report", "every", "is_active", "last_period_start")
    list_filter = ("every", "is_active")
