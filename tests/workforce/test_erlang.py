"""Erlang C against the reference case and published tables, Erlang A against its exact
special cases and an independent solution of its birth-death chain, and the properties
staffing must keep whatever the load.

No table of published Erlang A figures (4CallCenters, Mandelbaum and Zeltyn's notes,
Garnett, Mandelbaum and Reiman 2002) could be read in full text to copy numbers from, so
none is quoted here: Erlang A's oracle is the M/M/n+M chain solved directly below, and
its limit of endless patience is held to Erlang C's published figures."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.linalg import expm
from scipy.stats import poisson

from workforce import erlang

REFERENCE = {
    "calls": 100,
    "aht_seconds": 180,
    "interval_seconds": 1800,
    "target_service_level": 0.8,
    "threshold_seconds": 20,
}


def test_reference_case_needs_fourteen_agents_at_888_service_level():
    result = erlang.required_agents(**REFERENCE)
    assert result.agents == 14
    assert round(result.service_level, 3) == 0.888
    assert round(result.occupancy, 3) == 0.714
    # Thirteen would miss the target: 14 is the fewest.
    below = erlang.erlang_c_performance(13, 10.0, 180, 20)
    assert below.service_level < 0.8


def test_reference_case_rosters_twenty_with_thirty_percent_shrinkage():
    assert erlang.rostered(erlang.required_agents(**REFERENCE).agents, 0.30) == 20


def test_erlang_b_matches_the_published_table():
    # Erlang B tables: 10 Erlangs on 15 trunks block 3.65% of calls.
    assert erlang.erlang_b(15, 10.0) == pytest.approx(0.0365, abs=5e-5)


# Published Erlang C figures, each with where it is printed.
PUBLISHED_ERLANG_C = [
    # R package ErlangC 0.1.0, README example: 100 calls in 30 min, AHT 180 s, 20 s, 14
    # agents → wait probability 0.1741319, service level 0.88835, ASA 7.83593701 s.
    (14, 100, 180, 1800, 20, {"wait": 0.1741319, "sl": 0.88835, "asa": 7.83593701}),
    # Abstract Micro Systems' Erlang Library for Excel, ErlcWait4 help page: 20 agents,
    # 100 calls per 1800 s, AHT 240 s → 2.243505841 s; AHT 300 s → 30.4312286 s.
    (20, 100, 240, 1800, 20, {"asa": 2.243505841}),
    (20, 100, 300, 1800, 20, {"asa": 30.4312286}),
]


@pytest.mark.parametrize(
    ("agents", "calls", "aht", "interval", "threshold", "printed"), PUBLISHED_ERLANG_C
)
def test_erlang_c_and_erlang_a_without_abandons_match_published_figures(
    agents, calls, aht, interval, threshold, printed
):
    c = erlang.erlang_c_performance(agents, erlang.traffic(calls, aht, interval), aht, threshold)
    # Erlang A with a patience of 30 years: nobody abandons within any wait that matters.
    a = erlang.erlang_a_performance(agents, calls, aht, 1e9, threshold, interval)
    for result in (c, a):
        if "wait" in printed:
            assert result.wait_probability == pytest.approx(printed["wait"], abs=5e-7)
        if "sl" in printed:
            assert result.service_level == pytest.approx(printed["sl"], abs=5e-6)
        assert result.asa_seconds == pytest.approx(printed["asa"], rel=5e-6)


def _palm_chain(agents, calls, aht, patience, interval):
    """The M/M/n+M chain's generator truncated far beyond any likely queue, its stationary
    distribution by a plain linear solve (πQ = 0, Σπ = 1): no log space, no ratios."""
    arrival, service, abandon = calls / interval, 1 / aht, 1 / patience
    # Past the fluid queue (λ - nμ)/θ and a dozen standard deviations, the chain's mass is
    # far below double precision.
    top = agents + math.ceil(
        max(arrival - agents * service, 0) / abandon + 12 * math.sqrt(arrival / abandon) + 60
    )
    states = np.arange(top + 1)
    deaths = np.minimum(states, agents) * service + np.maximum(states - agents, 0) * abandon
    generator = np.diag(np.full(top, arrival), 1) + np.diag(deaths[1:], -1)
    generator -= np.diag(generator.sum(axis=1))
    system = np.vstack([generator.T, np.ones(top + 1)])
    rhs = np.zeros(top + 2)
    rhs[-1] = 1
    return np.linalg.lstsq(system, rhs, rcond=None)[0], arrival, service, abandon


def _answered_within_by_matrix_exponential(agents, service, abandon, depth, threshold):
    """P(answered within t) for a caller who finds j = 0..depth-1 waiting ahead: the
    absorbing chain (j ahead → j-1 at nμ + jθ, 0 ahead → answered at nμ, any → abandoned
    at θ) carried to t by its matrix exponential."""
    answered, gone = depth, depth + 1
    chain = np.zeros((depth + 2, depth + 2))
    for ahead in range(depth):
        forward = agents * service + ahead * abandon
        chain[ahead, ahead - 1 if ahead else answered] += forward
        chain[ahead, gone] += abandon
        chain[ahead, ahead] -= forward + abandon
    return expm(chain * threshold)[:depth, answered]


@pytest.mark.parametrize("agents", [1, 5, 14, 40])
@pytest.mark.parametrize("busy", [0.7, 1.2])
@pytest.mark.parametrize("patience", [30, 300])
def test_erlang_a_matches_its_birth_death_chain_solved_directly(agents, busy, patience):
    aht, interval = 180, 900
    calls = busy * agents * interval / aht  # offered load = busy x agents
    p, arrival, service, abandon = _palm_chain(agents, calls, aht, patience, interval)
    queued = np.maximum(np.arange(p.size) - agents, 0)
    mean_queue = p @ queued
    for threshold in (0, 20, 60):
        ours = erlang.erlang_a_performance(agents, calls, aht, patience, threshold, interval)
        within = (
            _answered_within_by_matrix_exponential(
                agents, service, abandon, p.size - agents, threshold
            )
            if threshold
            else np.zeros(p.size - agents)  # in 0 s, only those who find an agent free
        )
        assert ours.wait_probability == pytest.approx(p[agents:].sum(), abs=1e-9)
        assert ours.abandon_probability == pytest.approx(abandon * mean_queue / arrival, abs=1e-9)
        assert ours.asa_seconds == pytest.approx(mean_queue / arrival, rel=1e-7, abs=1e-9)
        assert ours.occupancy == pytest.approx(
            p @ np.minimum(np.arange(p.size), agents) / agents, abs=1e-9
        )
        assert ours.service_level == pytest.approx(p[:agents].sum() + p[agents:] @ within, abs=1e-8)


def test_occupancy_cap_adds_agents():
    capped = erlang.required_agents(**REFERENCE, occupancy_cap=0.65)
    assert capped.agents == 16  # 10 Erlangs at most 65% busy
    assert capped.occupancy <= 0.65


def test_a_low_cap_on_a_huge_load_is_still_staffed():
    load = erlang.traffic(6000, 500, 900)  # 3,333 Erlangs
    capped = erlang.required_agents(
        calls=6000,
        aht_seconds=500,
        interval_seconds=900,
        target_service_level=0.5,
        threshold_seconds=60,
        occupancy_cap=0.6,
    )
    assert capped.agents == math.ceil(load / 0.6)


def test_erlang_a_with_endless_patience_is_erlang_c():
    a = erlang.erlang_a_performance(14, 100, 180, 1e9, 20, 1800)
    c = erlang.erlang_c_performance(14, 10.0, 180, 20)
    assert a.service_level == pytest.approx(c.service_level, abs=1e-6)
    assert a.wait_probability == pytest.approx(c.wait_probability, abs=1e-6)
    assert a.asa_seconds == pytest.approx(c.asa_seconds, rel=1e-5)


@pytest.mark.parametrize("agents", [5, 10, 14])
def test_erlang_a_with_patience_equal_to_handle_time_is_an_infinite_server_queue(agents):
    """Published identity (Mandelbaum and Zeltyn): with θ = μ the M/M/n+M system holds
    Poisson(λ/μ) callers, so waiting and abandoning have closed forms."""
    load = 10.0
    a = erlang.erlang_a_performance(agents, 100, 180, 180, 20, 1800)
    assert a.wait_probability == pytest.approx(poisson.sf(agents - 1, load), rel=1e-9)
    beyond = sum((k - agents) * poisson.pmf(k, load) for k in range(agents, 200))
    assert a.abandon_probability == pytest.approx(beyond / load, rel=1e-9)


def test_erlang_a_needs_fewer_agents_than_erlang_c_when_callers_abandon():
    patient = erlang.required_agents(**REFERENCE)
    impatient = erlang.required_agents(**REFERENCE, patience_seconds=120)
    assert impatient.agents < patient.agents
    assert impatient.service_level >= 0.8
    assert 0 < impatient.abandon_probability < 0.1


def test_erlang_a_copes_with_an_overloaded_large_queue():
    result = erlang.erlang_a_performance(100, 1000, 180, 60, 20, 1800)  # 100 Erlangs
    assert 0 < result.service_level < 1
    assert 0 < result.abandon_probability < 1


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"target_service_level": 1.0, "threshold_seconds": 0}, "below 100%"),
        ({"target_service_level": 0.0}, "above 0%"),
        ({"aht_seconds": 0}, "handle time"),
        ({"calls": -1}, "negative"),
    ],
)
def test_impossible_or_meaningless_input_is_refused_with_a_reason(change, message):
    with pytest.raises(ValueError, match=message):
        erlang.required_agents(**{**REFERENCE, **change})


def test_no_calls_need_no_agents():
    assert erlang.required_agents(**{**REFERENCE, "calls": 0}).agents == 0


loads = st.fixed_dictionaries(
    {
        "calls": st.floats(min_value=0.5, max_value=3000),
        "aht_seconds": st.floats(min_value=10, max_value=900),
        "target_service_level": st.floats(min_value=0.5, max_value=0.95),
        "threshold_seconds": st.sampled_from([0, 10, 20, 30, 60]),
        "occupancy_cap": st.floats(min_value=0.6, max_value=1.0),
        "patience_seconds": st.one_of(st.none(), st.floats(min_value=30, max_value=600)),
    }
)


@settings(max_examples=60, deadline=None)
@given(case=loads, more=st.floats(min_value=1.0, max_value=2.0))
def test_more_calls_never_need_fewer_agents(case, more):
    base = erlang.required_agents(interval_seconds=900, **case)
    busier = erlang.required_agents(interval_seconds=900, **{**case, "calls": case["calls"] * more})
    assert busier.agents >= base.agents


@settings(max_examples=60, deadline=None)
@given(case=loads)
def test_the_staffing_found_meets_the_target_and_one_fewer_does_not(case):
    result = erlang.required_agents(interval_seconds=900, **case)
    assert result.service_level >= case["target_service_level"]
    assert result.occupancy <= case["occupancy_cap"] + 1e-12
    if result.agents > 1:
        load = erlang.traffic(case["calls"], case["aht_seconds"], 900)
        if case["patience_seconds"]:
            fewer = erlang.erlang_a_performance(
                result.agents - 1,
                case["calls"],
                case["aht_seconds"],
                case["patience_seconds"],
                case["threshold_seconds"],
                900,
            )
        else:
            fewer = erlang.erlang_c_performance(
                result.agents - 1, load, case["aht_seconds"], case["threshold_seconds"]
            )
        assert (
            fewer.service_level < case["target_service_level"]
            or fewer.occupancy > case["occupancy_cap"]
        )
    assert math.isfinite(result.asa_seconds)
