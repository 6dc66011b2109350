"""The wallboard's live figures equal the KPI definitions, on calls through the simulator."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.utils import timezone

from floor import selectors
from telephony.acd.tasks import wrap_up_sweep
from telephony.models import AgentProfile, AgentStateChange, Queue, QueueEntry
from telephony.simulator import CalledParty, CallerScript
from tests.floor.conftest import billing_agent
from tests.telephony.conftest import OUR_NUMBER

# Routing and ringing run after commit, as in production: these tests commit.
pytestmark = pytest.mark.django_db(transaction=True)


def _caller(simulator, number: str, **script) -> None:
    simulator.dial_in(from_=number, to=OUR_NUMBER, script=CallerScript(inputs=["1"], **script))


def _definitions(queue):
    """The KPI table's formulas, row by row in Python, over today's entries of `queue`."""
    since = selectors.midnight(timezone.now())
    short = dt.timedelta(seconds=settings.SHORT_ABANDON_SECONDS)
    entries = list(
        QueueEntry.objects.filter(
            queue=queue, waiting_since__gte=since, transferred_from__isnull=True
        )
    )
    answered = [e for e in entries if e.connected_at]
    abandoned = [e for e in entries if e.kind == "call" and e.status == "abandoned"]
    shorts = [e for e in abandoned if e.ended_at - e.waiting_since <= short]
    counted = len(entries) - len(shorts)
    in_target = [
        e
        for e in answered
        if e.connected_at - e.waiting_since <= dt.timedelta(seconds=queue.service_level_seconds)
    ]
    handled = [e for e in answered if e.status == "done"]
    handle = 0.0
    for entry in handled:
        wrap_up = AgentStateChange.objects.get(
            agent=entry.served_by, state="wrap_up", started_at=entry.ended_at
        )
        wrap_end = wrap_up.ended_at or timezone.now()
        handle += (entry.ended_at - entry.connected_at).total_seconds()
        handle += (wrap_end - wrap_up.started_at).total_seconds()
    waits = [(e.connected_at - e.waiting_since).total_seconds() for e in answered]
    return {
        "offered": len(entries),
        "answered": len(answered),
        "short_abandoned": len(shorts),
        "abandoned": len(abandoned) - len(shorts),
        "service_level": round(100 * len(in_target) / counted, 1),
        "abandonment_rate": round(100 * (len(abandoned) - len(shorts)) / counted, 1),
        "asa_seconds": round(sum(waits) / len(answered)),
        "aht_seconds": round(handle / len(handled)),
        "handled": len(handled),
    }


def _agent_definitions(agent):
    now = timezone.now()
    spent: dict[str, float] = {}
    for change in agent.state_changes.all():
        end = change.ended_at or now
        spent[change.state] = (
            spent.get(change.state, 0.0) + (end - change.started_at).total_seconds()
        )
    work = spent.get("on_call", 0.0) + spent.get("wrap_up", 0.0)
    handled = QueueEntry.objects.filter(served_by=agent, connected_at__isnull=False).count()
    return {
        "handled_today": handled,
        "aht_seconds": round(work / handled),
        "occupancy": round(100 * work / (work + spent.get("available", 0.0)), 1),
    }


def test_live_figures_follow_the_kpi_definitions(clocked_simulator, support_line, ava):
    sim = clocked_simulator
    billing = Queue.objects.get(name="Billing")
    Queue.objects.filter(pk=billing.pk).update(wrap_up_seconds=10)
    alex = billing_agent("alex")
    sim.register_client("alex", CalledParty(answer="human", ring_seconds=3, talk_seconds=60))
    sim.set_party("+14155550142", CalledParty())

    _caller(sim, "+14155550142")  # answered at once: within the service level
    sim.run(20)
    _caller(sim, "+14155550143", patience=3)  # a short abandon
    sim.run(10)
    _caller(sim, "+14155550144", patience=30)  # abandons after the threshold
    sim.run(10)
    _caller(sim, "+14155550145")  # waits for Alex, past the service level
    sim.run(30)

    # While Alex talks and one caller waits: the figures now.
    [now_figures] = selectors.queue_figures(queues=Queue.objects.filter(pk=billing.pk))
    waiting = QueueEntry.objects.filter(queue=billing, status="waiting", kind="call")
    assert now_figures.waiting == len(waiting) > 0
    assert now_figures.longest_wait_seconds == int(
        (timezone.now() - min(e.waiting_since for e in waiting)).total_seconds()
    )
    assert now_figures.agents_by_state["on_call"] == 1
    [alex_now] = selectors.agent_figures(agents=AgentProfile.objects.filter(pk=alex.pk))
    assert alex_now.state == "on_call" and alex_now.call_customer == "Ava Chen"
    assert alex_now.call_queue == "Billing"

    sim.run(60)  # the first call ends; Alex wraps up for 10 s
    sim.run(15)
    wrap_up_sweep()
    sim.run(120)  # the last caller is answered, talks, hangs up
    sim.run(15)
    wrap_up_sweep()
    sim.run(5)

    [figures] = selectors.queue_figures(queues=Queue.objects.filter(pk=billing.pk))
    expected = _definitions(billing)
    assert {key: getattr(figures, key) for key in expected} == expected
    # The scenario's shape, so the comparison above is not vacuous.
    assert (expected["offered"], expected["answered"]) == (4, 2)
    assert (expected["short_abandoned"], expected["abandoned"]) == (1, 1)
    assert expected["service_level"] == pytest.approx(100 / 3, abs=0.1)
    assert figures.waiting == 0 and figures.service_level_colour == "red"

    [alex_today] = selectors.agent_figures(agents=AgentProfile.objects.filter(pk=alex.pk))
    expected_agent = _agent_definitions(alex)
    assert {key: getattr(alex_today, key) for key in expected_agent} == expected_agent
    assert alex_today.handled_today == 2 and alex_today.state == "available"


def test_today_starts_at_midnight_in_the_call_centers_time_zone(settings):
    settings.TIME_ZONE = "America/New_York"
    timezone.deactivate()
    late_evening_utc = dt.datetime(2026, 11, 24, 3, 0, tzinfo=dt.UTC)  # 22:00 in New York
    assert selectors.midnight(late_evening_utc) == dt.datetime(2026, 11, 23, 5, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("level", "colour"),
    [(None, "none"), (85.0, "green"), (80.0, "green"), (75.0, "amber"), (60.0, "red")],
)
def test_service_level_colour_by_the_queues_thresholds(level, colour):
    assert selectors.service_level_colour(level=level, target=80, warning=70) == colour
