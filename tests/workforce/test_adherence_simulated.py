"""Adherence and conformance on a presence log built the way a real shift goes: Alex signs
in late on the desk, the simulator offers a call, he answers it, talks, wraps up and takes
his break early from the wrap-up form, comes back a little late; the figures are worked by
hand against the published schedule."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse

from telephony.models import AgentStateChange, Disposition, Queue
from telephony.simulator import CalledParty, CallerScript
from tests.floor.conftest import START, billing_agent
from tests.telephony.conftest import OUR_NUMBER
from workforce import adherence
from workforce.models import Schedule, Shift, ShiftActivity, ShiftTemplate

# Routing and ringing run after commit, as in production: this test commits.
pytestmark = pytest.mark.django_db(transaction=True)

HTMX = {"HX-Request": "true"}


def minutes(count: int) -> timedelta:
    return timedelta(minutes=count)


def _publish_shift(agent) -> None:
    """On the phones 15:00-16:00 on Billing, a break 15:30-15:45."""
    template = ShiftTemplate.objects.create(
        name="Hour", earliest_start=START.time(), latest_start=START.time(), length_minutes=60
    )
    schedule = Schedule.objects.create(
        week_start=START.date(), status=Schedule.Status.PUBLISHED, generated_at=START
    )
    shift = Shift.objects.create(
        schedule=schedule,
        agent=agent,
        queue=Queue.objects.get(name="Billing"),
        template=template,
        start=START,
        end=START + minutes(60),
    )
    ShiftActivity.objects.create(
        shift=shift, kind="break", start=START + minutes(30), end=START + minutes(45)
    )


def test_adherence_on_a_shift_played_through_the_simulator(
    clocked_simulator, support_line, ava, client_as
):
    sim = clocked_simulator
    alex = billing_agent("alex", state="offline")
    _publish_shift(alex)
    sim.register_client("alex", CalledParty(answer="human", ring_seconds=2, talk_seconds=240))
    sim.set_party("+14155550142", CalledParty())
    desk = client_as(alex.user)

    def run_until(offset: timedelta) -> None:
        sim.run((START + offset - sim.clock.now()).total_seconds())
        assert sim.clock.now() == START + offset

    def presence(state: str, reason: str = "") -> None:
        answer = desk.post(
            reverse("telephony:desk_presence"), {"state": state, "reason": reason}, headers=HTMX
        )
        assert answer.status_code == 200 and "errorlist" not in answer.content.decode()

    run_until(minutes(6))
    presence("available")  # 6 minutes late: past the 5-minute tolerance
    run_until(minutes(10))
    call = sim.dial_in(from_="+14155550142", to=OUR_NUMBER, script=CallerScript(inputs=["1"]))
    run_until(minutes(15))  # offered, answered, 4 minutes' talk, in wrap-up
    assert call.status == "completed" and call.application_errors == []
    alex.refresh_from_db()
    assert alex.state == "wrap_up"
    wrapped = desk.post(
        reverse("telephony:desk_wrap_up"),
        {
            "disposition": Disposition.objects.get(queue__name="Billing", code="resolved").pk,
            "next_state": "not_ready",
            "reason": "break",
        },
        headers=HTMX,
    )
    assert wrapped.status_code == 200
    # The break taken 15 minutes early: out of adherence, shown once past the tolerance.
    run_until(minutes(19))
    assert adherence.out_of_adherence_now() == []
    run_until(minutes(21))
    (out,) = adherence.out_of_adherence_now()
    assert (out.agent, out.scheduled, out.since) == (alex, "phones", START + minutes(15))
    run_until(minutes(48))
    presence("available")  # 3 minutes late back from the break: forgiven
    run_until(minutes(60))
    presence("offline")
    run_until(minutes(120))

    states = list(
        AgentStateChange.objects.filter(agent=alex)
        .order_by("started_at", "pk")
        .values_list("state", flat=True)
    )
    assert states == [
        "available",
        "offered",
        "on_call",
        "wrap_up",
        "not_ready",
        "available",
        "offline",
    ]
    (row,) = adherence.agents_adherence(agents=[alex], first=START.date(), last=START.date())
    # Scheduled 60 min. Out: 15:00-15:06 signed out (6 min), 15:15-15:30 on break while on
    # the phones (15 min); 15:45-15:48 late back is under the tolerance. 60 - 6 - 15 = 39.
    assert row.scheduled == minutes(60)
    assert row.in_adherence == minutes(39)
    assert row.adherence == pytest.approx(39 / 60)
    # Signed in 15:06-16:00: 54 of the 60 scheduled minutes.
    assert row.logged_in == minutes(54)
    assert row.conformance == pytest.approx(54 / 60)
