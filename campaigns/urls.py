"""Campaign pages."""

from django.urls import path

from . import views

app_name = "campaigns"

urlpatterns = [
    path("desk/", views.desk_panel, name="desk_panel"),
    path("desk/leads/<int:lead_id>/", views.desk_preview, name="desk_preview"),
]
