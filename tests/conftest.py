"""Personas (agent, supervisor, qa_analyst, manager, outsider) and shared fixtures."""

from __future__ import annotations

import pytest
from django.apps import apps as django_apps
from django.conf import settings
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from rest_framework.test import APIClient

from callcenter import celery_app, roles
from callcenter.roles import sync_role_groups
from campaigns.dialer.consent import consent_rules_seed
from campaigns.models import ConsentRule
from telephony import gateway, twiml
from telephony.calls import selectors as telephony_selectors
from telephony.simulator import DjangoClientTransport, NumberConfig, Simulator
from tests.factories import UserFactory
from tests.twiml_schema import assert_valid_twiml

# The Celery app reads its configuration once: tasks run in-process in every test.
celery_app.conf.task_always_eager = True


@pytest.fixture(autouse=True)
def _fast_and_isolated(settings, tmp_path):
    # Test settings only override: quick hashing, plain static files, uploads (lead files,
    # registry copies) in a temporary folder rather than the project's var/, no shared state.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "media")},
        },
    }
    settings.CELERY_TASK_ALWAYS_EAGER = True
    # The suite's clients all come from one address and a handful of user ids: no real
    # client sends that much. Throttling tests set their own rates.
    settings.API_THROTTLE_RATES = dict.fromkeys(settings.API_THROTTLE_RATES, "100000/minute")
    # Wallboard snapshots shared through Redis would outlive the test that made them (its
    # rollback renews no floor stamp): each fetch builds its own. tests/floor says sharing.
    settings.WALLBOARD_SHARED_SNAPSHOT_SECONDS = 0.0
    # A transactional test's flush recreates the content types under new ids; a cache of
    # the old ones would point timeline entries at rows that no longer exist.
    ContentType.objects.clear_cache()
    # Lines an earlier test cached may be rows its rollback removed.
    telephony_selectors.forget_inbound_lines()


@pytest.fixture(autouse=True)
def _seeded_consent_rules(request):
    # A transactional test's flush empties the consent rules the migration seeded; without
    # them every lead needs written consent, so the next such test starts with them again.
    marker = request.node.get_closest_marker("django_db")
    if marker is not None and marker.kwargs.get("transaction"):
        request.getfixturevalue("transactional_db")
        consent_rules_seed(ConsentRule)


def _persona(username: str, role: str | None, **extra):
    # Transactional tests flush the tables the role migration filled; restore the groups.
    if role and not Group.objects.filter(name=role).exists():
        sync_role_groups(django_apps)
    user = UserFactory.create(username=username, **extra)
    if role:
        user.groups.add(Group.objects.get(name=role))
    return user


@pytest.fixture
def agent(db):
    return _persona("agent", roles.AGENT, first_name="Alex", last_name="Kim")


@pytest.fixture
def other_agent(db):
    return _persona("agent2", roles.AGENT, first_name="Bea", last_name="Novak")


@pytest.fixture
def supervisor(db):
    return _persona("supervisor", roles.SUPERVISOR)


@pytest.fixture
def qa_analyst(db):
    return _persona("qa", roles.QA_ANALYST)


@pytest.fixture
def manager(db):
    return _persona("manager", roles.MANAGER, is_staff=True)


@pytest.fixture
def outsider(db):
    """Signed in, but with no role."""
    return _persona("outsider", None)


@pytest.fixture
def api_client():
    return APIClient()


@pytest.fixture
def client_as(client):
    """A test client signed in as the given user."""

    def sign_in(user):
        client.force_login(user)
        return client

    return sign_in


@pytest.fixture
def api_as(api_client):
    def sign_in(user):
        api_client.force_authenticate(user)
        return api_client

    return sign_in


class SchemaCheckedTransport(DjangoClientTransport):
    """The simulator's way into the app, checking every voice TwiML answer on the way."""

    def send(self, method, url, params, signature):
        response = super().send(method, url, params, signature)
        is_voice = "/sms/" not in url
        if is_voice and response.status == 200 and "xml" in response.content_type:
            assert_valid_twiml(response.body)
        return response


@pytest.fixture
def simulator(db):
    """Offline Twilio in-process: it calls the app's webhooks, the gateway calls it."""
    sim = Simulator(
        account_sid=settings.TWILIO_ACCOUNT_SID,
        auth_token=settings.TWILIO_AUTH_TOKEN,
        transport=SchemaCheckedTransport(),
        default_number=NumberConfig(
            voice_url=twiml.webhook_url("voice_incoming"),
            voice_fallback_url=twiml.webhook_url("voice_fallback"),
            status_callback=twiml.webhook_url("voice_status"),
            sms_url=twiml.webhook_url("sms_incoming"),
        ),
    )
    with gateway.using(gateway.build_client(http_client=sim.sdk_http_client())):
        yield sim
