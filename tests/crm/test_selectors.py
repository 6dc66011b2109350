import pytest

from crm import selectors, services
from tests.factories import CustomerFactory, PhoneNumberFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def ava():
    return services.customer_create(
        name="Ava Chen",
        account_number="AC-100042",
        email="ava@example.com",
        phone_numbers=[{"number": "+14155550142"}],
        email_addresses=[{"email": "ava.work@example.org"}],
    )


@pytest.mark.parametrize("typed", ["(415) 555-0142", "+1 415-555-0142", "14155550142"])
def test_caller_id_lookup_in_any_format(ava, typed):
    assert selectors.customers_by_phone(phone=typed) == [ava]


def test_caller_id_lookup_is_one_query(ava, django_assert_num_queries):
    PhoneNumberFactory.create_batch(20)
    with django_assert_num_queries(1):
        found = selectors.customers_by_phone(phone="(415) 555-0142")
        assert found[0].name == "Ava Chen"


def test_caller_id_lookup_of_garbage_finds_nobody_without_a_query(ava, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert selectors.customers_by_phone(phone="anonymous") == []


@pytest.mark.parametrize(
    "query",
    ["ava", "CHEN", "ac-1000", "AC-100042", "ava@example", "ava.work", "(415) 555-0142", "555-014"],
)
def test_search_finds_by_name_account_email_and_phone(ava, query):
    CustomerFactory(name="Ben Brooks")
    assert selectors.customer_search(query=query) == [ava]


def test_search_lists_each_customer_once(ava):
    services.phone_number_add(customer=ava, number="+14155550143")
    assert selectors.customer_search(query="415555014") == [ava]


@pytest.mark.parametrize("query", ["", "a", "   "])
def test_search_needs_two_characters(ava, query):
    assert selectors.customer_search(query=query) == []


def test_timeline_is_newest_first(ava, agent):
    first = services.note_add(customer=ava, author=agent, body="first")
    second = services.note_add(customer=ava, author=agent, body="second")
    assert selectors.customer_timeline(customer=ava) == [second, first]


def test_case_list_scopes(agent, other_agent):
    customer = CustomerFactory()
    mine = services.case_create(customer=customer, actor=agent, owner=agent, subject="Mine")
    services.case_create(customer=customer, actor=other_agent, owner=other_agent, subject="Theirs")
    nobody = services.case_create(customer=customer, actor=agent, subject="Nobody's")
    assert list(selectors.case_list(user=agent)) == [mine]
    assert list(selectors.case_list(user=agent, scope="unassigned")) == [nobody]
    assert selectors.case_list(user=agent, scope="all").count() == 3


def test_case_list_active_excludes_resolved(agent):
    customer = CustomerFactory()
    case = services.case_create(customer=customer, actor=agent, owner=agent, subject="Done")
    for step in ("open", "resolved"):
        services.case_transition(case=case, actor=agent, status=step, resolution="ok")
    assert not selectors.case_list(user=agent, status="active").exists()
    assert selectors.case_list(user=agent, status="resolved").get() == case
