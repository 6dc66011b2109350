"""How many lines the pacer dials: the pacing functions as tables, then against agents."""

from __future__ import annotations

import pytest

from campaigns.dialer import pacing, services
from campaigns.dialer.pacing import Staffing
from campaigns.models import CallAttempt, Campaign
from telephony.models import Queue, QueueEntry

TARGET = 0.03


@pytest.mark.parametrize(
    ("free", "in_flight", "waiting", "lines"),
    [(0, 0, 0, 0), (1, 0, 0, 1), (3, 0, 0, 3), (3, 1, 0, 2), (3, 2, 1, 0), (2, 3, 0, 0)],
)
def test_progressive_dials_one_line_per_free_agent(free, in_flight, waiting, lines):
    staffing = Staffing(free=free, soon_free=0, lines_in_flight=in_flight, answered_waiting=waiting)
    assert pacing.progressive_lines(staffing) == lines


@pytest.mark.parametrize(
    ("free", "soon_free", "in_flight", "level", "lines"),
    [
        (0, 0.0, 0, 2.5, 0),
        (2, 0.0, 0, 1.0, 2),
        (2, 1.0, 0, 1.0, 2),  # at 1.0 only agents free now count: progressive
        (2, 0.0, 0, 2.5, 5),
        (2, 1.0, 0, 2.5, 8),
        (2, 0.0, 3, 2.5, 2),
        (2, 0.0, 0, 9.0, 6),  # capped at max_lines_per_agent
        (2, 0.0, 0, 0.2, 2),  # never below one line per agent
    ],
)
def test_predictive_dials_the_dial_level_per_expected_free_agent(
    free, soon_free, in_flight, level, lines
):
    staffing = Staffing(
        free=free, soon_free=soon_free, lines_in_flight=in_flight, answered_waiting=0
    )
    assert pacing.predictive_lines(staffing, dial_level=level, max_lines_per_agent=3.0) == lines


def test_expected_drops_follow_the_binomial_law():
    assert pacing.expected_drops(2, 0.5, 1) == pytest.approx(0.25)
    assert pacing.expected_drops(3, 0.5, 3) == 0
    assert pacing.expected_drops(4, 1.0, 2) == pytest.approx(2.0)


@pytest.mark.parametrize(
    ("agents", "answer_rate", "level_range"),
    [
        (1, 0.35, (1.0, 1.0)),  # one agent: a second line risks too much
        (5, 0.35, (1.2, 1.8)),
        (20, 0.35, (1.8, 2.4)),  # many agents pool their luck
        (50, 0.35, (2.1, 2.6)),
        (20, 0.9, (1.0, 1.1)),  # nearly everyone answers: nothing to gain
        (20, 0.2, (2.9, 3.0)),  # capped
    ],
)
def test_the_safe_level_grows_with_the_team_and_falls_with_the_answer_rate(
    agents, answer_rate, level_range
):
    level = pacing.safe_level(
        agents=agents, answer_rate=answer_rate, drop_budget=0.015, max_level=3.0
    )
    low, high = level_range
    assert low <= level <= high


@pytest.mark.parametrize(
    ("abandon_rate", "ceiling"),
    [(0.0, 3.0), (0.015, 3.0), (0.0195, 2.0), (0.024, 1.0), (0.03, 1.0), (0.10, 1.0)],
)
def test_the_ceiling_backs_off_hard_as_abandonment_nears_the_target(abandon_rate, ceiling):
    assert pacing.dial_level_ceiling(
        abandon_rate=abandon_rate, target_rate=TARGET, max_lines_per_agent=3.0
    ) == pytest.approx(ceiling)


def _next(current, *, answer=0.35, abandon=0.0, recent=0.0, agents=20):
    return pacing.next_dial_level(
        current=current,
        agents=agents,
        answer_rate=answer,
        abandon_rate=abandon,
        recent_drop_rate=recent,
        target_rate=TARGET,
        max_lines_per_agent=3.0,
    )


def test_the_dial_level_climbs_towards_the_safe_level():
    safe = pacing.safe_level(agents=20, answer_rate=0.35, drop_budget=0.015, max_level=3.0)
    levels = [1.0]
    for _ in range(10):
        levels.append(_next(levels[-1]))
    assert levels == sorted(levels)
    assert levels[-1] == pytest.approx(safe, abs=0.01)


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
