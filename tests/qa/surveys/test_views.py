"""The survey answers page and the repeat contacts page, by role."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from telephony.models import Call

from .conftest import DAY

pytestmark = pytest.mark.django_db


def test_an_agent_lists_their_own_survey_answers_only(client_as, agent, surveyed):
    page = client_as(agent).get("/qa/surveys/")
    assert page.status_code == 200
    assert list(page.context["surveys"]) == [surveyed["alex"]]
    assert "Q1: 5/5" in page.content.decode()


def test_low_answers_only(client_as, manager, surveyed):
    page = client_as(manager).get("/qa/surveys/", {"low": "1"})
    assert list(page.context["surveys"]) == [surveyed["bea"]]


def test_no_role_no_page(client_as, outsider):
    assert client_as(outsider).get("/qa/surveys/").status_code == 403
    assert client_as(outsider).get("/qa/fcr/").status_code == 403


def test_repeat_contacts_show_what_followed(client_as, manager, surveyed):
    customer = surveyed["alex"].customer
    Call.objects.create(
        sid="CA" + "f" * 32,
        direction="inbound",
        from_number="+14155550142",
        to_number="+18005550100",
        customer=customer,
        created_at=DAY + dt.timedelta(days=2),
    )
    with time_machine.travel(DAY + dt.timedelta(days=3), tick=False):
        page = client_as(manager).get("/qa/fcr/")
    assert page.status_code == 200
    (contact,) = page.context["repeated"]
    assert contact.customer_name == customer.name
    assert [r.channel for r in contact.repeats] == ["call"]
    assert "1 repeated" in page.content.decode()
