from django.urls import path

from . import views

app_name = "campaigns"

urlpatterns = [
    path("", views.campaign_list, name="campaign_list"),
    path("<int:pk>/", views.campaign_detail, name="campaign_detail"),
    path("<int:pk>/counters/", views.campaign_counters, name="campaign_counters"),
    path("<int:pk>/control/", views.campaign_control, name="campaign_control"),
    path("<int:pk>/import/", views.lead_import_upload, name="lead_import_upload"),
    path("imports/<int:pk>/", views.lead_import_detail, name="import_detail"),
    path("imports/<int:pk>/report.csv", views.lead_import_report, name="import_report"),
    # The agent's desk.
    path("desk/", views.desk_panel, name="desk_panel"),
    path("desk/leads/<int:lead_id>/", views.desk_preview, name="desk_preview"),
]
