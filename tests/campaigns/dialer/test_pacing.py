"""How many lines the pacer dials: the pacing functions as tables, then against agents."""

from __future__ import annotations

import pytest
from django.utils import timezone

from campaigns.dialer import pacing, services
from campaigns.dialer.pacing import Staffing
from campaigns.models import CallAttempt, Campaign, ScrubbedLead
from telephony.models import Queue, QueueEntry

TARGET = 0.03


@pytest.mark.parametrize(
    ("free", "in_flight", "waiting", "lines"),
    [(0, 0, 0, 0), (1, 0, 0, 1), (3, 0, 0, 3), (3, 1, 0, 2), (3, 2, 1, 0), (2, 3, 0, 0)],
)
def test_progressive_dials_one_line_per_free_agent(free, in_flight, waiting, lines):
    staffing = Staffing(free=free, lines_in_flight=in_flight, answered_waiting=waiting)
    assert pacing.progressive_lines(staffing) == lines


@pytest.mark.parametrize(
    ("agents", "answer_rate", "budget", "max_lines", "lines"),
    [
        # P(2 answers of 2) = 0.25 fits; of 3 lines, P(2 or more) = 0.5 does not.
        (1, 0.5, 0.25, 10, 2),
        # No agent free: one line risks a drop with P = 0.2; two with 1 - 0.8² = 0.36.
        (0, 0.2, 0.2, 10, 1),
        (0, 0.2, 0.1, 10, 0),
        # P(more than 2 of 8 answer) = 1 - 0.9⁸ - 8·0.1·0.9⁷ - 28·0.01·0.9⁶ = 0.038;
        # of 9 lines it is 0.053.
        (2, 0.1, 0.05, 100, 8),
        (2, 0.1, 0.05, 6, 6),
        # Everyone answers: one line per agent.
        (4, 1.0, 0.5, 20, 4),
    ],
)
def test_safe_lines_keep_the_chance_of_a_drop_within_the_budget(
    agents, answer_rate, budget, max_lines, lines
):
    assert (
        pacing.safe_lines(
            agents=agents, answer_rate=answer_rate, drop_budget=budget, max_lines=max_lines
        )
        == lines
    )


def _predictive(free, in_flight=0, ringing_out=0, waiting=0, *, staffed=10, per_agent=3.0):
    staffing = Staffing(
        free=free,
        lines_in_flight=in_flight,
        answered_waiting=waiting,
        ringing_out=ringing_out,
        staffed=staffed,
    )
    return pacing.predictive_lines(
        staffing, answer_rate=0.1, drop_budget=0.05, max_lines_per_agent=per_agent
    )


def test_predictive_counts_only_the_lines_that_may_still_answer():
    assert _predictive(2) == 8
    assert _predictive(2, in_flight=5) == 3
    assert _predictive(2, in_flight=5, ringing_out=3) == 6
    assert _predictive(2, in_flight=12, ringing_out=1) == 0


def test_predictive_keeps_answered_calls_waiting_for_their_agents():
    # One agent left: P(2 or more of 3 answer) = 0.028, of 4 it is 0.052.
    assert _predictive(2, waiting=1) == 3
    assert _predictive(1, waiting=2) == 0


def test_predictive_never_passes_its_lines_per_staffed_agent():
    assert _predictive(2, staffed=2, per_agent=1.5) == 3
    assert _predictive(2, in_flight=2, staffed=2, per_agent=1.5) == 1


def _reading(abandon=0.0, recent=0.0, live=1000, answer_rate=0.1):
    return pacing.Reading(
        abandon_rate=abandon, recent_drop_rate=recent, answer_rate=answer_rate, live_answers=live
    )


@pytest.mark.parametrize(
    ("current", "abandon", "recent", "boldness"),
    [
        (2.0, 0.020, 0.0, 2.005),  # under the aim (2.79%): a little bolder
        (2.0, 0.028, 0.0, 1.98),  # over the aim: back faster
        (2.0, 0.028, 0.07, 1.0),  # a burst over the aim: halved
        (2.0, 0.020, 0.07, 2.005),  # a burst while well under the aim: no matter
        (2.0, 0.030, 0.0, 0.5),  # past the hard limit (2.94%): the minimum
        (10.0, 0.0, 0.0, 10.0),
        (0.5, 0.029, 0.0, 0.5),
    ],
)
def test_the_boldness_aims_the_rolling_abandonment_just_under_the_target(
    current, abandon, recent, boldness
):
    reading = _reading(abandon=abandon, recent=recent)
    assert pacing.next_boldness(current, reading, target_rate=TARGET) == pytest.approx(boldness)


def _tick(reading, *, free=2, boldness=1.0):
    staffing = Staffing(free=free, lines_in_flight=0, answered_waiting=0, staffed=10)
    return pacing.predictive_tick(
        staffing, reading, boldness=boldness, target_rate=TARGET, max_lines_per_agent=3.0
    )


def test_predictive_starts_progressive_until_abandonment_can_be_measured():
    # 35 answers x 2.79% is under one drop; 36 is one.
    assert _tick(_reading(live=35)) == (2, 1.0)
    lines, boldness = _tick(_reading(live=36))
    assert boldness == pytest.approx(1.005)
    # Budget 3.015%: P(more than 2 of 5 answer) = 0.0086, of 6 it is 0.016, of 7 0.026.
    assert lines == 7


def test_predictive_turns_progressive_past_the_hard_limit():
    assert _tick(_reading(abandon=0.03), boldness=4.0) == (2, pacing.MIN_BOLDNESS)


uses_db = pytest.mark.django_db


@uses_db
def test_progressive_lines_follow_free_campaign_agents(make_agent, make_campaign):
    agents = [make_agent(f"a{i}") for i in range(3)]
    make_agent("other")  # not on the campaign
    campaign = make_campaign(agents=agents)
    assert services.lines_wanted(campaign) == 3
    agents[0].state = "on_call"
    agents[0].save()
    assert services.lines_wanted(campaign) == 2


@uses_db
def test_no_dialling_at_all_when_no_campaign_agent_is_logged_in(make_agent, make_campaign):
    agents = [make_agent("a", state="offline"), make_agent("b", state="offline")]
    assert services.lines_wanted(make_campaign(agents=agents)) == 0
    agentless = make_campaign(
        name="Reminders", dial_mode=Campaign.DialMode.AGENTLESS, agentless_message="Hi."
    )
    assert services.lines_wanted(agentless) > 0


@uses_db
def test_blended_agents_dial_only_while_their_inbound_queues_are_quiet(make_agent, make_campaign):
    alex = make_agent("alex")
    # Billing needs no skill: everyone serves it.
    billing = Queue.objects.create(name="Billing line")
    campaign = make_campaign(agents=[alex], blend_max_inbound_waiting=1)
    QueueEntry.objects.create(queue=billing)
    assert services.lines_wanted(campaign) == 1
    QueueEntry.objects.create(queue=billing)
    assert services.lines_wanted(campaign) == 0


@uses_db
def test_predictive_dials_progressive_first_then_ahead_then_backs_off_past_the_limit(
    monday, make_agent, make_campaign, make_lead
):
    agents = [make_agent(f"a{i}") for i in range(4)]
    campaign = make_campaign(agents=agents, dial_mode=Campaign.DialMode.PREDICTIVE)
    lead = make_lead(campaign)

    def attempts(count: int, outcome: str, *, abandoned: bool = False) -> None:
        answered = outcome in ("completed", "abandoned")
        for _ in range(count):
            CallAttempt.objects.create(
                campaign=campaign,
                lead=lead,
                outcome=outcome,
                is_abandoned=abandoned,
                answered_by="human" if answered else "",
                answered_at=campaign.created_at if answered else None,
                placed_at=campaign.created_at,
                ended_at=campaign.created_at,
            )

    # 40% of dials reach a person, but 30 answers cannot yet tell 3% from none.
    attempts(45, "no_answer")
    attempts(30, "completed")
    assert services.lines_wanted(campaign) == 4
    # 40 answers: P(more than 4 of 5 answer) = 1%, of 6 it is 4.1%, over the 3% budget.
    attempts(15, "no_answer")
    attempts(10, "completed")
    assert services.lines_wanted(campaign) == 5
    campaign.refresh_from_db()
    assert campaign.pacing_boldness == pytest.approx(1.005)
    attempts(2, "abandoned", abandoned=True)  # 2 in 42 live answers: 4.8%, over 3%
    assert services.lines_wanted(campaign) == 4
    campaign.refresh_from_db()
    assert campaign.pacing_boldness == pacing.MIN_BOLDNESS


@uses_db
def test_the_dialer_never_claims_a_lead_the_scrub_stopped(
    monday, make_agent, make_campaign, make_lead
):
    campaign = make_campaign(agents=[make_agent("alex"), make_agent("blake")])
    stopped = make_lead(campaign)
    ScrubbedLead.objects.create(lead=stopped, stopped_at=timezone.now())
    free = make_lead(campaign, phone="+12125550199")
    claimed = [
        CallAttempt.objects.get(pk=pk).lead_id
        for pk, _ in services.campaign_pace(campaign_id=campaign.pk)
    ]
    assert claimed == [free.pk]
    assert not CallAttempt.objects.filter(lead=stopped).exists()
