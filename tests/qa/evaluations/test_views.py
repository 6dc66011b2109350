"""The evaluation pages through the HTTP stack: a refused submit shows errors per question
and saves nothing; the admin keeps a card's version when it is edited and previews it."""

from __future__ import annotations

import pytest
from django.urls import reverse

from qa.evaluations import services
from qa.models import Answer, Scorecard
from tests.qa.evaluations.conftest import ended_call, question_ids

pytestmark = pytest.mark.django_db


def test_a_refused_submit_shows_errors_per_question_and_saves_nothing(
    card, agent, qa_analyst, client_as
):
    call = ended_call(agent, card.queues.get())
    evaluation = services.evaluation_start(call=call, analyst=qa_analyst)
    greet, disclose, solve, steps = question_ids(card)
    response = client_as(qa_analyst).post(
        reverse("qa:evaluation", args=[evaluation.pk]),
        {f"q{greet}": "1", f"q{solve}": "4", f"q{steps}": "na", "submit": ""},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert page.count("Answer this question to submit.") == 1
    assert f'id="question-{disclose}"' in page
    assert not Answer.objects.exists()


def test_a_draft_then_a_submit_through_the_page(card, agent, qa_analyst, client_as):
    call = ended_call(agent, card.queues.get())
    client = client_as(qa_analyst)
    response = client.post(reverse("qa:evaluation_new", args=[call.pk]))
    evaluation = call.evaluations.get()
    assert response.url == reverse("qa:evaluation", args=[evaluation.pk])
    ids = question_ids(card)
    client.post(response.url, {f"q{ids[0]}": "1", "draft": ""})
    assert Answer.objects.get().value == 1
    answers = {f"q{pk}": value for pk, value in zip(ids, ("1", "1", "5", "10"), strict=True)}
    assert client.post(response.url, {**answers, "submit": ""}).status_code == 302
    evaluation.refresh_from_db()
    assert (evaluation.state, evaluation.score) == ("submitted", 100.0)
    comment = client.post(
        reverse("qa:evaluation_comment", args=[evaluation.pk]), {"at": "0:04", "text": "Good"}
    )
    assert comment.status_code == 302
    assert evaluation.comments.get().at_ms == 4000
    bad = client.post(
        reverse("qa:evaluation_comment", args=[evaluation.pk]), {"at": "4s", "text": "x"}
    )
    assert bad.status_code == 400


def test_admin_edit_of_a_card_in_use_keeps_the_old_version(
    card, agent, qa_analyst, manager, client
):
    call = ended_call(agent, card.queues.get())
    evaluation = services.evaluation_start(call=call, analyst=qa_analyst)
    client.force_login(manager)
    url = reverse("admin:qa_scorecard_change", args=[card.pk])
    form = client.get(url).context["adminform"].form
    sections = list(card.sections.all())
    questions = list(card.questions.all())
    data = {
        "name": card.name,
        "active": "on",
        "description": "",
        "pass_mark": "75",
        "queues": [q.pk for q in card.queues.all()],
        "sections-TOTAL_FORMS": len(sections),
        "sections-INITIAL_FORMS": len(sections),
        "questions-TOTAL_FORMS": len(questions),
        "questions-INITIAL_FORMS": len(questions),
    }
    assert form.initial["name"] == card.name
    for i, section in enumerate(sections):
        data |= {
            f"sections-{i}-id": section.pk,
            f"sections-{i}-scorecard": card.pk,
            f"sections-{i}-title": section.title,
            f"sections-{i}-weight": section.weight,
            f"sections-{i}-position": section.position,
        }
    for i, q in enumerate(questions):
        data |= {
            f"questions-{i}-id": q.pk,
            f"questions-{i}-scorecard": card.pk,
            f"questions-{i}-section": q.section_id,
            f"questions-{i}-position": q.position,
            f"questions-{i}-text": q.text,
            f"questions-{i}-kind": q.kind,
            f"questions-{i}-max_points": q.max_points or "",
            f"questions-{i}-weight": q.weight,
            f"questions-{i}-guidance": "",
            f"questions-{i}-auto_qa_rule": q.auto_qa_rule,
            **({f"questions-{i}-critical": "on"} if q.critical else {}),
            **({f"questions-{i}-allow_na": "on"} if q.allow_na else {}),
        }
    response = client.post(url, data)
    assert response.status_code == 302, response.context["errors"]
    versions = dict(Scorecard.objects.values_list("version", "pass_mark"))
    assert versions == {1: 80, 2: 75}
    evaluation.refresh_from_db()
    assert evaluation.scorecard.version == 1
    assert (
        services.evaluation_start(
            call=ended_call(agent, card.queues.get()), analyst=qa_analyst
        ).scorecard.version
        == 2
    )


def test_admin_preview_scores_sample_answers(card, manager, client):
    client.force_login(manager)
    greet, disclose, solve, _steps = question_ids(card)
    url = reverse("admin:qa_scorecard_preview", args=[card.pk])
    page = client.get(url, {f"q{greet}": "0", f"q{disclose}": "1", f"q{solve}": "5"}).content
    assert b"Score: 83.3/100" in page
    critical = client.get(url, {f"q{disclose}": "0"}).content
    assert b"critical fail" in critical


def test_calibration_with_two_analysts_through_the_pages(card, agent, qa_analyst, client):
    from callcenter import roles
    from tests.conftest import _persona

    second = _persona("qa2", roles.QA_ANALYST)
    call = ended_call(agent, card.queues.get())
    client.force_login(qa_analyst)
    opened = client.post(
        reverse("qa:calibration_new", args=[call.pk]), {"analysts": [qa_analyst.pk, second.pk]}
    )
    calibration = call.calibrations.get()
    assert opened.url == reverse("qa:calibration", args=[calibration.pk])
    ids = question_ids(card)
    for user, values in ((qa_analyst, ("1", "1", "4", "10")), (second, ("0", "1", "2", "na"))):
        client.force_login(user)
        page = client.get(opened.url).content.decode()
        assert "Blind" in page  # nothing of the other's answers before submitting
        mine = calibration.evaluations.get(analyst=user)
        answers = {f"q{pk}": value for pk, value in zip(ids, values, strict=True)}
        assert (
            client.post(
                reverse("qa:evaluation", args=[mine.pk]), {**answers, "submit": ""}
            ).status_code
            == 302
        )
    comparison = client.get(opened.url).context["comparison"]
    assert [row.spread for row in comparison.rows] == [1, 0, 2, 0]
    # A calibration is no evaluation of the agent.
    client.force_login(agent)
    assert client.get(reverse("qa:evaluation_list")).context["evaluations"].count() == 0


def test_a_supervisor_coaches_their_agent_on_a_set_of_calls(
    card, teams, agent, other_agent, supervisor, client_as
):
    from datetime import timedelta

    from django.utils import timezone

    first, second = ended_call(agent, card.queues.get()), ended_call(agent, card.queues.get())
    client = client_as(supervisor)
    url = reverse("qa:coaching_on_calls", args=[first.queue_entries.get().served_by_id])
    due = (timezone.localdate() + timedelta(days=3)).isoformat()
    refused = client.post(url, {"goals": "Disclose first", "due_on": due})
    assert refused.status_code == 400
    assert "calls" in refused.context["form"].errors
    assert (
        client.post(
            url, {"goals": "Disclose first", "due_on": due, "calls": [first.pk, second.pk]}
        ).status_code
        == 302
    )
    session = agent.agent_profile.coaching_sessions.get()
    assert set(session.calls.all()) == {first, second}
    # Another team's agent: the calls are not the supervisor's to pick, nor the agent to coach.
    beas = ended_call(other_agent, card.queues.get())
    other_url = reverse("qa:coaching_on_calls", args=[beas.queue_entries.get().served_by_id])
    assert (
        client.post(other_url, {"goals": "x", "due_on": due, "calls": [beas.pk]}).status_code == 400
    )
