"""Demo telephony: a support line with office hours, the same line open around the clock,
and an IVR flow.

The flow: an hours check; open, a greeting and a menu (1 billing queue, 2 case status by
self-service then back to the menu, 3 transfer to sales, 0 voicemail; no choice after three
tries: voicemail); closed, a message and voicemail. Idempotent: keyed on names and keys.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import User

from crm.models import Case

from .models import (
    AgentProfile,
    AgentSkill,
    BusinessHours,
    Disposition,
    InboundNumber,
    IvrFlow,
    IvrMenuOption,
    IvrNode,
    OpeningPeriod,
    Queue,
    QueueSkill,
    RecordingPolicy,
    Skill,
    Team,
)

SUPPORT_NUMBER = "+18005550100"
SALES_NUMBER = "+12125550199"
# The same flow with no office hours: a newcomer's call reaches an agent at any hour.
ALWAYS_OPEN_NUMBER = "+18005550111"


DEMO_SKILLS = {  # agent username: skill levels
    "agent": {"billing": 8, "technical": 4},
    "agent2": {"billing": 5, "spanish": 9},
    "agent3": {"technical": 9},
    "agent4": {"billing": 3, "sales": 7},
    "agent5": {"technical": 6, "spanish": 5},
}
DISPOSITIONS = [
    ("resolved", "Resolved", True),
    ("follow-up", "Needs follow-up", False),
    ("escalated", "Escalated", False),
    ("wrong-number", "Wrong number", True),
]


def seed_agents(users: dict) -> None:
    """Agent profiles with skills for the demo agents, offline until they sign in."""
    for username, levels in DEMO_SKILLS.items():
        user = users.get(username)
        if user is None:
            continue
        profile, _ = AgentProfile.objects.get_or_create(
            user=user, defaults={"client_identity": username}
        )
        for name, level in levels.items():
            skill, _ = Skill.objects.get_or_create(name=name)
            AgentSkill.objects.get_or_create(agent=profile, skill=skill, defaults={"level": level})


def seed_recording(
    lines: list[InboundNumber], *, supervisor: User | None = None
) -> RecordingPolicy:
    """Record every call of the demo lines (media kept 90 days), and let the demo
    supervisor hear the demo agents' calls (one team)."""
    policy, _ = RecordingPolicy.objects.get_or_create(
        name="Demo: every call, 90 days", defaults={"retention_days": 90}
    )
    for line in lines:
        line.recording_policy = policy
        line.save(update_fields=["recording_policy"])  # saved: cached lines are told
    team, _ = Team.objects.get_or_create(name="Support")
    team.agents.add(*AgentProfile.objects.filter(user__username__in=DEMO_SKILLS))
    if supervisor is not None:
        team.supervisors.add(supervisor)
    return policy


def seed() -> InboundNumber:
    """Create what is missing of the demo support line; returns the line."""
    hours, created = BusinessHours.objects.get_or_create(
        name="Office hours", defaults={"time_zone": "America/New_York"}
    )
    if created:
        for weekday in range(5):
            OpeningPeriod.objects.create(
                hours=hours, weekday=weekday, opens=dt.time(8), closes=dt.time(20)
            )
        OpeningPeriod.objects.create(hours=hours, weekday=5, opens=dt.time(9), closes=dt.time(13))
    billing, created = Queue.objects.get_or_create(
        name="Billing", defaults={"case_category": Case.Category.BILLING}
    )
    general, _ = Queue.objects.get_or_create(name="General", defaults={"is_default": True})
    if created:
        QueueSkill.objects.create(
            queue=billing, skill=Skill.objects.get_or_create(name="billing")[0], min_level=3
        )
    for code, label, resolves in DISPOSITIONS:
        disposition, _ = Disposition.objects.get_or_create(
            code=code, defaults={"label": label, "resolves_contact": resolves}
        )
        billing.dispositions.add(disposition)
        general.dispositions.add(disposition)
    flow, _ = IvrFlow.objects.get_or_create(
        name="Main support", defaults={"description": "The demo support line."}
    )

    def node(key: str, kind: str, **fields: object) -> IvrNode:
        found, _ = IvrNode.objects.update_or_create(
            flow=flow, key=key, defaults={"kind": kind, **fields}
        )
        return found

    voicemail = node(
        "voicemail",
        "voicemail",
        case_category="billing",
        message="Please leave your name, number and message after the tone.",
    )
    to_billing = node("billing", "queue", queue=billing, message="Connecting you to billing.")
    sales = node(
        "sales", "transfer", transfer_to=SALES_NUMBER, message="Transferring you to sales."
    )
    menu = node(
        "main-menu",
        "menu",
        accept_speech=True,
        default_node=voicemail,
        message="For billing, press 1. For the status of your cases, press 2. "
        "For sales, press 3. To leave a message, press 0.",
    )
    status = node("case-status", "self_service", next_node=menu, default_node=voicemail)
    for digit, label, target, words in [
        ("1", "Billing", to_billing, "billing, bill, invoice, payment"),
        ("2", "Case status", status, "status, case, ticket"),
        ("3", "Sales", sales, "sales, buy"),
        ("0", "Voicemail", voicemail, "message, voicemail"),
    ]:
        IvrMenuOption.objects.update_or_create(
            node=menu, digit=digit, defaults={"label": label, "target": target, "keywords": words}
        )
    greeting = node("greeting", "say", message="Welcome to Example Support.", next_node=menu)
    closed = node(
        "closed",
        "say",
        next_node=voicemail,
        message="We are closed. Our hours are 8 to 8, Monday to Friday, and 9 to 1 on Saturday, "
        "New York time.",
    )
    entry = node("hours", "hours", next_node=greeting, closed_node=closed)
    if flow.entry_node_id != entry.pk:
        flow.entry_node = entry
        flow.save(update_fields=["entry_node"])
    line, _ = InboundNumber.objects.get_or_create(
        number=SUPPORT_NUMBER,
        defaults={
            "name": "Main support line",
            "flow": flow,
            "business_hours": hours,
            "unknown_sender_reply": "Thanks for your message. An agent will text you back.",
        },
    )
    return line


def seed_always_open(line: InboundNumber) -> InboundNumber:
    """A demo line on `line`'s flow with no office hours, open around the clock."""
    always_open, _ = InboundNumber.objects.get_or_create(
        number=ALWAYS_OPEN_NUMBER,
        defaults={
            "name": "Demo line (open around the clock)",
            "flow": line.flow,
            "unknown_sender_reply": line.unknown_sender_reply,
        },
    )
    return always_open
