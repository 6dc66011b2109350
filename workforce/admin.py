from django.contrib import admin

from .models import (
    Availability,
    CalendarEvent,
    CampaignPlan,
    ForecastOverride,
    QueuePlan,
    ShiftTemplate,
    ShrinkageItem,
)


@admin.register(QueuePlan)
class QueuePlanAdmin(admin.ModelAdmin):
    list_display = ["queue", "occupancy_cap_percent", "patience_seconds"]


@admin.register(ShrinkageItem)
class ShrinkageItemAdmin(admin.ModelAdmin):
    list_display = ["name", "percent"]


@admin.register(CalendarEvent)
class CalendarEventAdmin(admin.ModelAdmin):
    list_display = ["day", "name", "queue", "factor"]
    list_filter = ["queue"]
    date_hierarchy = "day"


@admin.register(ForecastOverride)
class ForecastOverrideAdmin(admin.ModelAdmin):
    list_display = ["queue", "interval_start", "calls", "aht_seconds", "set_by", "set_at"]
    list_filter = ["queue"]
    readonly_fields = ["set_by", "set_at"]


@admin.register(ShiftTemplate)
class ShiftTemplateAdmin(admin.ModelAdmin):
    list_display = ["name", "earliest_start", "latest_start", "length_minutes", "lunch_minutes"]


@admin.register(Availability)
class AvailabilityAdmin(admin.ModelAdmin):
    list_display = ["agent", "weekday", "start", "end"]
    list_filter = ["weekday"]


@admin.register(CampaignPlan)
class CampaignPlanAdmin(admin.ModelAdmin):
    list_display = ["campaign", "agents", "start", "end", "weekdays"]
