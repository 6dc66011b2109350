"""The hand-written call rows (telephony/calls/rows.py), on whichever database runs the suite:
the same statements must serve PostgreSQL and SQLite."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime

import pytest
from django.db import connection, transaction

from crm import services as crm_services
from telephony.calls import rows
from telephony.calls import services as calls
from telephony.models import Call, CallEvent
from tests.concurrency import on_postgresql_only, run_at_once

_sids = itertools.count(0xCA11)
pytestmark = pytest.mark.django_db


def new_sid() -> str:
    return f"CA{next(_sids):032x}"


def new_call(**fields: object) -> Call:
    defaults = {
        "sid": new_sid(),
        "direction": Call.Direction.INBOUND,
        "from_number": "+14155550142",
        "to_number": "+18005550100",
    }
    return Call(**(defaults | fields))


def test_a_new_call_is_written_with_every_default_filled_in():
    ava = crm_services.customer_create(name="Ava Chen", phone_numbers=[{"number": "4155550142"}])
    call = new_call(customer=ava, identified_by="caller_id", twilio_status="ringing")
    assert rows.call_insert(call) is True
    stored = Call.objects.get(pk=call.pk)
    assert (stored.sid, stored.customer, stored.identified_by) == (call.sid, ava, "caller_id")
    assert (stored.state, stored.ivr_path, stored.ivr_inputs) == (Call.State.RINGING, [], [])
    assert stored.created_at == call.created_at
    assert stored.queue is None and stored.ended_at is None


def test_a_second_insert_of_the_same_sid_writes_nothing():
    first = new_call(from_number="+14155550142")
    rows.call_insert(first)
    retry = new_call(sid=first.sid, from_number="+14155550199")
    assert rows.call_insert(retry) is False
    assert retry.pk is None
    assert list(Call.objects.filter(sid=first.sid).values_list("from_number", flat=True)) == [
        "+14155550142"
    ]


def test_an_ivr_step_writes_the_path_and_state_only():
    call = new_call()
    rows.call_insert(call)
    at = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
    call.ivr_path = [{"node": "greeting", "kind": "say", "at": at.isoformat()}]
    call.ivr_started_at, call.state = at, Call.State.IVR
    call.disposition = "not written by an IVR step"
    rows.call_ivr_step(call)
    stored = Call.objects.get(pk=call.pk)
    assert stored.ivr_path == call.ivr_path
    assert (stored.ivr_started_at, stored.state, stored.disposition) == (at, Call.State.IVR, "")


def test_an_event_keeps_its_parameters_as_json():
    call = new_call()
    rows.call_insert(call)
    event = rows.event_insert(
        CallEvent(call=call, call_sid=call.sid, kind="incoming", params={"Digits": "••", "n": 1})
    )
    stored = CallEvent.objects.get(pk=event.pk)
    assert (stored.call, stored.kind, stored.params) == (call, "incoming", {"Digits": "••", "n": 1})
    assert stored.received_at == event.received_at and stored.ignored is False


def test_a_call_is_found_by_its_sid_and_an_unknown_sid_finds_nothing():
    call = new_call()
    rows.call_insert(call)
    with transaction.atomic():
        assert rows.call_by_sid(call.sid, lock=True) == call
    assert rows.call_by_sid(new_sid(), lock=False) is None


def test_inserting_first_returns_the_call_a_status_callback_created_before():
    early = calls.call_start(params={"CallSid": new_sid(), "CallStatus": "completed"})
    again = calls.call_start(
        params={"CallSid": early.sid, "From": "+14155550142", "CallStatus": "ringing"},
        insert_first=True,
    )
    assert again.pk == early.pk
    assert again.twilio_status == "completed"  # the first row wins
    assert Call.objects.filter(sid=early.sid).count() == 1


class TestAtOnce:
    pytestmark = on_postgresql_only("concurrent inserts of one SID need PostgreSQL sessions")

    def test_two_incoming_webhooks_for_one_sid_at_once_make_one_call(self):
        sid = new_sid()
        found: list[int] = []

        def incoming() -> None:
            with transaction.atomic():
                found.append(
                    calls.call_start(
                        params={"CallSid": sid, "From": "+14155550142"}, insert_first=True
                    ).pk
                )

        run_at_once([incoming] * 4)
        assert connection.vendor == "postgresql"
        assert len(found) == 4 and len(set(found)) == 1
        assert Call.objects.filter(sid=sid).count() == 1
