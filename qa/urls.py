from django.urls import path

from . import views
from .evaluations.urls import urlpatterns as evaluation_urls
from .surveys import views as survey_views
from .surveys import webhooks as survey_webhooks

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

# Post-call surveys: the pages, and Twilio's webhooks (handed to it inside our TwiML).
urlpatterns += [
    path("surveys/", survey_views.survey_list, name="survey_list"),
    path(
        "surveys/<int:pk>/comment/media/",
        survey_views.survey_comment_media,
        name="survey_comment_media",
    ),
    path("fcr/", survey_views.repeat_contacts, name="repeat_contacts"),
    path(
        "voice/surveys/<int:survey_id>/questions/<int:position>/",
        survey_webhooks.survey_question,
        name="survey_question",
    ),
    path(
        "voice/surveys/<int:survey_id>/questions/<int:position>/answer/",
        survey_webhooks.survey_answer,
        name="survey_answer",
    ),
    path(
        "voice/surveys/<int:survey_id>/comment/",
        survey_webhooks.survey_comment,
        name="survey_comment",
    ),
]
