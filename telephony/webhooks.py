"""Twilio webhooks. The URLs of the first four are pasted into Twilio's console (README).

Every view here checks Twilio's signature, and whatever goes wrong inside, Twilio gets
valid TwiML back: callers hear an apology and a safe route, never "an application error".
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from twilio.request_validator import RequestValidator
from twilio.twiml.messaging_response import MessagingResponse
from twilio.twiml.voice_response import VoiceResponse

from . import acd, ivr, offers, services, twiml
from .models import Call, IvrNode, Queue, QueueEntry

logger = logging.getLogger(__name__)


def signature_is_valid(request: HttpRequest) -> bool:
    """Twilio signed this request for the URL it was sent to, as the public sees it.

    PUBLIC_BASE_URL stands in for the scheme and host, which a TLS-terminating proxy
    would otherwise change.
    """
    signature = request.headers.get("X-Twilio-Signature", "")
    url = settings.PUBLIC_BASE_URL + request.get_full_path()
    validator = RequestValidator(settings.TWILIO_AUTH_TOKEN)
    return bool(signature) and validator.validate(url, request.POST, signature)


def _xml(document: object) -> HttpResponse:
    return HttpResponse(str(document), content_type="application/xml")


def twilio_webhook(on_error: Callable[[HttpRequest], HttpResponse]):
    """Signature check, one transaction, and `on_error`'s answer if anything fails."""

    def decorate(view):
        @csrf_exempt
        @require_POST
        @wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if not signature_is_valid(request):
                logger.warning("Refused a webhook with a bad signature: %s", request.path)
                return HttpResponseForbidden("Invalid Twilio signature.")
            try:
                with transaction.atomic():
                    return view(request, *args, **kwargs)
            except Exception:
                logger.exception(
                    "Webhook %s failed for %s", request.path, request.POST.get("CallSid", "")
                )
                return on_error(request)

        return wrapper

    return decorate


def _voice_apology(request: HttpRequest) -> HttpResponse:
    """The safe route, or a static apology and voicemail if even that fails."""
    try:
        call = Call.objects.filter(sid=request.POST.get("CallSid", "")).first()
        return _xml(ivr.safe_route(call))
    except Exception:
        logger.exception("Safe route failed too; answering with the static apology.")
        return _xml(twiml.last_resort())


def _keep_waiting(request: HttpRequest) -> HttpResponse:
    """Inside a queue's wait document only a few verbs are allowed: apologize, keep waiting."""
    response = VoiceResponse()
    twiml.say(response, "Sorry, that did not work. Please keep holding.", language="en-US")
    return _xml(response)


def _no_content(request: HttpRequest) -> HttpResponse:
    # Status callbacks answer 2xx whatever happens, or Twilio retries them.
    return HttpResponse(status=204)


def _empty_messaging(request: HttpRequest) -> HttpResponse:
    return _xml(MessagingResponse())


def _call(request: HttpRequest) -> Call:
    """The call a webhook is about, created if Twilio mentions it for the first time."""
    return services.call_start(params=request.POST.dict())


@twilio_webhook(on_error=_voice_apology)
def voice_incoming(request: HttpRequest) -> HttpResponse:
    """A call comes in to one of our numbers."""
    call = _call(request)
    services.event_log(kind="incoming", params=request.POST.dict(), call=call)
    return _xml(ivr.start(call))


@twilio_webhook(on_error=_voice_apology)
def voice_fallback(request: HttpRequest) -> HttpResponse:
    """Twilio could not use our answer to the voice URL (it timed out or failed)."""
    call = _call(request)
    services.event_log(kind="fallback", params=request.POST.dict(), call=call)
    return _xml(ivr.safe_route(call))


@twilio_webhook(on_error=_no_content)
def voice_status(request: HttpRequest) -> HttpResponse:
    """Call progress: ringing, answered, completed... in any order, perhaps twice."""
    services.call_status_update(params=request.POST.dict())
    return HttpResponse(status=204)


@twilio_webhook(on_error=_empty_messaging)
def sms_incoming(request: HttpRequest) -> HttpResponse:
    """A text message comes in to one of our numbers."""
    _message, reply = services.sms_receive(params=request.POST.dict())
    response = MessagingResponse()
    if reply:
        response.message(reply)
    return _xml(response)


def _node_or_safe_route(view):
    """Resolve the node in the URL; a node deleted since Twilio got its URL means safe route."""

    @wraps(view)
    def wrapper(request: HttpRequest, node_id: int) -> HttpResponse:
        call = _call(request)
        node = IvrNode.objects.select_related("flow", "queue").filter(pk=node_id).first()
        if node is None:
            logger.warning("Call %s asked for IVR node %s, which is gone.", call.sid, node_id)
            return _xml(ivr.safe_route(call))
        return view(request, call, node)

    return wrapper


def _attempt(request: HttpRequest) -> int:
    value = request.GET.get("attempt", "1")
    return int(value) if value.isdigit() and 0 < int(value) < 100 else 1


@twilio_webhook(on_error=_voice_apology)
@_node_or_safe_route
def ivr_node(request: HttpRequest, call: Call, node: IvrNode) -> HttpResponse:
    return _xml(ivr.enter(call, node))


@twilio_webhook(on_error=_voice_apology)
@_node_or_safe_route
def ivr_input(request: HttpRequest, call: Call, node: IvrNode) -> HttpResponse:
    services.event_log(kind="input", params=request.POST.dict(), call=call)
    return _xml(ivr.handle_input(call, node, request.POST, _attempt(request)))


@twilio_webhook(on_error=_voice_apology)
@_node_or_safe_route
def ivr_dial_result(request: HttpRequest, call: Call, node: IvrNode) -> HttpResponse:
    services.event_log(kind="dial-result", params=request.POST.dict(), call=call)
    return _xml(ivr.dial_result(call, node, request.POST))


@twilio_webhook(on_error=_voice_apology)
def voicemail(request: HttpRequest) -> HttpResponse:
    """The caller recorded a message: open a case with it."""
    call = _call(request)
    params = request.POST.dict()
    services.event_log(kind="voicemail", params=params, call=call)
    node_id = request.GET.get("node", "")
    node = IvrNode.objects.filter(pk=node_id).first() if node_id.isdigit() else None
    duration = params.get("RecordingDuration", "0")
    services.voicemail_save(
        call=call,
        node=node,
        recording_sid=params["RecordingSid"],
        recording_url=params.get("RecordingUrl", ""),
        duration_seconds=int(duration) if duration.isdigit() else 0,
    )
    response = VoiceResponse()
    twiml.say(
        response, "Thank you, we have your message. Goodbye.", language=ivr.language_for(call)
    )
    response.hangup()
    return _xml(response)


@twilio_webhook(on_error=_no_content)
def recording_status(request: HttpRequest) -> HttpResponse:
    services.recording_status_update(params=request.POST.dict())
    return HttpResponse(status=204)


@twilio_webhook(on_error=_keep_waiting)
def queue_wait(request: HttpRequest, queue_id: int) -> HttpResponse:
    """Played to callers waiting in a queue, again and again."""
    queue = Queue.objects.filter(pk=queue_id).first()
    call = Call.objects.filter(sid=request.POST.get("CallSid", "")).first()
    if queue is None:
        response = VoiceResponse()
        response.leave()
        return _xml(response)
    return _xml(ivr.queue_wait(call, queue, request.POST))


@twilio_webhook(on_error=_voice_apology)
def queue_result(request: HttpRequest, queue_id: int) -> HttpResponse:
    """The caller left the queue: answered, hung up, or the queue failed."""
    call = Call.objects.filter(sid=request.POST.get("CallSid", "")).first()
    services.event_log(kind="queue-result", params=request.POST.dict(), call=call)
    return _xml(ivr.queue_result(call, request.POST))


# --- The ACD on the line (telephony.offers) -----------------------------------------------


@twilio_webhook(on_error=_voice_apology)
def acd_agent_answer(request: HttpRequest, entry_id: int) -> HttpResponse:
    """The agent's leg was answered."""
    call = _call(request)
    services.event_log(kind="agent-answer", params=request.POST.dict(), call=call)
    return _xml(offers.agent_answered(entry_id=entry_id))


@twilio_webhook(on_error=_no_content)
def acd_agent_status(request: HttpRequest, entry_id: int) -> HttpResponse:
    """Progress of the agent's leg: unanswered means a missed offer."""
    services.call_start(params=request.POST.dict())
    services.call_status_update(params=request.POST.dict())
    offers.agent_leg_status(entry_id=entry_id, params=request.POST)
    return HttpResponse(status=204)


@twilio_webhook(on_error=_no_content)
def acd_consult_status(request: HttpRequest, entry_id: int) -> HttpResponse:
    """Progress of an outside number consulted before a warm transfer."""
    services.event_log(kind="consult-status", params=request.POST.dict(), call=_call(request))
    offers.consult_leg_status(entry_id=entry_id, params=request.POST)
    return HttpResponse(status=204)


@twilio_webhook(on_error=_voice_apology)
def acd_caller_join(request: HttpRequest, entry_id: int) -> HttpResponse:
    """The caller (or the called-back customer) is brought to the agent."""
    call = _call(request)
    services.call_connected(call=call)
    QueueEntry.objects.filter(pk=entry_id).update(caller_call_sid=call.sid)
    return _xml(offers.caller_join(entry_id=entry_id))


@twilio_webhook(on_error=_voice_apology)
def acd_caller_done(request: HttpRequest, entry_id: int) -> HttpResponse:
    """The caller's side of the conversation ended."""
    call = _call(request)
    services.event_log(kind="caller-done", params=request.POST.dict(), call=call)
    if QueueEntry.objects.filter(pk=entry_id).exists():
        acd.conversation_ended(entry_id=entry_id)
    response = VoiceResponse()
    response.hangup()
    return _xml(response)


@twilio_webhook(on_error=_keep_waiting)
def acd_callback_request(request: HttpRequest, entry_id: int) -> HttpResponse:
    """A key pressed while waiting (1: call me back, keeping my place)."""
    call = _call(request)
    services.event_log(kind="callback-request", params=request.POST.dict(), call=call)
    return _xml(
        offers.callback_requested(
            entry_id=entry_id,
            digits=request.POST.get("Digits", ""),
            language=ivr.language_for(call),
        )
    )


@twilio_webhook(on_error=_voice_apology)
def acd_transfer_number(request: HttpRequest, entry_id: int) -> HttpResponse:
    """The agent sent the caller on to an outside number."""
    call = _call(request)
    services.event_log(kind="transfer", params=request.POST.dict(), call=call)
    number = "+" + "".join(c for c in request.GET.get("to", "") if c.isdigit())
    response = VoiceResponse()
    twiml.say(response, "Please hold while we transfer your call.", language=ivr.language_for(call))
    response.dial(number, timeout=30)
    return _xml(response)


@twilio_webhook(on_error=_voice_apology)
def acd_transfer_queue(request: HttpRequest, entry_id: int) -> HttpResponse:
    """The agent sent the caller to another queue: they wait there like any caller."""
    call = _call(request)
    services.event_log(kind="transfer", params=request.POST.dict(), call=call)
    queue_id = request.GET.get("queue", "")
    queue = Queue.objects.filter(pk=queue_id).first() if queue_id.isdigit() else None
    if queue is None:
        return _xml(ivr.safe_route(call))
    services.call_enqueue(call=call, queue=queue)
    response = VoiceResponse()
    twiml.say(response, "Please hold while we transfer your call.", language=ivr.language_for(call))
    return _xml(twiml.enqueue(response, queue_id=queue.pk, queue_name=queue.name))
