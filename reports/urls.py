from django.urls import path

from . import views

app_name = "reports"

urlpatterns = [
    path("", views.report_page, name="report"),
    path("calls/", views.figure_calls, name="figure_calls"),
]
