"""What every Twilio webhook does around its one service call: `twilio_webhook`.

It checks Twilio's signature, exempts the view from CSRF (Twilio signs instead), finds or
creates the Call the request is about, runs the view in one transaction, keeps the request
in the call's event log, and turns what the view returns into Twilio's answer. Whatever goes
wrong inside, Twilio gets the view's safe answer: valid TwiML, so callers hear an apology
and a safe route, never "an application error".
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Concatenate, TypeAlias

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden, QueryDict
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from twilio.request_validator import RequestValidator

from . import twiml
from .acd import waiting
from .calls import services as calls
from .models import Call

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


class CallLookup(enum.Enum):
    """How a webhook finds the Call it is about, by the request's CallSid."""

    # Created on first sight with the caller identified (calls.call_start); locked.
    START = "start"
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
        """The call of a webhook that looks its call up with CallLookup.START."""
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
    if lookup is CallLookup.START:
        return calls.call_start(params=params)
    if lookup is CallLookup.FIND:
        return Call.objects.select_for_update().filter(sid=params.get("CallSid", "")).first()
    return None


def twilio_webhook(
    event: str, *, on_error: SafeAnswer, call: CallLookup = CallLookup.START
) -> Callable[[WebhookView], DjangoView]:
    """Make `view(webhook, **url_kwargs)` a Twilio webhook logged as `event`.

    The view returns a TwiML document (sent as XML) or None (204 No Content).
    """

    def decorate(view: WebhookView) -> DjangoView:
        @csrf_exempt
        @require_POST
        @wraps(view)
        def wrapper(request: HttpRequest, **kwargs: object) -> HttpResponse:
            if not signature_is_valid(request):
                logger.warning("Refused a webhook with a bad signature: %s", request.path)
                return HttpResponseForbidden("Invalid Twilio signature.")
            params = request.POST.dict()
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
