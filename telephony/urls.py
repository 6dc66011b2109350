"""Webhook URLs. The first four go into Twilio's console; keep them stable."""

from django.urls import path

from .acd import webhooks as acd
from .calls import webhooks as calls
from .desk import views
from .ivr import webhooks as ivr
from .monitoring import webhooks as monitoring

app_name = "telephony"

urlpatterns = [
    path("voice/incoming/", ivr.voice_incoming, name="voice_incoming"),
    path("voice/status/", calls.voice_status, name="voice_status"),
    path("voice/fallback/", calls.voice_fallback, name="voice_fallback"),
    path("sms/incoming/", calls.sms_incoming, name="sms_incoming"),
    # Handed to Twilio inside our TwiML.
    path("voice/ivr/<int:node_id>/", ivr.ivr_node, name="ivr_node"),
    path("voice/ivr/<int:node_id>/input/", ivr.ivr_input, name="ivr_input"),
    path("voice/ivr/<int:node_id>/dial/", ivr.ivr_dial_result, name="ivr_dial_result"),
    path("voice/voicemail/", calls.voicemail, name="voicemail"),
    path("voice/recording-status/", calls.recording_status, name="recording_status"),
    path("voice/queues/<int:queue_id>/wait/", acd.queue_wait, name="queue_wait"),
    path("voice/queues/<int:queue_id>/result/", acd.queue_result, name="queue_result"),
    path("voice/acd/<int:entry_id>/agent/", acd.acd_agent_answer, name="acd_agent_answer"),
    path("voice/acd/<int:entry_id>/agent-status/", acd.acd_agent_status, name="acd_agent_status"),
    path("voice/acd/<int:entry_id>/caller/", acd.acd_caller_join, name="acd_caller_join"),
    path(
        "voice/acd/<int:entry_id>/caller-record/", acd.acd_caller_record, name="acd_caller_record"
    ),
    path("voice/acd/<int:entry_id>/caller-done/", acd.acd_caller_done, name="acd_caller_done"),
    path(
        "voice/acd/<int:entry_id>/callback/",
        acd.acd_callback_request,
        name="acd_callback_request",
    ),
    path(
        "voice/acd/<int:entry_id>/transfer/number/",
        acd.acd_transfer_number,
        name="acd_transfer_number",
    ),
    path(
        "voice/acd/<int:entry_id>/transfer/queue/",
        acd.acd_transfer_queue,
        name="acd_transfer_queue",
    ),
    path(
        "voice/acd/<int:entry_id>/consult-status/",
        acd.acd_consult_status,
        name="acd_consult_status",
    ),
    path(
        "voice/acd/<int:entry_id>/consult-announce/",
        acd.acd_consult_announce,
        name="acd_consult_announce",
    ),
    path(
        "voice/acd/<int:entry_id>/consult-record/",
        acd.acd_consult_record,
        name="acd_consult_record",
    ),
    path(
        "voice/monitoring/<int:session_id>/status/",
        monitoring.monitor_leg_status,
        name="monitor_leg_status",
    ),
    # Agent pages.
    path("desk/", views.desk, name="desk"),
    path("desk/offer/", views.desk_offer, name="desk_offer"),
    path("desk/caller/", views.desk_caller_create, name="desk_caller_create"),
    path("desk/notes/", views.desk_call_notes, name="desk_call_notes"),
    path("desk/softphone-token/", views.softphone_token, name="softphone_token"),
    path("desk/presence/", views.desk_presence, name="desk_presence"),
    path("desk/wrap-up/", views.desk_wrap_up, name="desk_wrap_up"),
    path("desk/call/", views.desk_call_control, name="desk_call_control"),
    path("dev-phone/", views.dev_phone, name="dev_phone"),
    path("dev-phone/dial/", views.dev_phone_dial, name="dev_phone_dial"),
    path("dev-phone/<str:sid>/", views.dev_phone_action, name="dev_phone_action"),
]
