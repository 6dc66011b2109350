"""Twilio webhooks about calls and messages as such: status callbacks, the fallback URL,
incoming SMS, voicemail and recordings. The URLs of the status, fallback and SMS webhooks
go into Twilio's console (README)."""

from __future__ import annotations

from .. import twiml
from ..acd.waiting import safe_route
from ..models import IvrNode
from ..webhooks import CallLookup, Webhook, no_content, no_reply, twilio_webhook, voice_apology
from . import recording, services
from .selectors import language_for


@twilio_webhook("status", on_error=no_content)
def voice_status(hook: Webhook) -> None:
    """Call progress: ringing, answered, completed... in any order, perhaps twice, perhaps
    before the call's first voice webhook."""
    hook.ignored = not services.call_status_update(call=hook.call, params=hook.params)


@twilio_webhook("fallback", on_error=voice_apology)
def voice_fallback(hook: Webhook) -> twiml.Document:
    """Twilio could not use our answer to the voice URL (it timed out or failed)."""
    return safe_route(hook.call)


@twilio_webhook("sms", on_error=no_reply, call=CallLookup.NONE, requires=("MessageSid",))
def sms_incoming(hook: Webhook) -> twiml.Reply:
    """A text message comes in to one of our numbers."""
    _message, reply = services.sms_receive(params=hook.params)
    return twiml.message_reply(reply)


@twilio_webhook("voicemail", on_error=voice_apology, requires=("CallSid", "RecordingSid"))
def voicemail(hook: Webhook) -> twiml.Document:
    """The caller recorded a message: open a case with it."""
    node_id = hook.query.get("node", "")
    duration = hook.params.get("RecordingDuration", "0")
    services.voicemail_save(
        call=hook.started_call,
        node=IvrNode.objects.filter(pk=node_id).first() if node_id.isdigit() else None,
        recording_sid=hook.params["RecordingSid"],
        recording_url=hook.params.get("RecordingUrl", ""),
        duration_seconds=int(duration) if duration.isdigit() else 0,
    )
    return twiml.hang_up(
        twiml.document(),
        message="Thank you, we have your message. Goodbye.",
        language=language_for(hook.started_call),
    )


# Conference recordings name their ConferenceSid and may carry no CallSid.
@twilio_webhook(
    "recording-status", on_error=no_content, call=CallLookup.FIND, requires=("RecordingSid",)
)
def recording_status(hook: Webhook) -> None:
    """A recording's progress; a conversation's names its queue entry in the URL."""
    recorded = recording.recording_status_update(
        call=hook.call, params=hook.params, entry_id=hook.query.get("entry", "")
    )
    hook.ignored = recorded is None
