"""Twilio webhooks of monitoring: the supervisor's leg in a call's conference."""

from __future__ import annotations

from ..webhooks import CallLookup, Webhook, no_content, twilio_webhook
from . import services


# The supervisor's leg is no call with a customer: it gets no Call row of its own.
@twilio_webhook("monitor-status", on_error=no_content, call=CallLookup.NONE, requires=("CallSid",))
def monitor_leg_status(hook: Webhook, session_id: int) -> None:
    """Progress of a supervisor's leg: joined, or gone."""
    services.monitor_leg_status(session_id=session_id, params=hook.params)
