"""First-contact resolution from the data: repeat contacts inside and outside the window,
across channels (calls in and out, texts, callbacks), the disposition while the window is
open, and what a survey reply is not."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.utils import timezone

from crm.models import Customer
from qa.models import Survey, SurveyPlan
from qa.surveys import fcr
from telephony.models import AgentProfile, Call, Disposition, Queue, QueueEntry, SmsMessage
from tests.factories import UserFactory

DAY1 = dt.datetime(2026, 11, 2, 15, 0, tzinfo=dt.UTC)
LONG_AFTER = DAY1 + dt.timedelta(days=30)
_sids = itertools.count(1)


def _sid(prefix: str) -> str:
    return f"{prefix}{next(_sids):032x}"


@pytest.fixture
def floor(db):
    queue = Queue.objects.create(name="Billing")
    agent = AgentProfile.objects.create(
        user=UserFactory.create(username="alex"), client_identity="alex"
    )
    customer = Customer.objects.create(name="Ava Chen", account_number="AC-1")
    return queue, agent, customer


def _contact(floor, at: dt.datetime, *, disposition: str = "", customer=None) -> QueueEntry:
    """A conversation of the customer with Alex in Billing that ended at `at`."""
    queue, agent, ava = floor
    call = Call.objects.create(
        sid=_sid("CA"),
        direction="inbound",
        from_number="+14155550142",
        to_number="+18005550100",
        customer=customer or ava,
        created_at=at - dt.timedelta(minutes=6),
        answered_at=at - dt.timedelta(minutes=5),
        disposition=disposition,
    )
    return QueueEntry.objects.create(
        queue=queue,
        call=call,
        customer=customer or ava,
        status="done",
        served_by=agent,
        waiting_since=at - dt.timedelta(minutes=6),
        connected_at=at - dt.timedelta(minutes=5),
        ended_at=at,
        caller_call_sid=call.sid,
    )


def _call(customer, at: dt.datetime, *, direction="inbound", answered=True) -> Call:
    return Call.objects.create(
        sid=_sid("CA"),
        direction=direction,
        from_number="+14155550142",
        to_number="+18005550100",
        customer=customer,
        created_at=at,
        answered_at=at if answered else None,
    )


def _text(customer, at: dt.datetime) -> SmsMessage:
    return SmsMessage.objects.create(
        sid=_sid("SM"),
        direction="inbound",
        from_number="+14155550142",
        to_number="+18005550100",
        body="About my bill again",
        customer=customer,
        created_at=at,
    )


def _outcomes(now=LONG_AFTER):
    return fcr.contact_outcomes(
        start=DAY1 - dt.timedelta(days=1), end=DAY1 + dt.timedelta(days=1), now=now
    )


def test_no_contact_within_the_window_is_resolved(floor):
    _contact(floor, DAY1)
    _call(floor[2], DAY1 + dt.timedelta(days=7, minutes=1))  # just outside 7 days
    (outcome,) = _outcomes()
    assert (outcome.outcome, outcome.repeats) == ("resolved", [])


@pytest.mark.parametrize(
    ("make_repeat", "channel"),
    [
        (lambda ava, at: _call(ava, at), "call"),
        (lambda ava, at: _call(ava, at, answered=False), "call"),  # an abandoned call too
        (lambda ava, at: _call(ava, at, direction="outbound-api"), "call"),  # a callback
        (lambda ava, at: _text(ava, at), "sms"),
    ],
    ids=["inbound call", "abandoned inbound call", "answered callback", "text"],
)
def test_any_channel_inside_the_window_is_a_repeat(floor, make_repeat, channel):
    _contact(floor, DAY1)
    repeat = make_repeat(floor[2], DAY1 + dt.timedelta(days=6, hours=23))
    (outcome,) = _outcomes()
    assert outcome.outcome == "repeated"
    assert [(r.channel, r.id) for r in outcome.repeats] == [(channel, repeat.pk)]


def test_an_unanswered_call_out_is_no_contact(floor):
    _contact(floor, DAY1)
    _call(floor[2], DAY1 + dt.timedelta(days=1), direction="outbound-api", answered=False)
    (outcome,) = _outcomes()
    assert outcome.outcome == "resolved"


def test_another_customer_calling_is_no_repeat(floor):
    _contact(floor, DAY1)
    _call(
        Customer.objects.create(name="Ben Ortiz", account_number="AC-2"),
        DAY1 + dt.timedelta(days=1),
    )
    assert [o.outcome for o in _outcomes()] == ["resolved"]


def test_the_window_is_configurable(floor, settings):
    settings.FCR_WINDOW_DAYS = 2
    _contact(floor, DAY1)
    _call(floor[2], DAY1 + dt.timedelta(days=3))
    assert [o.outcome for o in _outcomes()] == ["resolved"]
    settings.FCR_WINDOW_DAYS = 7
    assert [o.outcome for o in _outcomes()] == ["repeated"]


def test_while_the_window_is_open_the_disposition_decides(floor):
    Disposition.objects.create(code="solved", label="Solved", resolves_contact=True)
    Disposition.objects.create(code="escalated", label="Escalated", resolves_contact=False)
    _contact(floor, DAY1, disposition="solved")
    _contact(floor, DAY1 + dt.timedelta(minutes=30), disposition="escalated")
    two_days_on = DAY1 + dt.timedelta(days=2)
    assert [o.outcome for o in _outcomes(now=two_days_on)] == ["repeated", "pending"]
    # The second contact is the first's repeat; once its own window passes, it resolves.
    assert [o.outcome for o in _outcomes()] == ["repeated", "resolved"]


def test_a_survey_reply_is_not_a_repeat_contact(floor):
    entry = _contact(floor, DAY1)
    reply = _text(floor[2], DAY1 + dt.timedelta(minutes=10))
    plan = SurveyPlan.objects.create(name="SMS", channel="sms")
    Survey.objects.create(
        plan=plan, call=entry.call, channel="sms", status="completed", reply_sids=[reply.sid]
    )
    (outcome,) = _outcomes()
    assert outcome.outcome == "resolved"


def test_a_transfers_second_leg_is_the_same_contact(floor):
    first = _contact(floor, DAY1)
    QueueEntry.objects.create(
        queue=first.queue,
        call=first.call,
        customer=first.customer,
        status="done",
        served_by=first.served_by,
        transferred_from=first,
        connected_at=DAY1,
        ended_at=DAY1 + dt.timedelta(minutes=3),
    )
    assert [o.entry_id for o in _outcomes()] == [first.pk]


def test_figures_count_only_decided_contacts():
    outcomes = [
        fcr.ContactOutcome(1, 1, 1, 1, 1, timezone.now(), "", outcome)
        for outcome in ("resolved", "resolved", "resolved", "repeated", "pending")
    ]
    assert fcr.fcr_figures(outcomes) == {
        "fcr_contacts": 5,
        "fcr_resolved": 3,
        "fcr_repeated": 1,
        "fcr_pending": 1,
        "fcr": 75.0,
    }
    assert fcr.fcr_figures([])["fcr"] is None


def test_csat_counts_fours_and_fives():
    assert fcr.csat_figures([5, 4, 3, 1]) == {
        "survey_answers": 4,
        "csat_satisfied": 2,
        "csat": 50.0,
    }
