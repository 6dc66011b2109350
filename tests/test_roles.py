import pytest
from django.apps import apps
from django.contrib.auth.models import Group

from callcenter import roles

pytestmark = pytest.mark.django_db


def test_migration_created_every_role_with_its_permissions():
    for role, codes in roles.ROLE_PERMISSIONS.items():
        group = Group.objects.get(name=role)
        granted = {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.all()}
        explicit = {code for code in codes if not code.endswith(".*")}
        assert explicit <= granted, role


def test_manager_has_every_crm_permission():
    group = Group.objects.get(name=roles.MANAGER)
    # Four permissions per model (add, change, delete, view) and assign_case.
    models = list(apps.get_app_config("crm").get_models())
    assert len(models) >= 10
    assert group.permissions.filter(content_type__app_label="crm").count() == 4 * len(models) + 1


def test_qa_analyst_only_reads_but_scores_calls():
    codenames = Group.objects.get(name=roles.QA_ANALYST).permissions.values_list(
        "codename", flat=True
    )
    # Listening to recordings is reading them; scoring calls and deciding disputes of
    # others' scoring is the analyst's own work, through the evaluation services.
    writes = {"score_call", "review_dispute"}
    assert writes <= set(codenames)
    assert all(code.startswith(("view_", "listen_")) for code in set(codenames) - writes)


def test_sync_is_idempotent_and_restores_drift():
    from django.apps import apps

    agent = Group.objects.get(name=roles.AGENT)
    agent.permissions.clear()
    roles.sync_role_groups(apps)
    roles.sync_role_groups(apps)
    assert agent.permissions.count() == len(roles.ROLE_PERMISSIONS[roles.AGENT])
    assert Group.objects.filter(name__in=roles.ROLES).count() == 4


def test_unknown_permission_in_the_mapping_is_loud(monkeypatch):
    from django.apps import apps

    monkeypatch.setitem(roles.ROLE_PERMISSIONS, roles.AGENT, ["crm.fly_to_the_moon"])
    with pytest.raises(LookupError):
        roles.sync_role_groups(apps)
