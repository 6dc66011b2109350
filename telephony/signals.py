"""Signals other apps listen to, so telephony need not know them."""

from django.dispatch import Signal

# Sent by wrap_up_submit with agent, entry, disposition and callback_at, inside its
# transaction. A receiver returning True takes over the callback (no ACD callback entry).
wrap_up_submitted = Signal()

# Sent by telephony.calls.recording.recording_status_update with recording, inside its
# transaction, when Twilio says a recording is complete (its media can be fetched).
recording_completed = Signal()

# Sent by telephony.calls.services.call_status_update with call, inside its transaction,
# once, when Twilio says a call ended (reports recompute the figures it touches).
call_ended = Signal()
