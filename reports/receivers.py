"""reports' answers to telephony's signals: the figures a call touched, recomputed once
its records are committed."""

from __future__ import annotations

from django.db import transaction
from django.dispatch import receiver

from telephony.models import Call, QueueEntry
from telephony.signals import call_ended, wrap_up_submitted

from . import services
from .tasks import stale_intervals_refresh


def _refresh_after_commit(call_id: int | None) -> None:
    """Note the call in this transaction (nothing lost if the task is); refresh after."""
    if call_id is not None:
        services.calls_note_stale(call_ids=[call_id])
        transaction.on_commit(stale_intervals_refresh.delay)


@receiver(call_ended)
def intervals_on_call_end(*, call: Call, **_signal: object) -> None:
    """A call ended: its queue's and agents' intervals."""
    _refresh_after_commit(call.pk)


@receiver(wrap_up_submitted)
def intervals_on_wrap_up(*, entry: QueueEntry, **_signal: object) -> None:
    """A wrap-up closed: the handle time of its call is complete. Returns None, so the
    callback (if any) stays the ACD's."""
    _refresh_after_commit(entry.call_id)
