"""Demo data of qa: a few automated-QA rules every call is scored against."""

from __future__ import annotations

from .autoqa.services import rule_revise
from .models import QaRule

K, F = QaRule.Kind, QaRule.Flag

DEMO_RULES = (
    QaRule(
        name="greeting",
        description="The agent greets the caller and names the company.",
        kind=K.REQUIRED,
        phrases="thank you for calling|you've reached|good morning|good afternoon",
        weight=15,
    ),
    QaRule(
        name="recording-disclosure",
        description="The agent says the call is recorded.",
        kind=K.REQUIRED,
        phrases="this call may be recorded|this call is recorded|call is being recorded",
        weight=25,
        flag=F.COMPLIANCE,
    ),
    QaRule(
        name="closing",
        description="The agent closes the call politely.",
        kind=K.REQUIRED,
        phrases="have a great day|have a good day|goodbye|anything else",
        weight=10,
    ),
    QaRule(
        name="no-guarantee",
        description="Agents never guarantee an outcome.",
        kind=K.FORBIDDEN,
        phrases="guarantee|guaranteed",
        weight=25,
        auto_fail=True,
        flag=F.COMPLIANCE,
    ),
    QaRule(
        name="long-silence",
        description="No silence over 10 seconds.",
        kind=K.SILENCE,
        speaker=QaRule.Speaker.ANYONE,
        seconds=10,
        weight=10,
        flag=F.SILENCE,
    ),
)


def seed_rules() -> list[QaRule]:
    """Add the demo rules that are missing (by name); existing ones are left as edited."""
    existing = set(QaRule.objects.values_list("name", flat=True))
    return [
        rule_revise(rule=QaRule(**_fields(rule)), by=None)
        for rule in DEMO_RULES
        if rule.name not in existing
    ]


def _fields(rule: QaRule) -> dict[str, object]:
    return {
        field.attname: getattr(rule, field.attname)
        for field in QaRule._meta.concrete_fields
        if not field.primary_key
    }
