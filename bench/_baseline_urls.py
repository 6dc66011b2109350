"""The project's URLs plus the two views bench/webhook.py compares the incoming webhook with.

- `bench/minimal-incoming/`, the baseline: the least a correct incoming-call webhook can
  do, hand-written. It checks Twilio's signature (twilio's RequestValidator, as the app),
  looks the caller up by the indexed E.164 phone column (one SELECT), writes the call row
  (one INSERT, autocommit) and answers the TwiML the app answers for the benchmark's line:
  the greeting in the caller's language (the customer's, else the line's), then a Redirect
  to the menu. It skips what a product must do beyond that, and the ratio prices it: the
  event log, the IVR path, duplicate and out-of-order handling (a retried webhook is a
  unique-violation error here), parameter checks, number normalization (it trusts Twilio's
  E.164), the transaction, and a safe answer when anything fails.
- `bench/constant-twiml/`: fixed TwiML of the same shape and no work at all, the server's
  own ceiling (and what the script polls to know the server is up).

Both go through the same server, settings, middleware and URL resolver as the webhook.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden
from django.urls import include, path, reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from twilio.request_validator import RequestValidator
from twilio.twiml.voice_response import VoiceResponse

CONSTANT_PATH = "bench/constant-twiml/"
MINIMAL_PATH = "bench/minimal-incoming/"


def _constant_document() -> str:
    response = VoiceResponse()
    response.say("Welcome to the benchmark line.", language="en-US")
    response.redirect("http://127.0.0.1:8000/telephony/voice/ivr/1/", method="POST")
    return str(response)


CONSTANT_TWIML = _constant_document()


@csrf_exempt
@require_POST
def constant_twiml(request: HttpRequest) -> HttpResponse:
    """Twilio's POST answered with fixed TwiML: no signature check, no database."""
    return HttpResponse(CONSTANT_TWIML, content_type="application/xml")


# The caller by phone: the same join and order as crm.selectors.customers_by_phone.
CUSTOMER_BY_PHONE = """
SELECT c.id, c.preferred_language FROM crm_customer c
JOIN crm_phonenumber p ON p.customer_id = c.id
WHERE p.number = %s ORDER BY p.is_primary DESC, c.id LIMIT 1
"""


class _Line:
    """What the view knows of the benchmark's lines, read once per process (as the app
    keeps its lines): id, language, the greeting and the node after it; and the INSERT."""

    def __init__(self) -> None:
        self.lines: dict[str, tuple[int, str, str, str, str]] = {}
        self.insert_sql = ""
        self.defaults: dict[str, Any] = {}

    def line(self, number: str) -> tuple[int, str, str, str, str] | None:
        if number not in self.lines:
            from telephony.models import InboundNumber

            found = InboundNumber.objects.select_related("flow__entry_node").filter(number=number)
            line = found.first()
            if line is None or line.flow is None or line.flow.entry_node is None:
                return None
            greeting = line.flow.entry_node
            menu_url = settings.PUBLIC_BASE_URL + reverse(
                "telephony:ivr_node", args=[greeting.next_node_id]
            )
            self.lines[number] = (
                line.pk,
                line.language,
                greeting.message,
                greeting.voice,
                menu_url,
            )
        return self.lines[number]

    def insert(self) -> str:
        """INSERT INTO telephony_call with every column: the ones a call's first webhook
        sets are bound per request, the others get their model defaults, prepared once."""
        if not self.insert_sql:
            from telephony.models import Call

            per_request = {
                "sid", "direction", "from_number", "to_number", "inbound_number_id",
                "customer_id", "identified_by", "twilio_status", "created_at",
            }  # fmt: skip
            blank = Call()
            columns, values = [], []
            for field in Call._meta.concrete_fields:
                if field.primary_key:
                    continue
                columns.append(field.column)
                if field.attname in per_request:
                    values.append(f"%({field.attname})s")
                else:
                    values.append(f"%(default_{field.attname})s")
                    value = field.get_db_prep_save(getattr(blank, field.attname), connection)
                    self.defaults[f"default_{field.attname}"] = value
            self.insert_sql = (
                f"INSERT INTO telephony_call ({', '.join(columns)}) VALUES ({', '.join(values)})"
            )
        return self.insert_sql


_LINES = _Line()
_VALIDATOR: RequestValidator | None = None


@csrf_exempt
@require_POST
def minimal_incoming(request: HttpRequest) -> HttpResponse:
    """An incoming call, with only the essential work: signature, caller, call row, TwiML."""
    global _VALIDATOR
    if _VALIDATOR is None:
        _VALIDATOR = RequestValidator(settings.TWILIO_AUTH_TOKEN)
    url = settings.PUBLIC_BASE_URL + request.get_full_path()
    signature = request.headers.get("X-Twilio-Signature", "")
    if not signature or not _VALIDATOR.validate(url, request.POST, signature):
        return HttpResponseForbidden("Invalid Twilio signature.")
    params = request.POST
    caller, called = params.get("From", ""), params.get("To", "")
    line = _LINES.line(called)
    if line is None:
        return HttpResponse(status=404)
    line_id, line_language, greeting, voice, menu_url = line
    sql = _LINES.insert()
    with connection.cursor() as cursor:
        cursor.execute(CUSTOMER_BY_PHONE, [caller])
        customer = cursor.fetchone()
        cursor.execute(
            sql,
            {
                **_LINES.defaults,
                "sid": params["CallSid"],
                "direction": "inbound",
                "from_number": caller,
                "to_number": called,
                "inbound_number_id": line_id,
                "customer_id": customer[0] if customer else None,
                "identified_by": "caller_id" if customer else "",
                "twilio_status": params.get("CallStatus", ""),
                "created_at": datetime.now(UTC),
            },
        )
    response = VoiceResponse()
    say = {"language": customer[1] if customer else line_language}
    if voice:
        say["voice"] = voice
    response.say(greeting, **say)
    response.redirect(menu_url, method="POST")
    return HttpResponse(str(response), content_type="application/xml")


urlpatterns = [
    # First, so the project's catch-all "" includes cannot shadow them.
    path(CONSTANT_PATH, constant_twiml, name="bench_constant_twiml"),
    path(MINIMAL_PATH, minimal_incoming, name="bench_minimal_incoming"),
    path("", include("callcenter.urls")),
]
