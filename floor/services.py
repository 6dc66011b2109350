"""The floor's writes: alert rules evaluated against the live figures, each alert raised
once and cleared when its condition ends, its email and texts sent once.

The figures are the wallboard's own (`selectors.queue_figures`), so an alert never
disagrees with the board beside it. One evaluation at a time: it locks the active rules'
rows (PostgreSQL; SQLite's IMMEDIATE transactions serialize writers anyway), and the
partial unique constraint `alert_open_once` stands behind it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone

from callcenter import live
from telephony import gateway
from telephony.acd.presence import FLOOR_GROUP
from telephony.models import AgentProfile, Queue

from .models import Alert, AlertRule, Breach
from .selectors import ALERTS_GROUP, QueueLive, queue_figures
from .templatetags.floor_tags import clock

logger = logging.getLogger(__name__)

Kind = AlertRule.Kind

# The event open pages hear when an alert is raised or cleared.
ALERTS_CHANGED = "floor-alerts"


@dataclass(frozen=True)
class Evaluation:
    raised: int
    cleared: int


def _logged_in(queue: QueueLive) -> int:
    return sum(n for state, n in queue.agents_by_state.items() if state != "offline")


# What each queue rule finds on one queue's figures: a message while its condition holds.
QUEUE_CONDITIONS: dict[str, Callable[[AlertRule, QueueLive], str | None]] = {
    Kind.SERVICE_LEVEL: lambda rule, q: (
        f"{q.name}: service level {q.service_level}% under its target of "
        f"{q.service_level_target}% for {rule.threshold} min"
        if q.service_level is not None and q.service_level < q.service_level_target
        else None
    ),
    Kind.LONG_WAIT: lambda rule, q: (
        f"{q.name}: a caller waiting {clock(q.longest_wait_seconds)} (over {rule.threshold} s)"
        if q.waiting and q.longest_wait_seconds > rule.threshold
        else None
    ),
    Kind.UNSTAFFED: lambda rule, q: (
        f"{q.name}: {q.waiting} waiting and no agent logged in"
        if q.waiting and not _logged_in(q)
        else None
    ),
    Kind.ABANDONMENT: lambda rule, q: (
        f"{q.name}: abandonment {q.abandonment_rate}% today (over {rule.threshold}%)"
        if q.abandonment_rate is not None and q.abandonment_rate > rule.threshold
        else None
    ),
}


def _not_ready_agents(rule: AlertRule, now: datetime) -> dict[str, str]:
    agents = AgentProfile.objects.filter(
        state=AgentProfile.State.NOT_READY,
        state_since__lte=now - timedelta(minutes=rule.threshold),
    ).select_related("user")
    if rule.queue is not None:
        agents = agents.filter(pk__in=rule.queue.qualified_agents())
    return {
        f"agent:{agent.pk}": f"{agent}: not ready ({agent.reason or 'no reason'}) for "
        f"{clock((now - agent.state_since).total_seconds())} (over {rule.threshold} min)"
        for agent in agents
    }


def _holding(rule: AlertRule, figures: list[QueueLive], now: datetime) -> dict[str, str]:
    """The subjects on which `rule`'s condition holds now, with what to tell."""
    if rule.kind == Kind.NOT_READY:
        return _not_ready_agents(rule, now)
    condition = QUEUE_CONDITIONS[rule.kind]
    found = {}
    for queue in figures:
        if rule.queue_id is not None and queue.id != rule.queue_id:
            continue
        message = condition(rule, queue)
        if message is not None:
            found[f"queue:{queue.id}"] = message
    return found


def _due(rule: AlertRule, holding: dict[str, str], now: datetime) -> set[str]:
    """The subjects to alert on: at once, except the service-level rule's, which must
    have held for N minutes (remembered as breaches, forgotten when they end)."""
    if rule.kind != Kind.SERVICE_LEVEL:
        return set(holding)
    since = dict(rule.breaches.values_list("subject", "since"))
    rule.breaches.exclude(subject__in=holding).delete()
    new = [subject for subject in holding if subject not in since]
    Breach.objects.bulk_create([Breach(rule=rule, subject=subject, since=now) for subject in new])
    held = timedelta(minutes=rule.threshold)
    return {subject for subject in holding if now - since.get(subject, now) >= held}


def _raise(rule: AlertRule, subject: str, message: str, now: datetime) -> Alert | None:
    try:
        with transaction.atomic():  # a savepoint: a duplicate leaves the rest intact
            alert = Alert.objects.create(
                rule=rule, subject=subject, message=message[:300], raised_at=now
            )
    except IntegrityError:  # already open: raised once
        return None
    if rule.email_to or rule.sms_to:
        from . import tasks

        transaction.on_commit(lambda: tasks.alert_notify.delay(alert.pk))
    return alert


@transaction.atomic
def alerts_evaluate(*, now: datetime | None = None) -> Evaluation:
    """Raise an alert for each rule's subject whose condition holds (once), clear those
    whose condition ended (and those of rules switched off); tells open pages when any
    changed. Safe to run from several workers at once."""
    now = now or timezone.now()
    rules = list(AlertRule.objects.select_for_update().filter(is_active=True).order_by("pk"))
    cleared = Alert.objects.filter(cleared_at__isnull=True, rule__is_active=False).update(
        cleared_at=now
    )
    raised = 0
    queue_rules = [rule for rule in rules if rule.kind != Kind.NOT_READY]
    figures: list[QueueLive] = []
    if queue_rules:
        every_queue = any(rule.queue_id is None for rule in queue_rules)
        queues = (
            Queue.objects.all()
            if every_queue
            else Queue.objects.filter(pk__in={rule.queue_id for rule in queue_rules})
        )
        figures = queue_figures(queues=queues, now=now)
    for rule in rules:
        holding = _holding(rule, figures, now)
        open_subjects = set(
            rule.alerts.filter(cleared_at__isnull=True).values_list("subject", flat=True)
        )
        for subject in sorted(_due(rule, holding, now) - open_subjects):
            raised += _raise(rule, subject, holding[subject], now) is not None
        cleared += (
            rule.alerts.filter(cleared_at__isnull=True)
            .exclude(subject__in=holding)
            .update(cleared_at=now)
        )
    if raised or cleared:
        live.notify(FLOOR_GROUP, ALERTS_CHANGED)
        live.notify(ALERTS_GROUP, ALERTS_CHANGED)
    return Evaluation(raised=raised, cleared=cleared)


def alert_notify(*, alert_id: int) -> bool:
    """Email and text an alert's recipients, once; returns whether this call sent them.
    The alert is marked before anything leaves: a crash loses one notice rather than
    sending it twice."""
    marked = Alert.objects.filter(pk=alert_id, notified_at__isnull=True).update(
        notified_at=timezone.now()
    )
    if not marked:
        return False
    alert = Alert.objects.select_related("rule__sms_from").get(pk=alert_id)
    rule = alert.rule
    if rule.email_list():
        raised = timezone.localtime(alert.raised_at)
        try:
            send_mail(
                subject=f"Alert: {alert.message}"[:200],
                message=f"{alert.message}\n\nRaised at {raised:%H:%M:%S} by “{rule.name}”.",
                from_email=None,
                recipient_list=rule.email_list(),
            )
        except Exception:
            logger.exception("Could not email alert %s", alert.pk)
    if rule.sms_from is not None:
        for number in rule.sms_list():
            try:
                gateway.sms_send(to=number, from_=str(rule.sms_from.number), body=alert.message)
            except Exception:
                logger.exception("Could not text alert %s to %s", alert.pk, number)
    return True
