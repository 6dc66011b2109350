"""The project's URLs plus `bench/constant-twiml/`, the baseline of bench/webhook.py.

The baseline goes through the same server, middleware and URL resolver as the webhook but
does no work of its own: it answers a TwiML document built once, of about the size and shape
of the incoming-call webhook's answer (a Say and a Redirect).
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from twilio.twiml.voice_response import VoiceResponse

CONSTANT_PATH = "bench/constant-twiml/"


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


urlpatterns = [
    # First, so the project's catch-all "" includes cannot shadow it.
    path(CONSTANT_PATH, constant_twiml, name="bench_constant_twiml"),
    path("", include("callcenter.urls")),
]
