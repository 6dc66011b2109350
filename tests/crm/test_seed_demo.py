import re

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from callcenter import roles
from campaigns import demo as campaigns_demo
from crm.models import Case, Customer, Interaction, PhoneNumber
from telephony import demo as telephony_demo
from telephony.models import InboundNumber

pytestmark = pytest.mark.django_db


def _counts():
    return (
        get_user_model().objects.count(),
        Customer.objects.count(),
        PhoneNumber.objects.count(),
        Case.objects.count(),
        Interaction.objects.count(),
    )


def test_seed_demo_is_idempotent_and_gives_a_login_per_role(capsys):
    call_command("seed_demo", customers=12)
    first = _counts()
    call_command("seed_demo", customers=12)
    assert _counts() == first
    # The demo customers, and the payment-reminder campaign's, who are customers too.
    assert first[1] == 12 + len(campaigns_demo.LEADS)
    output = capsys.readouterr().out
    User = get_user_model()
    for role in roles.ROLES:
        user = User.objects.filter(groups__name=role).first()
        assert user is not None and user.check_password("callcenter-demo")
        assert user.username in output
    assert User.objects.get(username="manager").is_staff
    assert not User.objects.get(username="agent").is_staff


def test_banner_names_the_public_address_it_serves(settings, capsys):
    settings.PUBLIC_BASE_URL = "http://127.0.0.1:9123"
    call_command("seed_demo", customers=2)
    assert "Open http://127.0.0.1:9123 " in capsys.readouterr().out


def test_a_line_open_at_any_hour_is_seeded_and_named_in_the_banner(capsys):
    call_command("seed_demo", customers=2)
    line = InboundNumber.objects.get(number=telephony_demo.ALWAYS_OPEN_NUMBER)
    assert line.business_hours is None
    assert f"Call {line.number} " in capsys.readouterr().out


def test_the_dev_phone_calls_as_a_demo_customer(client, capsys):
    call_command("seed_demo", customers=2)
    client.force_login(get_user_model().objects.get(username="manager"))
    page = client.get("/telephony/dev-phone/").content.decode()
    caller = re.search(r'name="caller" value="([^"]+)"', page)
    assert caller is not None
    assert PhoneNumber.objects.filter(number=caller.group(1)).exists()
