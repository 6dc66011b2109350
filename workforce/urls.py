from django.urls import path

from . import views

app_name = "workforce"

urlpatterns = [
    path("", views.staffing_page, name="staffing"),
    path("forecast/", views.forecast_refresh, name="forecast_refresh"),
    path("override/", views.override_set, name="override_set"),
    path("what-if/", views.what_if, name="what_if"),
]
