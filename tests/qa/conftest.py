"""qa's tests use telephony's demo line and signed-webhook helpers."""

from tests.telephony.conftest import support_line, twilio_post  # noqa: F401  (fixtures)
