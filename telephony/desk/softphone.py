"""The agent's softphone: how a ringing offer is picked up.

With Twilio, the desk runs Twilio's Voice JavaScript SDK (a vendored static file) with an
access token from `access_token`; the browser itself answers the agent's leg. In
simulator mode there is no WebRTC: the desk's Accept asks the simulator to answer the
leg ringing at the agent's client. Rejecting and hanging up are REST calls through the
gateway in both modes, so they work for agents on a desk phone too.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from twilio.jwt.access_token import AccessToken
from twilio.jwt.access_token.grants import VoiceGrant

from ..simulator import SimulatorControl, SimulatorControlError

TOKEN_TTL_SECONDS = 3600


def mode() -> str:
    """ "simulator" (the desk's buttons answer) or "twilio" (the browser SDK answers)."""
    return "simulator" if settings.TWILIO_SIMULATED else "twilio"


def access_token(identity: str) -> str:
    """A Voice access token letting a browser receive calls as the client `identity` (an
    agent's, or a supervisor's joining calls from the wallboard)."""
    if not (settings.TWILIO_API_KEY_SID and settings.TWILIO_API_KEY_SECRET):
        raise ImproperlyConfigured(
            "Set TWILIO_API_KEY_SID and TWILIO_API_KEY_SECRET for browser softphones, "
            "or give agents a phone number to be rung on."
        )
    token = AccessToken(
        settings.TWILIO_ACCOUNT_SID,
        settings.TWILIO_API_KEY_SID,
        settings.TWILIO_API_KEY_SECRET,
        identity=identity,
        ttl=TOKEN_TTL_SECONDS,
    )
    token.add_grant(VoiceGrant(incoming_allow=True))
    return token.to_jwt()


def simulated_answer(call_sid: str) -> None:
    """Pick up the simulated leg ringing at an agent's client (simulator mode only)."""
    if not settings.TWILIO_SIMULATED:
        raise ImproperlyConfigured("With Twilio, the browser's softphone answers calls.")
    try:
        SimulatorControl(settings.SIMULATOR_URL).answer(call_sid)
    except SimulatorControlError as error:
        raise ConnectionError(str(error)) from error
