"""Demo data for every app: logins per role, customers, a support line with its IVR.

Safe to re-run: each app's seeder keys its rows on natural keys and adds only what is
missing.
"""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction

from callcenter import roles
from campaigns import demo as campaigns_demo
from crm import demo as crm_demo
from qa import demo as qa_demo
from reports import demo as reports_demo
from telephony import demo as telephony_demo
from workforce import demo as workforce_demo


class Command(BaseCommand):
    help = (
        "Load demo users (one per role), customers, cases, a support line and a campaign. "
        "Safe to re-run."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--customers", type=int, default=60)

    @transaction.atomic
    def handle(self, *args: object, customers: int, **options: object) -> None:
        users = crm_demo.seed_users()
        agents = [users[name] for name, *_rest, role in crm_demo.DEMO_USERS if role == roles.AGENT]
        created = crm_demo.seed_customers(customers, agents)
        line = telephony_demo.seed()
        always_open = telephony_demo.seed_always_open(line)
        telephony_demo.seed_agents(users)
        telephony_demo.seed_recording([line, always_open], supervisor=users.get("supervisor"))
        campaign = campaigns_demo.seed()
        qa_demo.seed_rules()
        qa_demo.seed_evaluations(users)
        history = reports_demo.seed()
        forecasts = workforce_demo.seed()
        self.stdout.write(self.style.SUCCESS(f"Demo data ready ({created} new customers)."))
        self.stdout.write(
            f"Support line: {line.number} ({line.name}, office hours: 08:00-20:00 Monday to "
            "Friday and 09:00-13:00 Saturday, New York time; voicemail when closed)."
        )
        self.stdout.write(
            f"Call {always_open.number} ({always_open.name}) to reach an agent at any hour. "
            "Agents take calls at /telephony/desk/; staff call in from /telephony/dev-phone/."
        )
        self.stdout.write(
            "Calls on both lines are recorded once an agent answers; recordings play on the "
            "call's page, linked from the customer's timeline. Transcribed calls are scored "
            "against the automated-QA rules (admin) and reviewed at /qa/auto/."
        )
        self.stdout.write(
            "QA analysts score sampled calls from /qa/evaluations/queue/; a scored demo call "
            "is at /qa/evaluations/ (the agent acknowledges or disputes it there)."
        )
        self.stdout.write(f"Campaign: {campaign.name}, supervised at /campaigns/{campaign.pk}/.")
        self.stdout.write(
            f"Reports at /reports/: two weeks of demo history ({history} calls added now)."
        )
        self.stdout.write("Forecast and staffing at /workforce/: " + "; ".join(forecasts) + ".")
        self.stdout.write(f"Logins (password for all: {crm_demo.DEMO_PASSWORD}):")
        for username, *_names, role in crm_demo.DEMO_USERS:
            self.stdout.write(f"  {role:<11} {username}")
        self.stdout.write(f"Open {settings.PUBLIC_BASE_URL} and sign in with a login above.")
