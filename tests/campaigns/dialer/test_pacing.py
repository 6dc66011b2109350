"""How many lines the pacer dials: the pacing functions as tables, then against agents."""

from __future__ import annotations

import pytest

from campaigns.dialer import pacing, services
from campaigns.dialer.pacing import Staffing
from campaigns.models import CallAttempt, Campaign
from telephony.models import Queue, QueueEntry

TARGET = 0.03
BUDGET = pacing.DROP_BUDGET_SHARE * TARGET


@pytest.mark.parametrize(
    ("free", "in_flight", "waiting", "lines"),
    [(0, 0, 0, 0), (1, 0, 0, 1), (3, 0, 0, 3), (3, 1, 0, 2), (3, 2, 1, 0), (2, 3, 0, 0)],
)
def test_progressive_dials_one_line_per_free_agent(free, in_flight, waiting, lines):
    staffing = Staffing(free=free, soon_free=0, lines_in_flight=in_flight, answered_waiting=waiting)
    assert pacing.progressive_lines(staffing) == lines


def _predictive(free, soon_free=0.0, in_flight=0, *, level=3.0, answer_rate=0.2):
    staffing = Staffing(
        free=free, soon_free=soon_free, lines_in_flight=in_flight, answered_waiting=0
    )
    return pacing.predictive_lines(
        staffing, dial_level=level, answer_rate=answer_rate, drop_budget=BUDGET
    )


def test_predictive_keeps_more_lines_in_flight_than_free_agents():
    assert _predictive(0) == 0
    assert _predictive(1) == 1  # a lone agent: a second line risks a drop too often
    assert _predictive(5) > 5
    assert _predictive(5, in_flight=3) == _predictive(5) - 3
    assert _predictive(5, soon_free=2.0) > _predictive(5)


def test_predictive_at_level_one_is_progressive():
    assert _predictive(5, level=1.0) == 5
    assert _predictive(5, soon_free=2.0, level=1.0) == 5


def test_predictive_never_passes_the_dial_level():
    assert _predictive(10, level=1.5, answer_rate=0.05) == 15
    assert _predictive(10, level=3.0, answer_rate=0.05) == 30


def test_predictive_adds_fewer_lines_when_more_calls_are_answered():
    assert _predictive(10, answer_rate=0.1) > _predictive(10, answer_rate=0.3)
    assert _predictive(10, answer_rate=0.95) == 10


def test_expected_drops_follow_the_binomial_law():
    assert pacing.expected_drops(2, 0.5, 1) == pytest.approx(0.25)
    assert pacing.expected_drops(3, 0.5, 3) == 0
    assert pacing.expected_drops(4, 1.0, 2) == pytest.approx(2.0)


@pytest.mark.parametrize(
    ("agents", "answer_rate", "lines"),
    [(1, 0.2, 1), (3, 0.2, 5), (10, 0.2, 30), (3, 0.45, 3), (10, 0.45, 16), (10, 0.9, 10)],
)
def test_safe_lines_grow_with_the_team_and_fall_with_the_answer_rate(agents, answer_rate, lines):
    assert (
        pacing.safe_lines(
            agents=agents, answer_rate=answer_rate, drop_budget=BUDGET, max_lines=3 * agents
        )
        == lines
    )


@pytest.mark.parametrize(
    ("abandon_rate", "ceiling"),
    [(0.0, 3.0), (0.015, 3.0), (0.0195, 2.0), (0.024, 1.0), (0.03, 1.0), (0.10, 1.0)],
)
def test_the_ceiling_backs_off_hard_as_abandonment_nears_the_target(abandon_rate, ceiling):
    assert pacing.dial_level_ceiling(
        abandon_rate=abandon_rate, target_rate=TARGET, max_lines_per_agent=3.0
    ) == pytest.approx(ceiling)


def _next(current, *, abandon=0.0, recent=0.0):
    return pacing.next_dial_level(
        current=current,
        abandon_rate=abandon,
        recent_drop_rate=recent,
        target_rate=TARGET,
        max_lines_per_agent=3.0,
    )


def test_the_dial_level_climbs_step_by_step_while_abandonment_is_low():
    levels = [1.0]
    for _ in range(8):
        levels.append(_next(levels[-1]))
    assert levels == sorted(levels)
    assert levels[1] == 2.0
    assert levels[-1] == pytest.approx(3.0, abs=0.01)


def test_the_dial_level_drops_to_one_near_the_target_and_halves_on_a_burst():
    assert _next(2.5, abandon=0.025) == 1.0
    assert _next(2.8, recent=0.09) == 1.4
    assert _next(1.5, recent=0.09) == 1.0


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
def test_predictive_backs_off_when_abandonment_nears_the_target(
    monday, make_agent, make_campaign, make_lead
):
    agents = [make_agent(f"a{i}") for i in range(4)]
    campaign = make_campaign(agents=agents, dial_mode=Campaign.DialMode.PREDICTIVE, dial_level=2.5)
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

    # 40% of dials reach a person: more than one line per free agent.
    attempts(60, "no_answer")
    attempts(40, "completed")
    assert services.lines_wanted(campaign) > 4
    attempts(1, "abandoned", abandoned=True)  # 1 in 41 live answers: 2.4%, near 3%
    assert services.lines_wanted(campaign) == 4
    campaign.refresh_from_db()
    assert campaign.dial_level == 1.0
