"""Personas (agent, supervisor, qa_analyst, manager, outsider) and shared fixtures."""

from __future__ import annotations

import pytest
from django.apps import apps as django_apps
from django.contrib.auth.models import Group
from rest_framework.test import APIClient

from callcenter import celery_app, roles
from callcenter.roles import sync_role_groups
from tests.factories import UserFactory

# The Celery app reads its configuration once: tasks run in-process in every test.
celery_app.conf.task_always_eager = True


@pytest.fixture(autouse=True)
def _fast_and_isolated(settings):
    # Test settings only override: quick hashing, plain static files, no shared state.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.CELERY_TASK_ALWAYS_EAGER = True


def _persona(username: str, role: str | None, **extra):
    # Transactional tests flush the tables the role migration filled; restore the groups.
    if role and not Group.objects.filter(name=role).exists():
        sync_role_groups(django_apps)
    user = UserFactory(username=username, **extra)
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
