"""What every Twilio webhook does around its one service call: `twilio_webhook`.

It checks Twilio's signature, exempts the view from CSRF (Twilio signs instead), refuses
parameters that are not of Twilio's shape (`PARAM_SHAPES`), finds or creates the Call the
request is about, runs the view in one transaction, keeps the request
in the call's event log, and turns what the view returns into Twilio's answer. Whatever goes
wrong inside, Twilio gets the view's safe answer: valid TwiML, so callers hear an apology
and a safe route, never "an application error".
"""

from __future__ import annotations

import enum
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Concatenate, TypeAlias

from django.conf import settings
from django.db import transaction
from django.db.models import Field, Model
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseForbidden,
    QueryDict,
)
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from twilio.request_validator import RequestValidator

from . import twiml
from .acd import waiting
from .calls import services as calls
from .calls.rows import call_by_sid
from .models import Call, Recording, SmsMessage

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


def _sid(prefixes: str) -> re.Pattern[str]:
    return re.compile(rf"(?:{prefixes})[0-9a-f]{{32}}")


def _up_to(model: type[Model], field: str) -> re.Pattern[str]:
    model_field = model._meta.get_field(field)
    if not isinstance(model_field, Field):
        raise TypeError(f"{model.__name__}.{field} is a relation, not a column.")
    max_length = model_field.max_length
    return re.compile(rf".{{0,{max_length}}}", re.DOTALL)


_CALL_NUMBER = _up_to(Call, "from_number")
_COUNT = re.compile(r"[0-9]{1,9}")  # sequence numbers, durations: fit any integer column

# Every parameter that reaches a record, in the shape Twilio gives it. A signed request
# with anything else (a 5,000-character CallSid, a megabyte of "URL") is refused before
# anything is stored: a value that does not fit its field is no value Twilio sends.
# An absent or empty optional SID is fine; required ones are each webhook's `requires`.
PARAM_SHAPES: dict[str, re.Pattern[str]] = {
    "CallSid": _sid("CA"),
    "ParentCallSid": _sid("CA"),
    "DialCallSid": _sid("CA"),
    "AccountSid": _sid("AC"),
    "MessageSid": _sid("SM|MM"),
    "SmsSid": _sid("SM|MM"),
    "SmsMessageSid": _sid("SM|MM"),
    "RecordingSid": _sid("RE"),
    "QueueSid": _sid("QU"),
    "ConferenceSid": _sid("CF"),
    "From": _CALL_NUMBER,
    "To": _CALL_NUMBER,
    "Caller": _CALL_NUMBER,
    "Called": _CALL_NUMBER,
    "ForwardedFrom": _CALL_NUMBER,
    "CallStatus": _up_to(Call, "twilio_status"),
    "Direction": _up_to(Call, "direction"),
    "QueueResult": _up_to(Call, "queue_result"),
    "DialCallStatus": _up_to(Call, "twilio_status"),  # kept in the call's IVR inputs
    "RecordingUrl": _up_to(Recording, "url"),
    "RecordingStatus": _up_to(Recording, "status"),
    "RecordingSource": _up_to(Recording, "source"),
    "Body": _up_to(SmsMessage, "body"),
    "SequenceNumber": _COUNT,
    "CallDuration": _COUNT,
    "RecordingDuration": _COUNT,
    "DialCallDuration": _COUNT,
    "QueueTime": _COUNT,
    "Timestamp": re.compile(r".{0,64}", re.DOTALL),
}


def param_problems(params: dict[str, str], *, requires: tuple[str, ...]) -> list[str]:
    """What is wrong with a webhook's parameters (missing SIDs, wrong shapes); [] if nothing."""
    problems = [f"{name} is missing" for name in requires if not params.get(name)]
    for name, value in params.items():
        shape = PARAM_SHAPES.get(name)
        if shape is not None and value and not shape.fullmatch(value):
            problems.append(f"{name} is not in Twilio's shape ({len(value)} characters)")
    return problems


class CallLookup(enum.Enum):
    """How a webhook finds the Call it is about, by the request's CallSid."""

    # Created on first sight with the caller identified (calls.call_start); locked. Status
    # callbacks too: Twilio does not promise they come after the call's first webhook.
    START = "start"
    # As START, for the webhook whose call is almost always new (the incoming call): written
    # first, read only if its SID is already there.
    CREATE = "create"
    # Only a call we already know, locked: callbacks about unknown SIDs change nothing.
    FIND = "find"
    # No call: messages, and webhooks that need none.
    NONE = "none"


@dataclass
class Webhook:
    """What a webhook view is handed: Twilio's parameters and the call they are about."""

    request: HttpRequest
    params: dict[str, str]
    call: Call | None
    # Set by the view when the request changed nothing (a duplicate or late callback).
    ignored: bool = False

    @property
    def started_call(self) -> Call:
        """The call of a webhook that looks its call up with CallLookup.START or CREATE."""
        if self.call is None:
            raise LookupError("This webhook does not start its call.")
        return self.call

    @property
    def query(self) -> QueryDict:
        """The parameters we put in the URL we gave Twilio."""
        return self.request.GET


# --- Safe answers: what Twilio gets when a view fails --------------------------------------


def voice_apology(request: HttpRequest) -> HttpResponse:
    """The safe route, or a static apology and voicemail if even that fails."""
    try:
        with transaction.atomic():
            call = Call.objects.filter(sid=request.POST.get("CallSid", "")).first()
            return _xml(waiting.safe_route(call))
    except Exception:
        logger.exception("Safe route failed too; answering with the static apology.")
        return _xml(twiml.last_resort())


def keep_holding(request: HttpRequest) -> HttpResponse:
    """Inside a queue's wait document: an apology, and the caller keeps their place."""
    return _xml(twiml.keep_holding())


def no_content(request: HttpRequest) -> HttpResponse:
    """Status callbacks answer 2xx whatever happens, or Twilio retries them."""
    return HttpResponse(status=204)


def say_nothing(request: HttpRequest) -> HttpResponse:
    """An announcement to one conference leg that failed says nothing (and records nothing)."""
    return _xml(twiml.document())


def no_reply(request: HttpRequest) -> HttpResponse:
    """A message webhook that failed sends nothing back."""
    return _xml(twiml.message_reply())


SafeAnswer = Callable[[HttpRequest], HttpResponse]
# A voice document, a message reply, or None for 204 No Content.
Answer: TypeAlias = twiml.Document | twiml.Reply | None
# Called as view(webhook, **url_kwargs); the URL's keyword arguments differ from view to view.
WebhookView: TypeAlias = Callable[Concatenate[Webhook, ...], Answer]
DjangoView: TypeAlias = Callable[..., HttpResponse]


def _xml(document: twiml.Document | twiml.Reply) -> HttpResponse:
    return HttpResponse(twiml.render(document), content_type="application/xml")


def _call_for(lookup: CallLookup, params: dict[str, str]) -> Call | None:
    if lookup in (CallLookup.START, CallLookup.CREATE):
        return calls.call_start(params=params, insert_first=lookup is CallLookup.CREATE)
    if lookup is CallLookup.FIND:
        return call_by_sid(params.get("CallSid", ""), lock=True)
    return None


# The safe answers that keep a caller on the line; the others answer callbacks and messages.
_VOICE_ANSWERS = (voice_apology, keep_holding)


def _refusal(request: HttpRequest, on_error: SafeAnswer, problems: list[str]) -> HttpResponse:
    logger.warning("Refused webhook %s: %s", request.path, "; ".join(problems))
    if on_error in _VOICE_ANSWERS:
        return on_error(request)  # a caller may be on the line: valid TwiML, never an error
    return HttpResponseBadRequest("; ".join(problems))


def twilio_webhook(
    event: str,
    *,
    on_error: SafeAnswer,
    call: CallLookup = CallLookup.START,
    requires: tuple[str, ...] | None = None,
) -> Callable[[WebhookView], DjangoView]:
    """Make `view(webhook, **url_kwargs)` a Twilio webhook logged as `event`.

    The view returns a TwiML document (sent as XML) or None (204 No Content). `requires`
    names the SIDs without which the request is refused (default: CallSid when it looks a
    call up).
    """
    required = requires if requires is not None else () if call is CallLookup.NONE else ("CallSid",)

    def decorate(view: WebhookView) -> DjangoView:
        @csrf_exempt
        @require_POST
        @wraps(view)
        def wrapper(request: HttpRequest, **kwargs: object) -> HttpResponse:
            if not signature_is_valid(request):
                logger.warning("Refused a webhook with a bad signature: %s", request.path)
                return HttpResponseForbidden("Invalid Twilio signature.")
            params = request.POST.dict()
            problems = param_problems(params, requires=required)
            if problems:
                return _refusal(request, on_error, problems)
            try:
                with transaction.atomic():
                    hook = Webhook(request=request, params=params, call=_call_for(call, params))
                    answer = view(hook, **kwargs)
                    calls.event_log(kind=event, params=params, call=hook.call, ignored=hook.ignored)
            except Exception:
                logger.exception("Webhook %s failed for %s", request.path, params.get("CallSid"))
                return on_error(request)
            return HttpResponse(status=204) if answer is None else _xml(answer)

        wrapper.twilio_event = event  # type: ignore[attr-defined]  # read by the URL checks
        return wrapper

    return decorate
