"""Campaigns listening to crm: a number newly on Do-Not-Call stops the leads it binds."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from crm.models import DncEntry, DncList
from crm.signals import dnc_number_added

from . import services


@receiver(dnc_number_added)
def leads_stop(sender: type[DncEntry], *, dnc_list: DncList, phone: str, **kwargs: Any) -> None:
    services.leads_stop_for_dnc(dnc_list=dnc_list, phone=phone)
