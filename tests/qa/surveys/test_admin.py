"""Survey plans are built in admin: questions inline (one to three), wording per language
checked; surveys themselves are records, read only."""

from __future__ import annotations

import pytest

from qa.models import SurveyPlan
from qa.surveys import demo
from telephony.models import Queue

pytestmark = pytest.mark.django_db
URL = "/admin/qa/surveyplan/add/"


def _form(**extra) -> dict:
    return {
        "name": "Billing after-call",
        "active": "on",
        "channel": "ivr",
        "queues": [Queue.objects.create(name="Billing").pk],
        "introduction": '{"en-US": "Please stay on the line."}',
        "comment_prompt": "{}",
        "reply_window_minutes": "1440",
        "questions-TOTAL_FORMS": "1",
        "questions-INITIAL_FORMS": "0",
        "questions-MIN_NUM_FORMS": "1",
        "questions-MAX_NUM_FORMS": "3",
        "questions-0-position": "1",
        "questions-0-wording": (
            '{"en-US": "How satisfied are you?", "es-US": "¿Qué tan satisfecho está?"}'
        ),
        **extra,
    }


def test_a_manager_builds_a_plan_with_its_questions(client_as, manager):
    response = client_as(manager).post(URL, _form())
    assert response.status_code == 302, response.context["adminform"].errors
    plan = SurveyPlan.objects.get()
    assert [q.wording["es-US"] for q in plan.questions.all()] == ["¿Qué tan satisfecho está?"]


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"questions-0-wording": '{"en-US": ""}'}, "The wording for “en-US” is empty."),
        ({"questions-0-position": "4"}, "Ensure this value is less than or equal to 3."),
        ({"ask_comment": "on"}, "Say how the caller is asked for a comment."),
    ],
)
def test_bad_plans_show_form_errors_and_save_nothing(client_as, manager, extra, message):
    response = client_as(manager).post(URL, _form(**extra))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not SurveyPlan.objects.exists()


def test_surveys_are_read_only(client_as, manager):
    assert client_as(manager).get("/admin/qa/survey/").status_code == 200
    assert client_as(manager).get("/admin/qa/survey/add/").status_code == 403


def test_the_demo_surveys_billing_callers_once(support_line):
    plan = demo.seed_plan()
    assert demo.seed_plan() == plan
    assert [q.position for q in plan.questions.all()] == [1, 2]
    assert [q.name for q in plan.queues.all()] == ["Billing"]
