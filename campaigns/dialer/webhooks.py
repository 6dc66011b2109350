"""Twilio webhooks of the dialer's calls; each URL names the CallAttempt it is about.

Signature checks, the transaction and the safe answers on failure are telephony's
(`twilio_webhook`); these views only parse and call one service.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse

from telephony import services as telephony_services
from telephony.models import Call
from telephony.webhooks import _keep_waiting, _no_content, _voice_apology, _xml, twilio_webhook

from . import services


def _call(request: HttpRequest) -> Call:
    return telephony_services.call_start(params=request.POST.dict())


@twilio_webhook(on_error=_voice_apology)
def attempt_answer(request: HttpRequest, attempt_id: int) -> HttpResponse:
    """The lead answered."""
    call = _call(request)
    telephony_services.event_log(kind="campaign-answer", params=request.POST.dict(), call=call)
    return _xml(services.attempt_answered(attempt_id=attempt_id, call=call))


@twilio_webhook(on_error=_no_content)
def attempt_status(request: HttpRequest, attempt_id: int) -> HttpResponse:
    """Progress of the lead's call: ringing, answered, busy, no answer, completed..."""
    params = request.POST.dict()
    _call(request)
    telephony_services.call_status_update(params=params)
    services.attempt_status(attempt_id=attempt_id, params=params)
    return HttpResponse(status=204)


@twilio_webhook(on_error=_no_content)
def attempt_amd(request: HttpRequest, attempt_id: int) -> HttpResponse:
    """The answering-machine detection verdict (asynchronous AMD)."""
    services.attempt_amd(attempt_id=attempt_id, answered_by=request.POST.get("AnsweredBy", ""))
    return HttpResponse(status=204)


@twilio_webhook(on_error=_keep_waiting)
def attempt_hold(request: HttpRequest, attempt_id: int) -> HttpResponse:
    """The answered lead waiting (at most 2 seconds) for an agent."""
    call = Call.objects.filter(sid=request.POST.get("CallSid", "")).first()
    return _xml(services.attempt_hold(attempt_id=attempt_id, call=call, params=request.POST))


@twilio_webhook(on_error=_voice_apology)
def attempt_left(request: HttpRequest, attempt_id: int) -> HttpResponse:
    """The answered lead left the queue (to an agent, or abandoned)."""
    call = Call.objects.filter(sid=request.POST.get("CallSid", "")).first()
    telephony_services.event_log(kind="queue-result", params=request.POST.dict(), call=call)
    return _xml(services.attempt_left_queue(attempt_id=attempt_id, call=call, params=request.POST))


@twilio_webhook(on_error=_voice_apology)
def attempt_opt_out(request: HttpRequest, attempt_id: int) -> HttpResponse:
    """A key pressed during the safe-harbor message."""
    return _xml(
        services.attempt_opt_out(attempt_id=attempt_id, digits=request.POST.get("Digits", ""))
    )


@twilio_webhook(on_error=_voice_apology)
def attempt_machine(request: HttpRequest, attempt_id: int) -> HttpResponse:
    """An answering machine picked up: leave the message or hang up."""
    return _xml(services.machine_response(attempt_id=attempt_id))


@twilio_webhook(on_error=_voice_apology)
def attempt_agentless(request: HttpRequest, attempt_id: int) -> HttpResponse:
    """The key pressed after an agentless message."""
    call = _call(request)
    telephony_services.event_log(kind="input", params=request.POST.dict(), call=call)
    return _xml(
        services.agentless_input(
            attempt_id=attempt_id, call=call, digits=request.POST.get("Digits", "")
        )
    )
