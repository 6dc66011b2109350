"""Survey plans on the demo line, an agent for its Billing queue, and a way to hear
`qa.signals.survey_answered`."""

from __future__ import annotations

import datetime as dt

import pytest

from crm import services as crm_services
from crm.models import Customer
from qa.models import Survey, SurveyAnswer, SurveyPlan, SurveyQuestion
from qa.signals import survey_answered
from telephony.models import AgentProfile, AgentSkill, Call, Queue, QueueEntry, Skill, Team
from tests.factories import UserFactory

NEW_YORK = dt.timezone(dt.timedelta(hours=-5))
MONDAY_10AM = dt.datetime(2026, 11, 23, 10, 0, tzinfo=NEW_YORK)
DAY = dt.datetime(2026, 11, 2, 15, 0, tzinfo=dt.UTC)
SATISFIED = {"en-US": "How satisfied are you with this call? Press 1 to 5."}
RESOLVED = {"en-US": "Did we solve your problem? Press 1 for no, up to 5 for yes."}


@pytest.fixture
def ava(db):
    return crm_services.customer_create(
        name="Ava Chen", account_number="AC-100042", phone_numbers=[{"number": "4155550142"}]
    )


@pytest.fixture
def billing_agent(db):
    """Alex, available, with the skill the demo's Billing queue asks for."""

    def make(name: str = "alex") -> AgentProfile:
        agent = AgentProfile.objects.create(
            user=UserFactory.create(username=name),
            client_identity=name,
            state="available",
            idle_since=dt.datetime(2026, 11, 23, 14, 0, tzinfo=dt.UTC),
        )
        AgentSkill.objects.create(agent=agent, skill=Skill.objects.get(name="billing"), level=5)
        return agent

    return make


def plan_for_billing(channel: str = "ivr", *, questions=(SATISFIED, RESOLVED), **fields):
    plan = SurveyPlan.objects.create(name=f"Billing {channel}", channel=channel, **fields)
    plan.queues.add(Queue.objects.get(name="Billing"))
    for position, wording in enumerate(questions, start=1):
        SurveyQuestion.objects.create(plan=plan, position=position, wording=wording)
    return plan


@pytest.fixture
def answered_surveys():
    """The surveys `survey_answered` was sent for, in order."""
    heard = []

    def listen(sender, *, survey, **_kwargs):
        heard.append(survey.pk)

    survey_answered.connect(listen)
    yield heard
    survey_answered.disconnect(listen)


@pytest.fixture
def surveyed(agent, other_agent, supervisor):
    """Alex (agent) got a 5 in Billing, Bea (other_agent) a 2 in Sales; the supervisor's
    team is Alex's."""
    billing, sales = Queue.objects.create(name="Billing"), Queue.objects.create(name="Sales")
    alex = AgentProfile.objects.create(user=agent, client_identity="alex")
    bea = AgentProfile.objects.create(user=other_agent, client_identity="bea")
    team = Team.objects.create(name="Tier 1")
    team.supervisors.add(supervisor)
    team.agents.add(alex)
    plan = SurveyPlan.objects.create(name="Phone")
    question = SurveyQuestion.objects.create(plan=plan, position=1, wording={"en-US": "How?"})
    surveys = {}
    for n, (profile, queue, score) in enumerate(((alex, billing, 5), (bea, sales, 2))):
        customer = Customer.objects.create(name=f"Customer {n}", account_number=f"C-{n}")
        call = Call.objects.create(
            sid=f"CA{n:032x}",
            direction="inbound",
            from_number="+14155550142",
            to_number="+18005550100",
            customer=customer,
            created_at=DAY,
        )
        QueueEntry.objects.create(
            queue=queue,
            call=call,
            customer=customer,
            status="done",
            served_by=profile,
            connected_at=DAY,
            ended_at=DAY + dt.timedelta(minutes=5),
        )
        survey = Survey.objects.create(
            plan=plan,
            call=call,
            channel="ivr",
            status="completed",
            agent=profile,
            queue=queue,
            customer=customer,
            answered_at=DAY,
        )
        SurveyAnswer.objects.create(survey=survey, question=question, score=score, via="keys")
        surveys[profile.client_identity] = survey
    return surveys
