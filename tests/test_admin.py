"""The user admin: roles decide, and only superusers grant what bypasses them."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.urls import reverse
from rest_framework.authtoken.models import Token

from callcenter import roles
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _change_form(user, **changes) -> dict:
    """What the change page posts for `user`, with `changes` on top."""
    data = {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "is_active": "on",
        "date_joined_0": user.date_joined.strftime("%Y-%m-%d"),
        "date_joined_1": user.date_joined.strftime("%H:%M:%S"),
        "groups": [g.pk for g in user.groups.all()],
    }
    data.update(changes)
    return data


@pytest.fixture
def superuser(db):
    return UserFactory(username="root", is_staff=True, is_superuser=True)


def test_a_managers_post_cannot_make_a_superuser_or_grant_raw_permissions(
    client_as, manager, agent
):
    delete_dnc = Permission.objects.get(codename="delete_dncentry")
    response = client_as(manager).post(
        reverse("admin:auth_user_change", args=[agent.pk]),
        _change_form(agent, is_superuser="on", user_permissions=[delete_dnc.pk]),
    )
    assert response.status_code == 302
    agent.refresh_from_db()
    assert not agent.is_superuser
    assert not agent.user_permissions.exists()
    assert not agent.has_perm("crm.delete_dncentry")


def test_a_manager_sees_role_membership_only(client_as, manager, agent):
    Group.objects.create(name="Raw permissions")
    page = client_as(manager).get(reverse("admin:auth_user_change", args=[agent.pk]))
    form = page.context["adminform"].form
    assert "is_superuser" not in form.fields and "user_permissions" not in form.fields
    offered = {group.name for group in form.fields["groups"].queryset}
    assert offered == set(roles.ROLES)


def test_a_manager_gives_a_role_and_other_groups_stay(client_as, manager, agent):
    extra = Group.objects.create(name="Raw permissions")
    agent.groups.add(extra)
    supervisor = Group.objects.get(name=roles.SUPERVISOR)
    response = client_as(manager).post(
        reverse("admin:auth_user_change", args=[agent.pk]),
        _change_form(agent, groups=[supervisor.pk]),
    )
    assert response.status_code == 302
    assert set(agent.groups.values_list("name", flat=True)) == {roles.SUPERVISOR, extra.name}


def test_a_manager_cannot_give_a_group_that_is_not_a_role(client_as, manager, agent):
    extra = Group.objects.create(name="Raw permissions")
    response = client_as(manager).post(
        reverse("admin:auth_user_change", args=[agent.pk]), _change_form(agent, groups=[extra.pk])
    )
    assert response.status_code == 200
    assert "groups" in response.context["adminform"].form.errors
    assert not agent.groups.filter(pk=extra.pk).exists()


def test_a_manager_cannot_change_a_superusers_account(client_as, manager, superuser):
    client = client_as(manager)
    response = client.post(
        reverse("admin:auth_user_change", args=[superuser.pk]),
        _change_form(superuser, username="taken-over"),
    )
    assert response.status_code == 403
    password = client.get(reverse("admin:auth_user_password_change", args=[superuser.pk]))
    assert password.status_code == 403
    superuser.refresh_from_db()
    assert superuser.username == "root"


def test_a_superuser_grants_superuser_status_and_permissions(client_as, superuser, agent):
    delete_dnc = Permission.objects.get(codename="delete_dncentry")
    response = client_as(superuser).post(
        reverse("admin:auth_user_change", args=[agent.pk]),
        _change_form(agent, is_superuser="on", user_permissions=[delete_dnc.pk]),
    )
    assert response.status_code == 302
    agent.refresh_from_db()
    assert agent.is_superuser
    assert list(agent.user_permissions.all()) == [delete_dnc]


def test_a_manager_neither_sees_nor_makes_a_superusers_api_token(client_as, manager, superuser):
    secret = Token.objects.create(user=superuser)
    client = client_as(manager)
    listing = client.get(reverse("admin:authtoken_tokenproxy_changelist")).content.decode()
    assert secret.key not in listing
    change = client.get(reverse("admin:authtoken_tokenproxy_change", args=[superuser.pk]))
    assert change.status_code == 302  # the admin's answer to an object it cannot find
    response = client.post(reverse("admin:authtoken_tokenproxy_add"), {"user": superuser.pk})
    assert response.status_code == 200 and "Select a valid choice" in response.content.decode()
    assert Token.objects.filter(user=superuser).count() == 1


def test_a_manager_issues_a_token_for_an_integration_user(client_as, manager, agent):
    response = client_as(manager).post(
        reverse("admin:authtoken_tokenproxy_add"), {"user": agent.pk}
    )
    assert response.status_code == 302
    assert Token.objects.filter(user=agent).exists()
