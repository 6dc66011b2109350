"""Celery tasks of crm: thin adapters around its services."""

from __future__ import annotations

import datetime

from celery import shared_task
from django.core.files.storage import default_storage

from . import services
from .models import DncList


@shared_task(ignore_result=True)
def dnc_registry_import(dnc_list_id: int, stored_name: str, as_of: str) -> None:
    """Load an uploaded registry file, then delete it (it is only a copy of the registry)."""
    dnc_list = DncList.objects.get(pk=dnc_list_id)
    try:
        with default_storage.open(stored_name, "rb") as handle:
            services.dnc_registry_import(
                dnc_list=dnc_list, handle=handle, as_of=datetime.date.fromisoformat(as_of)
            )
    finally:
        default_storage.delete(stored_name)
