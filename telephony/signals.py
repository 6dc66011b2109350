"""Signals other apps listen to, so telephony need not know them."""

from django.dispatch import Signal

# Sent by wrap_up_submit with agent, entry, disposition and callback_at, inside its
# transaction. A receiver returning True takes over the callback (no ACD callback entry).
wrap_up_submitted = Signal()

# Sent by telephony.calls.recording.recording_status_update with recording, inside its
# transaction, when Twilio says a recording is complete (its media can be fetched).
recording_completed = Signal()
