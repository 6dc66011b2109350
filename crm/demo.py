"""CRM demo data: one login per role, agents, and customers with cases and timelines.

Idempotent: users, customers and their cases are keyed on usernames and account numbers,
so a second run adds nothing and changes no password.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, User
from django.utils import timezone

from callcenter import roles
from crm import services
from crm.models import Case, Customer, PhoneNumber

# Every demo login's password, which `make run` prints for people to sign in with.
DEMO_PASSWORD = "callcenter-demo"  # noqa: S105

# username, first name, last name, role
DEMO_USERS = [
    ("manager", "Morgan", "Reyes", roles.MANAGER),
    ("supervisor", "Sam", "Okafor", roles.SUPERVISOR),
    ("qa", "Quinn", "Larsen", roles.QA_ANALYST),
    ("agent", "Alex", "Kim", roles.AGENT),
    ("agent2", "Bea", "Novak", roles.AGENT),
    ("agent3", "Chris", "Duarte", roles.AGENT),
    ("agent4", "Dana", "Whitfield", roles.AGENT),
    ("agent5", "Eli", "Moreau", roles.AGENT),
]

FIRST_NAMES = [
    "Ava",
    "Ben",
    "Carmen",
    "Darius",
    "Elena",
    "Farah",
    "Gus",
    "Hana",
    "Ivan",
    "Julia",
    "Kofi",
    "Lena",
    "Marco",
    "Nina",
    "Omar",
    "Priya",
    "Rosa",
    "Theo",
    "Uma",
    "Victor",
]
LAST_NAMES = [
    "Alvarez",
    "Brooks",
    "Chen",
    "Dubois",
    "Evans",
    "Fischer",
    "Garcia",
    "Hughes",
    "Ito",
    "Johnson",
    "Kowalski",
    "Lopez",
    "Mensah",
    "Nguyen",
    "Olsen",
    "Patel",
    "Rossi",
    "Silva",
]
# Area codes and their zones; 555-01xx numbers are reserved for fiction in North America.
AREA_CODES = ["212", "312", "415", "512", "617", "305", "206", "303"]
SUBJECTS = [
    ("billing", "Charged twice for the same month"),
    ("billing", "Refund not received"),
    ("technical", "Router keeps dropping the connection"),
    ("technical", "Cannot log in to the mobile app"),
    ("account", "Change of billing address"),
    ("order", "Delivery arrived damaged"),
    ("order", "Wrong item shipped"),
    ("complaint", "Rude technician on site visit"),
]
NOTES = [
    "Called to confirm the payment date.",
    "Prefers to be contacted after 5 pm.",
    "Asked about the loyalty discount; sent the terms by email.",
    "Verified identity with account number and postcode.",
]


def _fictional_number(area_code: str, line: int) -> str:
    """+1 AAA 555-01LL: North American numbers reserved for fiction (line 100-199)."""
    return f"+1{area_code}555{line:04d}"


# The first demo customer's mobile (account AC-100000): the dev phone calls as this number,
# so a newcomer's first screen-pop shows a known customer.
DEMO_CALLER = _fictional_number(AREA_CODES[0], 100)


def seed_users() -> dict:
    """One login per role (password DEMO_PASSWORD), keyed on username."""
    User = get_user_model()
    users = {}
    for username, first, last, role in DEMO_USERS:
        user, created = User.objects.get_or_create(
            username=username,
            defaults={"first_name": first, "last_name": last, "email": f"{username}@example.com"},
        )
        if created:
            user.set_password(DEMO_PASSWORD)
        user.is_staff = role == roles.MANAGER
        user.save()
        user.groups.add(Group.objects.get(name=role))
        users[username] = user
    return users


def seed_customers(count: int, agents: list) -> int:
    """Customers with numbers, notes and cases, keyed on account number; returns the new count."""
    rng = random.Random(20261123)  # the same demo data on every machine
    now = timezone.now()
    created = 0
    for i in range(count):
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        area = AREA_CODES[i % len(AREA_CODES)]
        account_number = f"AC-{100000 + i}"
        phones = [{"number": _fictional_number(area, 100 + i % 100), "label": "mobile"}]
        if i % 3 == 0:
            home_area = AREA_CODES[(i + 3) % len(AREA_CODES)]
            phones.append(
                {
                    "number": _fictional_number(home_area, 199 - i % 100),
                    "label": PhoneNumber.Label.HOME,
                }
            )
        if Customer.objects.filter(account_number=account_number).exists():
            continue
        customer = services.customer_create(
            name=f"{first} {last}",
            account_number=account_number,
            tier=rng.choices(Customer.Tier.values, weights=[70, 15, 10, 5])[0],
            preferred_language=rng.choices(["en-US", "es-US", "fr-CA"], weights=[80, 15, 5])[0],
            email=f"{first}.{last}{i}@example.com".lower(),
            recording_consent=rng.choices(Customer.RecordingConsent.values, weights=[15, 80, 5])[0],
            # Every demo customer may be rung by the demo campaigns; some signed up to sales.
            call_consent=rng.choices(["express", "written"], weights=[60, 40])[0],
            call_consent_at=now,
            phone_numbers=phones,
        )
        created += 1
        agent = rng.choice(agents)
        if rng.random() < 0.5:
            services.note_add(customer=customer, author=agent, body=rng.choice(NOTES))
        for _ in range(rng.choice([0, 1, 1, 2])):
            _case(rng, customer, agent, now)
    return created


def _case(rng: random.Random, customer: Customer, agent: User, now: datetime) -> None:
    category, subject = rng.choice(SUBJECTS)
    case = services.case_create(
        customer=customer,
        actor=agent,
        owner=agent if rng.random() < 0.8 else None,
        subject=subject,
        category=category,
        priority=rng.choice(Case.Priority.values),
        due_at=now + timedelta(days=rng.randint(-2, 7)),
    )
    path = rng.choice(
        [[], ["open"], ["open", "pending"], ["open", "resolved"], ["open", "resolved", "closed"]]
    )
    for status in path:
        services.case_transition(
            case=case,
            actor=agent,
            status=status,
            resolution="Explained the charge and issued a credit." if status == "resolved" else "",
        )
