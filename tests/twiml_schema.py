"""Validation of TwiML against Twilio's schema (tests/contracts/twiml-xsd)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from lxml import etree

SCHEMA = (
    Path(__file__).parent
    / "contracts"
    / "twiml-xsd"
    / "twiml_v20100401_twilioRealtimeCallSchema.xsd"
)


@cache
def _schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(SCHEMA)))


def assert_valid_twiml(document: str | bytes) -> etree._Element:
    """Parse a voice TwiML document and fail the test unless the schema accepts it."""
    body = document.encode() if isinstance(document, str) else document
    root = etree.fromstring(body)
    schema = _schema()
    if not schema.validate(root):
        raise AssertionError(f"Invalid TwiML: {schema.error_log}\n{body.decode()}")
    return root
