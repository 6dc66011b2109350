"""Evaluation pages' URLs, included under qa's namespace."""

from django.urls import path

from . import views

urlpatterns = [
    path("evaluations/", views.evaluation_list, name="evaluation_list"),
    path("evaluations/queue/", views.work_queue, name="work_queue"),
    path("evaluations/queue/<int:pk>/claim/", views.item_claim, name="item_claim"),
    path("evaluations/queue/<int:pk>/release/", views.item_release, name="item_release"),
    path("evaluations/calls/<int:call_pk>/score/", views.evaluation_new, name="evaluation_new"),
    path("evaluations/<int:pk>/", views.evaluation_page, name="evaluation"),
    path("evaluations/<int:pk>/comments/", views.evaluation_comment, name="evaluation_comment"),
    path(
        "evaluations/<int:pk>/acknowledge/",
        views.evaluation_acknowledge,
        name="evaluation_acknowledge",
    ),
    path("evaluations/<int:pk>/dispute/", views.evaluation_dispute, name="evaluation_dispute"),
    path("evaluations/<int:pk>/coaching/", views.coaching_new, name="coaching_new"),
    path("evaluations/disputes/<int:pk>/review/", views.dispute_review, name="dispute_review"),
    path(
        "evaluations/agents/<int:agent_pk>/coaching/",
        views.coaching_on_calls,
        name="coaching_on_calls",
    ),
    path("evaluations/coaching/<int:pk>/confirm/", views.coaching_confirm, name="coaching_confirm"),
    path("evaluations/desk/", views.evaluations_desk_panel, name="evaluations_desk_panel"),
    path(
        "evaluations/calls/<int:call_pk>/calibrate/", views.calibration_new, name="calibration_new"
    ),
    path("evaluations/calibrations/<int:pk>/", views.calibration_page, name="calibration"),
]
