"""Managers' admin for Do-Not-Call: entries are audited, registry files load (uploaded or
from disk), and the lists warn about an old registry copy."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from crm import selectors, services
from crm.models import DncChange, DncList

pytestmark = pytest.mark.django_db


def test_entries_added_in_admin_are_audited(client_as, manager):
    internal = services.dnc_internal_list()
    response = client_as(manager).post(
        reverse("admin:crm_dncentry_add"),
        {"dnc_list": internal.pk, "phone": "(415) 555-0142", "reason": "Letter"},
    )
    assert response.status_code == 302
    change = DncChange.objects.get()
    assert (change.phone, change.by, change.source) == ("+14155550142", manager, "manual")


def test_registry_files_upload_in_admin(client_as, manager, django_capture_on_commit_callbacks):
    national = DncList.objects.create(name="National", kind="national", as_of=dt.date(2026, 1, 1))
    files = [
        SimpleUploadedFile("212.txt", b"212,5550101\n"),
        SimpleUploadedFile("415.txt", b"4155550102\n"),
    ]
    with django_capture_on_commit_callbacks(execute=True):
        response = client_as(manager).post(
            reverse("admin:crm_dnclist_registry_import", args=[national.pk]),
            {"files": files, "as_of": "2026-11-25"},
        )
    assert response.status_code == 302
    assert selectors.is_on_dnc("+12125550101") and selectors.is_on_dnc("+14155550102")
    national.refresh_from_db()
    assert national.as_of == dt.date(2026, 11, 25)


def test_registry_command_loads_files_from_disk(tmp_path):
    path = tmp_path / "305.txt"
    path.write_bytes(b"305,5550101\n305,5550102\n")
    call_command("dnc_registry_import", str(path), "--as-of", "2026-11-25")
    national = DncList.objects.get(kind="national")
    assert national.registry_numbers.count() == 2 and national.as_of == dt.date(2026, 11, 25)


def test_dnc_list_admin_warns_about_an_old_registry_copy(client_as, manager):
    DncList.objects.create(
        name="Old", kind="national", as_of=timezone.localdate() - dt.timedelta(60)
    )
    page = client_as(manager).get(reverse("admin:crm_dnclist_changelist"))
    assert "60 days old" in page.content.decode()
