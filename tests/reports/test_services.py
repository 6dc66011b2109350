"""Interval facts against hand-worked scenarios; rebuilt facts equal incremental ones."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.management import call_command
from django.forms.models import model_to_dict

from reports import services
from reports.models import AgentInterval, QueueInterval
from reports.periods import center_zone, local_moment
from reports.selectors import agent_kpis, queue_kpis
from telephony.calls.services import call_status_update
from telephony.models import AgentProfile, QueueEntry

from .conftest import at

pytestmark = pytest.mark.django_db
State = AgentProfile.State


def one_queue_row(start, end, interval="15m"):
    rows = queue_kpis(start=at(start), end=at(end), interval=interval)
    assert len(rows) == 1, rows
    return rows[0]


def test_short_abandons_are_left_out_of_service_level_and_abandonment(records):
    support, alex = records.queue(threshold=20), records.agent("alex")
    ten = at("2026-05-04 10:00:00")
    records.answered(support, joined=ten, wait=10, talk=60, agent=alex)
    records.answered(support, joined=ten + timedelta(minutes=2), wait=30, talk=60, agent=alex)
    records.left(support, joined=ten + timedelta(minutes=3), wait=3)  # short abandon
    records.left(support, joined=ten + timedelta(minutes=4), wait=40)
    services.queue_intervals_refresh(start=ten, end=ten + timedelta(minutes=15))

    row = one_queue_row("2026-05-04 10:00:00", "2026-05-04 10:15:00")
    assert (row["offered"], row["answered"], row["abandoned"], row["short_abandoned"]) == (
        4,
        2,
        1,
        1,
    )
    # 1 of the 3 counted calls was answered within 20 s; 1 of 3 abandoned.
    assert row["service_level"] == 33.33
    assert row["abandonment_rate"] == 33.33
    assert row["asa"] == 20.0  # (10 + 30) / 2
    assert row["average_wait"] == 20.75  # (10 + 30 + 3 + 40) / 4
    assert row["longest_wait"] == 40.0
    assert row["average_abandon_time"] == 40.0


def test_handle_time_is_talk_plus_hold_plus_wrap_up(records):
    support, alex = records.queue(), records.agent("alex")
    ten = at("2026-05-04 10:00:00")
    # 120 s in conversation of which 30 s on hold, then 45 s of wrap-up; and 60 + 15.
    records.answered(support, joined=ten, wait=5, talk=120, hold=30, wrap=45, agent=alex)
    records.answered(support, joined=ten, wait=5, talk=60, wrap=15, agent=alex)
    services.intervals_rebuild(start=ten, end=ten + timedelta(hours=1))

    row = one_queue_row("2026-05-04 10:00:00", "2026-05-04 10:15:00")
    assert row["handled"] == 2
    assert (row["average_talk"], row["average_hold"], row["average_wrap_up"]) == (75, 15, 30)
    assert row["aht"] == 120.0  # (90 + 30 + 45 + 60 + 0 + 15) / 2
    agent_row = agent_kpis(start=ten, end=ten + timedelta(hours=1), interval="hour")[0]
    assert agent_row["handled"] == 2
    assert agent_row["aht"] == 120.0


def test_a_transfer_is_counted_once_and_is_no_second_offer(records):
    support, alex, sam = records.queue(), records.agent("alex"), records.agent("sam")
    ten = at("2026-05-04 10:00:00")
    first = records.answered(support, joined=ten, wait=5, talk=100, agent=alex)
    common = {"queue": support, "call": first.call, "waiting_since": ten, "transferred_from": first}
    # Sam missed the first try, took the second.
    QueueEntry.objects.create(status=QueueEntry.Status.DONE, **common)
    QueueEntry.objects.create(
        status=QueueEntry.Status.DONE,
        offered_at=ten + timedelta(seconds=80),
        connected_at=ten + timedelta(seconds=90),
        ended_at=ten + timedelta(seconds=200),
        served_by=sam,
        **common,
    )
    services.intervals_rebuild(start=ten, end=ten + timedelta(hours=1))

    row = one_queue_row("2026-05-04 10:00:00", "2026-05-04 10:15:00")
    assert (row["offered"], row["answered"], row["transfers"]) == (1, 1, 1)
    by_agent = {
        r["agent_name"]: r
        for r in agent_kpis(start=ten, end=ten + timedelta(hours=1), interval="hour")
    }
    assert by_agent["Alex"]["transfers"] == 1
    assert by_agent["Sam"]["handled"] == 1
    assert by_agent["Sam"]["transfers"] == 0


def test_a_call_queued_again_after_its_conversation_was_transferred(records):
    support, billing, alex = records.queue(), records.queue("Billing"), records.agent("alex")
    ten = at("2026-05-04 10:00:00")
    first = records.answered(support, joined=ten, wait=5, talk=60, agent=alex)
    records.answered(
        billing,
        joined=ten + timedelta(seconds=70),
        wait=5,
        talk=60,
        agent=alex,
        call=first.call,
        log_states=False,
    )
    services.queue_intervals_refresh(start=ten, end=ten + timedelta(minutes=15))
    rows = {
        r["queue_name"]: r
        for r in queue_kpis(start=ten, end=ten + timedelta(minutes=15), interval="15m")
    }
    assert (rows["Support"]["transfers"], rows["Billing"]["transfers"]) == (1, 0)
    assert rows["Billing"]["offered"] == 1


def test_callbacks_requested_count_as_offered_once(records):
    support, alex = records.queue(), records.agent("alex")
    ten = at("2026-05-04 10:00:00")
    records.answered(
        support, joined=ten, wait=300, talk=60, agent=alex, kind=QueueEntry.Kind.CALLBACK
    )
    callback = records.left(support, joined=ten, wait=0, kind=QueueEntry.Kind.CALLBACK)
    QueueEntry.objects.filter(pk=callback.pk).update(
        status=QueueEntry.Status.WAITING, ended_at=None
    )
    records.left(support, joined=ten, wait=200, status=QueueEntry.Status.OVERFLOWED)
    services.queue_intervals_refresh(start=ten, end=ten + timedelta(minutes=15))

    row = one_queue_row("2026-05-04 10:00:00", "2026-05-04 10:15:00")
    assert (row["offered"], row["callbacks_requested"], row["callbacks_completed"]) == (3, 2, 1)
    assert row["voicemails"] == 1


def test_a_call_spanning_an_interval_boundary(records):
    support, alex = records.queue(), records.agent("alex")
    joined = at("2026-05-04 10:14:50")
    records.state(alex, State.AVAILABLE, at("2026-05-04 10:10:00"), at("2026-05-04 10:15:00"))
    records.state(alex, State.OFFERED, at("2026-05-04 10:15:00"), joined + timedelta(seconds=20))
    records.answered(support, joined=joined, wait=20, talk=280, wrap=60, agent=alex)
    services.intervals_rebuild(start=at("2026-05-04 10:00:00"), end=at("2026-05-04 11:00:00"))

    # The queue counts the call where it joined: 10:00, though answered at 10:15:10.
    assert QueueInterval.objects.get().interval_start == at("2026-05-04 10:00:00")
    first, second = agent_kpis(
        start=at("2026-05-04 10:00:00"), end=at("2026-05-04 11:00:00"), interval="15m"
    )
    # The agent's time splits at 10:15; the call counts where it was answered.
    assert (first["available"], first["ringing"], first["handled"]) == (300.0, 0.0, 0)
    assert (second["ringing"], second["on_call"], second["wrap_up_time"]) == (10.0, 280.0, 60.0)
    assert second["handled"] == 1
    assert second["occupancy"] == 100.0
    assert second["logged_in"] == 350.0


def test_agent_time_by_reason_occupancy_utilization_and_missed_offers(records):
    alex = records.agent("alex")
    nine = at("2026-05-04 09:00:00")
    minute = timedelta(minutes=1)
    records.state(alex, State.AVAILABLE, nine, nine + 20 * minute)
    records.state(alex, State.ON_CALL, nine + 20 * minute, nine + 30 * minute)
    records.state(alex, State.WRAP_UP, nine + 30 * minute, nine + 40 * minute)
    records.state(alex, State.NOT_READY, nine + 40 * minute, nine + 45 * minute, reason="missed")
    records.state(alex, State.NOT_READY, nine + 45 * minute, nine + 60 * minute, reason="lunch")
    records.state(alex, State.OFFLINE, nine + 60 * minute, None)
    services.agent_intervals_refresh(start=nine, end=nine + 60 * minute)

    (row,) = agent_kpis(start=nine, end=nine + 60 * minute, interval="hour")
    assert row["logged_in"] == 3600.0
    assert (row["not_ready"], row["not_ready_lunch"], row["not_ready_missed"]) == (1200, 900, 300)
    assert row["occupancy"] == 50.0  # 20 min handling of 40 handling + available
    assert row["utilization"] == 33.33  # 20 of 60 minutes
    assert row["missed_offers"] == 1


def _facts():
    rows = [
        model_to_dict(f, exclude=["id"])
        for f in QueueInterval.objects.order_by("queue", "interval_start")
    ]
    rows += [
        model_to_dict(f, exclude=["id"])
        for f in AgentInterval.objects.order_by("agent", "interval_start")
    ]
    return rows


def test_rebuilt_facts_equal_the_incremental_ones(records, django_capture_on_commit_callbacks):
    support, billing = records.queue(), records.queue("Billing", threshold=30)
    alex, sam = records.agent("alex"), records.agent("sam")
    start = at("2026-05-04 08:00:00")
    entries = []
    for n in range(24):
        joined = start + timedelta(minutes=7 * n, seconds=n)
        queue, agent = (support, alex) if n % 2 else (billing, sam)
        if n % 5 == 0:
            entries.append(records.left(queue, joined=joined, wait=2 + n))
        else:
            entries.append(
                records.answered(
                    queue, joined=joined, wait=n, talk=60 + n, hold=n % 3 * 5, wrap=n, agent=agent
                )
            )
    # Every call ends through its status callback: the signal refreshes after commit.
    for entry in entries:
        with django_capture_on_commit_callbacks(execute=True):
            assert call_status_update(call=entry.call, params={"CallStatus": "completed"})
    incremental = _facts()
    assert len(incremental) > 10
    assert sum(f.get("offered", 0) for f in incremental) == 24

    QueueInterval.objects.all().delete()
    AgentInterval.objects.all().delete()
    call_command("rebuild_intervals", "--from", "2026-05-04", "--to", "2026-05-04")
    assert _facts() == incremental
    # Once more changes nothing: each refresh replaces its intervals whole.
    services.intervals_rebuild(start=start, end=start + timedelta(days=1))
    assert _facts() == incremental


def test_a_late_repeated_refresh_leaves_the_same_rows(records, django_capture_on_commit_callbacks):
    support, alex = records.queue(), records.agent("alex")
    entry = records.answered(support, joined=at("2026-05-04 10:00:00"), wait=5, talk=50, agent=alex)
    services.calls_intervals_refresh(call_ids=[entry.call_id])
    first = _facts()
    services.calls_intervals_refresh(call_ids=[entry.call_id])
    assert _facts() == first
    # A record changed late (an abandon found later): the refresh replaces, never adds.
    QueueEntry.objects.filter(pk=entry.pk).update(
        status=QueueEntry.Status.ABANDONED, connected_at=None, served_by=None
    )
    services.calls_intervals_refresh(call_ids=[entry.call_id])
    (fact,) = QueueInterval.objects.all()
    assert (fact.offered, fact.answered, fact.abandoned) == (1, 0, 1)


@pytest.mark.parametrize(
    ("day", "hours"), [("2026-03-08", 23), ("2026-11-01", 25), ("2026-05-04", 24)]
)
def test_a_daylight_saving_day_has_its_own_number_of_hours(records, new_york, day, hours):
    support = records.queue()
    zone = center_zone()
    start = local_moment(date.fromisoformat(day), zone, end=False)
    end = local_moment(date.fromisoformat(day), zone, end=True)
    moment = start
    while moment < end:  # one call in every real hour of the local day
        records.left(support, joined=moment + timedelta(minutes=20), wait=30)
        moment += timedelta(hours=1)
    services.queue_intervals_refresh(start=start, end=end)

    hourly = queue_kpis(start=start, end=end, interval="hour")
    assert len(hourly) == hours
    assert all(row["offered"] == 1 for row in hourly)
    assert len({row["period"] for row in hourly}) == hours  # the repeated hour is two periods
    (daily,) = queue_kpis(start=start, end=end, interval="day")
    assert (daily["period"], daily["offered"]) == (day, hours)
    assert len(queue_kpis(start=start, end=end, interval="15m")) == hours
