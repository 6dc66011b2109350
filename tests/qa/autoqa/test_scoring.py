"""Scoring transcribed calls: on the transcript's signal after commit, once per rule set,
again after a rule changed (a new version), by the command, the admin actions and the
sweep; results name the rule versions and utterances that decided them."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from qa import tasks
from qa.autoqa import services
from qa.models import AutoQaScore, QaRule, RuleResult, Transcript
from qa.signals import transcript_completed

from .conftest import GOOD_CALL, rule, transcribed_call

pytestmark = pytest.mark.django_db

SALES_PITCH = [
    ("agent", 0.5, 3.0, "Thank you for calling Acme."),
    ("caller", 3.5, 6.0, "Is this plan any good?"),
    ("agent", 6.5, 11.0, "I GUARANTEE it will pay for itself."),
    ("agent", 11.5, 13.0, "Have a great day."),
]


@pytest.fixture
def rules():
    return {
        "greeting": rule(
            "greeting", "early", phrases="thank you for calling", seconds=10, weight=20
        ),
        "guarantee": rule(
            "no-guarantee",
            "forbidden",
            phrases="guarantee|promise",
            auto_fail=True,
            flag="compliance_miss",
        ),
        "closing": rule("closing", "required", phrases="have a great day", weight=10),
    }


def test_a_forbidden_phrase_is_flagged_end_to_end_from_the_transcript_signal(
    rules, agent, billing, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        transcript = transcribed_call(agent, billing, SALES_PITCH)
        transcript_completed.send(sender=Transcript, transcript=transcript)
        # Scoring waits for the commit: the utterances are all there by then.
        assert not AutoQaScore.objects.exists()
    score = AutoQaScore.objects.get(transcript=transcript)
    assert (score.score, score.auto_failed, score.flags) == (0, True, ["compliance_miss"])
    assert score.agent.user == agent and score.queue == billing
    missed = score.results.get(rule=rules["guarantee"])
    assert (missed.outcome, missed.at_ms, missed.utterance.text) == (
        "missed",
        6500,
        "I GUARANTEE it will pay for itself.",
    )
    assert set(score.rule_versions()) == set(rules.values())


def test_scoring_twice_with_the_same_rules_changes_nothing(rules, agent, billing):
    transcript = transcribed_call(agent, billing, GOOD_CALL)
    first = services.transcript_score(transcript_id=transcript.pk)
    again = services.transcript_score(transcript_id=transcript.pk)
    assert first == again and first.score == 100
    assert AutoQaScore.objects.count() == 1 and RuleResult.objects.count() == 3


def test_a_transcript_done_again_is_scored_again(rules, agent, billing):
    transcript = transcribed_call(agent, billing, GOOD_CALL)
    first = services.transcript_score(transcript_id=transcript.pk)
    transcript.utterances.filter(text__icontains="great day").update(text="Bye.")
    Transcript.objects.filter(pk=transcript.pk).update(completed_at=timezone.now())
    again = services.transcript_score(transcript_id=transcript.pk)
    assert again != first and again.score < first.score
    assert again.results.get(rule=rules["closing"]).outcome == "missed"


def test_a_transcript_not_done_is_not_scored(rules, agent, billing):
    transcript = transcribed_call(agent, billing, GOOD_CALL, state=Transcript.State.FAILED)
    assert services.transcript_score(transcript_id=transcript.pk) is None


def test_rules_apply_to_their_queues_only(agent, billing):
    from telephony.models import Queue

    sales = Queue.objects.create(name="Sales")
    mini_miranda = rule("mini-miranda", "required", phrases="this is an attempt to collect a debt")
    mini_miranda.queues.add(sales)
    everywhere = rule("closing", "required", phrases="have a great day")
    billing_score = services.transcript_score(
        transcript_id=transcribed_call(agent, billing, GOOD_CALL).pk
    )
    sales_score = services.transcript_score(
        transcript_id=transcribed_call(agent, sales, GOOD_CALL).pk
    )
    assert list(billing_score.rule_versions()) == [everywhere]
    assert set(sales_score.rule_versions()) == {everywhere, mini_miranda}
    assert sales_score.score == 50


def test_editing_a_rule_makes_a_new_version_and_rescoring_uses_it(rules, agent, billing):
    transcript = transcribed_call(agent, billing, SALES_PITCH)
    old = services.transcript_score(transcript_id=transcript.pk)
    assert old.score == 0

    edited = QaRule.objects.get(pk=rules["guarantee"].pk)
    edited.phrases = "promise"
    edited.auto_fail = False
    second = services.rule_revise(rule=edited, by=None)
    assert (second.name, second.version, second.is_current) == ("no-guarantee", 2, True)
    first = QaRule.objects.get(pk=rules["guarantee"].pk)
    assert (first.version, first.is_current, first.phrases) == (1, False, "guarantee|promise")

    made = services.transcripts_rescore(since=dt.datetime(2000, 1, 1, tzinfo=dt.UTC))
    assert made == 1
    new = AutoQaScore.objects.get(transcript=transcript, is_current=True)
    assert new.score == 100 and second in new.rule_versions()
    old.refresh_from_db()
    # The old score stays, naming the version it used.
    assert not old.is_current and first in old.rule_versions()
    assert services.transcripts_rescore(since=dt.datetime(2000, 1, 1, tzinfo=dt.UTC)) == 0


def test_an_old_version_cannot_be_edited(rules):
    edited = QaRule.objects.get(pk=rules["closing"].pk)
    edited.weight = 5
    services.rule_revise(rule=edited, by=None)
    stale = QaRule.objects.get(pk=rules["closing"].pk)
    with pytest.raises(ValidationError, match="current version"):
        services.rule_revise(rule=stale, by=None)


def test_the_command_rescores_one_queue_since_a_date(rules, agent, billing):
    from telephony.models import Queue

    sales = Queue.objects.create(name="Sales")
    in_billing = transcribed_call(agent, billing, SALES_PITCH)
    in_sales = transcribed_call(agent, sales, SALES_PITCH)
    for transcript in (in_billing, in_sales):
        services.transcript_score(transcript_id=transcript.pk)
    rule("disclosure", "required", phrases="may be recorded")
    call_command("autoqa_rescore", "--since", "2000-01-01", "--queue", "Billing")
    assert AutoQaScore.objects.filter(transcript=in_billing).count() == 2
    assert AutoQaScore.objects.filter(transcript=in_sales).count() == 1
    with pytest.raises(CommandError, match="--queue"):
        call_command("autoqa_rescore", "--since", "2000-01-01", "--queue", "Nowhere")
    with pytest.raises(CommandError, match="--since"):
        call_command("autoqa_rescore", "--since", "last tuesday")


def test_the_sweep_scores_what_a_lost_task_left(rules, agent, billing):
    transcripts = [transcribed_call(agent, billing, GOOD_CALL) for _ in range(3)]
    services.transcript_score(transcript_id=transcripts[0].pk)
    assert tasks.auto_qa_sweep() == 2
    assert tasks.auto_qa_sweep() == 0
    assert AutoQaScore.objects.filter(is_current=True).count() == 3


def test_editing_in_admin_saves_a_new_version_and_its_actions_rescore(
    rules, manager, client, agent, billing, django_capture_on_commit_callbacks
):
    transcript = transcribed_call(agent, billing, SALES_PITCH)
    services.transcript_score(transcript_id=transcript.pk)
    client.force_login(manager)
    closing = rules["closing"]
    page = reverse("admin:qa_qarule_change", args=[closing.pk])
    response = client.post(
        page,
        {
            "name": "closing",
            "active": "on",
            "kind": "required",
            "speaker": "agent",
            "phrases": "have a great day|goodbye",
            "bound": "over",
            "weight": "15",
            "flag": "",
            "description": "",
            "queues": [billing.pk],
        },
    )
    assert response.status_code == 302, response.content
    current = QaRule.objects.get(name="closing", is_current=True)
    assert (current.version, current.weight, list(current.queues.all())) == (2, 15, [billing])
    assert QaRule.objects.get(pk=closing.pk).weight == 10
    # The old version opens read only.
    assert b'name="phrases"' not in client.get(page).content

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:qa_qarule_changelist"),
            {"action": "rescore", "_selected_action": [current.pk]},
        )
    assert response.status_code == 302
    assert (
        AutoQaScore.objects.get(transcript=transcript, is_current=True)
        .rule_versions()
        .filter(pk=current.pk)
        .exists()
    )

    rules_page = client.get(reverse("admin:qa_autoqascore_changelist"))
    assert rules_page.status_code == 200


@pytest.mark.parametrize(
    ("kind", "fields", "field"),
    [
        ("required", {}, "phrases"),
        ("silence", {}, "seconds"),
        ("overtalk", {"seconds": 0}, "seconds"),
        ("talk_ratio", {"threshold": 1.5}, "threshold"),
        ("talk_ratio", {"threshold": 0.5, "speaker": "anyone"}, "speaker"),
        ("sentiment", {"threshold": -0.2, "speaker": "agent"}, "speaker"),
    ],
)
def test_an_invalid_rule_is_refused_with_its_field(db, kind, fields, field):
    with pytest.raises(ValidationError) as error:
        rule(f"bad-{kind}", kind, **fields)
    assert field in error.value.message_dict
