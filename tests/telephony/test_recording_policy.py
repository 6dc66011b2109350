"""Whether a conversation is recorded, and what the caller is told first."""

from __future__ import annotations

import pytest

from crm.models import Customer
from telephony import gateway
from telephony.calls.recording import (
    DEFAULT_ANNOUNCEMENT,
    announcement_for,
    decision_for,
    policy_for,
    recording_start,
)
from telephony.models import Call, InboundNumber, IvrFlow, Queue, QueueEntry, RecordingPolicy
from tests.factories import CustomerFactory
from tests.telephony.conftest import new_call_sid

pytestmark = pytest.mark.django_db

OUR_LINE = "+18005550100"


@pytest.fixture
def line():
    return InboundNumber.objects.create(
        number=OUR_LINE, name="Support", flow=IvrFlow.objects.create(name="Main")
    )


def _call(line=None, *, caller="+14155550142", customer=None, policy=None) -> Call:
    return Call.objects.create(
        sid=new_call_sid(),
        direction="inbound",
        from_number=caller,
        to_number=OUR_LINE,
        inbound_number=line,
        customer=customer,
        recording_policy=policy,
    )


def test_the_most_specific_policy_applies_campaign_then_queue_then_line(line):
    on_line, on_queue, on_campaign = (
        RecordingPolicy.objects.create(name=name) for name in ("line", "queue", "campaign")
    )
    line.recording_policy = on_line
    line.save()
    queue = Queue.objects.create(name="Billing")
    call = _call(line)
    entry = QueueEntry.objects.create(queue=queue, call=call)
    assert policy_for(call, entry) == on_line
    queue.recording_policy = on_queue
    queue.save()
    assert policy_for(call, entry) == on_queue
    call.recording_policy = on_campaign
    assert policy_for(call, entry) == on_campaign


def test_a_refusal_beats_any_policy_and_no_policy_records_nothing():
    every = RecordingPolicy.objects.create(name="all")
    refused = CustomerFactory(recording_consent=Customer.RecordingConsent.REFUSED)
    unknown = CustomerFactory(recording_consent=Customer.RecordingConsent.UNKNOWN)
    assert decision_for(_call(customer=refused), every) == "refused"
    assert decision_for(_call(customer=unknown), every) == "recorded"
    assert decision_for(_call(customer=unknown), None) == "no_policy"
    none = RecordingPolicy.objects.create(name="none", mode="none")
    assert decision_for(_call(), none) == "policy_none"


def test_a_start_that_fails_leaves_the_call_not_recorded_and_is_not_tried_again(monkeypatch):
    call = _call(policy=RecordingPolicy.objects.create(name="all"))
    Call.objects.filter(pk=call.pk).update(recording_decision="recorded")
    entry = QueueEntry.objects.create(queue=Queue.objects.create(name="Billing"), call=call)
    tries = []

    def unreachable(**kwargs):
        tries.append(kwargs)
        raise ConnectionError("api.twilio.com timed out")

    monkeypatch.setattr(gateway, "call_recording_start", unreachable)
    assert recording_start(entry=entry, leg_sid=call.sid) is None
    # A retried caller-record webhook finds the call already decided: no second start.
    assert recording_start(entry=entry, leg_sid=call.sid) is None
    call.refresh_from_db()
    assert len(tries) == 1
    assert call.recording_decision == "not_started"
    assert call.recording_failure == "Recording could not start: api.twilio.com timed out"
    assert (
        call.recording_state == "Not recorded: Recording could not start: api.twilio.com timed out"
    )
    assert not call.recordings.exists()


def test_a_sampled_policy_records_about_its_share_and_decides_a_call_the_same_each_time():
    half = RecordingPolicy.objects.create(name="half", mode="sample", sample_percent=50)
    calls = [_call() for _ in range(200)]
    decisions = [decision_for(call, half) for call in calls]
    assert 70 <= decisions.count("recorded") <= 130
    assert set(decisions) == {"recorded", "not_sampled"}
    assert [decision_for(call, half) for call in calls] == decisions


def test_the_line_says_its_own_words_and_all_party_states_hear_the_default_ones(line):
    assert announcement_for(_call(line)) == line.recording_announcement
    line.recording_announcement = ""
    line.save()
    # California (all-party consent), seeded from the domain notes: told in default words.
    assert announcement_for(_call(line, caller="+14155550142")) == DEFAULT_ANNOUNCEMENT
    # New York is not listed as all-party: the agent's consent suffices.
    assert announcement_for(_call(line, caller="+12125550123")) == ""
    # Unsure where the caller is (withheld, abroad): told.
    assert announcement_for(_call(line, caller="anonymous")) == DEFAULT_ANNOUNCEMENT
    assert announcement_for(_call(line, caller="+442071838750")) == DEFAULT_ANNOUNCEMENT
