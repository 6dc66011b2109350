from django.urls import path

from . import views

app_name = "floor"

urlpatterns = [
    path("", views.wallboard, name="wallboard"),
    path("monitor/", views.floor_monitor, name="monitor"),
    path("agent-state/", views.floor_agent_state, name="agent_state"),
    path("log-out/", views.floor_agent_log_out, name="agent_log_out"),
    path("send-caller/", views.floor_caller_send, name="caller_send"),
    path("note/", views.floor_desk_note, name="desk_note"),
    path("softphone-token/", views.floor_softphone_token, name="softphone_token"),
    path("alerts/", views.alerts, name="alerts"),
]
