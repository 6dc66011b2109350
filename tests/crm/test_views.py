import re

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.urls import reverse

from crm import services
from crm.forms import CaseAssignForm
from crm.models import Case, Customer, Interaction
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def customer():
    return services.customer_create(
        name="Ava Chen", account_number="AC-100042", phone_numbers=[{"number": "+14155550142"}]
    )


@pytest.fixture
def case(customer, agent):
    return services.case_create(customer=customer, actor=agent, owner=agent, subject="Refund")


def test_pages_need_sign_in(client, customer):
    response = client.get(reverse("crm:customer_detail", args=[customer.pk]))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


# (persona, url name, expected status) for GET pages.
PAGE_ACCESS = [
    ("agent", "crm:customer_search", 200),
    ("agent", "crm:customer_create", 200),
    ("agent", "crm:case_list", 200),
    ("supervisor", "crm:case_list", 200),
    ("qa_analyst", "crm:customer_search", 200),
    ("qa_analyst", "crm:customer_create", 403),
    ("manager", "crm:customer_create", 200),
    ("outsider", "crm:customer_search", 403),
    ("outsider", "crm:case_list", 403),
    ("outsider", "home", 200),
]


@pytest.mark.parametrize(("persona", "url_name", "expected"), PAGE_ACCESS)
def test_page_access_by_role(request, client_as, persona, url_name, expected):
    client = client_as(request.getfixturevalue(persona))
    response = client.get(reverse(url_name))
    assert response.status_code == expected
    if expected == 403:
        assert b"Not allowed" in response.content


def test_navigation_shows_what_the_role_may_use(client_as, agent, manager, outsider):
    page = client_as(agent).get(reverse("home")).content.decode()
    assert "Customers</a>" in page and "Admin</a>" not in page
    page = client_as(manager).get(reverse("home")).content.decode()
    assert "Admin</a>" in page
    page = client_as(outsider).get(reverse("home")).content.decode()
    assert "Customers</a>" not in page and "No role yet" in page


def test_search_page_and_htmx_partial(client_as, agent, customer):
    client = client_as(agent)
    full = client.get(reverse("crm:customer_search"), {"q": "(415) 555-0142"})
    assert b"<html" in full.content and b"Ava Chen" in full.content
    partial = client.get(
        reverse("crm:customer_search"), {"q": "415.555.0142"}, headers={"HX-Request": "true"}
    )
    body = partial.content.decode()
    assert "<html" not in body
    assert body.strip().startswith('<div id="customer-results">')
    assert "Ava Chen" in body and "(415) 555-0142" in body


def test_search_says_when_nothing_matches(client_as, agent, customer):
    response = client_as(agent).get(
        reverse("crm:customer_search"), {"q": "Zebulon"}, headers={"HX-Request": "true"}
    )
    assert "No customer matches" in response.content.decode()


def test_customer_page_shows_profile_cases_and_timeline(client_as, agent, customer, case):
    services.note_add(customer=customer, author=agent, body="Prefers email")
    page = client_as(agent).get(customer.get_absolute_url()).content.decode()
    assert "AC-100042" in page
    assert case.reference in page
    assert "Prefers email" in page
    assert 'id="timeline"' in page


def test_note_added_with_htmx_returns_the_timeline_section(client_as, agent, customer):
    response = client_as(agent).post(
        reverse("crm:note_add", args=[customer.pk]),
        {"body": "Called back about the refund"},
        headers={"HX-Request": "true"},
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert body.strip().startswith('<section class="card" id="timeline-section">')
    assert "Called back about the refund" in body
    assert customer.interactions.get().actor == agent


def test_note_without_htmx_renders_the_page(client_as, agent, customer):
    response = client_as(agent).post(reverse("crm:note_add", args=[customer.pk]), {"body": "Hi"})
    assert b"<html" in response.content
    assert customer.interactions.count() == 1


@pytest.mark.parametrize("body", ["", "   ", "x" * 10_001])
def test_bad_note_shows_an_error_and_saves_nothing(client_as, agent, customer, body):
    response = client_as(agent).post(
        reverse("crm:note_add", args=[customer.pk]), {"body": body}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    assert 'class="errorlist' in response.content.decode()
    assert not customer.interactions.exists()


def test_qa_analyst_cannot_add_notes(client_as, qa_analyst, customer):
    response = client_as(qa_analyst).post(
        reverse("crm:note_add", args=[customer.pk]), {"body": "hi"}
    )
    assert response.status_code == 403
    assert not customer.interactions.exists()


def test_create_customer_with_a_local_number(client_as, agent):
    response = client_as(agent).post(
        reverse("crm:customer_create"),
        {
            "name": "Ben Brooks",
            "account_number": "ac-7",
            "tier": 1,
            "preferred_language": "en-US",
            "recording_consent": "unknown",
            "call_consent": "none",
            "phone_number": "(212) 555-0199",
            "phone_label": "work",
        },
    )
    customer = Customer.objects.get()
    assert response.status_code == 302
    assert response.url == customer.get_absolute_url()
    assert customer.account_number == "AC-7"
    assert customer.phone_numbers.get().number == "+12125550199"


def test_create_customer_with_bad_input_shows_errors_and_saves_nothing(client_as, agent):
    CustomerFactory(account_number="AC-7")
    response = client_as(agent).post(
        reverse("crm:customer_create"),
        {
            "name": "",
            "account_number": "AC-7",
            "tier": 9,
            "preferred_language": "en-US",
            "phone_number": "555",
            "time_zone": "Nowhere/City",
        },
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert page.count('class="errorlist') >= 4
    assert Customer.objects.count() == 1


def test_duplicate_account_number_is_a_form_error(client_as, agent):
    CustomerFactory(account_number="AC-7")
    response = client_as(agent).post(
        reverse("crm:customer_create"),
        {"name": "Ben", "account_number": "AC-7", "tier": 0, "preferred_language": "en-US"},
    )
    assert "already exists" in response.content.decode()
    assert Customer.objects.count() == 1


def test_edit_customer(client_as, agent, customer):
    response = client_as(agent).post(
        reverse("crm:customer_edit", args=[customer.pk]),
        {
            "name": "Ava Chen-Lopez",
            "tier": 2,
            "preferred_language": "es-US",
            "time_zone": "America/Chicago",
            "recording_consent": "refused",
            "call_consent": "express",
        },
    )
    assert response.status_code == 302
    customer.refresh_from_db()
    assert (
        customer.name,
        customer.tier,
        customer.preferred_language,
        customer.recording_consent,
    ) == ("Ava Chen-Lopez", 2, "es-US", "refused")


def test_add_phone_number_partial_and_error(client_as, agent, customer):
    client = client_as(agent)
    url = reverse("crm:phone_number_add", args=[customer.pk])
    ok = client.post(
        url, {"number": "212 555 0123", "label": "home"}, headers={"HX-Request": "true"}
    )
    assert "(212) 555-0123" in ok.content.decode()
    bad = client.post(url, {"number": "12", "label": "home"}, headers={"HX-Request": "true"})
    assert 'class="errorlist' in bad.content.decode()
    assert customer.phone_numbers.count() == 2


def test_case_list_filters_with_htmx(client_as, agent, case, other_agent):
    services.case_create(
        customer=case.customer, actor=other_agent, owner=other_agent, subject="Replacement modem"
    )
    client = client_as(agent)
    mine = client.get(reverse("crm:case_list")).content.decode()
    assert "Refund" in mine and "Replacement modem" not in mine
    everyone = client.get(
        reverse("crm:case_list"), {"scope": "all", "status": ""}, headers={"HX-Request": "true"}
    ).content.decode()
    assert everyone.strip().startswith('<div id="case-table">')
    assert "Refund" in everyone and "Replacement modem" in everyone


def test_case_list_ignores_a_bogus_filter(client_as, agent, case):
    response = client_as(agent).get(reverse("crm:case_list"), {"status": "bogus", "priority": "x"})
    assert response.status_code == 200
    assert "Refund" in response.content.decode()


def test_case_page_offers_only_legal_moves(client_as, agent, case):
    page = client_as(agent).get(case.get_absolute_url()).content.decode()
    assert '<option value="open">' in page and '<option value="closed">' in page
    assert '<option value="resolved">' not in page


def test_case_status_change_with_htmx(client_as, agent, case):
    response = client_as(agent).post(
        reverse("crm:case_transition", args=[case.pk]),
        {"status": "open"},
        headers={"HX-Request": "true"},
    )
    assert response.content.decode().strip().startswith('<div id="case-panel">')
    case.refresh_from_db()
    assert case.status == Case.Status.OPEN


def test_illegal_status_change_is_a_form_error(client_as, agent, case):
    response = client_as(agent).post(
        reverse("crm:case_transition", args=[case.pk]),
        {"status": "resolved", "resolution": "x"},
        headers={"HX-Request": "true"},
    )
    assert 'class="errorlist' in response.content.decode()
    case.refresh_from_db()
    assert case.status == Case.Status.NEW


def test_resolving_without_resolution_is_a_form_error(client_as, agent, case):
    client = client_as(agent)
    client.post(reverse("crm:case_transition", args=[case.pk]), {"status": "open"})
    response = client.post(reverse("crm:case_transition", args=[case.pk]), {"status": "resolved"})
    assert "Say how the case was resolved" in response.content.decode()
    case.refresh_from_db()
    assert case.status == Case.Status.OPEN


def test_case_edit_records_history(client_as, agent, case):
    client_as(agent).post(
        reverse("crm:case_edit", args=[case.pk]),
        {"subject": "Refund for March", "category": "billing", "priority": 3, "description": ""},
    )
    case.refresh_from_db()
    assert case.subject == "Refund for March"
    assert case.events.filter(kind="updated").exists()


def test_agent_cannot_give_a_case_to_someone_else(client_as, agent, other_agent, case):
    response = client_as(agent).post(
        reverse("crm:case_assign", args=[case.pk]), {"owner": other_agent.pk}
    )
    assert response.status_code == 403
    case.refresh_from_db()
    assert case.owner == agent


def test_supervisor_assigns_a_case(client_as, supervisor, other_agent, case):
    response = client_as(supervisor).post(
        reverse("crm:case_assign", args=[case.pk]),
        {"owner": other_agent.pk},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    case.refresh_from_db()
    assert case.owner == other_agent


def test_assign_with_unknown_owner_is_a_bad_request(client_as, supervisor, case):
    response = client_as(supervisor).post(
        reverse("crm:case_assign", args=[case.pk]), {"owner": 999}
    )
    assert response.status_code == 400


def test_create_case_from_customer_page(client_as, agent, customer):
    response = client_as(agent).post(
        reverse("crm:case_create", args=[customer.pk]),
        {"subject": "Modem", "category": "technical", "priority": 2, "description": "Blinking"},
    )
    case = Case.objects.get()
    assert response.url == case.get_absolute_url()
    assert case.owner == agent
    assert customer.interactions.get().kind == Interaction.Kind.CASE


def test_unknown_customer_is_a_404_page(client_as, agent):
    response = client_as(agent).get(reverse("crm:customer_detail", args=[999999]))
    assert response.status_code == 404


def test_unassigned_cases_render_with_nobody_as_owner(client_as, supervisor, customer):
    case = services.case_create(customer=customer, actor=supervisor, subject="Damaged box")
    client = client_as(supervisor)
    listing = client.get(reverse("crm:case_list"), {"scope": "unassigned"}).content.decode()
    assert case.reference in listing
    assert "Nobody" in client.get(case.get_absolute_url()).content.decode()


def test_pages_name_an_icon_that_is_served(client_as, agent):
    page = client_as(agent).get(reverse("home")).content.decode()
    href = re.search(r'<link rel="icon"[^>]* href="([^"]+)"', page)
    assert href is not None
    assert finders.find(href.group(1).removeprefix(settings.STATIC_URL).lstrip("/"))


def test_pages_that_name_no_icon_find_one_at_the_usual_address(client):
    # Django admin's pages name no icon: browsers then ask for /favicon.ico, signed in or not.
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert finders.find(response["Location"].removeprefix(settings.STATIC_URL).lstrip("/"))


def test_the_case_owner_list_names_colleagues_by_name(supervisor):
    supervisor.first_name, supervisor.last_name = "Sam", "Rivera"
    supervisor.save()
    labels = [label for _value, label in CaseAssignForm().fields["owner"].choices]
    assert "Sam Rivera" in labels and supervisor.username not in labels
