"""Signing in: wrong passwords lock the username out from that address for a while."""

from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def _sign_in(client, password, **extra):
    return client.post(reverse("login"), {"username": "agent", "password": password}, **extra)


def test_forty_wrong_passwords_then_the_right_one_does_not_sign_in(client, agent, settings):
    for _ in range(40):
        _sign_in(client, "guess")
    response = _sign_in(client, "s3cret-pass")
    assert response.status_code == 429
    assert "Too many sign-in attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_the_lockout_starts_at_the_failure_limit(client, agent, settings):
    settings.AXES_FAILURE_LIMIT = 3
    assert [_sign_in(client, "guess").status_code for _ in range(3)] == [200, 200, 429]


def test_a_few_typos_then_the_right_password_signs_in(client, agent):
    for _ in range(2):
        assert _sign_in(client, "typo").status_code == 200
    assert _sign_in(client, "s3cret-pass").status_code == 302
    assert client.session["_auth_user_id"] == str(agent.pk)


def test_the_lockout_binds_the_address_it_came_from(client, agent):
    for _ in range(10):
        _sign_in(client, "guess", REMOTE_ADDR="192.0.2.20")
    assert _sign_in(client, "s3cret-pass", REMOTE_ADDR="192.0.2.21").status_code == 302


def test_the_api_token_endpoint_is_locked_out_too(api_client, agent):
    for _ in range(6):
        api_client.post("/api/auth/token/", {"username": "agent", "password": "guess"})
    response = api_client.post("/api/auth/token/", {"username": "agent", "password": "s3cret-pass"})
    assert "token" not in response.data


def test_a_made_up_forwarded_address_does_not_escape_the_lockout(client, agent):
    for n in range(10):
        _sign_in(client, "guess", HTTP_X_FORWARDED_FOR=f"203.0.113.{n}")
    assert _sign_in(client, "s3cret-pass", HTTP_X_FORWARDED_FOR="203.0.113.99").status_code == 429


def test_behind_a_trusted_proxy_the_lockout_binds_the_forwarded_address(client, agent, settings):
    settings.TRUSTED_PROXIES = 1
    proxy = {"REMOTE_ADDR": "10.0.0.1"}
    for _ in range(10):
        _sign_in(client, "guess", HTTP_X_FORWARDED_FOR="198.51.100.1", **proxy)
    # Another client behind the same proxy is not locked out by the first one's guesses.
    colleague = _sign_in(client, "s3cret-pass", HTTP_X_FORWARDED_FOR="198.51.100.2", **proxy)
    assert colleague.status_code == 302
