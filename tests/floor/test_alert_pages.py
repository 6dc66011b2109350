"""Alerts on the pages: the wallboard's snapshot, the alerts page, the strip atop a
supervisor's other pages (their queues' and agents' only), and the admin."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from floor.models import Alert, AlertRule
from telephony.models import AgentProfile, InboundNumber, IvrFlow, Queue, Team
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def alerts(supervisor):
    billing = Queue.objects.create(name="Billing")
    general = Queue.objects.create(name="General")
    team = Team.objects.create(name="Billing team")
    team.supervisors.add(supervisor)
    team.queues.add(billing)
    bea = AgentProfile.objects.create(
        user=UserFactory.create(username="bea", first_name="Bea"), client_identity="bea"
    )
    wait = AlertRule.objects.create(name="Long wait", kind="long_wait", threshold=60)
    break_ = AlertRule.objects.create(name="Long break", kind="not_ready", threshold=15)
    return {
        "mine": Alert.objects.create(
            rule=wait, subject=f"queue:{billing.pk}", message="Billing: a caller waiting 1:05"
        ),
        "theirs": Alert.objects.create(
            rule=wait, subject=f"queue:{general.pk}", message="General: a caller waiting 2:00"
        ),
        "agent": Alert.objects.create(
            rule=break_, subject=f"agent:{bea.pk}", message="Bea: not ready for 16:00"
        ),
        "cleared": Alert.objects.create(
            rule=wait,
            subject=f"queue:{billing.pk}",
            message="Billing: a caller waiting 3:00",
            cleared_at=timezone.now(),
        ),
    }


def test_the_wallboard_shows_the_supervisors_open_alerts(client_as, supervisor, alerts):
    page = client_as(supervisor).get("/floor/").content.decode()
    assert "Billing: a caller waiting 1:05" in page
    assert "General" not in page and "Bea: not ready" not in page
    assert "3:00" not in page  # cleared
    assert 'id="floor-alerts"' not in page  # the snapshot shows them; no strip above it


def test_a_managers_other_pages_carry_the_alerts_strip_on_its_socket(client_as, manager, alerts):
    client = client_as(manager)
    page = client.get("/").content.decode()
    assert 'id="floor-alerts"' in page and 'data-live-url="/ws/floor/alerts/"' in page
    strip = client.get("/floor/alerts/?strip=1", HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in strip
    for key in ("mine", "theirs", "agent"):
        assert alerts[key].message in strip
    assert alerts["cleared"].message not in strip


def test_the_alerts_page_lists_todays_alerts_in_the_supervisors_scope(
    client_as, supervisor, alerts
):
    page = client_as(supervisor).get("/floor/alerts/").content.decode()
    assert alerts["mine"].message in page and alerts["cleared"].message in page
    assert alerts["theirs"].message not in page


@pytest.mark.parametrize("persona", ["agent", "qa_analyst"])
def test_others_see_no_alerts(client_as, persona, request, alerts):
    user = request.getfixturevalue(persona)
    assert client_as(user).get("/floor/alerts/").status_code == 403
    assert 'id="floor-alerts"' not in client_as(user).get("/").content.decode()


def test_managers_edit_rules_and_read_the_history_in_the_admin(client_as, manager, alerts):
    client = client_as(manager)
    assert client.get("/admin/floor/alertrule/").status_code == 200
    history = client.get("/admin/floor/alert/")
    assert history.status_code == 200 and alerts["mine"].message in history.content.decode()
    assert client.get("/admin/floor/alert/add/").status_code == 403


def test_a_rule_checks_its_recipients_and_needs_a_line_to_text_from():
    rule = AlertRule(
        name="Unstaffed", kind="unstaffed", email_to="floor@example.com, nope", sms_to="x"
    )
    with pytest.raises(ValidationError) as refused:
        rule.full_clean()
    errors = refused.value.message_dict
    assert set(errors) == {"email_to", "sms_to", "sms_from"}

    line = InboundNumber.objects.create(
        number="+18005550100", name="Support", flow=IvrFlow.objects.create(name="Main")
    )
    rule = AlertRule(name="Unstaffed", kind="unstaffed", sms_to="(415) 555-0199", sms_from=line)
    rule.full_clean()
    assert rule.sms_to == "+14155550199"
