from django.urls import path

from . import views

app_name = "qa"

urlpatterns = [
    path("calls/<int:pk>/", views.call_detail, name="call_detail"),
    path("recordings/<int:pk>/media/", views.recording_media, name="recording_media"),
    path("recordings/paused/", views.paused_calls, name="paused_calls"),
]
