"""The dialer listening to telephony: an agent's wrap-up decides what becomes of a lead."""

from __future__ import annotations

from django.dispatch import receiver

from telephony.signals import wrap_up_submitted

from . import services


@receiver(wrap_up_submitted)
def lead_disposition(sender, *, agent, entry, disposition, callback_at, **kwargs) -> bool:
    return services.attempt_disposition(
        entry=entry, agent=agent, disposition=disposition, callback_at=callback_at
    )
