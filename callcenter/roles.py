"""The four roles of the call center, as auth groups with their permissions.

A role is a group; what a user may do is the union of their groups' permissions, so pages
and the API check permissions, never group names. Managers also need `is_staff` to open
Django admin; seed_demo sets it, and admins set it when they make someone a manager.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from django.apps.registry import Apps
    from django.db.backends.base.schema import BaseDatabaseSchemaEditor
    from django.db.migrations import RunPython

AGENT = "Agent"
SUPERVISOR = "Supervisor"
QA_ANALYST = "QA Analyst"
MANAGER = "Manager"
ROLES = (AGENT, SUPERVISOR, QA_ANALYST, MANAGER)

_CRM_READ = [
    "crm.view_customer",
    "crm.view_phonenumber",
    "crm.view_emailaddress",
    "crm.view_case",
    "crm.view_caseevent",
    "crm.view_interaction",
]
_CRM_WORK = [
    *_CRM_READ,
    "crm.add_customer",
    "crm.change_customer",
    "crm.add_phonenumber",
    "crm.change_phonenumber",
    "crm.delete_phonenumber",
    "crm.add_emailaddress",
    "crm.change_emailaddress",
    "crm.delete_emailaddress",
    "crm.add_case",
    "crm.change_case",
    "crm.add_interaction",
]

# "app_label.*" grants every permission of that app.
_CALL_RECORDS = ["telephony.view_call", "telephony.view_recording", "telephony.view_smsmessage"]
_ACD_READ = ["telephony.view_agentprofile", "telephony.view_queue"]
# Agents see only the campaigns and leads they work on (campaigns.selectors narrows it).
_CAMPAIGN_AGENT = ["campaigns.view_campaign", "campaigns.view_lead", "crm.add_dncentry"]
_CAMPAIGN_SUPERVISE = [
    "campaigns.view_campaign",
    "campaigns.control_campaign",
    "campaigns.view_lead",
    "campaigns.view_callattempt",
    "campaigns.view_callingrule",
    "campaigns.view_consentrule",
    "campaigns.view_leadimport",
    "campaigns.add_leadimport",
    "crm.view_dnclist",
    "crm.view_dncentry",
    "crm.add_dncentry",
]

# Who may hear which recordings (qa.selectors.calls_audible_to narrows each to its calls).
_LISTEN_OWN = ["qa.listen_own_recording"]
_LISTEN_TEAM = ["qa.listen_team_recording"]
_LISTEN_ANY = ["qa.listen_any_recording", "qa.view_recordingaccess"]
# Automated QA's scores: each role sees those of the calls it may hear.
_AUTO_QA = ["qa.view_autoqascore"]
# QA analysts read the rules; managers edit them (qa.*), as analysts only read elsewhere.
_AUTO_QA_RULES = ["qa.view_qarule"]
# Evaluations (qa.evaluations.selectors narrows each to its evaluations): analysts score
# and decide disputes of others' scoring; supervisors see, decide and coach their teams';
# agents see, acknowledge and dispute their own.
_EVALUATIONS_OWN = ["qa.view_own_evaluation"]
_EVALUATIONS_TEAM = ["qa.view_team_evaluation", "qa.review_dispute", "qa.coach_agent"]
_EVALUATIONS_SCORE = [
    "qa.score_call",
    "qa.view_any_evaluation",
    "qa.review_dispute",
    "qa.view_scorecard",
    "qa.view_samplingrule",
    "qa.view_workitem",
]
# Report figures: managers all (reports.*), supervisors their teams' agents and queues
# (reports.selectors.report_scope narrows it); agents see their own without a permission.
_REPORTS_TEAM = ["reports.view_team_reports"]
# Supervisors see schedules and decide their agents' requests; managers plan (workforce.*).
# Agents see their own published shifts without a permission.
_WORKFORCE_SUPERVISE = ["workforce.view_schedule", "workforce.decide_requests"]

ROLE_PERMISSIONS: dict[str, list[str]] = {
    AGENT: [
        *_CRM_WORK,
        *_ACD_READ,
        *_CAMPAIGN_AGENT,
        *_LISTEN_OWN,
        *_AUTO_QA,
        *_EVALUATIONS_OWN,
    ],
    SUPERVISOR: [
        *_CRM_WORK,
        "crm.assign_case",
        *_CALL_RECORDS,
        *_ACD_READ,
        "telephony.view_callevent",
        "telephony.change_agentprofile",
        # Listen, whisper and barge on their teams' calls (telephony.monitoring).
        "telephony.add_monitoringsession",
        "telephony.view_monitoringsession",
        *_CAMPAIGN_SUPERVISE,
        *_LISTEN_TEAM,
        *_AUTO_QA,
        *_EVALUATIONS_TEAM,
        *_REPORTS_TEAM,
        "floor.view_wallboard",
        *_WORKFORCE_SUPERVISE,
    ],
    QA_ANALYST: [
        *_CRM_READ,
        *_CALL_RECORDS,
        *_LISTEN_ANY,
        *_AUTO_QA,
        *_AUTO_QA_RULES,
        *_EVALUATIONS_SCORE,
    ],
    MANAGER: [
        "crm.*",
        "telephony.*",
        "campaigns.*",
        "qa.*",
        "reports.*",
        "floor.*",
        "workforce.*",
        "auth.view_user",
        "auth.add_user",
        "auth.change_user",
        "auth.view_group",
        "authtoken.view_tokenproxy",
        "authtoken.add_tokenproxy",
        "authtoken.delete_tokenproxy",
    ],
}


def sync_role_groups(apps: Apps, *, strict: bool = True) -> None:
    """Create the role groups and set their permissions exactly to ROLE_PERMISSIONS.

    Takes the app registry so data migrations can call it with their historical one.
    Each migration that adds models calls it again (it is idempotent); those pass
    strict=False, since models of later migrations do not exist yet when they run.
    """
    from django.contrib.auth.management import create_permissions

    # Permissions are normally created after migrate; a data migration needs them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True  # type: ignore[assignment]  # only checked to be set
        create_permissions(app_config, verbosity=0, apps=apps)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, codes in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role)
        wanted = Permission.objects.none()
        for code in codes:
            app_label, codename = code.split(".")
            matching = Permission.objects.filter(content_type__app_label=app_label)
            if codename != "*":
                matching = matching.filter(codename=codename)
                if strict and not matching.exists():
                    raise LookupError(f"Role {role!r} names unknown permission {code!r}.")
            wanted = wanted | matching
        group.permissions.set(wanted)


def _sync_for_migration(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    sync_role_groups(apps, strict=False)


def sync_operation() -> RunPython:
    """The migration step that re-applies ROLE_PERMISSIONS; add one after adding models."""
    from django.db import migrations

    return migrations.RunPython(_sync_for_migration, migrations.RunPython.noop)
