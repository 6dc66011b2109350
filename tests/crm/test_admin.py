import pytest
from django.contrib import admin
from django.urls import reverse

from crm import services
from crm.models import Case, Customer
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def ava():
    return services.customer_create(
        name="Ava Chen", account_number="AC-100042", phone_numbers=[{"number": "+14155550142"}]
    )


@pytest.mark.parametrize(
    "model", [m for m in admin.site._registry if m._meta.app_label == "crm"], ids=str
)
def test_manager_opens_every_crm_admin_page(client_as, manager, ava, agent, model):
    services.case_create(customer=ava, actor=agent, subject="Refund")
    services.dnc_add(phone="+14155550142", source="manual")
    client = client_as(manager)
    opts = model._meta
    changelist = client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))
    assert changelist.status_code == 200
    searched = client.get(
        reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"), {"q": "Ava"}
    )
    assert searched.status_code == 200
    obj = model.objects.first()
    change = client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk]))
    assert change.status_code == 200


def test_admin_search_by_phone(client_as, manager, ava):
    CustomerFactory(name="Ben Brooks")
    page = client_as(manager).get(reverse("admin:crm_customer_changelist"), {"q": "+14155550142"})
    assert "Ava Chen" in page.content.decode()
    assert "Ben Brooks" not in page.content.decode()


def test_agents_have_no_admin(client_as, agent):
    response = client_as(agent).get(reverse("admin:index"))
    assert response.status_code == 302


def _inline_management(prefix: str, total: int) -> dict:
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": "0",
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def _customer_with_number(number: str) -> dict:
    return {
        "name": "Ben Brooks",
        "account_number": "AC-9",
        "tier": 0,
        "preferred_language": "en-US",
        "recording_consent": "unknown",
        "call_consent": "none",
        **_inline_management("phone_numbers", 1),
        **_inline_management("email_addresses", 0),
        "phone_numbers-0-number": number,
        "phone_numbers-0-label": "mobile",
    }


def test_admin_customer_with_local_number_is_stored_as_e164(client_as, manager):
    data = _customer_with_number("(312) 555-0100")
    response = client_as(manager).post(reverse("admin:crm_customer_add"), data)
    assert response.status_code == 302
    assert Customer.objects.get().phone_numbers.get().number == "+13125550100"


def test_admin_customer_with_bad_number_shows_error_and_saves_nothing(client_as, manager):
    data = _customer_with_number("call me maybe")
    response = client_as(manager).post(reverse("admin:crm_customer_add"), data)
    assert response.status_code == 200
    assert "is not a phone number" in response.content.decode()
    assert not Customer.objects.exists()


def test_admin_case_changes_are_recorded(client_as, manager, ava, agent):
    client = client_as(manager)
    response = client.post(
        reverse("admin:crm_case_add"),
        {
            "customer": ava.pk,
            "subject": "Refund",
            "category": "billing",
            "priority": 2,
            **_inline_management("events", 0),
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    case = Case.objects.get()
    assert case.created_by == manager
    response = client.post(
        reverse("admin:crm_case_change", args=[case.pk]),
        {
            "subject": "Refund for March",
            "category": "billing",
            "priority": 4,
            "owner": agent.pk,
            "description": "",
            **_inline_management("events", 0),
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    kinds = list(case.events.values_list("kind", flat=True))
    assert kinds == ["created", "updated", "assigned"]
    case.refresh_from_db()
    assert (case.subject, case.priority, case.owner) == ("Refund for March", 4, agent)
