"""qa's tests use telephony's demo line and signed-webhook helpers."""

import pytest

from telephony.models import Queue, RecordingPolicy
from tests.telephony.conftest import support_line, twilio_post  # noqa: F401  (fixtures)


@pytest.fixture
def recorded_line(support_line):  # noqa: F811  (the fixture above)
    """The demo line, its Billing queue recording every call (kept 90 days)."""
    policy = RecordingPolicy.objects.create(name="Billing: all, 90 days", retention_days=90)
    Queue.objects.filter(name="Billing").update(recording_policy=policy)
    return support_line
