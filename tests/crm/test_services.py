import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from crm import services
from crm.models import Case, CaseEvent, Customer, Interaction, PhoneNumber
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def _open_case(customer, actor, **extra):
    return services.case_create(customer=customer, actor=actor, subject="Router drops", **extra)


class TestLeadCustomersCreate:
    def test_each_lead_gets_a_customer_with_its_primary_number_and_zone(self):
        results = services.lead_customers_create(
            leads=[
                {"number": "+13125550100", "name": "Ava Chen", "email": "ava@example.com"},
                {"number": "+12125550101", "time_zone": "Europe/Paris"},
            ]
        )
        ava, nameless = results
        assert isinstance(ava, Customer) and isinstance(nameless, Customer)
        assert (ava.name, ava.email, ava.time_zone, ava.is_lead) == (
            "Ava Chen",
            "ava@example.com",
            "America/Chicago",
            True,
        )
        assert (nameless.name, nameless.time_zone) == ("Lead +12125550101", "Europe/Paris")
        assert list(ava.phone_numbers.values_list("number", "is_primary")) == [
            ("+13125550100", True)
        ]
        assert ava.account_number != nameless.account_number
        assert Customer.objects.filter(account_number__startswith="AC-").count() == 2

    def test_a_refused_lead_is_returned_as_its_error_and_leaves_nothing(self):
        long_email = "a" * 64 + "@" + "b" * 63 + "." + "c" * 63 + "." + "d" * 63 + ".com"
        refused, kept = services.lead_customers_create(
            leads=[
                {"number": "+13125550100", "email": long_email},
                {"number": "+13125550101"},
            ]
        )
        assert isinstance(refused, ValidationError) and "email" in refused.message_dict
        assert isinstance(kept, Customer)
        assert list(PhoneNumber.objects.values_list("number", flat=True)) == ["+13125550101"]

    def test_statements_do_not_grow_with_the_number_of_leads(self, django_assert_max_num_queries):
        leads = [{"number": f"+1312555{i:04d}"} for i in range(300)]
        # A few statements, not some per lead (SQLite splits inserts at its parameter limit).
        with django_assert_max_num_queries(15):
            services.lead_customers_create(leads=leads)
        assert PhoneNumber.objects.filter(is_primary=True).count() == 300

    def test_account_numbers_taken_or_drawn_twice_are_drawn_again(self, monkeypatch):
        CustomerFactory(account_number="AC-00000001")
        # Round one draws 1 twice (taken, and a duplicate); round two draws 2 and 3.
        draws = iter([1, 1, 2, 3])
        monkeypatch.setattr(services.secrets, "randbelow", lambda _: next(draws))
        first, second = services.lead_customers_create(
            leads=[{"number": "+13125550100"}, {"number": "+13125550101"}]
        )
        assert {first.account_number, second.account_number} == {"AC-00000002", "AC-00000003"}


class TestCustomerCreate:
    def test_numbers_are_stored_as_e164_first_primary_and_zone_derived(self):
        customer = services.customer_create(
            name="Ava Chen",
            phone_numbers=[{"number": "(312) 555-0100"}, {"number": "+1 212 555 0101"}],
        )
        numbers = list(customer.phone_numbers.order_by("id").values_list("number", "is_primary"))
        assert numbers == [("+13125550100", True), ("+12125550101", False)]
        assert customer.time_zone == "America/Chicago"
        assert customer.account_number.startswith("AC-")

    def test_given_time_zone_is_kept(self):
        customer = services.customer_create(
            name="Ava", time_zone="Europe/Paris", phone_numbers=[{"number": "3125550100"}]
        )
        assert customer.time_zone == "Europe/Paris"

    def test_bad_number_saves_nothing_and_names_the_field(self):
        with pytest.raises(ValidationError) as error:
            services.customer_create(
                name="Ava",
                phone_numbers=[{"number": "3125550100"}, {"number": "not a number"}],
            )
        assert "phone_numbers.1.number" in error.value.message_dict
        assert not Customer.objects.exists()
        assert not PhoneNumber.objects.exists()

    def test_duplicate_account_number_is_refused(self):
        CustomerFactory(account_number="AC-1")
        with pytest.raises(ValidationError) as error:
            services.customer_create(name="Other", account_number="AC-1")
        assert "account_number" in error.value.message_dict

    @pytest.mark.parametrize("zone", ["Mars/Olympus", "EST5EDT nonsense"])
    def test_unknown_time_zone_is_refused(self, zone):
        with pytest.raises(ValidationError) as error:
            services.customer_create(name="Ava", time_zone=zone)
        assert "time_zone" in error.value.message_dict

    def test_new_primary_number_demotes_the_old_one(self):
        customer = services.customer_create(name="Ava", phone_numbers=[{"number": "3125550100"}])
        services.phone_number_add(customer=customer, number="2125550101", is_primary=True)
        primaries = customer.phone_numbers.filter(is_primary=True)
        assert list(primaries.values_list("number", flat=True)) == ["+12125550101"]

    def test_same_number_twice_for_one_customer_is_refused(self):
        customer = services.customer_create(name="Ava", phone_numbers=[{"number": "3125550100"}])
        with pytest.raises(ValidationError):
            services.phone_number_add(customer=customer, number="+1 312 555 0100")


class TestNotes:
    def test_note_lands_on_the_timeline_with_author(self, agent):
        customer = CustomerFactory()
        note = services.note_add(
            customer=customer, author=agent, body="Prefers email.\nSecond line"
        )
        assert note.kind == Interaction.Kind.NOTE
        assert note.summary == "Prefers email."
        assert note.actor == agent
        assert list(customer.interactions.all()) == [note]

    def test_blank_note_is_refused(self, agent):
        with pytest.raises(ValidationError):
            services.note_add(customer=CustomerFactory(), author=agent, body="   ")


class TestCaseWorkflow:
    def test_creation_is_recorded_in_history_and_timeline(self, agent):
        customer = CustomerFactory()
        case = _open_case(customer, agent, owner=agent)
        assert case.status == Case.Status.NEW
        event = case.events.get()
        assert event.kind == CaseEvent.Kind.CREATED
        assert event.changes["subject"] == ["", "Router drops"]
        entry = customer.interactions.get()
        assert entry.kind == Interaction.Kind.CASE
        assert entry.source == case
        assert entry.source_url() == case.get_absolute_url()

    @pytest.mark.parametrize(
        ("path", "status"),
        [
            (["open"], "open"),
            (["open", "pending", "open", "resolved"], "resolved"),
            (["open", "resolved", "open"], "open"),
            (["open", "resolved", "closed"], "closed"),
            (["closed"], "closed"),
        ],
    )
    def test_legal_paths(self, agent, path, status):
        case = _open_case(CustomerFactory(), agent)
        for step in path:
            case = services.case_transition(case=case, actor=agent, status=step, resolution="Fixed")
        assert case.status == status
        assert case.events.filter(kind=CaseEvent.Kind.STATUS).count() == len(path)

    @pytest.mark.parametrize(
        ("path", "illegal"),
        [
            ([], "resolved"),
            ([], "pending"),
            (["open"], "new"),
            (["open"], "closed"),
            (["closed"], "open"),
            ([], "bogus"),
        ],
    )
    def test_illegal_moves_are_refused_and_change_nothing(self, agent, path, illegal):
        case = _open_case(CustomerFactory(), agent)
        for step in path:
            case = services.case_transition(case=case, actor=agent, status=step, resolution="x")
        events = case.events.count()
        with pytest.raises(ValidationError) as error:
            services.case_transition(case=case, actor=agent, status=illegal, resolution="x")
        assert "status" in error.value.message_dict
        case.refresh_from_db()
        assert case.status == (path[-1] if path else "new")
        assert case.events.count() == events

    def test_resolving_needs_a_resolution(self, agent):
        case = services.case_transition(
            case=_open_case(CustomerFactory(), agent), actor=agent, status="open"
        )
        with pytest.raises(ValidationError) as error:
            services.case_transition(case=case, actor=agent, status="resolved", resolution=" ")
        assert "resolution" in error.value.message_dict

    def test_closing_a_resolved_case_keeps_its_resolution(self, agent):
        case = _open_case(CustomerFactory(), agent)
        for step in ("open", "resolved"):
            case = services.case_transition(
                case=case, actor=agent, status=step, resolution="Credit issued"
            )
        case = services.case_transition(case=case, actor=agent, status="closed")
        assert case.resolution == "Credit issued"
        assert case.closed_at is not None

    def test_reopening_clears_resolved_time(self, agent):
        case = _open_case(CustomerFactory(), agent)
        for step in ("open", "resolved", "open"):
            case = services.case_transition(case=case, actor=agent, status=step, resolution="x")
        assert case.resolved_at is None

    def test_update_records_only_real_changes(self, agent):
        case = _open_case(CustomerFactory(), agent)
        services.case_update(case=case, actor=agent, subject="Router drops", priority=4)
        event = case.events.get(kind=CaseEvent.Kind.UPDATED)
        assert event.changes == {"priority": ["Normal", "Urgent"]}
        services.case_update(case=case, actor=agent, priority=4)
        assert case.events.filter(kind=CaseEvent.Kind.UPDATED).count() == 1

    def test_status_cannot_be_changed_through_update(self, agent):
        case = _open_case(CustomerFactory(), agent)
        with pytest.raises(TypeError):
            services.case_update(case=case, actor=agent, status="closed")

    def test_agent_may_take_a_case_but_not_give_it_away(self, agent, other_agent):
        case = _open_case(CustomerFactory(), agent)
        case = services.case_assign(case=case, actor=agent, owner=agent)
        assert case.owner == agent
        with pytest.raises(PermissionDenied):
            services.case_assign(case=case, actor=agent, owner=other_agent)

    def test_supervisor_assigns_to_anyone_and_it_is_recorded(self, supervisor, agent):
        case = _open_case(CustomerFactory(), supervisor)
        case = services.case_assign(case=case, actor=supervisor, owner=agent)
        event = case.events.get(kind=CaseEvent.Kind.ASSIGNED)
        assert event.changes == {"owner": ["", "Alex Kim"]}
        assert event.actor == supervisor


def test_a_case_is_overdue_only_while_open_and_past_due(agent):
    import datetime as dt

    import time_machine

    due = dt.datetime(2026, 3, 2, 12, 0, tzinfo=dt.UTC)
    case = services.case_create(customer=CustomerFactory(), actor=agent, subject="x", due_at=due)
    with time_machine.travel(due - dt.timedelta(minutes=1)):
        assert not case.is_overdue
    with time_machine.travel(due + dt.timedelta(minutes=1)):
        assert case.is_overdue
        for step in ("open", "resolved"):
            case = services.case_transition(case=case, actor=agent, status=step, resolution="ok")
        assert not case.is_overdue
