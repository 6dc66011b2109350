from django.urls import path

from . import views

app_name = "floor"

urlpatterns = [
    path("", views.wallboard, name="wallboard"),
    path("alerts/", views.alerts, name="alerts"),
]
