import datetime as dt

import pytest
import time_machine
from django.core.management import CommandError, call_command

from telephony import demo
from telephony.models import AgentProfile, AgentSkill, Call, QueueEntry, Skill
from tests.factories import UserFactory

# Routing runs after commit, as in production.
pytestmark = pytest.mark.django_db(transaction=True)


def test_traffic_flows_through_ivr_and_acd_without_errors(support_line, capsys):
    ann = AgentProfile.objects.create(
        user=UserFactory(username="ann"), client_identity="ann", state="available"
    )
    AgentSkill.objects.create(agent=ann, skill=Skill.objects.get(name="billing"), level=5)
    # Monday 10:00 in New York: the demo line is open.
    with time_machine.travel(dt.datetime(2026, 11, 23, 15, 0, tzinfo=dt.UTC), tick=False):
        call_command("simulate_traffic", calls=12, per_minute=6, mix="1:1", hang_up_rate=0, seed=3)
    assert "application errors: 0" in capsys.readouterr().out
    assert Call.objects.filter(direction="inbound").count() == 12
    served = QueueEntry.objects.filter(served_by__client_identity="ann")
    assert served.exists()


def test_bad_mix_is_a_clear_error(support_line):
    with pytest.raises(CommandError, match="choice:weight"):
        call_command("simulate_traffic", mix="1-50")


def test_needs_a_line(db):
    with pytest.raises(CommandError, match="No inbound number"):
        call_command("simulate_traffic", calls=1)


def test_a_second_run_places_new_calls_not_the_first_run_s_again(support_line):
    # Same seed, same database: a reissued CallSid would be taken for the stored call.
    with time_machine.travel(dt.datetime(2026, 11, 23, 15, 0, tzinfo=dt.UTC), tick=False):
        for _ in range(2):
            call_command("simulate_traffic", calls=2, per_minute=6, mix="1:1", seed=3)
    assert Call.objects.filter(direction="inbound").count() == 4


def test_prints_an_outcome_table_and_no_task_logs(support_line, capfd):
    ann = AgentProfile.objects.create(
        user=UserFactory(username="ann"), client_identity="ann", state="available"
    )
    AgentSkill.objects.create(agent=ann, skill=Skill.objects.get(name="billing"), level=5)
    with time_machine.travel(dt.datetime(2026, 11, 23, 15, 0, tzinfo=dt.UTC), tick=False):
        call_command("simulate_traffic", calls=12, per_minute=6, mix="1:1", seed=3)
    out, err = capfd.readouterr()
    answered = Call.objects.filter(direction="inbound", answered_at__isnull=False).count()
    abandoned = QueueEntry.objects.filter(kind="call", status="abandoned").count()
    assert answered > 0
    table = {line.split()[0]: line.split()[-1] for line in out.splitlines()[1:]}
    assert table["answered"] == str(answered)
    assert table["abandoned"] == str(abandoned)
    assert {"callbacks", "voicemail", "average"} <= table.keys()
    assert "succeeded" not in out + err and "celery" not in out + err


def test_calls_go_to_a_line_open_at_any_hour_by_default(support_line):
    always_open = demo.seed_always_open(support_line)
    # Monday 03:00 in New York: the office-hours line is closed, its calls would all be voicemail.
    with time_machine.travel(dt.datetime(2026, 11, 23, 8, 0, tzinfo=dt.UTC), tick=False):
        call_command("simulate_traffic", calls=2, per_minute=6, mix="1:1", seed=3)
    numbers = set(Call.objects.filter(direction="inbound").values_list("to_number", flat=True))
    assert numbers == {always_open.number}
