"""Demo data of post-call surveys: the demo's Billing callers answer two questions on the
line after the agent hangs up."""

from __future__ import annotations

from telephony.models import Queue

from ..models import SurveyPlan, SurveyQuestion

QUESTIONS = (
    {
        "en-US": "How satisfied are you with this call? Press or say 1 for very unhappy, "
        "up to 5 for very happy.",
        "es-US": "¿Qué tan satisfecho está con esta llamada? Marque o diga del 1 al 5.",
    },
    {
        "en-US": "Did we solve what you called about? 1 for not at all, 5 for completely.",
        "es-US": "¿Resolvimos el motivo de su llamada? 1 nada, 5 por completo.",
    },
)


def seed_plan() -> SurveyPlan:
    """The Billing queue's phone survey, unless a plan of that name exists."""
    plan, created = SurveyPlan.objects.get_or_create(
        name="Billing after the call",
        defaults={
            "introduction": {
                "en-US": "Please stay on the line for two short questions about this call.",
                "es-US": "Por favor, permanezca en la línea para dos preguntas breves.",
            }
        },
    )
    if created:
        plan.queues.set(Queue.objects.filter(name="Billing"))
        for position, wording in enumerate(QUESTIONS, start=1):
            SurveyQuestion.objects.create(plan=plan, position=position, wording=wording)
    return plan
