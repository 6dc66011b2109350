"""The API against its own OpenAPI schema: requests built from the schema (a bounded number
per operation, derandomized so a run is repeatable) never get a 5xx, and every answer
matches the schema: status codes, content types, bodies, headers."""

from __future__ import annotations

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.test import override_settings
from hypothesis import HealthCheck, settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from crm import services as crm_services
from crm.models import Interaction
from qa.autoqa import services as autoqa
from telephony.models import AgentProfile, Queue
from tests.factories import CampaignFactory, CustomerFactory
from tests.qa.autoqa.conftest import GOOD_CALL, rule, transcribed_call

pytestmark = pytest.mark.django_db

EXAMPLES_PER_OPERATION = 4
# What the answers must be. Left out: whether made-up ids are accepted (they name no row),
# whether DRF's coercions (a number for a string) are refused, and auth probing (every
# request here carries a valid token on purpose).
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]

# Read once, at collection, as an integration reads it (no database yet: opened to anyone).
with override_settings(API_DOCS_PUBLIC=True):
    schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", get_wsgi_application())


@pytest.fixture
def token(manager):
    """A superuser's token: every endpoint is reached, so the schema is checked, not roles."""
    manager.is_superuser = True
    manager.save()
    # As Django's test client does: a request's start and end must not close the
    # connection that holds the test's transaction.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield Token.objects.create(user=manager).key
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_the_api_keeps_to_its_schema(case, token):
    case.call_and_validate(headers={"Authorization": f"Token {token}"}, checks=CHECKS)


@pytest.fixture
def rows(manager):
    """Rows whose answers once disagreed with the schema."""
    customer = CustomerFactory()
    case = crm_services.case_create(customer=customer, actor=manager, subject="Refund")
    crm_services.interaction_record(customer=customer, kind=Interaction.Kind.CALL, summary="Call")
    AgentProfile.objects.create(user=manager, client_identity="manager", reason="")
    campaign = CampaignFactory()
    rule("greeting", "required", phrases="thank you for calling")
    rule("long-silence", "silence", speaker="anyone", seconds=10)
    transcript = transcribed_call(manager, Queue.objects.create(name="Billing"), GOOD_CALL)
    score = autoqa.transcript_score(transcript_id=transcript.pk)
    return {"case": case.pk, "campaign": campaign.pk, "score": score.pk}


@pytest.mark.parametrize(
    ("path", "ids"),
    [
        ("/api/agents/", {}),  # a blank reason
        ("/api/interactions/", {}),  # kinds case and call
        ("/api/cases/{id}/history/", {"id": "case"}),  # a plain list
        ("/api/campaigns/{id}/", {"id": "campaign"}),  # calling window times
        ("/api/auto-qa/{id}/", {"id": "score"}),  # results with and without an utterance
    ],
)
def test_answers_with_rows_keep_to_the_schema(token, rows, path, ids):
    operation = schema[path]["GET"]
    case = operation.Case(path_parameters={name: rows[key] for name, key in ids.items()})
    response = case.call_and_validate(headers={"Authorization": f"Token {token}"}, checks=CHECKS)
    assert response.status_code == 200
