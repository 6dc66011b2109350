"""The dialer listening to telephony: an agent's wrap-up decides what becomes of a lead."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.dispatch import receiver

from telephony.signals import wrap_up_submitted

from . import services

if TYPE_CHECKING:
    import datetime as dt

    from telephony.models import AgentProfile, Disposition, QueueEntry


@receiver(wrap_up_submitted)
def lead_disposition(
    sender: type[QueueEntry],
    *,
    agent: AgentProfile,
    entry: QueueEntry,
    disposition: Disposition,
    callback_at: dt.datetime | None,
    **kwargs: object,
) -> bool:
    return services.attempt_disposition(
        entry=entry, agent=agent, disposition=disposition, callback_at=callback_at
    )
