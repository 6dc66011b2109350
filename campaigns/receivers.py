"""Campaigns listening to crm: a number newly on Do-Not-Call stops the leads it binds."""

from __future__ import annotations

from django.dispatch import receiver

from crm.signals import dnc_number_added

from . import services


@receiver(dnc_number_added)
def leads_stop(sender, *, dnc_list, phone, **kwargs) -> None:
    services.leads_stop_for_dnc(dnc_list=dnc_list, phone=phone)
