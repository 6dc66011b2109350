"""Floor alerts on calls through the simulator: each rule kind raises its alert once while
its condition holds, clears it when the condition ends, and emails or texts once."""

from __future__ import annotations

import pytest
from asgiref.sync import sync_to_async
from django.core import mail
from django.db import connections

from floor import selectors, services
from floor.models import Alert, AlertRule, Breach
from telephony.acd import presence
from telephony.acd.tasks import wrap_up_sweep
from telephony.models import InboundNumber, Queue, Team
from telephony.simulator import CalledParty, CallerScript
from tests.concurrency import run_at_once
from tests.floor.conftest import billing_agent
from tests.sockets import page_socket
from tests.telephony.conftest import OUR_NUMBER

# Routing, ringing and the alerts' notices run after commit, as in production.
pytestmark = pytest.mark.django_db(transaction=True)

SUPERVISOR_PHONE = "+14155550199"


def _caller(sim, number: str, **script) -> None:
    sim.dial_in(from_=number, to=OUR_NUMBER, script=CallerScript(inputs=["1"], **script))


def _rule(kind: str, threshold: int = 0, **extra) -> AlertRule:
    billing = Queue.objects.get(name="Billing")
    rule = AlertRule(name=kind, kind=kind, queue=billing, threshold=threshold, **extra)
    rule.full_clean()
    rule.save()
    return rule


def _texts(sim) -> list[str]:
    return [m.body for m in sim.messages.values() if m.to == SUPERVISOR_PHONE]


def _evaluate() -> services.Evaluation:
    return services.alerts_evaluate()


def test_a_caller_waiting_too_long_raises_once_clears_when_answered_and_emails_once(
    clocked_simulator, support_line
):
    sim = clocked_simulator
    rule = _rule("long_wait", 60, email_to="floor@example.com")
    sim.set_party("+14155550142", CalledParty())
    _caller(sim, "+14155550142")
    sim.run(40)  # the IVR's menu, then about half a minute in the queue
    assert _evaluate() == services.Evaluation(raised=0, cleared=0)  # waiting, not long yet

    sim.run(40)
    assert _evaluate() == services.Evaluation(raised=1, cleared=0)
    alert = Alert.objects.get(rule=rule)
    billing = Queue.objects.get(name="Billing")
    assert alert.subject == f"queue:{billing.pk}" and alert.cleared_at is None
    assert alert.message.startswith("Billing: a caller waiting 1:")
    sim.run(10)
    assert _evaluate() == services.Evaluation(raised=0, cleared=0)  # raised once
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["floor@example.com"]
    assert alert.message in mail.outbox[0].subject

    sim.register_client("alex", CalledParty(answer="human", ring_seconds=2, talk_seconds=60))
    billing_agent("alex")  # available: the caller is routed and answered
    sim.run(10)
    assert _evaluate() == services.Evaluation(raised=0, cleared=1)
    alert.refresh_from_db()
    assert alert.cleared_at is not None
    assert _evaluate() == services.Evaluation(raised=0, cleared=0)
    assert len(mail.outbox) == 1


def test_callers_waiting_with_nobody_logged_in_raise_until_an_agent_logs_in(
    clocked_simulator, support_line
):
    sim = clocked_simulator
    number = InboundNumber.objects.get(number=OUR_NUMBER)
    rule = _rule("unstaffed", sms_to=SUPERVISOR_PHONE, sms_from=number)
    bea = billing_agent("bea", state="offline")
    _caller(sim, "+14155550142")
    sim.run(15)
    assert _evaluate().raised == 1
    assert _evaluate().raised == 0
    [alert] = Alert.objects.filter(rule=rule)
    assert alert.message == "Billing: 1 waiting and no agent logged in"
    sim.run(5)
    assert _texts(sim) == [alert.message]

    # Logged in, if not ready: the queue is staffed; the caller still waits.
    presence.agent_set_state(agent=bea, state="not_ready", reason="break")
    assert _evaluate() == services.Evaluation(raised=0, cleared=1)
    assert Alert.objects.filter(rule=rule, cleared_at__isnull=True).count() == 0
    sim.run(5)
    assert len(_texts(sim)) == 1


def test_an_agent_not_ready_too_long_raises_once_and_clears_when_available(
    clocked_simulator, support_line
):
    sim = clocked_simulator
    rule = _rule("not_ready", 10, email_to="floor@example.com")
    alex = billing_agent("alex", state="not_ready")
    sim.run(9 * 60)
    assert _evaluate().raised == 0
    sim.run(61)
    assert _evaluate().raised == 1
    assert _evaluate().raised == 0
    alert = Alert.objects.get(rule=rule)
    assert alert.subject == f"agent:{alex.pk}"
    assert alert.message == f"{alex}: not ready (break) for 10:01 (over 10 min)"

    presence.agent_set_state(agent=alex, state="available")
    assert _evaluate() == services.Evaluation(raised=0, cleared=1)
    assert len(mail.outbox) == 1


def test_abandonment_over_the_threshold_raises_and_clears_as_answered_calls_dilute_it(
    clocked_simulator, support_line
):
    sim = clocked_simulator
    Queue.objects.filter(name="Billing").update(wrap_up_seconds=5)
    rule = _rule("abandonment", 20, email_to="floor@example.com")
    _caller(sim, "+14155550142", patience=30)  # gives up past the short-abandon threshold
    sim.run(60)
    assert _evaluate().raised == 1
    assert Alert.objects.get(rule=rule).message == "Billing: abandonment 100.0% today (over 20%)"

    sim.register_client("alex", CalledParty(answer="human", ring_seconds=1, talk_seconds=20))
    billing_agent("alex")
    for n in range(4):  # four answered: 1 abandoned in 5 is 20%, not over it
        sim.set_party(f"+1415555015{n}", CalledParty())
        _caller(sim, f"+1415555015{n}")
        sim.run(40)
        wrap_up_sweep()
        sim.run(5)
        if n < 3:
            assert _evaluate() == services.Evaluation(raised=0, cleared=0)
    [billing] = selectors.queue_figures(queues=Queue.objects.filter(name="Billing"))
    assert (billing.abandoned, billing.abandonment_rate) == (1, 20.0)
    assert _evaluate() == services.Evaluation(raised=0, cleared=1)
    assert len(mail.outbox) == 1


def test_service_level_under_target_raises_only_after_n_minutes_and_clears_above_it(
    clocked_simulator, support_line
):
    sim = clocked_simulator
    Queue.objects.filter(name="Billing").update(wrap_up_seconds=5)
    rule = _rule("service_level", 2, email_to="floor@example.com")
    _caller(sim, "+14155550142", patience=30)  # abandoned: out of the service level
    sim.run(60)
    assert _evaluate().raised == 0  # under target, not for 2 minutes yet
    assert Breach.objects.filter(rule=rule).count() == 1
    sim.run(119)
    assert _evaluate().raised == 0
    sim.run(2)
    assert _evaluate().raised == 1
    assert _evaluate().raised == 0
    assert "service level 0.0% under its target of 80%" in Alert.objects.get(rule=rule).message

    sim.register_client("alex", CalledParty(answer="human", ring_seconds=1, talk_seconds=20))
    billing_agent("alex")
    for n in range(4):  # answered at once: 4 in 5 is the target of 80%
        sim.set_party(f"+1415555015{n}", CalledParty())
        _caller(sim, f"+1415555015{n}")
        sim.run(40)
        wrap_up_sweep()
        sim.run(5)
    [billing] = selectors.queue_figures(queues=Queue.objects.filter(name="Billing"))
    assert billing.service_level == 80.0
    assert _evaluate() == services.Evaluation(raised=0, cleared=1)
    assert not Breach.objects.filter(rule=rule).exists()
    assert len(mail.outbox) == 1


def test_rules_switched_off_clear_their_alerts(clocked_simulator, support_line):
    rule = _rule("unstaffed")
    _caller(clocked_simulator, "+14155550142")
    clocked_simulator.run(15)
    assert _evaluate().raised == 1
    AlertRule.objects.filter(pk=rule.pk).update(is_active=False)
    assert _evaluate() == services.Evaluation(raised=0, cleared=1)


def test_several_workers_evaluating_at_once_raise_one_alert_and_send_one_mail(
    clocked_simulator, support_line
):
    rule = _rule("unstaffed", email_to="floor@example.com")
    _caller(clocked_simulator, "+14155550142")
    clocked_simulator.run(15)
    results: list[services.Evaluation] = []
    run_at_once([lambda: results.append(_evaluate()) for _ in range(4)])
    assert sorted(r.raised for r in results) == [0, 0, 0, 1]
    assert Alert.objects.filter(rule=rule).count() == 1
    assert len(mail.outbox) == 1
    # Delivered twice (a worker died before acknowledging it): still one mail.
    assert services.alert_notify(alert_id=Alert.objects.get(rule=rule).pk) is False
    assert len(mail.outbox) == 1


def test_a_supervisor_sees_the_alerts_of_their_teams_queues_only(
    clocked_simulator, support_line, supervisor, manager
):
    _rule("unstaffed")
    general_rule = AlertRule.objects.create(
        name="general", kind="unstaffed", queue=Queue.objects.get(name="General")
    )
    team = Team.objects.create(name="Billing team")
    team.supervisors.add(supervisor)
    team.queues.add(Queue.objects.get(name="Billing"))
    _caller(clocked_simulator, "+14155550142")
    clocked_simulator.run(15)
    assert _evaluate().raised == 1
    Alert.objects.create(rule=general_rule, subject="queue:0", message="elsewhere")
    assert [a.message for a in selectors.alerts_open(user=supervisor)] == [
        "Billing: 1 waiting and no agent logged in"
    ]
    assert len(selectors.alerts_open(user=manager)) == 2


async def test_supervisors_pages_hear_when_an_alert_is_raised_or_cleared(supervisor):
    communicator = page_socket("/ws/floor/alerts/", supervisor)
    connected, _ = await communicator.connect()
    assert connected

    def raise_one() -> None:
        queue = Queue.objects.create(name="Billing")
        rule = AlertRule.objects.create(name="idle", kind="unstaffed", queue=queue)
        Alert.objects.create(rule=rule, subject=f"queue:{queue.pk}", message="stale")

    await sync_to_async(raise_one)()  # open, but no caller waits: it clears
    assert await sync_to_async(_evaluate)() == services.Evaluation(raised=0, cleared=1)
    assert await communicator.receive_json_from(timeout=2) == {"event": "floor-alerts"}
    await communicator.disconnect()
    await sync_to_async(connections.close_all)()
