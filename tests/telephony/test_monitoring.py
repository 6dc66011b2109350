"""Monitoring's own rules: the supervisor's leg callbacks (signed, idempotent), the desk
told live, a failure at Twilio leaving nothing behind."""

from __future__ import annotations

import pytest
from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from django.core.exceptions import ValidationError
from django.db import connections
from django.urls import reverse
from django.utils import timezone
from twilio.base.exceptions import TwilioRestException

from telephony import gateway
from telephony.models import AgentProfile, Call, MonitoringSession, Queue, QueueEntry
from telephony.monitoring import services
from telephony.monitoring.selectors import monitoring_shown_to_agent
from tests.sockets import desk_socket
from tests.telephony.conftest import new_call_sid

pytestmark = pytest.mark.django_db


def _session(supervisor, agent_user, *, mode: str = "listen", joined: bool = False):
    """A conversation of `agent_user` with a supervisor's session on it, as rows."""
    agent = AgentProfile.objects.create(user=agent_user, client_identity="alex", state="on_call")
    call = Call.objects.create(sid=new_call_sid(), direction="inbound", to_number="+18005550100")
    entry = QueueEntry.objects.create(
        queue=Queue.objects.create(name="Billing"),
        call=call,
        status="connected",
        served_by=agent,
        agent_call_sid=new_call_sid(),
        caller_call_sid=call.sid,
        connected_at=timezone.now(),
    )
    return MonitoringSession.objects.create(
        supervisor=supervisor,
        entry=entry,
        call=call,
        agent=agent,
        mode=mode,
        reached_at="client:supervisor-1",
        leg_sid=new_call_sid(),
        joined_at=timezone.now() if joined else None,
    )


def _status_url(session) -> str:
    return reverse("telephony:monitor_leg_status", args=[session.pk])


def test_the_legs_callbacks_open_and_close_the_session_once(twilio_post, supervisor, agent):
    session = _session(supervisor, agent)
    url = _status_url(session)
    answered = {"CallSid": session.leg_sid, "CallStatus": "in-progress"}
    assert twilio_post(url, answered).status_code == 204
    session.refresh_from_db()
    joined = session.joined_at
    assert joined is not None
    twilio_post(url, answered)  # Twilio retries
    session.refresh_from_db()
    assert session.joined_at == joined
    twilio_post(url, {"CallSid": session.leg_sid, "CallStatus": "completed"})
    session.refresh_from_db()
    ended = session.ended_at
    assert ended is not None and session.duration_seconds is not None
    twilio_post(url, {"CallSid": session.leg_sid, "CallStatus": "in-progress"})  # late
    session.refresh_from_db()
    assert (session.ended_at, session.joined_at) == (ended, joined)


def test_a_leg_never_answered_ends_the_session_and_unknown_ones_are_acknowledged(
    twilio_post, supervisor, agent
):
    session = _session(supervisor, agent)
    twilio_post(_status_url(session), {"CallSid": session.leg_sid, "CallStatus": "no-answer"})
    session.refresh_from_db()
    assert session.ended_at is not None and session.joined_at is None
    unknown = reverse("telephony:monitor_leg_status", args=[session.pk + 99])
    assert (
        twilio_post(unknown, {"CallSid": new_call_sid(), "CallStatus": "completed"}).status_code
        == 204
    )


def test_the_legs_callback_needs_twilios_signature(client, supervisor, agent):
    session = _session(supervisor, agent)
    answer = client.post(_status_url(session), {"CallSid": session.leg_sid})
    assert answer.status_code == 403


def test_a_refusal_at_twilio_leaves_no_session(supervisor, agent, monkeypatch):
    entry = _session(supervisor, agent).entry
    MonitoringSession.objects.all().delete()

    def refuse(**kwargs):
        raise TwilioRestException(400, "/Participants.json", "Conference not found")

    monkeypatch.setattr(gateway, "participant_add", refuse)
    with pytest.raises(TwilioRestException):
        services.monitoring_start(supervisor=supervisor, entry=entry, mode="whisper")
    assert not MonitoringSession.objects.exists()


def test_the_agent_is_told_of_coaching_and_barging_and_listening_by_policy(supervisor, agent):
    session = _session(supervisor, agent, joined=True)
    entry = session.entry
    assert monitoring_shown_to_agent(entry=entry) == []
    Queue.objects.filter(pk=entry.queue_id).update(show_silent_monitoring=True)
    entry.refresh_from_db()
    assert monitoring_shown_to_agent(entry=entry) == [session]
    Queue.objects.filter(pk=entry.queue_id).update(show_silent_monitoring=False)
    MonitoringSession.objects.filter(pk=session.pk).update(mode="whisper")
    entry.refresh_from_db()
    assert monitoring_shown_to_agent(entry=entry) == [session]


@pytest.mark.django_db(transaction=True)
async def test_the_desk_hears_when_a_supervisor_joins(supervisor, agent):
    session = await database_sync_to_async(_session)(supervisor, agent)
    communicator = await desk_socket(agent)
    await database_sync_to_async(services.monitor_leg_status)(
        session_id=session.pk, params={"CallSid": session.leg_sid, "CallStatus": "in-progress"}
    )
    assert await communicator.receive_json_from(timeout=2) == {"event": "desk-changed"}
    await communicator.disconnect()
    await sync_to_async(connections.close_all)()


def test_an_unknown_mode_is_refused_before_twilio_is_asked(supervisor, agent, monkeypatch):
    session = _session(supervisor, agent)
    monkeypatch.setattr(gateway, "participant_update", pytest.fail)
    with pytest.raises(ValidationError) as refused:
        services.monitoring_change(session=session, mode="shout")
    assert "mode" in refused.value.error_dict
    session.refresh_from_db()
    assert session.mode == "listen" and not session.mode_changes.exists()
