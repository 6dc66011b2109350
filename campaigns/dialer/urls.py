"""Webhook URLs handed to Twilio with each dialled call."""

from django.urls import path

from . import webhooks

app_name = "dialer"

urlpatterns = [
    path("<int:attempt_id>/answer/", webhooks.attempt_answer, name="attempt_answer"),
    path("<int:attempt_id>/status/", webhooks.attempt_status, name="attempt_status"),
    path("<int:attempt_id>/amd/", webhooks.attempt_amd, name="attempt_amd"),
    path("<int:attempt_id>/hold/", webhooks.attempt_hold, name="attempt_hold"),
    path("<int:attempt_id>/left/", webhooks.attempt_left, name="attempt_left"),
    path("<int:attempt_id>/opt-out/", webhooks.attempt_opt_out, name="attempt_opt_out"),
    path("<int:attempt_id>/machine/", webhooks.attempt_machine, name="attempt_machine"),
    path("<int:attempt_id>/agentless/", webhooks.attempt_agentless, name="attempt_agentless"),
]
