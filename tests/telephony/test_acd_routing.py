"""Who gets which caller: routing scenarios as tables, and presence rules."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from crm.models import Customer
from telephony.acd import offers, presence, routing, tasks, wakeups
from telephony.models import AgentProfile, AgentSkill, Queue, QueueEntry, QueueSkill, Skill
from tests.factories import CustomerFactory, UserFactory

pytestmark = pytest.mark.django_db

NOW = timezone.now()
_names = itertools.count()


@pytest.fixture(autouse=True)
def _clock_starts_at_now(time_machine):
    """Each test starts at NOW (fixed at import), however long the suite ran before."""
    time_machine.move_to(NOW, tick=True)


def _skill(name: str) -> Skill:
    return Skill.objects.get_or_create(name=name)[0]


def agent(
    name: str, *, skills: dict[str, int], idle_minutes: float = 0, state: str = "available"
) -> AgentProfile:
    user = UserFactory.create(username=name)
    profile = AgentProfile.objects.create(
        user=user,
        client_identity=name,
        state=state,
        idle_since=NOW - dt.timedelta(minutes=idle_minutes),
    )
    for skill, level in skills.items():
        AgentSkill.objects.create(agent=profile, skill=_skill(skill), level=level)
    return profile


def queue(name: str, *, skills: dict[str, int] | None = None, priority: int = 0, **fields) -> Queue:
    q = Queue.objects.create(name=name, priority=priority, **fields)
    for skill, level in (skills or {}).items():
        QueueSkill.objects.create(queue=q, skill=_skill(skill), min_level=level)
    return q


def wait(
    q: Queue,
    *,
    minutes: float,
    tier: int = 0,
    callback: bool = False,
    customer: Customer | None = None,
) -> QueueEntry:
    return QueueEntry.objects.create(
        queue=q,
        customer=customer,
        kind="callback" if callback else "call",
        priority=routing.entry_priority(queue_priority=q.priority, tier=tier, is_callback=callback),
        waiting_since=NOW - dt.timedelta(minutes=minutes),
    )


def served_before(q: Queue, customer: Customer, *, by: AgentProfile, days_ago: float = 0) -> None:
    """A past call of the customer's in `q`, served by `by` (what sticky routing reads)."""
    QueueEntry.objects.create(
        queue=q,
        customer=customer,
        status="done",
        served_by=by,
        connected_at=NOW - dt.timedelta(days=days_ago),
    )


def offered_to(entry: QueueEntry) -> str | None:
    entry.refresh_from_db()
    profile = AgentProfile.objects.filter(current_entry=entry).first()
    return profile.client_identity if profile else None


# (agents as name: (skills, idle minutes), queue skills, who gets the one caller)
AGENT_CHOICE = [
    ({"ann": ({"billing": 5}, 1), "bob": ({"billing": 9}, 1)}, {"billing": 1}, "bob"),
    ({"ann": ({"billing": 5}, 9), "bob": ({"billing": 5}, 2)}, {"billing": 1}, "ann"),
    ({"ann": ({"billing": 3}, 9), "bob": ({"billing": 6}, 1)}, {"billing": 5}, "bob"),
    (
        {"ann": ({"billing": 9}, 9), "bob": ({"billing": 2, "spanish": 4}, 1)},
        {"billing": 1, "spanish": 1},
        "bob",
    ),
    ({"ann": ({"tech": 9}, 9)}, {"billing": 1}, None),
    ({"ann": ({}, 9), "bob": ({"tech": 1}, 1)}, {}, "ann"),
]


@pytest.mark.parametrize(("agents", "needs", "expected"), AGENT_CHOICE)
def test_best_agent_by_skill_level_then_idle_time(agents, needs, expected):
    for name, (skills, idle) in agents.items():
        agent(name, skills=skills, idle_minutes=idle)
    entry = wait(queue("Q", skills=needs), minutes=1)
    routing.route()
    assert offered_to(entry) == expected


# (callers as name: (queue priority, tier, callback, minutes waited), who is served first)
CALLER_ORDER = [
    ({"early": (0, 0, False, 5), "late": (0, 0, False, 1)}, "early"),
    ({"early": (0, 0, False, 5), "vip": (0, 3, False, 1)}, "vip"),
    ({"vip": (0, 3, False, 5), "urgent": (1, 0, False, 1)}, "urgent"),
    ({"call": (0, 0, False, 5), "callback": (0, 0, True, 1)}, "callback"),
]


@pytest.mark.parametrize(("callers", "first"), CALLER_ORDER)
def test_callers_by_priority_then_time_waited(callers, first):
    agent("ann", skills={})
    entries = {}
    for name, (priority, tier, callback, minutes) in callers.items():
        q = Queue.objects.get_or_create(name=f"P{priority}", defaults={"priority": priority})[0]
        entries[name] = wait(q, minutes=minutes, tier=tier, callback=callback)
    routing.route()
    assert [name for name, e in entries.items() if offered_to(e)] == [first]


def test_a_caller_no_free_agent_can_serve_is_passed_over_not_dropped():
    agent("ann", skills={"billing": 5})
    spanish = wait(queue("Spanish", skills={"spanish": 1}), minutes=9)
    billing = wait(queue("Billing", skills={"billing": 1}), minutes=1)
    routing.route()
    assert offered_to(billing) == "ann"
    assert spanish.status == "waiting"
    agent("bea", skills={"spanish": 3})
    routing.route()
    assert offered_to(spanish) == "bea"


def test_after_the_widen_time_overflow_skills_qualify():
    agent("gen", skills={"general": 5})
    q = queue("Spanish", skills={"spanish": 1}, widen_after_seconds=60)
    q.overflow_skills.add(_skill("general"))
    fresh = wait(q, minutes=0.5)
    routing.route()
    assert offered_to(fresh) is None
    fresh.waiting_since = NOW - dt.timedelta(minutes=2)
    fresh.save()
    routing.route()
    assert offered_to(fresh) == "gen"


def test_overflow_skills_qualify_at_any_level_and_a_queue_without_them_keeps_its_own():
    agent("novice", skills={"general": 1})
    spanish = queue("Spanish", skills={"spanish": 5}, widen_after_seconds=60)
    spanish.overflow_skills.add(_skill("general"))
    french = queue("French", skills={"french": 5}, widen_after_seconds=60)
    widened_french = wait(french, minutes=9)
    widened_spanish = wait(spanish, minutes=5)
    routing.route()
    assert offered_to(widened_french) is None
    assert offered_to(widened_spanish) == "novice"


def test_sticky_routing_prefers_the_agent_who_last_served_the_customer():
    ann = agent("ann", skills={"billing": 5}, idle_minutes=1)
    agent("bob", skills={"billing": 9}, idle_minutes=9)
    customer = CustomerFactory()
    q = queue("Billing", skills={"billing": 1})
    served_before(q, customer, by=ann, days_ago=1)
    entry = wait(q, minutes=1, customer=customer)
    routing.route()
    assert offered_to(entry) == "ann"


def test_sticky_routing_never_picks_an_agent_without_the_skills():
    ann = agent("ann", skills={"tech": 9}, idle_minutes=9)
    agent("bob", skills={"billing": 2}, idle_minutes=1)
    customer = CustomerFactory()
    q = queue("Billing", skills={"billing": 1})
    served_before(q, customer, by=ann)
    entry = wait(q, minutes=1, customer=customer)
    routing.route()
    assert offered_to(entry) == "bob"


def test_sticky_routing_can_be_turned_off():
    ann = agent("ann", skills={"billing": 5}, idle_minutes=1)
    agent("bob", skills={"billing": 9}, idle_minutes=9)
    customer = CustomerFactory()
    q = queue("Billing", skills={"billing": 1}, sticky_routing=False)
    served_before(q, customer, by=ann)
    entry = wait(q, minutes=1, customer=customer)
    routing.route()
    assert offered_to(entry) == "bob"


def test_each_agent_gets_one_caller_and_each_caller_one_agent():
    for name in ("ann", "bob"):
        agent(name, skills={})
    q = queue("Q")
    entries = [wait(q, minutes=m) for m in (5, 4, 3)]
    assert len(routing.route()) == 2
    assert [offered_to(e) is not None for e in entries] == [True, True, False]


def test_missed_offer_puts_the_caller_back_at_the_head_and_the_agent_not_ready():
    ann = agent("ann", skills={}, idle_minutes=5)
    q = queue("Q")
    first = wait(q, minutes=5)
    second = wait(q, minutes=1)
    routing.route()
    assert offered_to(first) == "ann"
    offers.offer_missed(entry_id=first.pk)
    ann.refresh_from_db()
    assert (ann.state, ann.reason) == ("not_ready", "missed")
    agent("bob", skills={})
    routing.route()
    assert offered_to(first) == "bob"
    assert offered_to(second) is None
    first.refresh_from_db()
    assert first.missed_offers == 1


def test_accepting_connects_and_records_who_served():
    ann = agent("ann", skills={})
    entry = wait(queue("Q"), minutes=1)
    routing.route()
    offers.offer_accepted(entry_id=entry.pk)
    entry.refresh_from_db()
    ann.refresh_from_db()
    assert (entry.status, entry.served_by, ann.state) == ("connected", ann, "on_call")


def test_abandon_while_ringing_frees_the_agent():
    ann = agent("ann", skills={})
    entry = wait(queue("Q"), minutes=1)
    routing.route()
    offers.entry_abandoned(entry_id=entry.pk)
    ann.refresh_from_db()
    assert (ann.state, ann.current_entry) == ("available", None)
    entry.refresh_from_db()
    assert entry.status == "abandoned"


class TestPresence:
    def test_states_are_logged_with_times(self):
        ann = agent("ann", skills={}, state="offline")
        presence.agent_set_state(agent=ann, state="available")
        presence.agent_set_state(agent=ann, state="not_ready", reason="lunch")
        log = list(ann.state_changes.values_list("state", "reason", "ended_at"))
        assert [(s, r) for s, r, _ in log] == [("available", ""), ("not_ready", "lunch")]
        assert log[0][2] is not None and log[1][2] is None

    def test_not_ready_needs_a_reason(self):
        ann = agent("ann", skills={})
        with pytest.raises(ValidationError):
            presence.agent_set_state(agent=ann, state="not_ready")

    @pytest.mark.parametrize("state", ["offered", "on_call", "wrap_up"])
    def test_agents_cannot_put_themselves_in_system_states(self, state):
        ann = agent("ann", skills={})
        with pytest.raises(ValidationError):
            presence.agent_set_state(agent=ann, state=state)

    def test_an_agent_on_a_call_cannot_go_offline(self):
        ann = agent("ann", skills={}, state="on_call")
        with pytest.raises(ValidationError):
            presence.agent_set_state(agent=ann, state="offline")

    def test_becoming_available_restarts_idle_time(self):
        ann = agent("ann", skills={}, state="not_ready", idle_minutes=60)
        ann = presence.agent_set_state(agent=ann, state="available")
        assert ann.idle_since > NOW

    def test_an_agent_who_becomes_available_is_routed_to_once_it_commits(
        self, django_capture_on_commit_callbacks, monkeypatch
    ):
        """Whoever changes the state (desk, API, wrap-up), routing follows."""
        monkeypatch.setattr(offers, "ring_agent", lambda entry_id: None)  # no phone here
        ann = agent("ann", skills={}, state="not_ready")
        caller = wait(queue("General"), minutes=1)
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            presence.agent_set_state(agent=ann, state="available")
        assert len(_routing(callbacks)) == 1
        assert offered_to(caller) == "ann"

    def test_going_not_ready_routes_nobody(self, django_capture_on_commit_callbacks):
        ann = agent("ann", skills={})
        with django_capture_on_commit_callbacks() as callbacks:
            presence.agent_set_state(agent=ann, state="not_ready", reason="lunch")
        assert _routing(callbacks) == []


def _routing(callbacks: list) -> list:
    """The after-commit callbacks that route (others tell open pages of the change)."""
    return [c for c in callbacks if c.__qualname__.startswith("schedule_routing.")]


def test_a_caller_deep_in_line_is_served_past_many_nobody_can_take():
    agent("ann", skills={"billing": 5})
    spanish = queue("Spanish", skills={"spanish": 1}, priority=5)
    for minutes in range(routing.SCAN * 2 + 5):
        wait(spanish, minutes=100 + minutes)
    billing = wait(queue("Billing", skills={"billing": 1}), minutes=1)
    assert len(routing.route()) == 1
    assert offered_to(billing) == "ann"


def test_a_widened_caller_deep_in_line_is_served_past_fresh_callers_of_the_same_queue():
    agent("gen", skills={"general": 5})
    spanish = queue("Spanish", skills={"spanish": 1}, widen_after_seconds=60)
    spanish.overflow_skills.add(_skill("general"))
    for _ in range(routing.SCAN + 5):
        wait(spanish, minutes=0.5, tier=1)
    widened = wait(spanish, minutes=5)
    assert len(routing.route()) == 1
    assert offered_to(widened) == "gen"


def _picks(captured) -> int:
    return sum(1 for query in captured if query["sql"].startswith("SELECT a.id FROM"))


def test_a_pass_asks_once_about_a_queue_it_found_without_a_free_agent():
    agent("ann", skills={"billing": 5})
    agent("bob", skills={"billing": 5})
    spanish = queue("Spanish", skills={"spanish": 1}, priority=5)
    waiting_in_spanish = [wait(spanish, minutes=9), wait(spanish, minutes=8)]
    billing = queue("Billing", skills={"billing": 1})
    served = [wait(billing, minutes=2), wait(billing, minutes=1)]
    with CaptureQueriesContext(connection) as captured:
        pairings = routing.route()
    assert [p.entry_id for p in pairings] == [e.pk for e in served]
    assert all(offered_to(e) is None for e in waiting_in_spanish)
    # Spanish once, then each billing caller; without the pass's memory, Spanish again
    # before each of them and once more at the end (5).
    assert _picks(captured) == 3
    with CaptureQueriesContext(connection) as captured:
        assert routing.RoutingPass().next() is None
    assert _picks(captured) == 1  # a new pass asks again


def test_a_pass_looks_again_once_an_agent_is_freed_meanwhile(
    api_as, django_capture_on_commit_callbacks, monkeypatch
):
    # The pass the freeing starts finds nobody (on PostgreSQL it skips the callers this
    # pass holds locked): this pass must look again rather than trust what it learned.
    monkeypatch.setattr(tasks.acd_route, "delay", lambda **kwargs: None)
    agent("ann", skills={"billing": 5})
    agent("bob", skills={"billing": 5})
    bea = agent("bea", skills={"spanish": 3}, state="not_ready")
    spanish = wait(queue("Spanish", skills={"spanish": 1}), minutes=9)
    billing = queue("Billing", skills={"billing": 1})
    first, second = wait(billing, minutes=2), wait(billing, minutes=1)
    under_way = routing.RoutingPass()
    assert under_way.next().entry_id == first.pk  # learned: Spanish has nobody free
    with django_capture_on_commit_callbacks(execute=True):
        response = api_as(bea.user).post(
            f"/api/agents/{bea.pk}/state/", {"state": "available"}, format="json"
        )
    assert response.status_code == 200
    assert under_way.next().entry_id == spanish.pk  # the longest waiting, before `second`
    assert offered_to(spanish) == "bea"
    assert offered_to(second) is None


def test_a_decision_that_found_nothing_looks_again_if_an_agent_was_freed_meanwhile(
    monkeypatch,
):
    bea = agent("bea", skills={"spanish": 3}, state="not_ready")
    spanish = wait(queue("Spanish", skills={"spanish": 1}), minutes=9)
    asked = routing._pick_agent

    def freed_while_asking(entry, requirement):
        found = asked(entry, requirement)
        if bea.state == "not_ready":  # another process frees Bea just after the question
            presence.agent_set_state(agent=bea, state="available")
            bea.state = "available"
            wakeups.routing_changed()
        return found

    monkeypatch.setattr(routing, "_pick_agent", freed_while_asking)
    assert routing.RoutingPass().next().entry_id == spanish.pk


def test_routing_that_reaches_its_limit_runs_again(monkeypatch):
    monkeypatch.setattr(offers, "ring_agent", lambda entry_id: None)  # no phone to ring here
    for name in ("ann", "bob", "cat"):
        agent(name, skills={"billing": 5})
    billing = queue("Billing", skills={"billing": 1})
    callers = [wait(billing, minutes=m) for m in (3, 2, 1)]
    assert tasks.acd_route(limit=2) == 2  # the task it queued (run eagerly) paired the third
    assert all(offered_to(caller) for caller in callers)
