from django.urls import path

from . import views
from .evaluations.urls import urlpatterns as evaluation_urls

app_name = "qa"

urlpatterns = [
    path("calls/<int:pk>/", views.call_detail, name="call_detail"),
    path("recordings/<int:pk>/media/", views.recording_media, name="recording_media"),
    path("recordings/paused/", views.paused_calls, name="paused_calls"),
    path("auto/", views.auto_qa_dashboard, name="auto_qa_dashboard"),
    path("auto/me/", views.auto_qa_desk_panel, name="auto_qa_desk_panel"),
    # Scorecards and evaluations
    *evaluation_urls,
]
